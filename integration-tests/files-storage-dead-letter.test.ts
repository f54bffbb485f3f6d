import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startEmbeddedWorker } from '../cli/embedded-worker.js';
import { startS3Server, type S3Server } from './harness/s3-server.js';
import { tempDir } from './harness/temp.js';
import { eventually } from './harness/worker-process.js';

const PLUGINS = fileURLToPath(new URL('./fixtures/plugins', import.meta.url));

/**
 * Issue 4: when storage stays down past the retries and errors.tolerance=all names a dead-letter
 * topic, the records the failed files held go to the dead-letter topic (with the storage error as
 * context) instead of failing the task; later records land once storage is back; none is lost.
 */
let s3: S3Server;
before(async () => {
  s3 = await startS3Server();
});
after(async () => {
  await s3?.stop();
});

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function seqsOf(lines: string[], pick: (row: Record<string, unknown>) => unknown): number[] {
  return lines.filter(Boolean).map((l) => Number(pick(JSON.parse(l) as Record<string, unknown>)));
}

test('storage down past its retries, errors.tolerance=all: the failed records are dead-lettered, later ones land, none lost', async () => {
  const records = 3000;
  const bucket = 'deadletter';
  await s3.createBucket(bucket);
  const dir = tempDir('files-dlq');
  const deadLetters = join(dir.path, 'dead.jsonl');
  const worker = await startEmbeddedWorker({
    workerProps: { 'offset.flush.interval.ms': '200', 'plugin.path': PLUGINS },
    connectors: [
      { name: 'dead-letters', 'connector.class': 'jsonl-recorder', topics: 'orders.dlq', 'output.file': deadLetters },
      {
        name: 'lake', 'connector.class': 'files', topics: 'orders', ...s3.sinkProperties(bucket, 'raw'), format: 'json', 'flush.size': '250',
        'store.retry.attempts': '3', 'store.retry.backoff.ms': '20', 'store.retry.backoff.max.ms': '50',
        'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': 'orders.dlq',
      },
    ],
  });
  try {
    await s3.kill();
    await worker.herder.putConnectorConfig('gen', { 'connector.class': 'datagen', topic: 'orders', 'max.records': String(records), 'rows.per.second': '1000' }, false);
    const readDead = () => (existsSync(deadLetters) ? readFileSync(deadLetters, 'utf8').split('\n').filter(Boolean) : []);
    await eventually(async () => {
      await worker.commitNow();
      return readDead().length >= 250 ? true : undefined;
    }, 30_000, 'records of the failed files in the dead-letter topic');
    await s3.restart();
    await eventually(async () => {
      await worker.commitNow();
      const offsets = await worker.herder.connectorOffsets('gen');
      return offsets.offsets[0]?.offset?.seq === records ? true : undefined;
    }, 60_000, 'every record committed');

    const dead = readDead();
    const headers = (JSON.parse(dead[0]) as { headers: Record<string, string> }).headers;
    assert.equal(headers['__connect.errors.connector.name'], 'lake');
    assert.equal(headers['__connect.errors.stage'], 'TASK_PUT');
    assert.match(headers['__connect.errors.exception.message'], /attempts|store|unavailable|ECONNREFUSED/i);
    const deadSeqs = seqsOf(dead, (r) => (r.value as { after: { seq: number } }).after.seq);

    const landedDir = join(dir.path, 'landed');
    await s3.download(bucket, 'raw/', landedDir);
    const landedSeqs = filesUnder(landedDir).flatMap((f) => seqsOf(readFileSync(f, 'utf8').split('\n'), (r) => r.seq));
    assert.ok(landedSeqs.length > 0, 'records after the outage landed in the bucket');
    const all = new Set([...deadSeqs, ...landedSeqs]);
    for (let seq = 1; seq <= records; seq++) assert.ok(all.has(seq), `seq ${seq} is neither in the bucket nor in the dead-letter topic`);
    assert.equal((await worker.herder.connectorStatus('lake')).tasks[0].state, 'RUNNING');
  } finally {
    await worker.stop();
    dir.remove();
  }
});
