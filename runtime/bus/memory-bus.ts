import { TributaryError, type DurableOffset, type SinkRecord, type SourceRecord, type TopicPartitionOffset } from '../../plugins/api/index.js';
import type { SinkBoundStore } from '../storage/offset-store.js';
import { AsyncQueue } from './async-queue.js';
import type { Bus, ConnectorView, SinkFeed, SinkOffsetEntry, SinkSubscriptionSpec } from './bus.js';
import { componentOf } from './component.js';
import { DeliveryLedger, type AckedBound } from './delivery-ledger.js';
import { boundFromOffset, boundToOffset, isCovered, type DurableBound } from './durable-bound.js';
import type { PublishedBatch } from './published-batch.js';

/**
 * One sink task's end of the memory bus: a bounded queue of record chunks (its fullness is the
 * backpressure that slows sources) and the ledger of what it received but has not made durable.
 */
export class SinkInbox implements SinkFeed {
  readonly queue: AsyncQueue<SinkRecord[]>;
  readonly ledger = new DeliveryLedger();
  #bus: MemoryBus | undefined;
  #group: SinkGroup | undefined;

  constructor(capacityChunks: number) {
    this.queue = new AsyncQueue(capacityChunks);
  }

  /** Joins the inbox to its group on the bus (done by MemoryBus.attach). */
  bind(bus: MemoryBus, group: SinkGroup): void {
    this.#bus = bus;
    this.#group = group;
  }

  async take(maxRecords: number, timeoutMs: number): Promise<SinkRecord[]> {
    const chunks = await this.queue.take(maxRecords, timeoutMs, (chunk) => chunk.length);
    return chunks.length === 1 ? chunks[0] : chunks.flat();
  }

  wake(): void {
    this.queue.wake();
  }

  async acknowledge(acked: readonly TopicPartitionOffset[]): Promise<void> {
    this.#refuseIfClosed();
    for (const a of acked) this.#bus!.applyAcks(this.#group!, this.ledger.ack(a.topic, a.offset, { position: a.position }));
  }

  async acknowledgeDurable(upTo: readonly DurableOffset[]): Promise<void> {
    this.#refuseIfClosed();
    for (const d of upTo) this.#bus!.applyAcks(this.#group!, this.ledger.ack(d.topic, d.offset, { lastPosition: d.lastPosition }));
    await this.#bus!.persistBoundsOf(this.#group!.connector);
  }

  async deadLetter(original: SinkRecord, letter: (sourceLabel: string) => SourceRecord): Promise<boolean> {
    const origin = this.ledger.lookup(original.topic, original.offset);
    if (!origin) return false;
    const label = `${origin.source}>${this.#group!.connector}`;
    // The dead letter joins the original's batch, which cannot complete meanwhile (the original
    // is still pending here): the source offset waits until the dead letter is landed too.
    await this.#bus!.publish(label, [letter(label)], origin.batch);
    return true;
  }

  close(): void {
    this.#closed = true;
    this.queue.close();
  }

  #closed = false;

  /** a closed feed's task was stopped: its late acknowledgements must not release deliveries */
  #refuseIfClosed(): void {
    if (this.#closed) throw new TributaryError('task.stopped', 'This sink feed is closed: nothing more is acknowledged through it.');
  }

