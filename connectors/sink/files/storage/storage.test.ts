import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../../integration-tests/harness/temp.js';
import { LocalStorage } from './local-storage.js';
import { withRetries } from './retry-policy.js';
import { createStorage } from './storage-factory.js';

const fast = { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 };

test('a local file is invisible until commit, then complete under its final name', async () => {
  const dir = tempDir('local-storage');
  const storage = new LocalStorage(dir.path, 'c-0', fast);
  await storage.start();
  const out = await storage.create('topics/t/partition=0/a.json');
  await out.write(Buffer.from('{"a":1}\n'));
  await out.write(Buffer.from('{"a":2}\n'));
  assert.deepEqual(await storage.list(''), []);
  assert.equal(out.bytesWritten, 16);
  await out.commit();
  assert.deepEqual(await storage.list('topics/'), ['topics/t/partition=0/a.json']);
  assert.equal(readFileSync(join(dir.path, 'topics/t/partition=0/a.json'), 'utf8'), '{"a":1}\n{"a":2}\n');
  const dropped = await storage.create('topics/t/partition=0/b.json');
  await dropped.write(Buffer.from('x'));
  await dropped.abort();
  assert.deepEqual(await storage.list(''), ['topics/t/partition=0/a.json']);
  assert.ok(!existsSync(join(dir.path, 'topics/t/partition=0/b.json')));
  dir.remove();
});

test('writing the same path again replaces the file (replays are idempotent)', async () => {
  const dir = tempDir('local-replace');
  const storage = new LocalStorage(dir.path, 'c-0', fast);
  await storage.start();
  for (const text of ['first', 'second']) {
    const out = await storage.create('x/f.csv');
    await out.write(Buffer.from(text));
    await out.commit();
  }
  assert.equal(readFileSync(join(dir.path, 'x/f.csv'), 'utf8'), 'second');
  dir.remove();
});

test('retries transient failures with backoff, then fails with sink.unavailable', async () => {
  let calls = 0;
  const retried: number[] = [];
  const value = await withRetries('flaky', { ...fast, onRetry: (_e, n) => retried.push(n) }, async () => {
    if (++calls < 3) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    return 'ok';
  });
  assert.equal(value, 'ok');
  assert.deepEqual(retried, [1, 2]);
  calls = 0;
  await assert.rejects(
    withRetries('down', fast, async () => {
      calls++;
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    }),
    (e: Error & { code?: string; retriable?: boolean }) => e.code === 'sink.unavailable' && e.retriable === false && /3 attempts/.test(e.message),
  );
  assert.equal(calls, 3);
});

test('permanent errors are not retried', async () => {
  let calls = 0;
  await assert.rejects(withRetries('denied', fast, async () => {
    calls++;
    throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  }));
  assert.equal(calls, 1);
});

test('store.url and s3.bucket.name select the storage', () => {
  const base = { 's3.region': 'us-east-1', 's3.part.size': 5 << 20, 'store.retry.attempts': 3, 'store.retry.backoff.ms': 1, 'store.retry.backoff.max.ms': 1 };
  assert.equal(createStorage({ ...base, 'store.url': 'file:///tmp/lake/' }, 'o', {}).url, 'file:///tmp/lake');
  assert.equal(createStorage({ ...base, 'store.url': 's3://bucket/some/prefix/' }, 'o', {}).url, 's3://bucket/some/prefix');
  assert.equal(createStorage({ ...base, 's3.bucket.name': 'confluent-style' }, 'o', {}).url, 's3://confluent-style/');
});
