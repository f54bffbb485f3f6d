import { compatibilityPartitioner, Producer, ProduceAcks, type CompressionAlgorithmValue } from '@platformatic/kafka';
import { RetriableError, TributaryError, type Logger, type SourceOffset, type SourcePartition, type SourceRecord } from '../../../plugins/api/index.js';
import type { KafkaConnectionSecurity } from '../../config/kafka-security.js';
import { prepareOutgoing, type RecordConverters } from '../../converters/connector-converters.js';
import { errorNames } from '../../kafka/partition-fetcher.js';
import { taskPositionPartition, type OffsetChange } from '../../storage/offset-store.js';
import { handoffRetriesOf, withHandoffRetry } from '../handoff-retry.js';
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
  #producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly #topics: TopicCreator | undefined;
  #transaction: Transaction | undefined;
  /** batches of the open transaction (interval boundary: several), completed at its commit */
  #open: PublishedBatch[] = [];
  /**
   * the messages of each open batch, kept until the commit: a hand-off retry after a failed send
   * aborts the transaction and sends them all again in a new one
   */
  #openMessages: KafkaMessage[][] = [];
  /** how many of #openMessages the open transaction has sent */
  #sentInTransaction = 0;
  /** a send failed: the open transaction cannot commit (what it holds is unknown) */
  #doomed = false;
  /** the commit (EndTxn) was asked for: a retry asks again, and never resends */
  #commitAsked = false;
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
    this.#producer = this.#newProducer();
  }

  #newProducer(): Producer<Buffer, Buffer, Buffer, Buffer> {
    const options = this.#o;
    return new Producer<Buffer, Buffer, Buffer, Buffer>({
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
      if (this.#open.length === 0) this.#openedAt = Date.now();
      this.#open.push(batch);
      this.#openMessages.push(messages);
      for (const r of records) this.#positions.set(r.topic, r.position);
      const interval = this.#o.boundary.kind === 'interval' ? this.#o.boundary.intervalMs : 0;
      const commitNow = interval === 0 || Date.now() - this.#openedAt >= interval;
      try {
        await this.#deliver(commitNow);
      } catch (error) {
        await this.#abort();
        throw this.#failed(error);
      }
      if (!commitNow) this.#scheduleCommit(interval);
    });
    this.#chain = run.catch(() => undefined);
    return run.then(() => performance.now() - started);
  }

  /**
   * Sends what the open transaction has not sent yet and, with `commit`, its offsets and the
   * commit, under the hand-off retry policy of the open batches' tasks. Exactly once across
   * retries: a failed send leaves the transaction holding an unknown part of its records, so the
   * retry aborts it (a read_committed reader never sees them) and sends every open batch again
   * in a new transaction; a failed commit may have committed, so its retry only asks for the
   * commit again (the coordinator answers a repeated commit of a committed transaction with
   * success) and never sends anything twice.
   */
  #deliver(commit: boolean): Promise<void> {
    const what = `A transaction of ${this.#openMessages.reduce((n, m) => n + m.length, 0)} records of ${this.#o.connector} task ${this.#o.task}`;
    return withHandoffRetry(handoffRetriesOf(this.#open), what, () => this.#attempt(commit), () => this.#prepareRetry());
  }

  async #attempt(commit: boolean): Promise<void> {
    if (!this.#commitAsked) {
      try {
        const tx = await this.#begin();
        while (this.#sentInTransaction < this.#openMessages.length) {
          const messages = this.#openMessages[this.#sentInTransaction];
          if (messages.length > 0) await this.#sendInRequests(tx, messages);
          this.#sentInTransaction++;
        }
        if (!commit) return;
        const offsetMessages = this.#offsetMessages();
        if (offsetMessages.length > 0) await tx.send({ messages: offsetMessages });
      } catch (error) {
        this.#doomed = true;
        throw error;
      }
      this.#commitAsked = true;
    }
    await this.#transaction!.commit();
    this.#transaction = undefined;
    this.#completeOpen();
  }

  /** Before a retry: a doomed transaction is aborted, so that everything open is sent again. */
  async #prepareRetry(): Promise<void> {
    if (!this.#doomed) return;
    const tx = this.#transaction;
    this.#transaction = undefined;
    let aborted = false;
    if (tx) aborted = await tx.abort().then(() => true, async () => {
      await tx.cancel().catch(() => undefined);
      return false;
    });
    if (!aborted) {
      // The abort did not reach the coordinator (or no transaction began): a new producer of the
      // same transactional id aborts the open transaction at its InitProducerId, before it may
      // send, and fences this one.
      await this.#producer.close().catch(() => undefined);
      this.#producer = this.#newProducer();
    }
    this.#doomed = false;
    this.#sentInTransaction = 0;
    this.#o.logger.info({ transactionalId: this.#o.transactionalId, abortedBy: aborted ? 'EndTxn' : 'a new producer' }, 'the failed transaction was aborted; its batches are sent again in a new one');
  }

  /** Commits what is open (a graceful stop), then closes the producer. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#chain;
    if (this.#open.length > 0 && !this.#failure) {
      await this.#deliver(true).catch(async (error: unknown) => {
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

  /** The offsets topic records of the open batches' offsets (and this task's positions). */
  #offsetMessages(): KafkaMessage[] {
    const changes = new Map<string, OffsetChange>();
    for (const b of this.#open) for (const [key, o] of b.offsets) changes.set(key, { connector: this.#o.connector, partition: o.partition, offset: o.offset });
    if (this.#positions.size > 0) changes.set('\u0000positions', { connector: this.#o.connector, partition: taskPositionPartition(this.#o.task), offset: Object.fromEntries(this.#positions) });
    return this.#o.offsets.offsetMessages([...changes.values()]);
  }

  /** The transaction committed: its batches complete, their offsets written with them. */
  #completeOpen(): void {
    const batches = this.#open;
    this.#open = [];
    this.#openMessages = [];
    this.#sentInTransaction = 0;
    this.#commitAsked = false;
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
          await this.#deliver(true);
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
    this.#openMessages = [];
    this.#sentInTransaction = 0;
    this.#commitAsked = false;
    this.#doomed = false;
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
