import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkJobId, chunkQueueName, queueLimiter, redisOptions, rowsKey, safeUrl } from './chunk-queue.js';

describe('chunk queue settings', () => {
  it('redis URLs: host, port, credentials, db, TLS; the password never shown', () => {
    assert.deepEqual(redisOptions('redis://127.0.0.1:6390'), { host: '127.0.0.1', port: 6390 });
    assert.deepEqual(redisOptions('rediss://u:p%40ss@r.example:7000/3'), { host: 'r.example', port: 7000, username: 'u', password: 'p@ss', db: 3, tls: {} });
    assert.deepEqual(redisOptions('redis://r'), { host: 'r', port: 6379 });
    assert.throws(() => redisOptions('http://r:1'), /redis:\/\//);
    assert.equal(safeUrl('redis://u:secret@r:1/0'), 'redis://u:***@r:1/0');
  });

  it('names: one queue per connector (no ":"), a job per window and range, rows per attempt', () => {
    assert.equal(chunkQueueName('orders:pg'), 'chunks-orders_pg');
    assert.equal(chunkJobId('w-1', 2), 'w-1.2');
    assert.equal(rowsKey('chunks-pg', 'w-1.2', 'tok'), 'tributary:chunks-pg:rows:w-1.2:tok');
  });

  it('the row rate as BullMQ\'s job rate: one range per chunk.size / rate seconds; 0 is no limit', () => {
    const s = { url: 'redis://r', name: 'q', leaseMs: 1000, chunkSize: 1000 };
    assert.equal(queueLimiter({ ...s, maxRowsPerSecond: 0 }), undefined);
    assert.deepEqual(queueLimiter({ ...s, maxRowsPerSecond: 4000 }), { max: 1, duration: 250 });
    assert.deepEqual(queueLimiter({ ...s, maxRowsPerSecond: 10_000_000 }), { max: 1, duration: 1 });
  });
});
