import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiledCliEnv } from './compiled-cli.js';
import { freePort } from './ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface WorkerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** everything the worker wrote to stderr so far (JSON logs and CLI messages) */
  stderr(): string;
  /** resolves with the exit code */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Writes a .properties file from a map (values are written as-is; keep them simple). */
export function writeProperties(path: string, props: Record<string, string>): string {
  writeFileSync(path, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return path;
}

/**
 * Starts `tributary standalone` (or, with `mode: 'distributed'`, `tributary distributed`) as a
 * child process (from the TypeScript sources unless `compiled`), so tests can kill it with SIGKILL like a crash. Resolves once /health answers 200; rejects with the worker's
 * stderr if it exits first or is not ready within the timeout.
 */
export async function startWorkerProcess(dir: string, workerProps: Record<string, string>, connectorFiles: string[] = [], options: { timeoutMs?: number; expectExit?: boolean; mode?: 'standalone' | 'distributed'; compiled?: boolean; nodeArgs?: string[] } = {}): Promise<WorkerProcess> {
  const port = Number(workerProps['rest.port'] ?? (await freePort()));
  const mode = options.mode ?? 'standalone';
  const props = { ...(mode === 'standalone' ? { 'state.dir': join(dir, 'state') } : {}), listeners: `http://127.0.0.1:${port}`, 'log.level': 'info', ...workerProps };
  const workerFile = writeProperties(join(dir, `worker-${port}.properties`), props);
  // nodeArgs: V8/Node flags Node refuses in NODE_OPTIONS (benchmarks: --cpu-prof)
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(ROOT, 'bin/tributary.js'), mode, workerFile, ...connectorFiles], {
    cwd: ROOT,
    // `compiled`: what bin/tributary.js picks, dist/ when it is up to date (benchmarks: tsx costs
    // some 40 MB of RSS); otherwise always the sources, so a test never runs stale code
    env: options.compiled ? compiledCliEnv() : { ...process.env, TRIBUTARY_FROM_SOURCE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const worker: WorkerProcess = {
    url,
    child,
    stderr: () => err,
    exited,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  if (options.expectExit) return worker;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let done = false;
  void exited.then(() => (done = true));
  while (Date.now() < deadline && !done) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return worker;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await worker.kill();
  throw new Error(`worker did not become ready:\n${err}`);
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function getJson<T = unknown>(url: string): Promise<T> {
  const res = await fetch(url);
  return (await res.json()) as T;
}
