import { sharedServer } from './shared-server.js';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ensureDebianPackage } from './apt.js';
import { freePort, waitForPort } from './ports.js';
import { tempDir } from './temp.js';
import type { TlsFiles } from './tls-certs.js';

/**
 * A private PostgreSQL 15 from Debian's packages, with `wal_level=logical`, on a free loopback
 * port, its data directory in a temp folder owned by the `postgres` OS user. Tests can kill it
 * (`kill -9` of the postmaster or an immediate stop) and start it again on the same port.
 *
 * `sharedPostgres()` gives every test file of one `node --test` run the same server (test files
 * run in separate processes, so it is found through a folder named after the runner's pid and
 * stopped by a watchdog when the runner exits). Tests that kill or restart the server start their
 * own with `startPostgres()`.
 */
const BIN = '/usr/lib/postgresql/15/bin';
const OS_USER = 'postgres';

export interface PostgresServer {
  readonly port: number;
  readonly dataDir: string;
  /** connection settings for the superuser `postgres` on `database` */
  connection(database?: string): { host: string; port: number; user: string; password: string; database: string };
  /** a fresh database for one test */
  createDatabase(prefix: string): Promise<string>;
  /** runs SQL as superuser on `database` and returns the rows */
  query<T = Record<string, unknown>>(database: string, sql: string, params?: unknown[]): Promise<T[]>;
  /** SIGKILL of the postmaster (the children exit as they notice) */
  kill(): void;
  /** an immediate shutdown, as a crash would leave it */
  stopImmediate(): void;
  start(): Promise<void>;
  stop(): void;
  /** a DBA's routine restart: `pg_ctl stop -m fast` waiting at most `timeoutSeconds` */
  stopFast(timeoutSeconds: number): Promise<{ stopped: boolean; elapsedMs: number }>;
}

function asOsUser(args: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', OS_USER, '--', ...args] : args;
}

function run(args: string[]): void {
  const full = asOsUser(args);
  execFileSync(full[0], full.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
}

function ensureBinaries(): void {
  // Debian 12's `postgresql` is PostgreSQL 15 (its server also brings hstore and the other contrib modules)
  ensureDebianPackage('postgresql', join(BIN, 'postgres'));
  if (!existsSync('/usr/share/postgresql/15/extension/hstore.control')) ensureDebianPackage('postgresql-contrib', '/usr/share/postgresql/15/extension/hstore.control');
}

function initCluster(dataDir: string, port: number, settings: Record<string, string> = {}, tls?: TlsFiles): void {
  if (process.getuid?.() === 0) chownSync(join(dataDir, '..'), uidOf(OS_USER), gidOf(OS_USER));
  run([join(BIN, 'initdb'), '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const conf = [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    // TCP only: a socket lock file left by a killed postmaster would block the restart
    "unix_socket_directories = ''",
    'wal_level = logical',
    // one server for the whole run, a database and a slot per test: a slot stays until the run
    // ends (tests killed with SIGKILL cannot drop theirs), so there is room for every test's
    'max_replication_slots = 100',
    'max_wal_senders = 60',
    'max_connections = 200',
    // a test server: durability against OS crashes is not what the tests exercise (a killed
    // postmaster leaves written WAL in the page cache); synchronous_commit stays on, or a
    // server crash would lose commits the writer saw succeed
    'fsync = off',
    'full_page_writes = off',
    'wal_sender_timeout = 60s',
    'logging_collector = off',
    ...(tls ? ['ssl = on', "ssl_cert_file = 'server.pem'", "ssl_key_file = 'server.key'"] : []),
    ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
  ];
  writeFileSync(join(dataDir, 'postgresql.auto.conf'), conf.join('\n') + '\n');
  if (tls) copyServerTlsFiles(tls, dataDir);
  // a TLS server refuses plain connections, so a test sees which side of the choice it got
  if (tls) writeFileSync(join(dataDir, 'pg_hba.conf'), 'hostssl all all 127.0.0.1/32 trust\nhostssl replication all 127.0.0.1/32 trust\n');
  else writeFileSync(join(dataDir, 'pg_hba.conf'), [
    // one role that must give its password, for tests of authentication errors
    'host all password_user 127.0.0.1/32 scram-sha-256',
    'host all all 127.0.0.1/32 trust',
    'host replication all 127.0.0.1/32 trust',
  ].join('\n') + '\n');
}

/**
 * Copies of the certificate and key in the data directory (relative paths in the config resolve
 * there): the server must be able to reach them and refuses a key that others can read.
 */
function copyServerTlsFiles(tls: TlsFiles, dataDir: string): void {
  for (const [from, name] of [[tls.certFile, 'server.pem'], [tls.keyFile, 'server.key']]) {
    const to = join(dataDir, name);
    copyFileSync(from, to);
    chmodSync(to, 0o600);
    if (process.getuid?.() === 0) chownSync(to, uidOf(OS_USER), gidOf(OS_USER));
  }
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user]).toString().trim());
}
function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user]).toString().trim());
}

