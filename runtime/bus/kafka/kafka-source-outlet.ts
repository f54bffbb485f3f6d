import { compatibilityPartitioner, Producer, ProduceAcks, type CompressionAlgorithmValue } from '@platformatic/kafka';
import { RetriableError, TributaryError, type Logger, type SourceRecord } from '../../../plugins/api/index.js';
import { TopicCreator, type TopicCreation } from './topic-creator.js';
import { prepareOutgoing, type RecordConverters } from '../../converters/connector-converters.js';
import { errorNames } from '../../kafka/partition-fetcher.js';
import { handoffRetriesOf, withHandoffRetry } from '../handoff-retry.js';
import type { PublishedBatch } from '../published-batch.js';
import { messageBytes, QUEUED_MESSAGE_OVERHEAD, toKafkaMessage, type KafkaMessage } from './kafka-record-codec.js';
import type { KafkaConnectionSecurity } from '../../config/kafka-security.js';

interface QueuedBatch {
  readonly messages: KafkaMessage[];
  /** the messages' bytes, as a produce request carries them (max.request.size) */
  readonly bytes: number;
  /** what they hold in memory until acknowledged (buffer.memory) */
  readonly memory: number;
  readonly batch: PublishedBatch;
}

export interface SourceOutletOptions {
  readonly connector: string;
  readonly bootstrapBrokers: readonly string[];
  readonly security?: KafkaConnectionSecurity;
  readonly clientId: string;
  readonly converters: RecordConverters;
  /** memory of messages queued or sent but not yet acknowledged before `publish` waits (Kafka's `buffer.memory`) */
  readonly bufferMemory: number;
  /** the most one produce request carries (Kafka's `max.request.size`) */
  readonly maxRequestBytes: number;
  readonly compression: CompressionAlgorithmValue | undefined;
  /** KIP-158 `topic.creation.default.*`: topics are created with these before the first record */
  readonly topicCreation: TopicCreation | null;
  readonly logger: Logger;
}

/**
 * A source connector's way into Kafka: each batch is converted and handed to an idempotent
 * producer (acks=all, Kafka's Java-compatible partitioner), and completes when the brokers have
 * acknowledged it — only then may the source's offset pass it. `publish` returns once a batch is
 * queued; queued batches go out gathered into requests, bounded by the memory the messages queued
 * or in flight hold, their objects counted with their bytes (`producer.buffer.memory`, 32 MiB):
 * a slow broker slows this source only, and memory never grows without bound. A send that fails
 * after the producer's retries is retried under the publishing task's hand-off retry policy
 * (`handoff.retry.*`, none by default); one that still fails fails the next publish, or the task
 * at once through the policy (the task restarts and replays from its committed offset).
 */
export class KafkaSourceOutlet {
  readonly #o: SourceOutletOptions;
  readonly #producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly #topics: TopicCreator | undefined;
  /** `tributary.source` per task (one buffer each, shared: the client only reads it) */
  readonly #sourceHeaders: Buffer[] = [];
  readonly #queue: QueuedBatch[] = [];
  /** memory of the messages queued or in flight (their bytes and objects): `publish` waits above buffer.memory */
  #bufferedBytes = 0;
  #waiters: (() => void)[] = [];
  #sending: Promise<void> | undefined;
  /**
   * whether #sendQueued is looping. Cleared in the same synchronous step as its last look at the
   * queue: with a flag cleared a tick later (a `.finally` on its promise), a batch queued in that
   * tick found a sender about to end and was never sent — the last batch of a source then waited
   * for a next publish that never came.
   */
  #senderRunning = false;
  #failure: unknown;