  clear(): void {
    this.ledger.clear();
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

export interface MemoryBusOptions {
  /** chunks each sink task may have queued before sources wait (`bus.buffer.batches`) */
  bufferBatches: number;
  /** where sinks' durable bounds are kept across restarts (the offset file) */
  bounds: SinkBoundStore;
}

/**
 * The embedded-mode bus: topics exist only as names; a published record is handed to every
 * subscribed sink connector (to one of its tasks, chosen by topic), unless that sink already has
 * it durably (replay after a restart). Each topic numbers its records like a Kafka partition.
 *
 * It keeps no log, which shapes its policies: what a sink holds durably is remembered as bounds
 * per topic and source (durable-bound.ts), connectors linked by topics restart together
 * (component.ts), and a source holds its offsets for topics no sink takes (a sink created later
 * gets the records when the source replays).
 */
export class MemoryBus implements Bus {
  readonly #options: MemoryBusOptions;
  /** durable bounds per sink connector; outlives its subscriptions (a restart keeps them) */
  readonly #bounds = new Map<string, Map<string, DurableBound>>();
  readonly #groups = new Map<string, SinkGroup>();
  readonly #matchCache = new Map<SinkGroup, Map<string, SinkInbox | null>>();
  readonly #nextOffset = new Map<string, number>();
  readonly #topicsBySource = new Map<string, Set<string>>();
  /** per source label, topics it published to that no sink took (since it last started) */
  readonly #unclaimed = new Map<string, Set<string>>();
  /** KIP-558 active topics per connector: produced by a source, received by a sink; resettable */
  readonly #activeTopics = new Map<string, Set<string>>();

  constructor(options: MemoryBusOptions = { bufferBatches: 16, bounds: noBounds }) {
    this.#options = options;
  }

  subscribe(spec: SinkSubscriptionSpec): SinkFeed[] {
    const inboxes = Array.from({ length: spec.tasks }, () => new SinkInbox(this.#options.bufferBatches));
    this.attach({ connector: spec.connector, inboxes, matches: spec.matches, positions: this.bounds(spec.connector) });
    return inboxes;
  }

  /** Subscribes a group built by the caller (tests). */
  attach(group: SinkGroup): void {
    for (const inbox of group.inboxes) inbox.bind(this, group);
    this.#groups.set(group.connector, group);
    this.#matchCache.set(group, new Map());
  }

  async unsubscribe(connector: string): Promise<void> {
    const group = this.#groups.get(connector);
    if (!group) return;
    this.#groups.delete(connector);
    this.#matchCache.delete(group);
    for (const inbox of group.inboxes) inbox.queue.close();
  }

  /** A sink connector's live bounds (loaded from the store the first time). */
  bounds(connector: string): Map<string, DurableBound> {
    let bounds = this.#bounds.get(connector);
    if (!bounds) this.#bounds.set(connector, (bounds = this.#options.bounds.sinkBounds(connector)));
    return bounds;
  }

  /** Writes one sink connector's bounds now (a sink's commitDurable). */
  persistBoundsOf(connector: string): Promise<void> {
    return this.#options.bounds.setSinkBounds(new Map([[connector, this.bounds(connector)]]));
  }

  persistSinkState(): Promise<void> {
    return this.#options.bounds.setSinkBounds(new Map(this.#bounds));
  }

  restartScope(names: readonly string[], view: ConnectorView): Set<string> {
    return componentOf({
      sourceTopics: (label) => this.topicsOf(label),
      sourceLabels: () => this.sources(),
      sinks: () => view.sinks(),
      isSource: (name) => view.isSource(name),
    }, names);
  }

  sourcesWaitingFor(matches: (topic: string) => boolean): string[] {
    const waiting = new Set<string>();
    for (const [label, topics] of this.#unclaimed) if ([...topics].some(matches)) waiting.add(label.split('>')[0]);
    return [...waiting];
  }

  sourceStarting(): void {}

  async sourceStopped(): Promise<void> {}

  sourceRestarted(source: string): void {
    for (const label of [...this.#unclaimed.keys()]) if (label === source || label.startsWith(`${source}>`)) this.#unclaimed.delete(label);
  }

  /** A sink connector's offsets in embedded mode: its durable bound per topic and source. */
  async sinkOffsets(connector: string): Promise<SinkOffsetEntry[]> {
    return [...this.bounds(connector)].map(([key, bound]) => ({ partition: splitPositionKey(key), offset: boundToOffset(bound) }));
  }

  async alterSinkOffsets(connector: string, entries: readonly SinkOffsetEntry[]): Promise<void> {
    const live = this.bounds(connector);
    const next = new Map(live);
    const problems: string[] = [];
    entries.forEach((o, i) => {
      const p = o?.partition as { topic?: unknown; source?: unknown } | undefined;
      if (typeof p?.topic !== 'string' || typeof p.source !== 'string' || Object.keys(p).length !== 2) {
        problems.push(`offsets[${i}].partition must be {"topic": "...", "source": "..."} for a sink connector`);
        return;
      }
      const key = positionKey(p.topic, p.source);
      if (o.offset === null) {
        next.delete(key);
        return;
      }
      const bound = typeof o.offset === 'object' && !Array.isArray(o.offset) ? boundFromOffset(o.offset) : undefined;
      if (bound === undefined) problems.push(`offsets[${i}].offset must be {"position": "..."} (durable up to and including it), {"next_position": "..."} (durable before it) or null`);
      else next.set(key, bound);
    });
    if (problems.length > 0) throw new TributaryError('offsets.invalid', `The offsets were not changed: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`, { details: problems });
    await this.#options.bounds.setSinkBounds(new Map([[connector, next]]));
    live.clear();
    for (const [k, v] of next) live.set(k, v);
  }

  async resetSinkOffsets(connector: string): Promise<void> {
    this.bounds(connector).clear();
    await this.#options.bounds.setSinkBounds(new Map([[connector, new Map()]]));
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

/** No store: bounds live in memory only (tests, tools). */
const noBounds: SinkBoundStore = {
  sinkBounds: () => new Map(),
  setSinkBounds: async () => {},
};
