import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitFor } from '../connectors/sink/files/test/lake-expectations.js';
import { listFiles } from '../connectors/sink/files/test/read-back.js';
import { compiledCliEnv, ensureCompiledCli } from './harness/compiled-cli.js';
import { DuckDbReader } from './harness/duckdb-reader.js';
import { tempDir } from './harness/temp.js';

/**
 * Acceptance: a 1 GiB Parquet file is written with the worker's resident memory under 300 MB,
 * which holds only if row groups stream out as they fill. The worker is the real CLI in a child
 * process, compiled as installed (its peak RSS is the kernel's VmHWM), fed by a plugin source (loaded through
 * plugin.path) that emits 4 KiB rows quickly, so the test spends its time in the sink.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const GiB = 1024 ** 3;
const ROW_CHARS = 4096;
const RECORDS = Math.ceil(GiB / ROW_CHARS) + 2000;
const RSS_LIMIT = 300 * 1024 * 1024;

const PLUGIN = (apiUrl: string) => `
import { defineConnector, defineConfigSpec, prop } from ${JSON.stringify(apiUrl)};

const schema = { type: 'struct', optional: false, name: 'blobs.Value', fields: [
  { name: 'id', schema: { type: 'int64', optional: false } },
  { name: 'blob', schema: { type: 'string', optional: false } },
] };
// one random base string; rows are distinct slices of it, so no dictionary can fold them
const base = Array.from({ length: 1 << 18 }, () => Math.random().toString(36).slice(2, 10)).join('');

class BlobSourceTask {
  next = 1;
  async start(context) { this.config = context.config; }
  async poll() {
    const { topic, 'max.records': max } = this.config;
    if (this.next > max) { await new Promise((r) => setTimeout(r, 200)); return []; }
    const out = [];
    for (let i = 0; i < 64 && this.next <= max; i++, this.next++) {
      const n = this.next;
      const position = String(n).padStart(20, '0');
      const at = (n * 7919) % (base.length - ${ROW_CHARS});
      out.push({ topic, keySchema: null, key: null, valueSchema: schema, value: { id: n, blob: base.slice(at, at + ${ROW_CHARS}) },
        timestamp: 1767225600000 + n, sourcePartition: { blobs: topic }, sourceOffset: { n }, position, id: topic + ':' + position });
    }
    return out;
  }
  async stop() {}
}

export default defineConnector({
  name: 'blobgen', kind: 'source', version: '1.0.0', apiVersion: 1, description: 'test rows of 4 KiB',
  configSpec: defineConfigSpec({
    topic: prop.string({ doc: 'topic', required: true }),
    'max.records': prop.long({ doc: 'records', default: 1000 }),
  }),
  taskConfigs: (_c, raw) => [raw],
  createTask: () => new BlobSourceTask(),
});
`;

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

function properties(path: string, props: Record<string, string>): string {
  writeFileSync(path, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return path;
}

test('a 1 GiB Parquet file is written with worker RSS under 300 MB', { timeout: 600_000 }, async () => {
  ensureCompiledCli();
  const dir = tempDir('files-memory');
  const lake = join(dir.path, 'lake');
  writeFileSync(join(dir.path, 'blobgen.mjs'), PLUGIN(pathToFileURL(join(ROOT, 'dist/plugins/api/index.js')).href));
  const args = [
    properties(join(dir.path, 'worker.properties'), {
      'state.dir': join(dir.path, 'state'),
      'offset.flush.interval.ms': '5000',
      'rest.enabled': 'false',
      'plugin.path': join(dir.path, 'blobgen.mjs'),
      'log.level': 'warn',
    }),
    properties(join(dir.path, 'blobs.properties'), { name: 'blobs', 'connector.class': 'blobgen', topic: 'blobs', 'max.records': String(RECORDS) }),
    properties(join(dir.path, 'lake.properties'), {
      name: 'lake', 'connector.class': 'files', topics: 'blobs', 'store.url': `file://${lake}`,
      format: 'parquet', 'parquet.codec': 'none', 'rotate.size.bytes': String(GiB), 'rotate.interval.ms': '3600000',
    }),
  ];
  // the compiled CLI, as an installed worker runs (tsx would add its own memory to the figure)
  const worker: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/tributary.js'), 'standalone', ...args], {
    cwd: ROOT,
    env: compiledCliEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  worker.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let peak = 0;
  try {
    const [first] = await waitFor('the 1 GiB file', () => {
      if (worker.exitCode !== null) throw new Error(`worker exited ${worker.exitCode}: ${stderr}`);
      peak = Math.max(peak, peakRss(worker.pid!));
      const files = listFiles(lake);
      return files.length > 0 ? files : undefined;
    }, 540_000, 200);
    peak = Math.max(peak, peakRss(worker.pid!));
    const size = statSync(join(lake, first)).size;
    assert.ok(size >= GiB, `file size ${size}`);
    const db = await DuckDbReader.open();
    const [row] = await db.rows(`SELECT count(*)::INTEGER AS n, min(id)::INTEGER AS lo, max(length(blob))::INTEGER AS w FROM read_parquet('${join(lake, first)}')`);
    db.close();
    assert.equal(row.lo, 1);
    assert.equal(row.w, ROW_CHARS);
    // each value carries a 4-byte length in Parquet: a GiB holds slightly fewer than GiB/4096 rows
    assert.ok(Number(row.n) * (ROW_CHARS + 4) >= GiB * 0.99, `${row.n} rows`);
    process.stdout.write(`# 1 GiB Parquet file: ${row.n} rows, ${size} bytes, worker peak RSS ${(peak / 1048576).toFixed(0)} MiB\n`);
    assert.ok(peak < RSS_LIMIT, `worker peak RSS ${(peak / 1048576).toFixed(0)} MiB`);
  } finally {
    if (worker.exitCode === null) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGKILL');
      await exited;
    }
    dir.remove();
  }
});
