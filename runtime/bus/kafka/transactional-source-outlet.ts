import { compatibilityPartitioner, Producer, ProduceAcks, type CompressionAlgorithmValue } from '@platformatic/kafka';
import { RetriableError, TributaryError, type Logger, type SourceOffset, type SourcePartition, type SourceRecord } from '../../../plugins/api/index.js';
import type { KafkaConnectionSecurity } from '../../config/kafka-security.js';
import { prepareOutgoing, type RecordConverters } from '../../converters/connector-converters.js';
import { errorNames } from '../../kafka/partition-fetcher.js';
import { taskPositionPartition, type OffsetChange } from '../../storage/offset-store.js';
import type { PublishedBatch } from '../published-batch.js';
import { messageBytes, toKafkaMessage, type KafkaMessage } from './kafka-record-codec.js';
import { tooLarge } from './kafka-source-outlet.js';
import { TopicCreator, type TopicCreation } from './topic-creator.js';

/** the library's transaction (its class is not exported by name) */
type Transaction = Awaited<ReturnType<Producer<Buffer, Buffer, Buffer, Buffer>['beginTransaction']>>;

/** Where a task's offsets go inside its transactions: the offsets topic's records for them. */
export interface TransactionalOffsets {
  /** the offsets topic records (key, value, partition) of these changes */
  offsetMessages(changes: readonly OffsetChange[]): KafkaMessage[];
  /** resolves once every committed record of the offsets topic has been read */
  refresh(): Promise<void>;
  /** the stored offset of a source partition (after refresh: the last committed one) */
  get(connector: string, partition: SourcePartition): Promise<SourceOffset | null>;
}

/** KIP-618 `transaction.boundary`: a transaction per poll, or per interval. */
export type TransactionBoundary = { readonly kind: 'poll' } | { readonly kind: 'interval'; readonly intervalMs: number };

export interface TransactionalOutletOptions {
  readonly connector: string;
  readonly task: number;
  /** `<group.id>-<connector>-<task>`, as Kafka Connect names a task's transactional id */
  readonly transactionalId: string;
  readonly bootstrapBrokers: readonly string[];
  readonly security?: KafkaConnectionSecurity;
  readonly clientId: string;
  readonly converters: RecordConverters;
  readonly maxRequestBytes: number;
  readonly compression: CompressionAlgorithmValue | undefined;
  readonly topicCreation: TopicCreation | null;
  readonly boundary: TransactionBoundary;
  readonly offsets: TransactionalOffsets;
  /** the `tributary.source` header of this task's records */
  readonly sourceHeader: Buffer;
  readonly logger: Logger;
}

/**
 * One source task's way into Kafka with exactly-once support (KIP-618): a transactional producer
 * of its own, whose transactions carry the task's records and, in the same transaction, the
 * records of its source offsets to the offsets topic. A read_committed reader sees a batch and
 * its offset together or neither, so a task that restarts anywhere resends nothing it committed.
 *
 * `start` initialises the transactional id: a newer epoch fences any older producer of the same
 * task (a zombie on a worker cut off from its group) and aborts its open transaction; only then
 * is the offsets topic read to its end, so the task resumes from the last committed offset.
 *
 * With `transaction.boundary=poll` (the default) each publish is one transaction and resolves
 * once it is committed; with `interval` publishes add to an open transaction, committed when the
 * interval has passed (at a publish, or by a timer when the source is quiet). A batch completes
 * only when its transaction commits: the runtime then tells the task (Postgres acknowledges its
 * LSN) without writing the offsets again.
 */
export class TransactionalSourceOutlet {
  readonly #o: TransactionalOutletOptions;
  readonly #producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly #topics: TopicCreator | undefined;
  #transaction: Transaction | undefined;
  /** batches sent in the open transaction (interval boundary), completed at its commit */
  #open: PublishedBatch[] = [];
  #openedAt = 0;
  /** publishes and interval commits run one after another */
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #failure: unknown;
  #closed = false;
  /**
   * Per topic, the position of the last record this task committed, read at start: a source
   * resumes from an offset that may precede records already committed (a snapshot resumes at the
   * start of its chunk; a stream at the start of its transaction), and those are not sent again.
   * A task's positions grow along each topic (what the sinks' replay filter relies on too), so
   * once a record of a topic is above it, the rest of that topic's are.
   */
  readonly #resendBelow = new Map<string, string>();
  /** per topic, the last position committed (or sent in the open transaction): stored at each commit */
  readonly #positions = new Map<string, string>();

