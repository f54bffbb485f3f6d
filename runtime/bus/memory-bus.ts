import type { SinkRecord, SourceRecord } from '../../plugins/api/index.js';
import { AsyncQueue } from './async-queue.js';
import { DeliveryLedger, type AckedBound } from './delivery-ledger.js';
import { isCovered, type DurableBound } from './durable-bound.js';
import type { PublishedBatch } from './published-batch.js';

/** One sink task's end of the bus. */
export class SinkInbox {
  readonly queue: AsyncQueue<SinkRecord[]>;
  readonly ledger = new DeliveryLedger();
  constructor(capacityChunks: number) {
    this.queue = new AsyncQueue(capacityChunks);
  }
}

/** A sink connector's subscription: which topics, which task takes each, what is durable. */
export interface SinkGroup {
  readonly connector: string;
  readonly inboxes: readonly SinkInbox[];
  matches(topic: string): boolean;
  /** durable bound per `topic + source`: replayed records below it are not delivered */
  readonly positions: Map<string, DurableBound>;
}

export function positionKey(topic: string, source: string): string {
  return `${topic}\u0000${source}`;
}

export function splitPositionKey(key: string): { topic: string; source: string } {
  const i = key.indexOf('\u0000');
  return { topic: key.slice(0, i), source: key.slice(i + 1) };
}

/**
 * The embedded-mode bus: topics exist only as names; a published record is handed to every
 * subscribed sink connector (to one of its tasks, chosen by topic), unless that sink already has
 * it durably (replay after a restart). Each topic numbers its records like a Kafka partition.
 */
export class MemoryBus {
  readonly #groups = new Map<string, SinkGroup>();
  readonly #matchCache = new Map<SinkGroup, Map<string, SinkInbox | null>>();
  readonly #nextOffset = new Map<string, number>();
  readonly #topicsBySource = new Map<string, Set<string>>();
  /** per source label, topics it published to that no sink took (since it last started) */
  readonly #unclaimed = new Map<string, Set<string>>();
  /** KIP-558 active topics per connector: produced by a source, received by a sink; resettable */
  readonly #activeTopics = new Map<string, Set<string>>();

  subscribe(group: SinkGroup): void {
    this.#groups.set(group.connector, group);
    this.#matchCache.set(group, new Map());
  }

  unsubscribe(connector: string): void {
    const group = this.#groups.get(connector);
    if (!group) return;
    this.#groups.delete(connector);
    this.#matchCache.delete(group);
    for (const inbox of group.inboxes) inbox.queue.close();
  }

