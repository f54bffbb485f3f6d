import assert from 'node:assert/strict';
import { Admin, Consumer, FetchIsolationLevels, type Message } from '@platformatic/kafka';
import { PartitionFetcher, type FetchedRecord } from '../../runtime/kafka/partition-fetcher.js';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { KafkaEndpoint } from './kafka-cluster.js';
import { resolveKafka } from './kafka-distribution.js';

const execFileAsync = promisify(execFile);

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

/** What `readTopic` returns of each record. */
export type TopicRecord = Pick<Message, 'topic' | 'partition' | 'offset' | 'timestamp' | 'key' | 'value' | 'headers'>;

/**
 * Every record of a topic from the beginning up to its end offsets at the time of the call, in
 * partition then offset order. Needs no group offsets: the stream starts at the earliest offset.
 * A partition may end in transaction markers, which are never delivered, so the read is done
 * when the stream's next fetch offset of every partition has reached its end, not when a record
 * at `end - 1` arrived; a pause of the broker under load therefore never ends a read early.
 *
 * With `read_committed` the judge is Kafka's own Java consumer (java/TopicReader.java), reading
 * to the last stable offsets: @platformatic/kafka 1.35's read_committed delivers some aborted
 * records (runtime/kafka/aborted-transactions.ts says which), and the runtime's own filter must
 * not be what checks itself.
 */
export async function readTopic(kafka: KafkaEndpoint, topic: string, options: { isolationLevel?: number; timeoutMs?: number } = {}): Promise<TopicRecord[]> {
  const isolationLevel = options.isolationLevel ?? FetchIsolationLevels.READ_UNCOMMITTED;
  if (isolationLevel === FetchIsolationLevels.READ_COMMITTED) return readCommittedWithJava(kafka, topic, options.timeoutMs ?? 20_000);
  const ends = await endOffsets(kafka, topic, isolationLevel);
  const out: Message[] = [];
  if (ends.every((e) => e === 0n)) return out;
  const consumer = new Consumer({ clientId: 'tributary-test-reader', groupId: `reader-${process.pid}-${Date.now()}-${Math.random()}`, bootstrapBrokers: [...kafka.brokers] });
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 200, isolationLevel });
    const reachedEnds = () => ends.every((end, p) => end === 0n || (stream.offsetsToFetch.get(`${topic}:${p}`) ?? 0n) >= end);
    await new Promise<void>((resolve, reject) => {
      const finish = () => { clearTimeout(deadline); clearInterval(check); stream.off('data', onData); resolve(); };
      const deadline = setTimeout(() => { clearInterval(check); stream.off('data', onData); reject(new Error(`read of ${topic} timed out: ${out.length} records, ends ${ends.join(',')}`)); }, options.timeoutMs ?? 20_000);
      // a fetch of nothing but markers delivers no record: the fetch offsets are looked at as well
      const check = setInterval(() => { if (reachedEnds()) finish(); }, 100);
      const onData = (message: Message) => {
        if (message.offset < ends[message.partition]) out.push(message);
      };
      stream.on('data', onData);
      stream.once('error', (error: Error) => { clearTimeout(deadline); clearInterval(check); reject(error); });
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

const TOPIC_READER = fileURLToPath(new URL('./java/TopicReader.java', import.meta.url));

/** A read_committed read of the whole topic by Kafka's Java consumer (a source-file launch: no javac step). */
async function readCommittedWithJava(kafka: KafkaEndpoint, topic: string, timeoutMs: number): Promise<TopicRecord[]> {
  const { stdout } = await execFileAsync('java', ['-cp', resolveKafka().classPath, TOPIC_READER, kafka.bootstrapServers, topic, 'read_committed', String(timeoutMs)], { maxBuffer: 1 << 30, timeout: timeoutMs + 30_000 })
    .catch((error: Error & { stderr?: string }) => { throw new Error(`the Java reader of ${topic} failed: ${error.message}\n${error.stderr ?? ''}`, { cause: error }); });
  const out: TopicRecord[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{"partition"')) continue;
    const r = JSON.parse(line) as { partition: number; offset: number; timestamp: number; key: string | null; value: string | null; headers: [string, string | null][] };
    const bytes = (b64: string | null) => (b64 === null ? null : Buffer.from(b64, 'base64'));
    out.push({
      topic, partition: r.partition, offset: BigInt(r.offset), timestamp: BigInt(r.timestamp),
      key: bytes(r.key) as Buffer, value: bytes(r.value) as Buffer,
      headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k, 'base64'), bytes(v) as Buffer])),
    });
  }
  return out.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}
