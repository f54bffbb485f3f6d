import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../plugins/api/index.js';
import { chunkQueueSettings } from '../../../plugins/cdc/index.js';
import { mariadbConnector, mysqlConnector } from './mysql-connector.js';
import { mysqlConfigSpec, type MySqlConfig } from './mysql-config-spec.js';

const base = { 'topic.prefix': 'srv', 'database.hostname': 'localhost', 'database.user': 'u' };

describe('mysql chunk queue settings', () => {
  it('one task without a queue; tasks.max tasks with one (each the same config), for mysql and mariadb', async () => {
    const plain = parseConfig(mysqlConfigSpec, base);
    const raw = { ...base, 'snapshot.max.threads': '4', 'snapshot.queue.redis.url': 'redis://127.0.0.1:6390/2', 'snapshot.queue.lease.ms': '3000' };
    const queued = parseConfig(mysqlConfigSpec, raw);
    assert.deepEqual(queued.errors, {});
    for (const connector of [mysqlConnector, mariadbConnector]) {
      assert.deepEqual(await connector.taskConfigs(plain.value as never, base, 3), [base]);
      assert.deepEqual(await connector.taskConfigs(queued.value as never, raw, 3), [raw, raw, raw]);
    }
    assert.deepEqual(chunkQueueSettings(queued.value as MySqlConfig, 'orders db'), { url: 'redis://127.0.0.1:6390/2', name: 'chunks-orders_db', leaseMs: 3000, chunkSize: 1024, maxRowsPerSecond: 0 });
    assert.equal(chunkQueueSettings(plain.value as MySqlConfig, 'x'), null);
    assert.equal((plain.value as MySqlConfig)['snapshot.queue.lease.ms'], 15_000);
  });

  it('refuses a queue with one thread, what is not a redis URL, and a lease out of range', () => {
    const one = parseConfig(mysqlConfigSpec, { ...base, 'snapshot.queue.redis.url': 'redis://r:6379' });
    assert.match(one.errors['snapshot.queue.redis.url']?.[0] ?? '', /snapshot.max.threads above 1/);
    const bad = parseConfig(mysqlConfigSpec, { ...base, 'snapshot.max.threads': '2', 'snapshot.queue.redis.url': 'http://r:6379' });
    assert.match(bad.errors['snapshot.queue.redis.url']?.[0] ?? '', /redis:\/\//);
    const lease = parseConfig(mysqlConfigSpec, { ...base, 'snapshot.queue.lease.ms': '10' });
    assert.ok(lease.errors['snapshot.queue.lease.ms']?.length);
    assert.equal(mysqlConfigSpec.properties['snapshot.queue.redis.url'].sensitive, true, 'the URL may hold a password');
  });
});
