import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { KafkaEndpoint } from './kafka-cluster.js';

const MAIN = fileURLToPath(new URL('./kafka-worker-main.mjs', import.meta.url));

export interface KafkaWorkerProcess {
  readonly pid: number;
  readonly url: string;
  /** `compiled` (dist/) or `source` (through tsx, some 40 MB more RSS) */
  readonly code: 'compiled' | 'source';
  /** the last part of what the worker wrote to stderr */
  stderr(): string;
  /** SIGTERM (a clean stop) or SIGKILL; resolves with the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * A Tributary worker on the Kafka bus in a child process (harness/kafka-worker-main.mjs), with
 * `connectors` started from the command line's way: for tests that kill it and benchmarks that
 * read its memory.
 */
export async function startKafkaWorkerProcess(kafka: KafkaEndpoint, dir: string, workerProps: Record<string, string>, connectors: Record<string, string>[], options: { timeoutMs?: number; logs?: boolean; nodeArgs?: readonly string[] } = {}): Promise<KafkaWorkerProcess> {
  const specFile = join(dir, `kafka-worker-${Date.now()}.json`);
  writeFileSync(specFile, JSON.stringify({ bootstrapBrokers: kafka.brokers, workerProps: { 'state.dir': join(dir, 'state'), ...workerProps }, connectors, logs: options.logs ?? Boolean(process.env.TRIBUTARY_TEST_LOGS) }));
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN, specFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-50_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<{ url: string; code: 'compiled' | 'source' }>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the Kafka worker did not start within ${options.timeoutMs ?? 60_000} ms:\n${err}`)); }, options.timeoutMs ?? 60_000);
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`the Kafka worker exited (${code}) while starting:\n${err}`)); });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const message = JSON.parse(line) as { ready?: boolean; url: string; code: 'compiled' | 'source' };
      if (message.ready) { clearTimeout(timer); resolve(message); }
    });
  });
  return {
    pid: child.pid!, url: ready.url, code: ready.code,
    stderr: () => err,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A process's peak resident set size (VmHWM) and current one (VmRSS), in bytes, from /proc. */
export function processMemory(pid: number): { peakRss: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { peakRss: kb('VmHWM'), rss: kb('VmRSS') };
}
