import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { PostgresConfig } from './postgres-config-spec.js';

/**
 * Session settings that make the server's text output exact and uniform, for the snapshot and
 * for pgoutput alike (a walsender applies startup options too): ISO dates, UTC instants,
 * ISO-8601 intervals, hex bytea, '$1,234.56' money, shortest-exact floats.
 */
const SESSION_OPTIONS = [
  'DateStyle=ISO,MDY', 'TimeZone=UTC', 'IntervalStyle=iso_8601', 'bytea_output=hex', 'lc_monetary=C', 'extra_float_digits=3',
].map((s) => `-c ${s}`).join(' ');

export type ConnectionSettings = Pick<PostgresConfig,
  'database.hostname' | 'database.port' | 'database.user' | 'database.password' | 'database.dbname' | 'database.sslmode' | 'database.sslrootcert'>;

export function clientConfig(config: ConnectionSettings, applicationName: string): pg.ClientConfig {
  const mode = config['database.sslmode'];
  let ssl: pg.ClientConfig['ssl'] = false;
  if (mode === 'require') ssl = { rejectUnauthorized: false };
  else if (mode === 'verify-ca' || mode === 'verify-full') {
    const ca = config['database.sslrootcert'] ? readFileSync(config['database.sslrootcert'], 'utf8') : undefined;
    ssl = { ca, rejectUnauthorized: true, ...(mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}) };
  }
  return {
    host: config['database.hostname'],
    port: config['database.port'],
    user: config['database.user'],
    password: config['database.password'],
    database: config['database.dbname'],
    ssl,
    options: SESSION_OPTIONS,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  };
}

/** Every value as the server's text, so the type mapper alone converts values. */
export const RAW_TEXT_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

export async function connect(config: ConnectionSettings, applicationName: string, rawText = false): Promise<pg.Client> {
  const client = new pg.Client({ ...clientConfig(config, applicationName), ...(rawText ? { types: RAW_TEXT_TYPES } : {}) });
  // an idle connection that the server drops would otherwise emit an unhandled 'error'
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export function quoteLiteral(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}

/** The SQLSTATE of a server error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/** What catalog and helper queries need from a connection. */
export interface Queryable {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * A normal (non-replication) connection that reconnects on the next query after it was lost, so
 * catalog lookups work again once the replication stream has reconnected after a server restart.
 */
export class ReconnectingClient implements Queryable {
  #client: pg.Client | null = null;
  #broken = false;

  constructor(private readonly settings: ConnectionSettings, private readonly name: string) {}

  #closed = false;
  /** the query before the next one: one at a time (the lag gauge, watermarks, signals and heartbeats share the connection) */
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * Runs queries one after another, as pg would queue them: a query sent while another runs is
   * deprecated in pg 8 (it warns "client.query() when the client is already executing a query")
   * and refused in pg 9.
   */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    const run = this.#tail.then(() => this.#query<R>(text, values));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    // a query racing end() must not open a connection nobody closes
    if (this.#closed) throw new Error('connection closed');
    if (!this.#client || this.#broken) {
      await this.#client?.end().catch(() => undefined);
      this.#client = null;
      const client = await connect(this.settings, this.name);
      if (this.#closed) {
        await client.end().catch(() => undefined);
        throw new Error('connection closed');
      }
      this.#broken = false;
      client.on('error', () => void (this.#broken = true));
      client.on('end', () => void (this.#broken = true));
      this.#client = client;
    }
    try {
      return await this.#client.query<R>(text, values);
    } catch (error) {
      const state = sqlState(error);
      if (state === undefined || state.startsWith('08') || state.startsWith('57P')) this.#broken = true;
      throw error;
    }
  }

  async end(): Promise<void> {
    this.#closed = true;
    await this.#client?.end().catch(() => undefined);
    this.#client = null;
  }
}