  constructor(options: SourceOutletOptions) {
    this.#o = options;
    this.#topics = options.topicCreation ? new TopicCreator({ ...options, creation: options.topicCreation }) : undefined;
    this.#producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
      clientId: options.clientId, bootstrapBrokers: [...options.bootstrapBrokers],
      idempotent: true, acks: ProduceAcks.ALL, partitioner: compatibilityPartitioner,
      // more than one: with fewer, an idempotent producer retries a vanished leader forever (docs/kafka-client.md)
      retries: 5, retryDelay: 250, timeout: 30_000, autocreateTopics: options.topicCreation === null,
      ...(options.compression ? { compression: options.compression } : {}),
      ...options.security,
    });
  }

  async publish(records: readonly SourceRecord[], batch: PublishedBatch, task = 0): Promise<number> {
    if (this.#failure) throw failed(this.#o.connector, this.#failure);
    const source = this.#sourceHeaders[task] ??= Buffer.from(sourceStreamName(this.#o.connector, task), 'utf8');
    // schema ids from a registry (AvroConverter), so that the conversion below is synchronous
    const preparing = prepareOutgoing(this.#o.converters, records);
    if (preparing) await preparing;
    const messages: KafkaMessage[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) messages[i] = toKafkaMessage(records[i], this.#o.converters, source);
    return this.publishMessages(messages, batch, records);
  }

  /** As publish, for messages already converted (a sink's dead letters, carrying consumed bytes). */
  async publishMessages(messages: KafkaMessage[], batch: PublishedBatch, records?: readonly SourceRecord[]): Promise<number> {
    if (this.#failure) throw failed(this.#o.connector, this.#failure);
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) {
      const size = messageBytes(messages[i]);
      if (size > this.#o.maxRequestBytes) throw tooLarge(this.#o.connector, messages[i].topic, records?.[i]?.position, size, this.#o.maxRequestBytes);
      bytes += size;
    }
    const memory = bytes + messages.length * QUEUED_MESSAGE_OVERHEAD;
    if (this.#topics) await this.#topics.ensure(messages.map((m) => m.topic));
    const started = performance.now();
    while (this.#bufferedBytes > 0 && this.#bufferedBytes + memory > this.#o.bufferMemory && !this.#failure) await new Promise<void>((r) => this.#waiters.push(r));
    if (this.#failure) throw failed(this.#o.connector, this.#failure);
    batch.pending += 1;
    this.#queue.push({ messages, bytes, memory, batch });
    this.#bufferedBytes += memory;
    batch.sealed = true;
    if (!this.#senderRunning) {
      this.#senderRunning = true;
      this.#sending = this.#sendQueued();
    }
    return performance.now() - started;
  }

  /**
   * Sends what is queued, one produce request at a time, each gathering as many queued batches as
   * fit under max.request.size. One at a time because the client's idempotent producer numbers a
   * partition's records per request: a request retried while a later one is already out is
   * refused by the broker (OUT_OF_ORDER_SEQUENCE_NUMBER). Gathering keeps the brokers busy anyway.
   */
  async #sendQueued(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.#failure) await this.#sendGathered();
    } finally {
      // no await between the loop's last look at the queue and this (see #senderRunning)
      this.#senderRunning = false;
    }
  }

  /** One produce request of the queued batches that fit (or a large batch in several). */
  async #sendGathered(): Promise<void> {
    const taken: QueuedBatch[] = [];
    const messages: KafkaMessage[] = [];
    let bytes = 0;
    let memory = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0];
      if (taken.length > 0 && bytes + next.bytes > this.#o.maxRequestBytes) break;
      if (next.bytes > this.#o.maxRequestBytes) {
        // a batch larger than one request goes alone, cut into requests under the limit
        if (taken.length > 0) break;
        this.#queue.shift();
        await this.#sendInRequests(next);
        return;
      }
      taken.push(this.#queue.shift()!);
      for (const m of next.messages) messages.push(m);
      bytes += next.bytes;
      memory += next.memory;
    }
    if (taken.length === 0) return;
    try {
      await this.#send(taken.map((t) => t.batch), messages);
      for (const t of taken) t.batch.pending -= 1;
    } catch (error) {
      this.#failure ??= error;
    } finally {
      this.#sent(memory);
    }
  }

  async #sendInRequests(queued: QueuedBatch): Promise<void> {
    try {
      for (let start = 0; start < queued.messages.length;) {
        let end = start;
        let bytes = 0;
        while (end < queued.messages.length) {
          const size = messageBytes(queued.messages[end]);
          if (end > start && bytes + size > this.#o.maxRequestBytes) break;
          bytes += size;
          end++;
        }
        await this.#send([queued.batch], queued.messages.slice(start, end));
        start = end;
      }
      queued.batch.pending -= 1;
    } catch (error) {
      this.#failure ??= error;
    } finally {
      this.#sent(queued.memory);
    }
  }

  /**
   * One produce request under the hand-off retry policy of the tasks whose batches it carries.
   * A retry sends the same messages through the same idempotent producer: the client advances a
   * partition's sequence only on the broker's acknowledgement, so a request the broker did write
   * before its answer was lost carries the same sequence again and the broker drops it as a
   * duplicate — unless the broker crashed in between and came back without that producer's last
   * batch (seen on Kafka 4.4 after a SIGKILL: docs/operations.md). (With partitions led by
   * several brokers, one leader may have acknowledged its part: those records are then written
   * again, at later offsets, and Tributary sinks skip them by their position header as they skip
   * a restarted task's resends.)
   */
  #send(batches: readonly PublishedBatch[], messages: KafkaMessage[]): Promise<unknown> {
    return withHandoffRetry(handoffRetriesOf(batches), `A produce request of ${messages.length} records of ${this.#o.connector}`, () => this.#producer.send({ messages }));
  }

  #sent(memory: number): void {
    this.#bufferedBytes -= memory;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Waits for what is queued and in flight (a graceful stop lets it land before the last commit). */
  async flush(): Promise<void> {
    await this.#sending;
  }

  /** Why sends fail (empty while they do not). */
  failureText(): string {
    return this.#failure === undefined ? '' : errorNames(this.#failure) || String(this.#failure);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.#producer.close().catch(() => undefined);
  }
}

export function tooLarge(connector: string, topic: string, position: string | undefined, size: number, limit: number): TributaryError {
  return new TributaryError('record.rejected', `A record of ${connector} for topic ${topic}${position !== undefined ? ` (position ${position})` : ''} is ${size} bytes, above producer max.request.size (${limit}); raise producer.override.max.request.size and the topic's max.message.bytes, or leave the column out.`);
}

function failed(connector: string, error: unknown): TributaryError {
  // the hand-off retry policy already retried it: the task fails, not retriable
  if (error instanceof TributaryError && error.code === 'source.handoff_failed') return error;
  return new RetriableError('kafka.unavailable', `Records of ${connector} could not be written to Kafka: ${errorNames(error) || String(error)}. The task restarts and replays them from its committed offset.`, { cause: error });
}

/**
 * The `tributary.source` header of a task's records: what the sinks' replay filter keeps one
 * highest position for. Per task, since each task's records arrive in position order and the
 * tasks of one connector interleave (a multi-task datagen's do); task 0 is the connector's name.
 */
export function sourceStreamName(connector: string, task: number): string {
  return task === 0 ? connector : `${connector}#${task}`;
}
