import { sharedServer } from './shared-server.js';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { ensureDebianPackage } from './apt.js';
import { freePort, waitForPort } from './ports.js';
import { tempDir } from './temp.js';

/**
 * A private MariaDB (Debian 12's 10.11) on a free loopback port, its datadir in a temp folder,
 * with what a binlog source needs: `log_bin`, `binlog_format=ROW`, `binlog_row_image=FULL`,
 * `binlog_row_metadata=FULL`, a `server_id`, and GTIDs (MariaDB always writes them). Never the
 * machine's own server on 3306. Tests connect as `tributary` (all privileges, password
 * `tributary`) over TCP.
 *
 * `sharedMariaDb()` gives every test file of one `node --test` run the same server (found through
 * a folder named after the runner's pid, stopped by a watchdog when the runner exits), as
 * sharedPostgres does; tests that restart the server start their own with `startMariaDb()`.
 */
const MARIADBD = '/usr/sbin/mariadbd';
export const MARIADB_USER = 'tributary';
export const MARIADB_PASSWORD = 'tributary';
export const MARIADB_SERVER_ID = 1;

export interface MariaDbServer {
  readonly port: number;
  readonly dataDir: string;
  connection(database?: string): { host: string; port: number; user: string; password: string; database?: string };
  /** a fresh database for one test */
  createDatabase(prefix: string): Promise<string>;
  /** runs SQL (one statement) on `database` and returns the rows */
  query<T = Record<string, unknown>>(database: string | null, sql: string, params?: unknown[]): Promise<T[]>;
  /** SIGKILL of the server process */
  kill(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function ensureBinaries(): void {
  ensureDebianPackage('mariadb-server', MARIADBD);
}

function initDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'], { stdio: ['ignore', 'ignore', 'pipe'] });
}

class LocalMariaDb implements MariaDbServer {
  #process: ChildProcess | null = null;
  #databases = 0;

  constructor(readonly port: number, readonly dataDir: string, readonly root: string, readonly extraArgs: readonly string[] = []) {}

  get socket(): string {
    return join(this.root, 'mysqld.sock');
  }

  connection(database?: string) {
    return { host: '127.0.0.1', port: this.port, user: MARIADB_USER, password: MARIADB_PASSWORD, ...(database ? { database } : {}) };
  }

  async createDatabase(prefix: string): Promise<string> {
    const name = `${prefix}_${process.pid}_${++this.#databases}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    await this.query(null, `CREATE DATABASE ${name}`);
    return name;
  }

  async query<T>(database: string | null, sql: string, params: unknown[] = []): Promise<T[]> {
    const client = await mysql.createConnection({ ...this.connection(database ?? undefined), supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
    try {
      const [rows] = await client.query(sql, params);
      return (Array.isArray(rows) ? rows : []) as T[];
    } finally {
      await client.end();
    }
  }

  /** the server's arguments: a datadir, port and socket of its own, and the binlog as a CDC source needs it */
  args(): string[] {
    return [
      '--no-defaults', `--datadir=${this.dataDir}`, '--user=root', `--port=${this.port}`, '--bind-address=127.0.0.1',
      `--socket=${this.socket}`, `--pid-file=${join(this.root, 'mysqld.pid')}`, `--log-error=${join(this.root, 'error.log')}`,
      '--skip-name-resolve', `--server-id=${MARIADB_SERVER_ID}`, `--log-bin=${join(this.dataDir, 'binlog')}`, '--binlog-format=ROW',
      '--binlog-row-image=FULL', '--binlog-row-metadata=FULL', '--max-connections=300',
      // a test server: durability against OS crashes is not what the tests exercise
      '--innodb-flush-log-at-trx-commit=2', '--sync-binlog=0', '--innodb-buffer-pool-size=256M', '--innodb-log-file-size=256M',
      '--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci', '--default-time-zone=+00:00',
      ...this.extraArgs,
    ];
  }

  async start(): Promise<void> {
    const child = spawn(MARIADBD, this.args(), { stdio: 'ignore', detached: false });
    // the server must not keep a test process alive once its tests ended (the shared one
    // outlives the file that started it): the exit handler or the watchdog stops it
    child.unref();
    this.#process = child;
    let exited = false;
    child.once('exit', () => { exited = true; });
    const deadline = Date.now() + 60_000;
    while (!existsSync(this.socket)) {
      if (exited) throw new Error(`mariadbd exited at start; see ${join(this.root, 'error.log')}:\n${readError(this.root)}`);
      if (Date.now() > deadline) throw new Error(`mariadbd did not start within 60 s: ${readError(this.root)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitForPort(this.port, 30_000);
  }

  /** Creates the test user through the root socket (install-db gives root@localhost only). */
  createUser(): void {
    execFileSync('mariadb', ['--no-defaults', `--socket=${this.socket}`, '-uroot', '-e',
      `CREATE USER IF NOT EXISTS '${MARIADB_USER}'@'%' IDENTIFIED BY '${MARIADB_PASSWORD}'; GRANT ALL PRIVILEGES ON *.* TO '${MARIADB_USER}'@'%' WITH GRANT OPTION; FLUSH PRIVILEGES;`]);
  }

  kill(): void {
    const pid = this.#pid();
    if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && spawnSync('sh', ['-c', `ss -ltn | grep -q ':${this.port} '`]).status === 0) spawnSync('sleep', ['0.1']);
    this.#process = null;
  }