  groups(): SinkGroup[] {
    return [...this.#groups.values()];
  }

  /** Every label that has published: source connectors, and `source>sink` for sink-side dead letters. */
  sources(): string[] {
    return [...this.#topicsBySource.keys()];
  }

  /** Topics each source has published to so far (the runtime restarts sources with their sinks). */
  topicsOf(source: string): ReadonlySet<string> {
    return this.#topicsBySource.get(source) ?? new Set();
  }

  /**
   * Topics a source published to that no subscribed sink matched: its offsets are held before
   * those records. Internal topics (`__` prefix, as Kafka's: heartbeats) are never held — their
   * records carry nothing a later sink would need.
   */
  unclaimedTopics(source: string): ReadonlySet<string> {
    return this.#unclaimed.get(source) ?? new Set();
  }

  /** The source starts again (it will replay from its committed offset). */
  forgetUnclaimed(source: string): void {
    this.#unclaimed.delete(source);
  }

  activeTopics(connector: string): string[] {
    return [...(this.#activeTopics.get(connector) ?? [])].sort();
  }

  resetActiveTopics(connector: string): void {
    this.#activeTopics.delete(connector);
  }

  #markActive(connector: string, topic: string): void {
    let topics = this.#activeTopics.get(connector);
    if (!topics) this.#activeTopics.set(connector, (topics = new Set()));
    topics.add(topic);
  }

  /**
   * Hands `records` of `source` to the subscribed sinks and seals the batch. Resolves once every
   * chunk is queued; the returned number is the milliseconds spent blocked by backpressure.
   */
  async publish(source: string, records: readonly SourceRecord[], batch: PublishedBatch): Promise<number> {
    const chunks = new Map<SinkInbox, SinkRecord[]>();
    let topics = this.#topicsBySource.get(source);
    if (!topics) this.#topicsBySource.set(source, (topics = new Set()));
    // Records come in runs of one topic, so per-topic lookups are done once per run.
    let runTopic: string | undefined;
    let offset = 0;
    let targets: Target[] = [];
    const endRun = () => {
      if (runTopic === undefined) return;
      this.#nextOffset.set(runTopic, offset);
      for (const t of targets) endDeliveries(t, runTopic, batch, source);
    };
    for (const r of records) {
      if (r.topic !== runTopic) {
        endRun();
        runTopic = r.topic;
        offset = this.#nextOffset.get(r.topic) ?? 0;
        if (!topics.has(r.topic)) topics.add(r.topic);
        targets = [];
        for (const group of this.#groups.values()) {
          const inbox = this.#inboxFor(group, r.topic);
          if (!inbox) continue;
          let chunk = chunks.get(inbox);
          if (!chunk) chunks.set(inbox, (chunk = []));
          targets.push({ inbox, durable: group.positions.get(positionKey(r.topic, source)), chunk, first: -1, last: -1, position: '' });
          this.#markActive(group.connector, r.topic);
        }
        // a sink's dead letters (label `source>sink`) are not the sink's active topics
        if (!source.includes('>')) this.#markActive(source, r.topic);
        if (targets.length === 0 && !r.topic.startsWith('__')) {
          batch.unclaimed = true;
          let unclaimed = this.#unclaimed.get(source);
          if (!unclaimed) this.#unclaimed.set(source, (unclaimed = new Set()));
          unclaimed.add(r.topic);
        }
      }
      const current = offset++;
      let delivered: SinkRecord | undefined;
      for (const t of targets) {
        if (isCovered(r.position, t.durable)) {
          // skipped (the sink has it): the deliveries so far end here, the offsets have a gap
          endDeliveries(t, runTopic, batch, source);
          continue;
        }
        delivered ??= toSinkRecord(r, current);
        if (t.first < 0) t.first = current;
        t.last = current;
        t.position = r.position;
        t.chunk.push(delivered);
      }
    }
    endRun();
    for (const [inbox, chunk] of chunks) if (chunk.length === 0) chunks.delete(inbox);
    let blockedMs = 0;
    for (const [inbox, chunk] of chunks) blockedMs += await inbox.queue.push(chunk);
    batch.sealed = true;
    return blockedMs;
  }

  /** Records what a sink acknowledged as durable, so a replay skips it. */
  applyAcks(group: SinkGroup, acked: readonly AckedBound[]): void {
    for (const a of acked) {
      const key = positionKey(a.topic, a.source);
      const current = group.positions.get(key);
      if (current === undefined || a.bound > current) group.positions.set(key, a.bound);
    }
  }

  #inboxFor(group: SinkGroup, topic: string): SinkInbox | null {
    const cache = this.#matchCache.get(group)!;
    let inbox = cache.get(topic);
    if (inbox === undefined) {
      inbox = group.matches(topic) ? group.inboxes[stableHash(topic) % group.inboxes.length] : null;
      cache.set(topic, inbox);
    }
    return inbox;
  }
}

/** One sink inbox's share of a run of records of one topic, and its deliveries not yet in the ledger. */
interface Target {
  inbox: SinkInbox;
  durable: DurableBound | undefined;
  chunk: SinkRecord[];
  /** consecutive offsets delivered since the last ledger entry (-1: none), and the last position */
  first: number;
  last: number;
  position: string;
}

/** Enters the target's consecutive deliveries in its ledger as one run (per run, not per record). */
function endDeliveries(t: Target, topic: string, batch: PublishedBatch, source: string): void {
  if (t.first < 0) return;
  t.inbox.ledger.record(topic, t.first, t.last, batch, t.position, source);
  t.first = -1;
}

function toSinkRecord(r: SourceRecord, offset: number): SinkRecord {
  return {
    topic: r.topic,
    partition: 0,
    offset,
    keySchema: r.keySchema,
    key: r.key,
    valueSchema: r.valueSchema,
    value: r.value,
    timestamp: r.timestamp,
    headers: r.headers,
    position: r.position,
    id: r.id,
  };
}

function stableHash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
