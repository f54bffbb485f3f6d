import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../plugins/api/index.js';
import { chunkQueueSettings } from '../../../plugins/cdc/index.js';
import { postgresConnector } from './postgres-connector.js';
import { postgresConfigSpec, type PostgresConfig } from './postgres-config-spec.js';

const base = { 'topic.prefix': 'srv', 'database.hostname': 'h', 'database.user': 'u', 'database.dbname': 'd' };

describe('postgres chunk queue settings', () => {
  it('one task without a queue; tasks.max tasks with one (each the same config)', async () => {
    const plain = parseConfig(postgresConfigSpec, base);
    assert.deepEqual(await postgresConnector.taskConfigs(plain.value as never, base, 3), [base]);
    const raw = { ...base, 'snapshot.max.threads': '4', 'snapshot.queue.redis.url': 'redis://127.0.0.1:6390/2' };
    const queued = parseConfig(postgresConfigSpec, raw);
    assert.deepEqual(queued.errors, {});
    assert.deepEqual(await postgresConnector.taskConfigs(queued.value as never, raw, 3), [raw, raw, raw]);
    const settings = chunkQueueSettings(queued.value as PostgresConfig, 'orders db');
    assert.deepEqual(settings, { url: 'redis://127.0.0.1:6390/2', name: 'chunks-orders_db', leaseMs: 15_000, chunkSize: 1024, maxRowsPerSecond: 0 });
    assert.equal(chunkQueueSettings(plain.value as PostgresConfig, 'x'), null);
  });

  it('refuses a queue with one thread, and what is not a redis URL', () => {
    const one = parseConfig(postgresConfigSpec, { ...base, 'snapshot.queue.redis.url': 'redis://r:6379' });
    assert.match(one.errors['snapshot.queue.redis.url']?.[0] ?? '', /snapshot.max.threads above 1/);
    const bad = parseConfig(postgresConfigSpec, { ...base, 'snapshot.max.threads': '2', 'snapshot.queue.redis.url': 'http://r:6379' });
    assert.match(bad.errors['snapshot.queue.redis.url']?.[0] ?? '', /redis:\/\//);
  });
});
