import { statSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles } from '../../connectors/sink/files/test/read-back.js';
import { PartitionFetcher } from '../../runtime/kafka/partition-fetcher.js';
import type { KafkaEndpoint } from './kafka-cluster.js';
import { endOffsets, readRange } from './kafka-clients.js';

/**
 * When data moved, for tests and benchmarks that measure how long a worker group stopped it:
 * when each record of a topic was first produced (from Kafka), and when each file of a lake
 * landed.
 *
 * A Tributary source sets the envelope's `ts_ms` to the wall clock when it builds the record
 * (datagen, postgres). A source that moves or restarts resends what it produced after its last
 * committed offset, with a later `ts_ms`: the earliest one per position is when the change first
 * left its source.
 */
export interface Produced {
  /** the `tributary.position` header: sorts in the source's log order */
  readonly position: string;
  /** the envelope's ts_ms of the first copy (epoch ms) */
  readonly at: number;
  /** how many copies the topic holds (resends) */
  readonly copies: number;
}

/** Every record of `topic` up to its current end, one entry per position, in position order. */
export async function firstProduced(kafka: KafkaEndpoint, topic: string): Promise<Produced[]> {
  const byPosition = new Map<string, { at: number; copies: number }>();
  const ends = await endOffsets(kafka, topic);
  for (let partition = 0; partition < ends.length; partition++) {
    await readRange(kafka, topic, partition, 0n, ends[partition], (r) => {
      const position = r.headers.find(([k]) => k?.toString() === 'tributary.position')?.[1]?.toString();
      if (position === undefined || !r.value) return;
      const at = producedAt(r.value);
      const seen = byPosition.get(position);
      if (!seen) byPosition.set(position, { at, copies: 1 });
      else byPosition.set(position, { at: Math.min(seen.at, at), copies: seen.copies + 1 });
    });
  }
  return [...byPosition].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([position, p]) => ({ position, ...p }));
}

/** The envelope ts_ms of a record's value (JSON, with or without schemas). */
function producedAt(value: Buffer): number {
  const parsed = JSON.parse(value.toString()) as { ts_ms?: number; payload?: { ts_ms?: number } };
  return Number(parsed.payload?.ts_ms ?? parsed.ts_ms);
}

/**
 * Tails `topic` from its current end and resolves with the envelope ts_ms of the first record
 * produced after `since` (epoch ms): for a failover, when the moved source produced again.
 * Records built before `since` (still in flight) are passed over.
 */
export async function firstProducedAfter(kafka: KafkaEndpoint, topic: string, since: number, timeoutMs = 120_000): Promise<number> {
  const ends = await endOffsets(kafka, topic);
  let fetcher: PartitionFetcher | undefined;
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic}: no record produced after ${new Date(since).toISOString()} within ${timeoutMs} ms`)), timeoutMs);
      fetcher = new PartitionFetcher({
        bootstrapBrokers: kafka.brokers, clientId: 'tributary-bench-tail', maxWaitMs: 100,
        onRecords: (records) => {
          const after = records.flatMap((r) => (r.value ? [producedAt(r.value)] : [])).filter((at) => at > since);
          if (after.length > 0) { clearTimeout(timer); resolve(Math.min(...after)); }
        },
        onError: (error) => { clearTimeout(timer); reject(error instanceof Error ? error : new Error(String(error))); },
      });
      fetcher.start(ends.map((offset, partition) => ({ topic, partition, offset })));
    });
  } finally {
    await fetcher?.stop();
  }
}

/** A pause: no record (or file) between `from` and `to`. */
export interface Pause {
  readonly from: number;
  readonly to: number;
  readonly ms: number;
}

/**
 * The longest time between two consecutive instants (sorted) that overlaps the window
 * [`from`, `to`]: for a source that produces in position order, the longest it produced nothing.
 */
export function longestPause(instants: readonly number[], from: number, to: number): Pause | undefined {
  const sorted = [...instants].sort((a, b) => a - b);
  let longest: Pause | undefined;
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    if (b < from || a > to) continue;
    if (!longest || b - a > longest.ms) longest = { from: a, to: b, ms: b - a };
  }
  return longest;
}

/**
 * The files a files sink landed, by topic partition (`<topic>+<partition>`, from the file names
 * `<topic>+<partition>+<position>+<timestamp>.<ext>`), each with its modification time: when it
 * was completed. A file a replay wrote again has the time of the rewrite.
 */
export function landedFiles(lake: string, topics: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const file of listFiles(lake)) {
    const name = file.split('/').pop()!;
    const topic = topics.find((t) => name.startsWith(`${t}+`));
    if (!topic) continue;
    const partition = name.slice(topic.length + 1).split('+')[0];
    const key = `${topic}+${partition}`;
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push(statSync(join(lake, file)).mtimeMs);
  }
  return out;
}

/**
 * For a datagen topic whose lake lacks records Kafka holds: where each missing one is (partition,
 * offsets of its copies, the producing task, when it was built), how far the sink's group has
 * committed that partition, and the lake files around it — so a loss says whether the records
 * reached Kafka, whether the sink's offsets passed them, and between which files they fell.
 */
export async function diagnoseMissingRecords(kafka: KafkaEndpoint, lake: string, topic: string, landedSeqs: readonly number[], sinkUrl: string, sink: string): Promise<string> {
  const have = new Set(landedSeqs);
  const ends = await endOffsets(kafka, topic);
  const missing = new Map<string, { partition: number; offset: bigint; source: string; at: number }[]>();
  for (let partition = 0; partition < ends.length; partition++) {
    await readRange(kafka, topic, partition, 0n, ends[partition], (r) => {
      const header = (name: string) => r.headers.find(([k]) => k?.toString() === name)?.[1]?.toString() ?? '';
      const position = header('tributary.position');
      if (!position || have.has(Number(position))) return;
      if (!missing.has(position)) missing.set(position, []);
      missing.get(position)!.push({ partition, offset: r.offset, source: header('tributary.source'), at: r.value ? producedAt(r.value) : NaN });
    });
  }
  if (missing.size === 0) return `${topic}: nothing Kafka holds is missing from the lake`;
  const committed = (await fetch(`${sinkUrl}/connectors/${encodeURIComponent(sink)}/offsets`).then((r) => r.json()) as { offsets?: { partition: { kafka_topic: string; kafka_partition: number }; offset: { kafka_offset: number } }[] }).offsets ?? [];
  const files = listFiles(lake).map((f) => f.split('/').pop()!).filter((f) => f.startsWith(`${topic}+`)).sort();
  const lines = [`${topic}: ${missing.size} record(s) in Kafka but not in the lake`];
  for (const [position, copies] of [...missing].sort(([a], [b]) => (a < b ? -1 : 1)).slice(0, 10)) {
    const partition = copies[0].partition;
    const group = committed.find((o) => o.partition.kafka_topic === topic && o.partition.kafka_partition === partition)?.offset.kafka_offset;
    const here = files.filter((f) => f.startsWith(`${topic}+${partition}+`));
    const before = here.filter((f) => f.split('+')[2] <= position).pop();
    const after = here.find((f) => f.split('+')[2] > position);
    lines.push(`  position ${position}: ${copies.map((c) => `partition ${c.partition} offset ${c.offset} from ${c.source} built ${new Date(c.at).toISOString()}`).join('; ')}; the sink's group committed ${group ?? 'nothing'} of that partition (end ${ends[partition]}); files around it: ${before ?? '-'} … ${after ?? '-'}`);
  }
  return lines.join('\n');
}
