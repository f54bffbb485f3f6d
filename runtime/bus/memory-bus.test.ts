import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SinkRecord, SourceRecord } from '../../plugins/api/index.js';
import { boundBefore, boundThrough } from './durable-bound.js';
import { MemoryBus, positionKey, SinkInbox, splitPositionKey, type SinkGroup } from './memory-bus.js';
import { partitionKey, PublishedBatch } from './published-batch.js';

function record(topic: string, seq: number): SourceRecord {
  const position = String(seq).padStart(20, '0');
  return {
    topic,
    keySchema: null,
    key: { id: seq },
    valueSchema: null,
    value: { seq },
    timestamp: 1000 + seq,
    headers: { h: 'v' },
    sourcePartition: { datagen: topic },
    sourceOffset: { seq },
    position,
    id: `${topic}:${position}`,
  };
}

function group(connector: string, matches: (topic: string) => boolean, tasks = 1, capacity = 100): SinkGroup {
  return { connector, inboxes: Array.from({ length: tasks }, () => new SinkInbox(capacity)), matches, positions: new Map() };
}

/** Everything queued in an inbox, without waiting. */
async function drain(inbox: SinkInbox): Promise<SinkRecord[]> {
  return (await inbox.queue.take(1000, 0)).flat();
}

const batch = () => new PublishedBatch(new Map());