  constructor(options: TransactionalOutletOptions) {
    this.#o = options;
    this.#topics = options.topicCreation ? new TopicCreator({ ...options, creation: options.topicCreation }) : undefined;
    this.#producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
      clientId: options.clientId, bootstrapBrokers: [...options.bootstrapBrokers],
      idempotent: true, transactionalId: options.transactionalId, acks: ProduceAcks.ALL, partitioner: compatibilityPartitioner,
      // -1/-1 is the protocol's "new producer": with the library's default 0/0 a coordinator that
      // knows the id answers PRODUCER_FENCED (integration-tests/kafka-client-transactions.test.ts)
      producerId: -1n, producerEpoch: -1,
      retries: 5, retryDelay: 250, timeout: 30_000, autocreateTopics: options.topicCreation === null,
      ...(options.compression ? { compression: options.compression } : {}),
      ...options.security,
    });
  }

  /** Fences older producers of this task, then reads the offsets topic to its end. */
  async start(): Promise<void> {
    try {
      // an empty transaction has no state on the brokers: kept as the first publish's
      this.#transaction = await this.#producer.beginTransaction();
    } catch (error) {
      throw this.#failed(error);
    }
    await this.#o.offsets.refresh();
    const stored = await this.#o.offsets.get(this.#o.connector, taskPositionPartition(this.#o.task));
    for (const [topic, position] of Object.entries(stored ?? {})) {
      if (typeof position !== 'string') continue;
      this.#resendBelow.set(topic, position);
      this.#positions.set(topic, position);
    }
    this.#o.logger.info({ transactionalId: this.#o.transactionalId, producerId: String(this.#producer.producerId), epoch: this.#producer.producerEpoch, boundary: this.#o.boundary.kind }, 'exactly-once source task: transactional producer ready');
    if (this.#resendBelow.size > 0) this.#o.logger.debug({ positions: Object.fromEntries(this.#resendBelow) }, 'records up to these positions were committed: not sent again');
  }

  /** Sends `records` and their offsets in a transaction; see the class comment for when it commits. */
  publish(records: readonly SourceRecord[], batch: PublishedBatch): Promise<number> {
    const started = performance.now();
    const run = this.#chain.then(async () => {
      if (this.#failure) throw this.#failed(this.#failure);
      records = this.#notYetCommitted(records);
      // schema ids from a registry (AvroConverter), so that the conversion below is synchronous
      const preparing = prepareOutgoing(this.#o.converters, records);
      if (preparing) await preparing;
      const messages: KafkaMessage[] = new Array(records.length);
      for (let i = 0; i < records.length; i++) {
        messages[i] = toKafkaMessage(records[i], this.#o.converters, this.#o.sourceHeader);
        const size = messageBytes(messages[i]);
        if (size > this.#o.maxRequestBytes) throw tooLarge(this.#o.connector, messages[i].topic, records[i].position, size, this.#o.maxRequestBytes);
      }
      if (this.#topics) await this.#topics.ensure(messages.map((m) => m.topic));
      batch.pending += 1;
      batch.sealed = true;
      try {
        const tx = await this.#begin();
        if (messages.length > 0) await this.#sendInRequests(tx, messages);
        for (const r of records) this.#positions.set(r.topic, r.position);
        this.#open.push(batch);
        const interval = this.#o.boundary.kind === 'interval' ? this.#o.boundary.intervalMs : 0;
        if (interval === 0 || Date.now() - this.#openedAt >= interval) await this.#commit();
        else this.#scheduleCommit(interval);
      } catch (error) {
        await this.#abort();
        throw this.#failed(error);
      }
    });
    this.#chain = run.catch(() => undefined);
    return run.then(() => performance.now() - started);
  }

  /** Commits what is open (a graceful stop), then closes the producer. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#chain;
    if (this.#open.length > 0 && !this.#failure) {
      await this.#commit().catch(async (error: unknown) => {
        this.#o.logger.warn({ err: errorNames(error) }, 'could not commit the open transaction at stop; its records replay');
        await this.#abort();
      });
    }
    await this.#producer.close().catch(() => undefined);
  }

  /** `records` without those at or below their topic's committed position (see #resendBelow). */
  #notYetCommitted(records: readonly SourceRecord[]): readonly SourceRecord[] {
    if (this.#resendBelow.size === 0) return records;
    const out: SourceRecord[] = [];
    for (const r of records) {
      const committed = this.#resendBelow.get(r.topic);
      if (committed !== undefined) {
        if (r.position <= committed) continue;
        this.#resendBelow.delete(r.topic);
      }
      out.push(r);
    }
    return out;
  }

  async #begin(): Promise<Transaction> {
    if (!this.#transaction) this.#transaction = await this.#producer.beginTransaction();
    if (this.#open.length === 0) this.#openedAt = Date.now();
    return this.#transaction;
  }

  async #sendInRequests(tx: Transaction, messages: KafkaMessage[]): Promise<void> {
    for (let start = 0; start < messages.length;) {
      let end = start;
      let bytes = 0;
      while (end < messages.length) {
        const size = messageBytes(messages[end]);
        if (end > start && bytes + size > this.#o.maxRequestBytes) break;
        bytes += size;
        end++;
      }
      await tx.send({ messages: start === 0 && end === messages.length ? messages : messages.slice(start, end) });
      start = end;
    }
  }

  /** The open batches' offsets join the transaction, which then commits. */
  async #commit(): Promise<void> {
    const tx = this.#transaction;
    const batches = this.#open;
    if (!tx || batches.length === 0) return;
    const changes = new Map<string, OffsetChange>();
    for (const b of batches) for (const [key, o] of b.offsets) changes.set(key, { connector: this.#o.connector, partition: o.partition, offset: o.offset });
    if (this.#positions.size > 0) changes.set('\u0000positions', { connector: this.#o.connector, partition: taskPositionPartition(this.#o.task), offset: Object.fromEntries(this.#positions) });
    const offsetMessages = this.#o.offsets.offsetMessages([...changes.values()]);
    if (offsetMessages.length > 0) await tx.send({ messages: offsetMessages });
    await tx.commit();
    this.#transaction = undefined;
    this.#open = [];
    for (const b of batches) {
      b.offsetsWritten = true;
      b.pending -= 1;
    }
  }

  #scheduleCommit(intervalMs: number): void {
    if (this.#timer || this.#closed) return;
    const wait = Math.max(0, intervalMs - (Date.now() - this.#openedAt));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const run = this.#chain.then(async () => {
        if (this.#failure || this.#open.length === 0) return;
        try {
          await this.#commit();
        } catch (error) {
          await this.#abort();
          this.#failure ??= error;
        }
      });
      this.#chain = run.catch(() => undefined);
    }, wait);
    this.#timer.unref();
  }

  /** Aborts the open transaction (its batches never complete: they replay). */
  async #abort(): Promise<void> {
    const tx = this.#transaction;
    this.#transaction = undefined;
    this.#open = [];
    await tx?.abort().catch(() => undefined);
  }

  #failed(error: unknown): TributaryError {
    this.#failure ??= error;
    if (error instanceof TributaryError) return error;
    const names = errorNames(error);
    if (/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/.test(names)) {
      return new RetriableError('kafka.unavailable', `Task ${this.#o.connector}-${this.#o.task} was fenced: a newer instance of it (transactional id ${this.#o.transactionalId}) runs elsewhere, so this one's open transaction was aborted (${names}).`, { cause: error });
    }
    return new RetriableError('kafka.unavailable', `Records of ${this.#o.connector} task ${this.#o.task} could not be written to Kafka in a transaction (transactional id ${this.#o.transactionalId}): ${names || String(error)}. The transaction was aborted; the task restarts and resends from its last committed offset.`, { cause: error });
  }
}
