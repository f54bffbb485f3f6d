import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KafkaBasedLog, type LogRecord } from '../runtime/storage/kafka-based-log.js';
import { adminFor } from './harness/kafka-clients.js';
import { startKafkaCluster, uniqueName, type KafkaCluster } from './harness/kafka-cluster.js';

/**
 * A private 3-node KRaft cluster (each node broker and controller) that the test kills, stops and
 * restarts node by node; the Kafka-backed log, replicated three times, keeps working through it.
 * Prints the harness facts: start time and each broker's resident memory.
 */
let cluster: KafkaCluster;
const MB = 1024 * 1024;

before(async () => {
  const started = Date.now();
  cluster = await startKafkaCluster({
    nodes: 3,
    // a dead broker is fenced, and its partitions move, after 3 s instead of 9 s
    overrides: { 'broker.heartbeat.interval.ms': '500', 'broker.session.timeout.ms': '3000' },
  });
  console.log(`# kafka: 3-node cluster ready in ${Date.now() - started} ms (format ${cluster.timings.formatMs} ms, boot ${cluster.timings.bootMs} ms)`);
});
after(() => cluster?.stop());

describe('a 3-node cluster under faults', () => {
  it('keeps a replicated Kafka-backed log writable and readable through kill -9, restart and stop of brokers', async (t) => {
    console.log(`# kafka: broker RSS ${cluster.nodes.map((n) => `${Math.round((n.rssBytes() ?? 0) / MB)} MB`).join(', ')}`);
    const topic = uniqueName('replicated-offsets');
    const seen: LogRecord[] = [];
    const log = await KafkaBasedLog.start({
      topic, bootstrapBrokers: cluster.brokers, clientId: 'tributary-fault-test', partitions: 3, replicationFactor: 3,
      topicConfigs: { 'min.insync.replicas': '2' }, onRecord: (r) => seen.push(r), timeoutMs: 30_000,
    });
    t.after(() => log.stop());
    const admin = adminFor(cluster);
    t.after(() => admin.close());
    const replicas = (await admin.metadata({ topics: [topic] })).topics.get(topic)!.partitions.map((p) => p.replicas.length);
    assert.deepEqual(replicas, [3, 3, 3]);

    const write = async (round: string) => {
      for (let i = 0; i < 10; i++) await log.send(Buffer.from(`key-${i}`), Buffer.from(`${round}-${i}`));
      await log.readToEnd();
    };
    await write('before');

    // kill -9 the node that leads partition 0
    const leader = (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)!.partitions[0].leader;
    const victim = cluster.nodes.findIndex((n) => n.spec.nodeId === leader);
    let at = Date.now();
    await cluster.kill(victim);
    await write('after-kill');
    console.log(`# kafka: 10 acked writes + readToEnd with node ${leader} killed took ${Date.now() - at} ms`);

    at = Date.now();
    await cluster.startNode(victim);
    console.log(`# kafka: node ${leader} restarted (same ports, same data) in ${Date.now() - at} ms`);
    await write('after-restart');

    const other = (victim + 1) % 3;
    at = Date.now();
    await cluster.stopNode(other);
    console.log(`# kafka: controlled shutdown of node ${cluster.nodes[other].spec.nodeId} took ${Date.now() - at} ms`);
    await write('after-stop');
    await cluster.startNode(other);
    await cluster.waitReady();

    const latest = new Map(seen.map((r) => [r.key!.toString(), r.value!.toString()]));
    assert.equal(seen.length, 40, 'every acked record read exactly once');
    assert.deepEqual([...latest.values()].sort(), Array.from({ length: 10 }, (_, i) => `after-stop-${i}`).sort());

    // a fresh reader after all that sees the same log
    const again: LogRecord[] = [];
    const reader = await KafkaBasedLog.start({ topic, bootstrapBrokers: cluster.brokers, clientId: 'tributary-fault-reader', partitions: 3, replicationFactor: 3, onRecord: (r) => again.push(r) });
    await reader.stop();
    assert.equal(again.length, 40);
  });
});
