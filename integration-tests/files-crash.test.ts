import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../connectors/sink/files/test/lake-expectations.js';
import { useLakeServices } from './harness/lake-services.js';
import { tempDir } from './harness/temp.js';

/**
 * Acceptance: `kill -9` the worker (the real CLI, `tributary standalone`, in a child process)
 * while a 200 MB Parquet file is half uploaded to S3, then restart it. No partial object is ever
 * visible, and across all files every record is there exactly once.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const FILE_BYTES = 200_000_000;
// about 87 bytes a row uncompressed: a 200 MB file, then a smaller second one
const RECORDS = 2_600_000;

const lake = useLakeServices();

function properties(path: string, props: Record<string, string>): string {
  writeFileSync(path, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return path;
}

function startWorker(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [join(ROOT, 'bin/tributary.js'), 'standalone', ...args], {
    cwd: ROOT,
    env: { ...process.env, TRIBUTARY_FROM_SOURCE: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume();
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

test('kill -9 while a 200 MB Parquet file is half uploaded: no partial object, every record once', { timeout: 600_000 }, async () => {
  const bucket = 'crash';
  await lake.s3.createBucket(bucket);
  const dir = tempDir('files-crash');
  const args = [
    properties(join(dir.path, 'worker.properties'), {
      'state.dir': join(dir.path, 'state'),
      'offset.storage.file.filename': join(dir.path, 'connect.offsets'),
      'offset.flush.interval.ms': '1000',
      'rest.enabled': 'false',
      'log.level': 'warn',
    }),
    properties(join(dir.path, 'datagen.properties'), {
      name: 'gen', 'connector.class': 'datagen', topic: 'orders', 'max.records': String(RECORDS), ops: 'insert', 'rows.per.second': '0',
    }),
    properties(join(dir.path, 'lake.properties'), {
      name: 'lake', 'connector.class': 'io.confluent.connect.s3.S3SinkConnector', topics: 'orders', ...lake.s3.sinkProperties(bucket),
      format: 'parquet', 'parquet.codec': 'none', 'rotate.size.bytes': String(FILE_BYTES), 'rotate.interval.ms': '3600000',
    }),
  ];
  let worker = startWorker(args);
  try {
    await waitFor('half of the first file uploaded', () => (lake.s3.pendingUploadBytes(bucket) >= FILE_BYTES / 2 ? true : undefined), 300_000, 100);
    await kill9(worker);
    assert.deepEqual(await lake.s3.list(bucket), [], 'an incomplete multipart upload is not an object');

    worker = startWorker(args);
    const keys = await waitFor('both files after the restart', async () => {
      const k = await lake.s3.list(bucket, 'topics/orders/');
      return k.length >= 2 ? k : undefined;
    }, 400_000, 1000);
    assert.equal(keys.length, 2);
    assert.match(keys[0], /orders\+0\+00000000000000000001\+1767225600001\.parquet$/);
    const download = join(dir.path, 'download');
    await lake.s3.download(bucket, 'topics/', download);
    const [row] = await lake.db.rows(`SELECT count(*)::INTEGER AS n, count(DISTINCT seq)::INTEGER AS d, min(seq)::INTEGER AS lo, max(seq)::INTEGER AS hi FROM read_parquet('${download}/**/*.parquet')`);
    assert.deepEqual(row, { n: RECORDS, d: RECORDS, lo: 1, hi: RECORDS });
  } finally {
    await kill9(worker);
    dir.remove();
  }
});
