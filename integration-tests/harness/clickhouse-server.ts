import { sharedServer } from './shared-server.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { ensureDebianPackage } from './apt.js';
import { freePort, waitForPort } from './ports.js';
import { tempDir } from './temp.js';

/**
 * A private ClickHouse server from Debian's packages (bookworm has only 18.16.1, 2018), on free
 * loopback ports with its data, logs and config in a temp folder, run in the foreground as a
 * child of the test process so a test can kill -9 it and start it again on the same ports.
 *
 * `sharedClickHouse()` gives every test file of one `node --test` run the same server (found
 * through a folder named after the runner's pid, stopped by a watchdog when the runner exits).
 */
const SERVER = '/usr/sbin/clickhouse-server';
const CLIENT = '/usr/bin/clickhouse-client';
const PACKAGED = '/etc/clickhouse-server';

export interface ClickHouseServer {
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly url: string;
  /** a fresh database for one test */
  createDatabase(prefix: string): Promise<string>;
  /** runs a statement and returns its JSON rows (none for DDL) */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  command(sql: string): Promise<void>;
  /** the TabSeparated output of a query (18.16 prints wide decimals right only there, not with toString) */
  text(sql: string): Promise<string>;
  /** `clickhouse-client` on the server's native port, for reference inserts in benchmarks */
  clientArgs(): string[];
  readonly clientBinary: string;
  /** the server process's CPU time so far, in seconds (a private server only) */
  cpuSeconds(): number;
  kill(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function ensureClickHouse(): void {
  ensureDebianPackage('clickhouse-server', SERVER);
  ensureDebianPackage('clickhouse-client', CLIENT);
}

/**
 * The packaged config rewritten for a private instance: our ports on 127.0.0.1 only, no
 * interserver or TLS ports, every /var path under `root`. ("Include not found" warnings about
 * metrika.xml are normal.)
 */
function writeConfig(root: string, httpPort: number, tcpPort: number): string {
  const confDir = join(root, 'conf');
  mkdirSync(confDir, { recursive: true });
  let xml = readFileSync(join(PACKAGED, 'config.xml'), 'utf8');
  xml = xml
    .replace(/<http_port>\d+<\/http_port>/, `<http_port>${httpPort}</http_port>`)
    .replace(/<tcp_port>\d+<\/tcp_port>/, `<tcp_port>${tcpPort}</tcp_port>`)
    .replace(/<https_port>.*?<\/https_port>/, '')
    .replace(/<tcp_port_secure>.*?<\/tcp_port_secure>/, '')
    .replace(/<interserver_http_port>.*?<\/interserver_http_port>/, '')
    .replace(/<listen_host>[^<]*<\/listen_host>/g, '')
    .replace('</logger>', '</logger>\n    <listen_host>127.0.0.1</listen_host>')
    .replaceAll('/var/lib/clickhouse/', `${root}/data/`)
    .replaceAll('/var/log/clickhouse-server/', `${root}/log/`)
    .replace(/<level>[a-z]+<\/level>/, '<level>warning</level>');
  writeFileSync(join(confDir, 'config.xml'), xml);
  writeFileSync(join(confDir, 'users.xml'), readFileSync(join(PACKAGED, 'users.xml'), 'utf8'));
  mkdirSync(join(root, 'log'), { recursive: true });
  mkdirSync(join(root, 'data'), { recursive: true });
  return join(confDir, 'config.xml');
}

class LocalClickHouse implements ClickHouseServer {
  readonly clientBinary = CLIENT;
  readonly url: string;
  #child: ChildProcess | null = null;
  #client: ClickHouseClient;
  #databases = 0;

  constructor(readonly httpPort: number, readonly tcpPort: number, readonly configFile: string | null) {
    this.url = `http://127.0.0.1:${httpPort}`;
    // failures reach the test as rejections; the client's own log would only repeat them
    this.#client = createClient({ url: this.url, log: { level: ClickHouseLogLevel.OFF } });
  }

  async createDatabase(prefix: string): Promise<string> {
    const name = `${prefix}_${process.pid}_${++this.#databases}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    await this.command(`CREATE DATABASE ${name}`);
    return name;
  }

  async query<T>(sql: string): Promise<T[]> {
    const rs = await this.#client.query({ query: sql, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  async command(sql: string): Promise<void> {
    await this.#client.command({ query: sql });
  }

  async text(sql: string): Promise<string> {
    return (await this.#client.query({ query: sql, format: 'TabSeparated' })).text();
  }

  clientArgs(): string[] {
    return ['--host', '127.0.0.1', '--port', String(this.tcpPort)];
  }

  async start(): Promise<void> {
    if (!this.configFile) throw new Error('the shared ClickHouse server is started by its owner');
    const child = spawn(SERVER, [`--config-file=${this.configFile}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000); });
    this.#child = child;
    const exited = new Promise<void>((_, reject) => child.once('exit', (code) => reject(new Error(`clickhouse-server exited (${code}):\n${err}`))));
    exited.catch(() => undefined);
    await Promise.race([waitForPort(this.httpPort, 60_000), exited]);
    await this.ready();
  }

  async ready(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await this.#client.ping()).success) return;
      } catch {
        // not answering yet
      }
      if (Date.now() > deadline) throw new Error(`ClickHouse on ${this.url} did not answer within 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  cpuSeconds(): number {
    if (!this.#child?.pid) throw new Error('only a server this process started has its CPU time here');
    // /proc/<pid>/stat: utime and stime are fields 14 and 15, in clock ticks (100 a second)
    const fields = readFileSync(`/proc/${this.#child.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    this.#child = null;
  }

  async close(): Promise<void> {
    await this.#client.close();
    await this.kill();
  }
}

/** Starts a private server that the caller may kill and restart, and closes. */
export async function startClickHouse(): Promise<ClickHouseServer & { remove(): Promise<void> }> {
  ensureClickHouse();
  const dir = tempDir('ch');
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  const server = new LocalClickHouse(httpPort, tcpPort, writeConfig(dir.path, httpPort, tcpPort));
  await server.start();
  const onExit = () => void server.kill();
  process.once('exit', onExit);
  return Object.assign(server, { remove: async () => { process.off('exit', onExit); await server.close(); dir.remove(); } });
}

/**
 * The server shared by every test file of this test run. The first process to create the lock
 * folder starts it (detached, so it outlives that file's process) and writes its ports; a
 * detached watchdog kills it and removes its files once the test runner has exited.
 */
export async function sharedClickHouse(): Promise<ClickHouseServer> {
  ensureClickHouse();
  return sharedServer('ch', async (root) => {
    const [httpPort, tcpPort] = [await freePort(), await freePort()];
    const config = writeConfig(root, httpPort, tcpPort);
    const child = spawn(SERVER, [`--config-file=${config}`], { detached: true, stdio: 'ignore' });
    child.unref();
    const server = new LocalClickHouse(httpPort, tcpPort, null);
    await waitForPort(httpPort, 60_000);
    await server.ready();
    return { address: `${httpPort} ${tcpPort}`, stopCommand: `kill -9 ${child.pid} 2>/dev/null`, server };
  }, async (address) => {
    const [httpPort, tcpPort] = address.split(' ').map(Number);
    const server = new LocalClickHouse(httpPort, tcpPort, null);
    await server.ready();
    return server;
  });
}

/** `clickhouse-client --query` with stdin from `input`, for reference figures. */
export function clickhouseClient(server: ClickHouseServer, query: string, input: Buffer | string): void {
  const r = spawnSync(server.clientBinary, [...server.clientArgs(), '--query', query], { input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`clickhouse-client failed: ${r.stderr.toString()}`);
}
