import { TributaryError, type SourceOffset, type SourcePartition } from '../../plugins/api/index.js';
import type { KafkaBasedLog, LogRecord } from './kafka-based-log.js';
import { decodeOffsetKey, decodeOffsetValue, encodeOffsetKey, encodeOffsetValue, offsetKeyPartition } from './kafka-offset-format.js';
import { startStoreLog, type KafkaStoreOptions } from './kafka-store-options.js';
import type { OffsetBackingStore, OffsetChange, SourceOffsetEntry } from './offset-store.js';

interface Entry {
  readonly connector: string;
  readonly partition: SourcePartition;
  /** null: a tombstone (kept so that an older record read later cannot bring the offset back) */
  readonly offset: SourceOffset | null;
  /** where the record is in the topic */
  readonly at: { readonly partition: number; readonly offset: bigint };
}

/**
 * The distributed OffsetBackingStore: source offsets in the offsets topic (`offset.storage.topic`)
 * in Kafka Connect's format (kafka-offset-format.ts), so Kafka Connect and Tributary read each
 * other's offsets. Every record of the topic is read at start and after (other workers' writes
 * too); the state is the last record of each key, a tombstone removing it.
 *
 * A source partition is identified by its key bytes, as in Kafka Connect: a connector must give a
 * partition's members in the same order each time (its own code does).
 *
 * Offsets are not the sink side: a sink connector's KIP-875 offsets are its consumer group's
 * (`KafkaBus.sinkOffsets` / `alterSinkOffsets` / `resetSinkOffsets`).
 */
export class KafkaOffsetStore implements OffsetBackingStore {
  readonly #options: KafkaStoreOptions;
  /** by the key bytes (latin1: one character per byte) */
  readonly #entries = new Map<string, Entry>();
  #log: KafkaBasedLog | undefined;
  #stopped = false;
  #writing: Promise<void> = Promise.resolve();
  #skipped = 0;

  constructor(options: KafkaStoreOptions) {
    this.#options = options;
  }

  get topic(): string {
    return this.#options.topic.topic;
  }

  async start(): Promise<void> {
    // started already (startKafkaBackingStores starts the stores, a herder may call start too)
    if (this.#log) return;
    this.#stopped = false;
    // read_committed: offsets written in an exactly-once source task's aborted transaction never count
    this.#log = await startStoreLog(this.#options, 'offsets', (record) => this.#read(record), { isolationLevel: 'read_committed' }, () => this.#stopped);
    this.#options.logger.debug({ topic: this.topic, partitions: this.#entries.size, skipped: this.#skipped }, 'offsets topic read');
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#writing.catch(() => undefined);
    await this.#log?.stop();
    this.#log = undefined;
  }

  async get(connector: string, partition: SourcePartition): Promise<SourceOffset | null> {
    return this.#entries.get(encodeOffsetKey(connector, partition).toString('latin1'))?.offset ?? null;
  }

  async connectorOffsets(connector: string): Promise<SourceOffsetEntry[]> {
    const out: SourceOffsetEntry[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.connector === connector && entry.offset !== null) out.push({ partition: entry.partition, offset: entry.offset });
    }
    return out;
  }

  /**
   * Writes each change as one record (reset: a tombstone for every other partition of those
   * connectors) and resolves once the brokers acknowledged all of them; readers here see them
   * from then on. Writes run one after another, so a retried record never lands after a later
   * write of its key. Without transactions a write that fails part-way may have landed some of
   * its records: they become visible when read back, as in Kafka Connect.
   */
  set(changes: readonly OffsetChange[], options: { reset?: readonly string[] } = {}): Promise<void> {
    const write = this.#writing.catch(() => undefined).then(() => this.#write(changes, options.reset ?? []));
    this.#writing = write;
    return write;
  }

  /**
   * The offsets topic records of these changes, for an exactly-once source task to send in its
   * own transaction (KIP-618): the same key, value and partition as `set` writes.
   */
  offsetMessages(changes: readonly OffsetChange[]): { topic: string; partition: number; key: Buffer; value?: Buffer }[] {
    const log = this.#started();
    return changes.map((change) => {
      const key = encodeOffsetKey(change.connector, change.partition);
      const value = encodeOffsetValue(change.offset);
      return { topic: this.topic, partition: offsetKeyPartition(key, log.partitions), key, ...(value ? { value } : {}) };
    });
  }

  /** Waits until every record written to the topic before the call has been read. */
  async refresh(): Promise<void> {
    await this.#started().readToEnd();
  }

  async #write(changes: readonly OffsetChange[], reset: readonly string[]): Promise<void> {
    const log = this.#started();
    const records = new Map<string, { key: Buffer; connector: string; partition: SourcePartition; offset: SourceOffset | null }>();
    const resetting = new Set(reset);
    for (const [id, entry] of this.#entries) {
      if (resetting.has(entry.connector) && entry.offset !== null) records.set(id, { key: Buffer.from(id, 'latin1'), connector: entry.connector, partition: entry.partition, offset: null });
    }
    for (const change of changes) {
      const key = encodeOffsetKey(change.connector, change.partition);
      records.set(key.toString('latin1'), { key, connector: change.connector, partition: change.partition, offset: change.offset });
    }
    const acked: [string, Entry][] = [];
    for (const [id, record] of records) {
      const at = await log.send(record.key, encodeOffsetValue(record.offset), offsetKeyPartition(record.key, log.partitions));
      acked.push([id, { connector: record.connector, partition: record.partition, offset: record.offset, at }]);
    }
    for (const [id, entry] of acked) this.#apply(id, entry);
  }

  #started(): KafkaBasedLog {
    if (!this.#log) throw new TributaryError('internal', `the offset store over topic '${this.topic}' is not started`);
    return this.#log;
  }

  #read(record: LogRecord): void {
    const key = decodeOffsetKey(record.key);
    let offset: SourceOffset | null;
    try {
      // the plugin API's offsets are flat maps; nested values or integers beyond 2^53 (bigint)
      // pass through as read, for the connector that wrote them
      offset = decodeOffsetValue(record.value) as SourceOffset | null;
    } catch (error) {
      this.#skip(record, `value is not an offsets map: ${(error as Error).message}`);
      return;
    }
    if (!key) {
      this.#skip(record, 'key is not ["<connector>",{<partition>}]');
      return;
    }
    this.#apply(record.key!.toString('latin1'), { connector: key.connector, partition: key.partition as SourcePartition, offset, at: { partition: record.partition, offset: record.offset } });
  }

  /** The later record of a key wins; the one acknowledged to this store may be read back after. */
  #apply(id: string, entry: Entry): void {
    const current = this.#entries.get(id);
    if (current && current.at.partition === entry.at.partition && current.at.offset >= entry.at.offset) return;
    this.#entries.set(id, entry);
  }

  #skip(record: LogRecord, reason: string): void {
    // Kafka Connect logs and skips these too; one line per record would flood on a bad topic
    if (this.#skipped++ < 10) this.#options.logger.warn({ topic: this.topic, partition: record.partition, offset: String(record.offset), reason }, 'skipping a record of the offsets topic');
  }
}