describe('MemoryBus', () => {
  it('delivers each record to every matching sink group and no other', async () => {
    const bus = new MemoryBus();
    const orders = group('orders-sink', (t) => t === 'orders');
    const all = group('all-sink', () => true);
    const none = group('none-sink', () => false);
    for (const g of [orders, all, none]) bus.attach(g);
    await bus.publish('src', [record('orders', 1), record('users', 2)], batch());
    assert.deepEqual((await drain(orders.inboxes[0])).map((r) => r.topic), ['orders']);
    assert.deepEqual((await drain(all.inboxes[0])).map((r) => r.topic), ['orders', 'users']);
    assert.deepEqual(await drain(none.inboxes[0]), []);
    assert.deepEqual(bus.groups().map((g) => g.connector), ['orders-sink', 'all-sink', 'none-sink']);
  });

  it('turns source records into sink records with per-topic offsets', async () => {
    const bus = new MemoryBus();
    const g = group('sink', () => true);
    bus.attach(g);
    await bus.publish('src', [record('a', 1), record('b', 2), record('a', 3)], batch());
    await bus.publish('src', [record('a', 4)], batch());
    const delivered = await drain(g.inboxes[0]);
    assert.deepEqual(delivered.map((r) => [r.topic, r.offset]), [['a', 0], ['b', 0], ['a', 1], ['a', 2]]);
    assert.deepEqual(delivered[0], {
      topic: 'a',
      partition: 0,
      offset: 0,
      keySchema: null,
      key: { id: 1 },
      valueSchema: null,
      value: { seq: 1 },
      timestamp: 1001,
      headers: { h: 'v' },
      position: '00000000000000000001',
      id: 'a:00000000000000000001',
    });
  });

  it('numbers records even when no sink takes them', async () => {
    const bus = new MemoryBus();
    await bus.publish('src', [record('t', 1), record('t', 2)], batch());
    const g = group('late', () => true);
    bus.attach(g);
    await bus.publish('src', [record('t', 3)], batch());
    assert.deepEqual((await drain(g.inboxes[0])).map((r) => r.offset), [2]);
  });

  it('skips records below the durable bound of that topic and source', async () => {
    const bus = new MemoryBus();
    const g = group('sink', () => true);
    g.positions.set(positionKey('t', 'src'), boundThrough('00000000000000000002'));
    bus.attach(g);
    const b = batch();
    await bus.publish('src', [record('t', 1), record('t', 2), record('t', 3), record('u', 1)], b);
    await bus.publish('other-src', [record('t', 1)], batch());
    const delivered = await drain(g.inboxes[0]);
    assert.deepEqual(delivered.map((r) => [r.topic, r.position.slice(-1), r.offset]), [['t', '3', 2], ['u', '1', 0], ['t', '1', 3]]);
    assert.equal(b.pending, 2, 'skipped records are not pending');
    assert.equal(g.inboxes[0].ledger.lookup('t', 0), undefined);
  });

  it('sends every record of a topic to one task of a group, spreading topics over tasks', async () => {
    const bus = new MemoryBus();
    const g = group('sink', () => true, 4);
    bus.attach(g);
    const topics = Array.from({ length: 40 }, (_, i) => `topic-${i}`);
    await bus.publish('src', topics.flatMap((t, i) => [record(t, i * 2 + 1), record(t, i * 2 + 2)]), batch());
    const byTask = await Promise.all(g.inboxes.map(drain));
    const owner = new Map<string, number>();
    byTask.forEach((records, task) => {
      for (const r of records) {
        assert.equal(owner.get(r.topic) ?? task, task, `${r.topic} went to two tasks`);
        owner.set(r.topic, task);
      }
    });
    assert.equal(owner.size, 40);
    assert.ok(byTask.filter((records) => records.length > 0).length > 1, 'more than one task used');

    const again = new MemoryBus();
    const g2 = group('sink', () => true, 4);
    again.attach(g2);
    await again.publish('src', topics.map((t, i) => record(t, i)), batch());
    const byTask2 = await Promise.all(g2.inboxes.map(drain));
    byTask2.forEach((records, task) => {
      for (const r of records) assert.equal(owner.get(r.topic), task, 'the choice is stable');
    });
  });

  it('records each delivery in the ledger and seals the batch after publishing', async () => {
    const bus = new MemoryBus();
    const g1 = group('s1', () => true);
    const g2 = group('s2', (t) => t === 'a');
    bus.attach(g1);
    bus.attach(g2);
    const b = batch();
    assert.equal(b.sealed, false);
    await bus.publish('src', [record('a', 1), record('b', 2)], b);
    assert.equal(b.sealed, true);
    assert.equal(b.pending, 3, 'one per record and sink');
    assert.equal(b.complete, false);
    assert.deepEqual(g1.inboxes[0].ledger.lookup('a', 0), { batch: b, source: 'src' });
    assert.deepEqual(g1.inboxes[0].ledger.ack('a', 1), [{ topic: 'a', source: 'src', bound: boundThrough('00000000000000000001') }]);
    g1.inboxes[0].ledger.ack('b', 1);
    g2.inboxes[0].ledger.ack('a', 1);
    assert.equal(b.complete, true);
  });

  it('a record no sink takes leaves its batch incomplete (its offset is held); internal topics do not', async () => {
    const bus = new MemoryBus();
    bus.attach(group('sink', (t) => t === 'taken'));
    const held = batch();
    await bus.publish('src', [record('taken', 1), record('nobody', 2)], held);
    assert.equal(held.sealed, true);
    assert.equal(held.unclaimed, true);
    assert.equal(held.complete, false);
    assert.deepEqual([...bus.unclaimedTopics('src')], ['nobody']);
    const heartbeat = batch();
    await bus.publish('src', [record('__debezium-heartbeat.x', 3)], heartbeat);
    assert.equal(heartbeat.complete, true, 'a heartbeat nobody takes does not hold anything');
    bus.sourceRestarted('src');
    assert.deepEqual([...bus.unclaimedTopics('src')], []);
  });

  it('tracks the active topics of sources and sinks (KIP-558) until reset', async () => {
    const bus = new MemoryBus();
    bus.attach(group('lake', (t) => t !== 'c'));
    await bus.publish('pg', [record('a', 1), record('b', 2), record('c', 3)], batch());
    await bus.publish('pg>lake', [record('dlq', 4)], batch());
    assert.deepEqual(bus.activeTopics('pg'), ['a', 'b', 'c']);
    assert.deepEqual(bus.activeTopics('lake'), ['a', 'b', 'dlq']);
    bus.resetActiveTopics('lake');
    assert.deepEqual(bus.activeTopics('lake'), []);
    await bus.publish('pg', [record('a', 5)], batch());
    assert.deepEqual(bus.activeTopics('lake'), ['a']);
  });

  it('seals an empty batch at once', async () => {
    const b = batch();
    assert.equal(await new MemoryBus().publish('src', [], b), 0);
    assert.equal(b.complete, true);
  });

  it('applyAcks only moves durable bounds forward', () => {
    const bus = new MemoryBus();
    const g = group('sink', () => true);
    bus.applyAcks(g, [{ topic: 't', source: 's', bound: '005' }]);
    bus.applyAcks(g, [{ topic: 't', source: 's', bound: '003' }, { topic: 'u', source: 's', bound: '001' }]);
    assert.deepEqual([...g.positions], [[positionKey('t', 's'), '005'], [positionKey('u', 's'), '001']]);
  });

  it('delivers the record at an exclusive bound and everything after it, nothing before', async () => {
    const bus = new MemoryBus();
    const g = group('sink', () => true);
    g.positions.set(positionKey('t', 'src'), boundBefore('00000000000000000003'));
    bus.attach(g);
    await bus.publish('src', [record('t', 1), record('t', 2), record('t', 3), record('t', 4)], batch());
    assert.deepEqual((await drain(g.inboxes[0])).map((r) => r.position.slice(-1)), ['3', '4']);
  });

  it('knows which topics each source label published to', async () => {
    const bus = new MemoryBus();
    await bus.publish('pg', [record('a', 1), record('b', 2), record('a', 3)], batch());
    await bus.publish('pg>lake', [record('dlq', 1)], batch());
    assert.deepEqual(bus.sources(), ['pg', 'pg>lake']);
    assert.deepEqual([...bus.topicsOf('pg')], ['a', 'b']);
    assert.deepEqual([...bus.topicsOf('pg>lake')], ['dlq']);
    assert.deepEqual([...bus.topicsOf('nobody')], []);
  });

  it('waits for room in a full inbox and reports the time blocked', async () => {
    const bus = new MemoryBus();
    const g = group('sink', () => true, 1, 1);
    bus.attach(g);
    assert.equal(await bus.publish('src', [record('t', 1)], batch()), 0);
    const b = batch();
    const publishing = bus.publish('src', [record('t', 2)], b);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(b.sealed, false, 'not sealed while waiting for room');
    assert.deepEqual((await g.inboxes[0].queue.take(1, 0)).flat().map((r) => r.offset), [0]);
    assert.ok((await publishing) > 0);
    assert.equal(b.sealed, true);
  });

  it('unsubscribe stops deliveries and closes the inboxes', async () => {
    const bus = new MemoryBus();
    const g = group('sink', () => true, 1, 1);
    bus.attach(g);
    await bus.publish('src', [record('t', 1)], batch());
    const blocked = bus.publish('src', [record('t', 2)], batch());
    bus.unsubscribe('sink');
    await assert.rejects(blocked, { name: 'QueueClosedError' });
    assert.deepEqual(bus.groups(), []);
    await bus.publish('src', [record('t', 3)], batch());
    bus.unsubscribe('not-there');
  });
});

describe('position keys', () => {
  it('split back into topic and source, even with odd characters', () => {
    assert.deepEqual(splitPositionKey(positionKey('a.b>c', 'pg>lake')), { topic: 'a.b>c', source: 'pg>lake' });
  });

  it("partitionKey is Kafka Connect's [connector, partition] JSON", () => {
    assert.equal(partitionKey('pg', { server: 'shop', n: 1 }), '["pg",{"server":"shop","n":1}]');
  });
});
