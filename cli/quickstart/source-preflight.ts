import pg from 'pg';
import type { DatabaseConnection } from './embedded-database.js';

/** A problem the user fixes in the database; printed as one line, exit code 2. */
export class SetupProblem extends Error {}

/** `postgres://user:password@host:port/database` → connection settings. */
export function parseSourceUrl(url: string): DatabaseConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SetupProblem(`--source "${url}" is not a URL like postgres://user:password@host:5432/database`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new SetupProblem(`--source must be a postgres:// URL or a connector config file, not ${parsed.protocol}`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || 'postgres'),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
  };
}

/**
 * Checks what logical replication needs before anything starts, so the user gets one line that
 * names the setting and the fix instead of a failed task later.
 */
export async function checkSource(connection: DatabaseConnection): Promise<void> {
  const client = new pg.Client({ ...connection, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new SetupProblem(`cannot connect to ${connection.host}:${connection.port}/${connection.database} as ${connection.user}: ${(error as Error).message}`);
  }
  try {
    const wal = (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0].wal_level;
    if (wal !== 'logical') {
      throw new SetupProblem(`wal_level is "${wal}" but change data capture needs "logical": run ALTER SYSTEM SET wal_level = logical; and restart PostgreSQL`);
    }
    const role = (await client.query<{ can: boolean }>('SELECT rolreplication OR rolsuper AS can FROM pg_roles WHERE rolname = current_user')).rows[0];
    if (!role?.can) {
      throw new SetupProblem(`user "${connection.user}" lacks the REPLICATION privilege: run ALTER ROLE "${connection.user}" WITH REPLICATION; as a superuser`);
    }
  } finally {
    await client.end();
  }
}
