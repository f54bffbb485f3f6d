import assert from 'node:assert/strict';
import { Admin, Consumer, FetchIsolationLevels, type Message } from '@platformatic/kafka';
import { PartitionFetcher, type FetchedRecord } from '../../runtime/kafka/partition-fetcher.js';
import type { KafkaEndpoint } from './kafka-cluster.js';

/** Small helpers over @platformatic/kafka for tests: an admin client and "read the whole topic". */
export function adminFor(kafka: KafkaEndpoint): Admin {
  return new Admin({ clientId: 'tributary-test-admin', bootstrapBrokers: [...kafka.brokers] });
}

/** The end offset (next offset to be written) of each partition, by partition number. */
export async function endOffsets(kafka: KafkaEndpoint, topic: string, isolationLevel: number = FetchIsolationLevels.READ_UNCOMMITTED): Promise<bigint[]> {
  const consumer = new Consumer({ clientId: 'tributary-test-offsets', groupId: `offsets-${process.pid}`, bootstrapBrokers: [...kafka.brokers] });
  try {
    const offsets = await consumer.listOffsets({ topics: [topic], isolationLevel });
    return offsets.get(topic) ?? [];
  } finally {
    await consumer.close();
  }
}

/**
 * Every record of a topic from the beginning up to its end offsets at the time of the call, in
 * partition then offset order. Needs no group offsets: the stream starts at the earliest offset.
 * With `read_committed` a partition may end in transaction markers or aborted records, which are
 * never delivered, so a read also ends once nothing new arrived for `idleMs`.
 */
export async function readTopic(kafka: KafkaEndpoint, topic: string, options: { isolationLevel?: number; timeoutMs?: number; idleMs?: number } = {}): Promise<Message[]> {
  const isolationLevel = options.isolationLevel ?? FetchIsolationLevels.READ_UNCOMMITTED;
  const ends = await endOffsets(kafka, topic);
  const out: Message[] = [];
  if (ends.every((e) => e === 0n)) return out;
  const consumer = new Consumer({ clientId: 'tributary-test-reader', groupId: `reader-${process.pid}-${Date.now()}-${Math.random()}`, bootstrapBrokers: [...kafka.brokers] });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 200, isolationLevel });
    await new Promise<void>((resolve, reject) => {
      const finish = () => { clearTimeout(deadline); clearTimeout(idle); stream.off('data', onData); resolve(); };
      const deadline = setTimeout(() => { stream.off('data', onData); reject(new Error(`read of ${topic} timed out: ${out.length} records, ends ${ends.join(',')}`)); }, options.timeoutMs ?? 20_000);
      // the first fetch waits for the group join, so the first quiet period is longer
      let idle = setTimeout(finish, 10_000);
      const read = ends.map(() => -1n);
      const onData = (message: Message) => {
        if (message.offset < ends[message.partition]) out.push(message);
        read[message.partition] = message.offset;
        if (ends.every((end, p) => read[p] >= end - 1n)) return finish();
        clearTimeout(idle);
        idle = setTimeout(finish, options.idleMs ?? 1_500);
      };
      stream.on('data', onData);
      stream.once('error', (error: Error) => { clearTimeout(deadline); clearTimeout(idle); reject(error); });
    });
    await stream.close().catch(() => undefined);
    return out.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
  } finally {
    await consumer.close();
  }
}

/**
 * Everything an error of the library says, nested errors and causes included (its errors are
 * AggregateErrors whose inner ProtocolErrors carry the broker's error name as `apiId`).
 */
export function errorText(error: unknown): string {
  const seen = new Set<unknown>();
  const parts: string[] = [];
  const walk = (e: unknown) => {
    if (!e || typeof e !== 'object' || seen.has(e)) return;
    seen.add(e);
    const { message, apiId, errors, cause } = e as { message?: string; apiId?: string; errors?: unknown[]; cause?: unknown };
    if (message) parts.push(message);
    if (apiId) parts.push(apiId);
    for (const inner of errors ?? []) walk(inner);
    walk(cause);
  };
  walk(error);
  return parts.join(' | ');
}

/** For assert.rejects: matches an error whose text (see errorText) matches `pattern`. */
export function errorMatching(pattern: RegExp): (error: unknown) => boolean {
  return (error) => pattern.test(errorText(error)) || assert.fail(`expected ${pattern}, got: ${errorText(error)}`);
}

/**
 * Streams the records of one partition from `from` (inclusive) to `to` (exclusive) to `onRecord`,
 * without a consumer group and without holding them: for benchmarks that read millions.
 */
export async function readRange(kafka: KafkaEndpoint, topic: string, partition: number, from: bigint, to: bigint, onRecord: (record: FetchedRecord) => void, timeoutMs = 120_000): Promise<void> {
  if (to <= from) return;
  let fetcher: PartitionFetcher | undefined;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic}[${partition}] ${from}..${to} timed out`)), timeoutMs);
    let done = false;
    fetcher = new PartitionFetcher({
      bootstrapBrokers: kafka.brokers, clientId: 'tributary-test-range',
      onRecords: (records) => {
        for (const r of records) {
          if (done || r.offset >= to) continue;
          onRecord(r);
          if (r.offset === to - 1n) { done = true; clearTimeout(timer); resolve(); }
        }
      },
      onError: (error) => { clearTimeout(timer); reject(error instanceof Error ? error : new Error(String(error))); },
    });
    fetcher.start([{ topic, partition, offset: from }]);
  }).finally(() => fetcher?.stop());
}
