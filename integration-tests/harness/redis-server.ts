import { spawn, type ChildProcess } from 'node:child_process';
import { ensureDebianPackage } from './apt.js';
import { freePort, waitForPort } from './ports.js';
import { tempDir } from './temp.js';

const SERVER = '/usr/bin/redis-server';

/**
 * A private Redis from Debian's `redis-server` package (7.0 on bookworm), never the machine's own
 * (which may listen on 6379): a free loopback port, a temp folder as its working directory, no
 * persistence (`--save '' --appendonly no`), run in the foreground as a child of the test process
 * so a test can kill it and start it again on the same port.
 */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** SIGKILL, as a crash: everything it held is gone (no persistence) */
  kill(): Promise<void>;
  /** starts it again on the same port */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  ensureDebianPackage('redis-server', SERVER);
  const server = new LocalRedis(await freePort(), tempDir('redis'));
  await server.start();
  return server;
}

class LocalRedis implements RedisServer {
  readonly port: number;
  readonly url: string;
  readonly #dir: { path: string; remove(): void };
  #child: ChildProcess | null = null;
  #stderr = '';

  constructor(port: number, dir: { path: string; remove(): void }) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.#dir = dir;
  }

  async start(): Promise<void> {
    if (this.#child) return;
    const child = spawn(SERVER, [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.#dir.path,
      '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (b: Buffer) => { this.#stderr = (this.#stderr + b.toString()).slice(-4000); });
    this.#child = child;
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) on start: ${this.#stderr}`))));
    await Promise.race([waitForPort(this.port, 15_000), exited]);
    child.removeAllListeners('exit');
    child.once('exit', () => { if (this.#child === child) this.#child = null; });
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async close(): Promise<void> {
    await this.kill();
    this.#dir.remove();
  }
}
