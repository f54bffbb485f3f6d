import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
import { waitFor } from '../connectors/sink/files/test/lake-expectations.js';
import { useLakeServices } from './harness/lake-services.js';
import { tempDir } from './harness/temp.js';

/**
 * Acceptance: the S3 server stops for 10 s while a multipart upload is under way. The sink
 * retries with backoff, the upload completes once the server is back, and every record is in
 * the bucket exactly once.
 */
const lake = useLakeServices();

test('S3 down for 10 s mid-upload: retries, then completes; every record once', async () => {
  const records = 200_000;
  const bucket = 'outage';
  await lake.s3.createBucket(bucket);
  const worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '1000' },
    connectors: [
      { name: 'gen-outage', 'connector.class': 'datagen', topic: 'orders', 'max.records': String(records), ops: 'insert', 'rows.per.second': '0' },
      {
        name: 'lake-outage', 'connector.class': 'files', topics: 'orders', ...lake.s3.sinkProperties(bucket, 'raw'),
        format: 'parquet', 'parquet.codec': 'none', 's3.part.size': String(5 * 1024 * 1024), 'flush.size': '100000', 'rotate.interval.ms': '3600000',
      },
    ],
  });
  const dir = tempDir('files-outage');
  try {
    // wait until at least one part of the first file is on the server, then pull the plug
    await waitFor('a part uploaded', () => (lake.s3.pendingUploadBytes(bucket) > 0 ? true : undefined), 60_000, 50);
    await lake.s3.kill();
    const killedAt = Date.now();
    // the status tells the truth meanwhile: RUNNING with the storage error while retrying, or
    // RESTARTING/FAILED with it — never a clean RUNNING once the sink has noticed
    const states: string[] = [];
    let noticed = false;
    while (Date.now() - killedAt < 10_000) {
      const task = (await worker.herder.connectorStatus('lake-outage')).tasks[0];
      if (task?.trace) noticed = true;
      if (noticed) states.push(`${task?.state}${task?.trace ? ` ${task.trace.split(':')[0]}` : ''}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(noticed, 'the outage shows in the status');
    assert.ok(states.every((s) => s.includes('sink.unavailable')), `every status after the first retry names the outage: ${[...new Set(states)].join(', ')}`);
    assert.deepEqual(await listWithoutServer(), 'down', 'the server really was down');
    await lake.s3.restart();
    const outage = Date.now() - killedAt;
    await waitFor('both files', async () => ((await lake.s3.list(bucket, 'raw/topics/orders/')).length >= 2 ? true : undefined), 120_000, 500);
    assert.equal((await worker.herder.connectorStatus('lake-outage')).tasks[0].trace, undefined, 'healthy again');
    const metrics = await worker.metricsText();
    const retries = metrics.split('\n').filter((l) => l.startsWith('tributary_files_sink_upload_retries_total')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    assert.ok(retries >= 2, `upload retries counted: ${retries} (outage ${outage} ms)`);
    const keys = await lake.s3.download(bucket, 'raw/', dir.path);
    assert.equal(keys.length, 2);
    const [row] = await lake.db.rows(`SELECT count(*)::INTEGER AS n, count(DISTINCT __source_pos)::INTEGER AS d, min(seq)::INTEGER AS lo, max(seq)::INTEGER AS hi FROM read_parquet('${join(dir.path, 'raw')}/**/*.parquet')`);
    assert.deepEqual(row, { n: records, d: records, lo: 1, hi: records });
  } finally {
    await worker.stop();
    dir.remove();
  }
});

async function listWithoutServer(): Promise<string> {
  try {
    await lake.s3.list('outage');
    return 'up';
  } catch {
    return 'down';
  }
}
