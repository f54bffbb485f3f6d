import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { PostgresServer } from './postgres-server.js';

/**
 * PostgreSQL's own load generator (Debian's postgresql package ships it beside the server the
 * harness starts): a TPC-B-like workload on four tables, `pgbench_accounts`, `_tellers`,
 * `_branches` (keyed) and `_history` (keyless, insert-only).
 */
const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';

export const pgbenchTables = {
  accounts: { table: 'pgbench_accounts', keys: ['aid'], columns: ['bid', 'abalance'] },
  tellers: { table: 'pgbench_tellers', keys: ['tid'], columns: ['bid', 'tbalance'] },
  branches: { table: 'pgbench_branches', keys: ['bid'], columns: ['bbalance'] },
} as const;

function connectionArgs(server: PostgresServer, database: string): string[] {
  return ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', database];
}

/** `pgbench -i`: creates and fills the tables (`scale` × 100 000 accounts). */
export function initPgbench(server: PostgresServer, database: string, scale = 1): void {
  const result = spawnSync(PGBENCH, ['-i', '-q', '-s', String(scale), ...connectionArgs(server, database)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`pgbench -i failed: ${result.stderr}`);
}

export interface PgbenchRun {
  readonly child: ChildProcess;
  /** resolves when pgbench exits; rejects if it failed */
  readonly done: Promise<void>;
}

/** Runs the TPC-B-like script with `clients` connections for `seconds`, at most `rate` tx/s. */
export function runPgbench(server: PostgresServer, database: string, options: { clients: number; seconds: number; rate?: number }): PgbenchRun {
  const args = ['-n', '-c', String(options.clients), '-j', '2', '-T', String(options.seconds), ...(options.rate ? ['-R', String(options.rate)] : []), ...connectionArgs(server, database)];
  const child = spawn(PGBENCH, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: join('/tmp') });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pgbench exited with ${code}: ${output.slice(-2000)}`))));
  });
  return { child, done };
}