  async stop(): Promise<void> {
    const pid = this.#pid();
    if (!pid) return;
    try { process.kill(pid, 'SIGTERM'); } catch { return; }
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && alive(pid)) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) this.kill();
    this.#process = null;
  }

  /** for exit handlers */
  killQuietly(): void {
    const pid = this.#pid();
    if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }

  #pid(): number | null {
    if (this.#process?.pid && this.#process.exitCode === null) return this.#process.pid;
    try { return Number(readFileSync(join(this.root, 'mysqld.pid'), 'utf8').trim()) || null; } catch { return null; }
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  // a zombie (no reaping init in the container) still answers kill 0
  return !/^State:\s+Z/m.test(readFileSafe(`/proc/${pid}/status`));
}

function readFileSafe(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

function readError(root: string): string {
  return readFileSafe(join(root, 'error.log')).split('\n').slice(-15).join('\n');
}

/**
 * Starts a private server; the caller stops it (and may kill and restart it in between).
 * `extraArgs` go after the harness's own (later ones win), e.g. `--binlog-checksum=NONE`.
 */
export async function startMariaDb(extraArgs: readonly string[] = []): Promise<MariaDbServer & { remove(): Promise<void> }> {
  ensureBinaries();
  const dir = tempDir('mariadb');
  const dataDir = join(dir.path, 'data');
  initDataDir(dataDir);
  const server = new LocalMariaDb(await freePort(), dataDir, dir.path, extraArgs);
  await server.start();
  server.createUser();
  const onExit = () => server.killQuietly();
  process.once('exit', onExit);
  return Object.assign(server, { remove: async () => { process.off('exit', onExit); await server.stop(); dir.remove(); } });
}

/**
 * The server shared by every test file of this test run: the first process to create the lock
 * folder starts it and writes its port; the others wait for that file. A detached watchdog stops
 * the server and removes its files once the test runner (our parent process) has exited.
 */
export async function sharedMariaDb(): Promise<MariaDbServer> {
  ensureBinaries();
  return sharedServer('mariadb', async (root) => {
    const dataDir = join(root, 'data');
    initDataDir(dataDir);
    const server = new LocalMariaDb(await freePort(), dataDir, root);
    await server.start();
    server.createUser();
    return { address: String(server.port), stopCommand: `kill -9 $(cat ${join(root, 'mysqld.pid')}) >/dev/null 2>&1`, server };
  }, async (address, root) => {
    const port = Number(address);
    await waitForPort(port, 30_000);
    return new LocalMariaDb(port, join(root, 'data'), root);
  });
}
