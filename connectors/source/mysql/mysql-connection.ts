import { readFileSync } from 'node:fs';
import mysql, { type Connection, type ConnectionOptions } from 'mysql2';
import type { MySqlConfig } from './mysql-config-spec.js';

/**
 * The mysql2 options every connection of the source uses. Values come back as the source needs
 * them exactly: DATE/DATETIME/TIMESTAMP as text (a JS Date holds milliseconds only), DECIMAL
 * and BIGINT beyond 2^53 as text, JSON as text; the session time zone is UTC so TIMESTAMP text
 * is in UTC. zongji decodes binlog rows with the same options, so snapshot and stream agree.
 */
export function connectionOptions(config: MySqlConfig): ConnectionOptions {
  return {
    host: config['database.hostname'],
    port: config['database.port'],
    user: config['database.user'],
    password: config['database.password'],
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    jsonStrings: true,
    timezone: 'Z',
    charset: 'utf8mb4',
    connectTimeout: 30_000,
    ...tlsOptions(config),
  } as ConnectionOptions;
}

function tlsOptions(config: MySqlConfig): Pick<ConnectionOptions, 'ssl'> {
  const mode = config['database.ssl.mode'];
  if (mode === 'disabled' || mode === 'preferred') return {};
  if (mode === 'required') return { ssl: { rejectUnauthorized: false } };
  const ca = readFileSync(config['database.ssl.truststore']!, 'utf8');
  return { ssl: { ca, rejectUnauthorized: true, ...(mode === 'verify_ca' ? { checkServerIdentity: () => undefined } : {}) } };
}

/** A callback connection (row streaming needs it); `.promise()` gives its promise API. */
export type MySqlClient = Connection;

export async function connect(config: MySqlConfig): Promise<MySqlClient> {
  const client = mysql.createConnection(connectionOptions(config));
  // a server that goes away later must fail the query in flight, not the process
  client.on('error', () => undefined);
  try {
    await client.promise().connect();
    // the session's TIMESTAMP text in UTC, whatever the server's zone
    await client.promise().query("SET time_zone = '+00:00'");
  } catch (error) {
    client.destroy();
    throw error;
  }
  return client;
}

/** `name` as a quoted identifier */
export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/** the server's error code of a mysql2 error (`ER_MASTER_FATAL_ERROR_READING_BINLOG`, …) and its number */
export function mysqlError(error: unknown): { code: string | null; errno: number | null } {
  const e = error as { code?: unknown; errno?: unknown };
  return { code: typeof e?.code === 'string' ? e.code : null, errno: typeof e?.errno === 'number' ? e.errno : null };
}
