import { relative } from 'node:path';
import type { IncrementalProgress } from '../../plugins/cdc/index.js';
import type { StandaloneRuntime } from '../standalone-worker.js';
import { landedFiles } from './lake-files.js';
import { SOURCE_NAME } from './pipeline-configs.js';

/**
 * What a person watches while the quickstart runs: snapshot progress (the initial snapshot's, or
 * an incremental snapshot's while it runs), changes captured per second, source lag, files landed
 * and the newest file. On a terminal it is one line rewritten in
 * place; otherwise (CI, a pipe) a plain line every 5 seconds.
 */
export function startProgressDisplay(runtime: StandaloneRuntime, lakeDir: string, out: NodeJS.WriteStream = process.stdout): { stop(): void } {
  const tty = out.isTTY === true;
  let lastPolled = 0;
  let lastAt = Date.now();
  let ticks = 0;
  const timer = setInterval(() => {
    void (async () => {
      const polled = await counterTotal(runtime, 'tributary_source_record_poll_total', SOURCE_NAME);
      const now = Date.now();
      const rate = ((polled - lastPolled) * 1000) / Math.max(1, now - lastAt);
      lastPolled = polled;
      lastAt = now;
      const lag = await gaugeValue(runtime, 'tributary_postgres_lag_ms');
      const files = landedFiles(lakeDir);
      const line = [
        await snapshotText(runtime),
        `${rate.toFixed(0)} changes/s (${polled} total)`,
        `lag ${lag === undefined ? '-' : `${(lag / 1000).toFixed(1)} s`}`,
        `${files.count} files landed`,
        files.newest ? `last: ${relative(process.cwd(), files.newest)}` : '',
      ].filter(Boolean).join(' | ');
      if (tty) out.write(`\r\x1b[2K${line.slice(0, (out.columns ?? 160) - 1)}`);
      else if (ticks++ % 5 === 0) out.write(`${new Date().toISOString()} ${line}\n`);
    })().catch(() => {});
  }, 1000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      if (tty) out.write('\n');
    },
  };
}

async function snapshotText(runtime: StandaloneRuntime): Promise<string> {
  try {
    const status = await runtime.herder.connectorStatus(SOURCE_NAME);
    const task = status.tasks[0];
    if (!task) return `source ${status.connector.state}`;
    if (task.state !== 'RUNNING') return `source ${task.state}${task.trace ? `: ${task.trace.split('\n')[0]}` : ''}`;
    const progress = task.progress as { snapshot?: { running?: boolean; rows?: number; tables?: Record<string, { rows?: number; estimated?: number | null }> }; incremental?: IncrementalProgress } | undefined;
    const snapshot = progress?.snapshot;
    if (snapshot?.running) {
      const estimated = Object.values(snapshot.tables ?? {}).reduce((n, t) => n + (t.estimated ?? 0), 0);
      return `snapshot ${snapshot.rows ?? 0}${estimated > 0 ? `/${estimated}` : ''} rows`;
    }
    return progress?.incremental ? `streaming, ${incrementalText(progress.incremental)}` : 'streaming';
  } catch {
    return 'starting';
  }
}

/** An incremental snapshot in the live line: `incremental snapshot public.t chunk 12/80, 2998 rows at 15218 rows/s, ETA 1 s`. */
export function incrementalText(p: IncrementalProgress): string {
  const current = p.current;
  const where = current ? ` ${current.table} chunk ${current.chunks}${current.chunksTotal ? `/${current.chunksTotal}` : ''}` : '';
  const left = p.collections.length > 1 ? ` (+${p.collections.length - 1} table${p.collections.length > 2 ? 's' : ''})` : '';
  const eta = p.etaSeconds === null ? '' : `, ETA ${Math.ceil(p.etaSeconds)} s`;
  return `incremental snapshot${p.state === 'paused' ? ' (paused)' : ''}${where}${left}, ${p.rows} rows at ${Math.round(p.rowsPerSecond)} rows/s${eta}`;
}

async function counterTotal(runtime: StandaloneRuntime, name: string, connector: string): Promise<number> {
  const metric = runtime.metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => v.labels.connector === connector).reduce((n, v) => n + v.value, 0);
}

async function gaugeValue(runtime: StandaloneRuntime, name: string): Promise<number | undefined> {
  const metric = runtime.metrics.registry.getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  return values[0]?.value;
}