class LocalPostgres implements PostgresServer {
  readonly #root: string;
  #databases = 0;

  readonly #tls: boolean;

  constructor(readonly port: number, readonly dataDir: string, root: string, tls = false) {
    this.#root = root;
    this.#tls = tls;
  }

  connection(database = 'postgres') {
    return { host: '127.0.0.1', port: this.port, user: 'postgres', password: '', database };
  }

  async createDatabase(prefix: string): Promise<string> {
    const name = `${prefix}_${process.pid}_${++this.#databases}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    await this.query('postgres', `CREATE DATABASE ${name}`);
    return name;
  }

  async query<T>(database: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ ...this.connection(database), ssl: this.#tls ? { rejectUnauthorized: false } : false });
    // a server shutdown can end the session between the query and end(): that is no test failure
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  kill(): void {
    const pid = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    // the backends notice the postmaster's death and exit; wait until the port is released
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && spawnSync('sh', ['-c', `ss -ltn | grep -q ':${this.port} '`]).status === 0) spawnSync('sleep', ['0.1']);
    // In a container whose init does not reap orphans the dead postmaster stays a zombie, and a
    // zombie's pid still looks alive to the next postmaster's lock-file check.
    rmSync(join(this.dataDir, 'postmaster.pid'), { force: true });
  }

  stopImmediate(): void {
    run([join(BIN, 'pg_ctl'), '-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  async start(): Promise<void> {
    run([join(BIN, 'pg_ctl'), '-D', this.dataDir, '-l', join(this.#root, 'server.log'), '-w', '-t', '60', 'start']);
    await waitForPort(this.port, 30_000);
  }

  /** An immediate stop that ignores a server already down (for exit handlers). */
  stopQuietly(): void {
    const args = asOsUser([join(BIN, 'pg_ctl'), '-D', this.dataDir, '-m', 'immediate', 'stop']);
    spawnSync(args[0], args.slice(1), { stdio: 'ignore' });
  }

  stop(): void {
    const args = asOsUser([join(BIN, 'pg_ctl'), '-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
    spawnSync(args[0], args.slice(1), { stdio: 'ignore' });
  }

  stopFast(timeoutSeconds: number): Promise<{ stopped: boolean; elapsedMs: number }> {
    const args = asOsUser([join(BIN, 'pg_ctl'), '-D', this.dataDir, '-m', 'fast', '-w', '-t', String(timeoutSeconds), 'stop']);
    const started = Date.now();
    const child = spawn(args[0], args.slice(1), { stdio: 'ignore' });
    return new Promise((resolve) => child.once('exit', (code) => resolve({ stopped: code === 0, elapsedMs: Date.now() - started })));
  }
}

/**
 * Starts a private server; the caller stops it (and may kill and restart it in between).
 * `settings` are extra postgresql.conf lines (later ones win, e.g. `{ wal_level: 'replica' }`);
 * with `tls` the server speaks TLS with that certificate and refuses plain connections.
 */
export async function startPostgres(settings: Record<string, string> = {}, tls?: TlsFiles): Promise<PostgresServer & { remove(): void }> {
  ensureBinaries();
  const dir = tempDir('pg');
  const dataDir = join(dir.path, 'data');
  const port = await freePort();
  initCluster(dataDir, port, settings, tls);
  const server = new LocalPostgres(port, dataDir, dir.path, tls !== undefined);
  await server.start();
  // a script that dies on an uncaught error must not leave its server running
  const onExit = () => server.stopQuietly();
  process.once('exit', onExit);
  return Object.assign(server, { remove: () => { process.off('exit', onExit); server.stop(); dir.remove(); } });
}

/**
 * The server shared by every test file of this test run. The first process to create the lock
 * folder starts it and writes its port; the others wait for that file. A detached watchdog stops
 * the server and removes its files once the test runner (our parent process) has exited.
 */
export async function sharedPostgres(): Promise<PostgresServer> {
  ensureBinaries();
  return sharedServer('pg', async (root) => {
    const port = await freePort();
    const dataDir = join(root, 'data');
    initCluster(dataDir, port);
    const server = new LocalPostgres(port, dataDir, root);
    await server.start();
    const stop = asOsUser([join(BIN, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop']).join(' ');
    return { address: String(port), stopCommand: `${stop} >/dev/null 2>&1`, server };
  }, async (address, root) => {
    const port = Number(address);
    await waitForPort(port, 30_000);
    return new LocalPostgres(port, join(root, 'data'), root);
  });
}

/** For scripts (benchmarks) that want a server of their own and clean up after themselves. */
export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
}
