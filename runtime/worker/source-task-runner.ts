import { describeError, TributaryError, type SourceOffset, type SourcePartition, type SourceRecord, type SourceTask, type SourceTaskContext } from '../../plugins/api/index.js';
import { QueueClosedError } from '../bus/async-queue.js';
import type { SignalFeed } from '../bus/bus.js';
import type { HandoffRetry } from '../bus/handoff-retry.js';
import { partitionKey, PublishedBatch } from '../bus/published-batch.js';
import { deadLetterRecord } from '../errors/dead-letter.js';
import type { OffsetBackingStore } from '../storage/offset-store.js';
import { kafkaSignalChannel } from './kafka-signal-channel.js';
import { DegradedState, Gate, type TaskRuntime } from './task-context.js';

export type CommittableOffsets = { partition: SourcePartition; offset: SourceOffset }[];

/**
 * Runs one source task: poll → transforms (errors per tolerance, to the dead-letter topic) →
 * publish to the bus (waiting while sinks are full) → remember the batch until every sink has it
 * durably. Offsets are taken from every polled record, including those a transform dropped.
 */
export class SourceTaskRunner {
  readonly #rt: TaskRuntime;
  readonly #task: SourceTask;
  readonly #offsets: OffsetBackingStore;
  readonly #abort = new AbortController();
  readonly #running = new Gate();
  readonly #batches: PublishedBatch[] = [];
  #loop: Promise<void> | undefined;
  #progress: Record<string, unknown> | null = null;
  /** what the task said it is working around (reportDegraded) */
  readonly degraded = new DegradedState();

  constructor(rt: TaskRuntime, task: SourceTask, offsets: OffsetBackingStore, requestCommit: () => void = () => {}) {
    this.#rt = rt;
    this.#task = task;
    this.#offsets = offsets;
    this.#requestCommit = requestCommit;
  }

  readonly #requestCommit: () => void;

  get connector(): string {
    return this.#rt.connector;
  }

  /** Debezium's Kafka signal channel, for task 0 of a connector that asks for it, on the Kafka bus. */
  #openSignalChannel(): void {
    const rt = this.#rt;
    const channel = rt.taskId === 0 && this.#task.signal ? kafkaSignalChannel(rt.rawConfig as Record<string, string>) : null;
    if (!channel) return;
    if (!rt.bus.openSignalFeed) {
      rt.logger.warn('signal.enabled.channels lists kafka, but this worker has no Kafka bus (standalone mode): signals over Kafka are not read');
      return;
    }
    this.#signals = rt.bus.openSignalFeed({ ...channel, onSignal: (signal) => this.signal(signal) });
  }

  /** A REST signal for the task (incremental snapshots); rejects when the task takes none. */
  async signal(signal: { readonly id: string; readonly type: string; readonly data: unknown }): Promise<void> {
    if (!this.#task.signal) throw new TributaryError('signal.unsupported', `Connector ${this.#rt.connector} takes no signals.`);
    await this.#task.signal(signal);
  }

  /** The task's incremental snapshot, if it runs one (null: none; undefined: the task has none to tell). */
  snapshotProgress(): Record<string, unknown> | null | undefined {
    return this.#task.snapshotProgress?.();
  }

  get progress(): Record<string, unknown> | null {
    return this.#progress;
  }

  /**
   * The task's hand-off retry policy, handed to the bus with each batch. A bus that sends
   * batches after `publish` returned (Kafka) reports a hand-off that ran out of retries through
   * `gaveUp`, which fails the task then, without waiting for its next publish.
   */
  #handoffRetry(onFailure: (error: unknown) => void): HandoffRetry | undefined {
    const rt = this.#rt;
    const parsed = rt.parsedConfig as Record<string, unknown>;
    const attempts = Number(parsed['handoff.retry.attempts'] ?? 0);
    if (!(attempts > 0)) return undefined;
    const intervalMs = Number(parsed['handoff.retry.interval.ms'] ?? 2000);
    let failed = false;
    return {
      policy: { attempts, intervalMs },
      signal: this.#abort.signal,
      retrying: (retry, error) => {
        rt.metrics.sourceHandoffRetries.inc(rt.labels);
        rt.logger.warn({ handoff: 'bus', retry, of: attempts, retryInMs: intervalMs, err: describeError(error) }, `hand-off to the bus refused; retry ${retry} of ${attempts} in ${intervalMs} ms`);
      },
      gaveUp: (error) => {
        if (failed) return;
        failed = true;
        rt.metrics.sourceHandoffFailures.inc(rt.labels);
        rt.logger.error({ handoff: 'bus', attempts: attempts + 1, err: describeError(error) }, `hand-off to the bus refused after ${attempts} retries; the task fails`);
        if (!this.#abort.signal.aborted) onFailure(error);
      },
    };
  }

  #handoff: HandoffRetry | undefined;

  /** Starts the task and its loop; `onFailure` is called once if the loop dies. */
  async start(paused: boolean, onFailure: (error: unknown) => void): Promise<void> {
    if (paused) this.#running.close();
    const rt = this.#rt;
    let failed = false;
    const failOnce = (error: unknown) => {
      if (failed) return;
      failed = true;
      onFailure(error);
    };
    this.#handoff = this.#handoffRetry(failOnce);
    const context: SourceTaskContext<unknown> = {
      connectorName: rt.connector,
      taskId: rt.taskId,
      config: rt.parsedConfig,
      rawConfig: rt.rawConfig,
      logger: rt.logger,
      metrics: rt.taskMetrics,
      signal: this.#abort.signal,
      // the task logs the failure itself (once, with its context); the runtime shows it in the status
      reportDegraded: (error) => this.degraded.report(error),
      setProgress: (p) => {
        this.#progress = p;
        if (p) rt.logger.debug({ progress: p }, 'progress');
      },
      offsets: { offset: (partition) => this.#offsets.get(rt.connector, partition) },
      requestCommit: () => this.#requestCommit(),
      storeStartingOffset: (partition, offset) => this.#offsets.set([{ connector: rt.connector, partition, offset }]),
    };
    // exactly-once sources: the task's producer fences its older instances and the offsets topic
    // is read to its end before the task reads its offset
    await rt.bus.sourceTaskStarting?.(rt.connector, rt.taskId, rt.rawConfig as Record<string, string>);
    this.#busTaskStarted = true;
    await this.#task.start(context);
    this.#openSignalChannel();
    this.#loop = this.#run().catch((error: unknown) => {
      if (!this.#abort.signal.aborted) failOnce(error);
    });
  }

  pause(): void {
    this.#running.close();
  }

  resume(): void {
    this.#running.open();
  }

  async #run(): Promise<void> {
    const rt = this.#rt;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      await this.#running.wait(signal);
      if (signal.aborted) break;
      const records = await rt.errors.retry('poll', () => this.#task.poll(signal), signal);
      // A stopped task publishes nothing more, even what a poll returned after the stop: its
      // connector's next task replays from the committed offset through a new producer, and a
      // record of this one landing among that task's would raise the sinks' replay bound over
      // records not yet resent, which would then be skipped as resends.
      if (signal.aborted) break;
      if (records.length === 0) continue;
      rt.metrics.sourceRecordPoll.inc(rt.labels, records.length);
      rt.metrics.batchSize.observe({ ...rt.labels, kind: 'source' }, records.length);
      const out = this.#transform(records);
      const batch = new PublishedBatch(lastOffsets(records), this.#handoff);
      this.#batches.push(batch);
      try {
        const blockedMs = await rt.bus.publish(rt.connector, out, batch, rt.taskId);
        if (blockedMs > 0) rt.metrics.backpressureBlocked.inc(rt.labels, blockedMs / 1000);
      } catch (error) {
        if (error instanceof QueueClosedError && signal.aborted) break;
        throw error;
      }
      rt.metrics.sourceRecordWrite.inc(rt.labels, out.length);
      if (this.#holding) this.#batches.pop();
      else if (batch.unclaimed) this.#holding = true;
      if (batch.unclaimed) this.#warnHeld();
      if (this.#task.commitRecord) for (const r of out) await this.#task.commitRecord(r);
    }
  }

  /** topics no sink took, with when the first such record was held */
  readonly #heldTopics = new Map<string, number>();

  /**
   * Whether a batch went (in part) to topics no sink takes: its offset and everything after it
   * stay uncommitted until a sink for those topics exists and the source replays. Only that first
   * batch is kept — nothing after it can commit before the replay — so memory stays bounded.
   */
  #holding = false;

  #warnHeld(): void {
    for (const topic of this.#rt.bus.unclaimedTopics(this.#rt.connector)) {
      if (this.#heldTopics.has(topic)) continue;
      this.#heldTopics.set(topic, Date.now());
      this.#rt.logger.warn({ topic }, `no sink connector takes topic ${topic}: this source's offsets are held before its records until one does (embedded mode keeps no log to replay from; create the sink and the source replays them)`);
    }
  }

  /** The topics no sink takes and since when their records hold the offsets (for the status). */
  get heldTopics(): ReadonlyMap<string, number> {
    return this.#heldTopics;
  }

  #transform(records: SourceRecord[]): SourceRecord[] {
    const rt = this.#rt;
    if (rt.transforms.isEmpty) return records;
    const out: SourceRecord[] = [];
    for (const record of records) {
      try {
        const t = rt.transforms.apply(record);
        if (t) out.push(t);
      } catch (error) {
        rt.errors.recordFailed('TRANSFORMATION', record, error);
        if (rt.deadLetterTopic) {
          out.push(deadLetterRecord(record, rt.deadLetterTopic, { connector: rt.connector, task: rt.taskId, stage: 'TRANSFORMATION', executingClass: (error as { alias?: string }).alias ?? 'transforms', error, originalTopic: record.topic, position: record.position }, rt.deadLetterHeaders, rt.connector));
          rt.metrics.deadLetterRecords.inc(rt.labels);
        }
      }
    }
    return out;
  }

  /**
   * Takes the offsets of the longest prefix of batches every sink has durably written, or
   * undefined when nothing new is committable.
   */
  takeCommittable(): CommittableOffsets | undefined {
    const merged = new Map<string, { partition: SourcePartition; offset: SourceOffset }>();
    let written = true;
    while (this.#batches.length > 0 && this.#batches[0].complete) {
      const batch = this.#batches.shift()!;
      written &&= batch.offsetsWritten;
      for (const [k, v] of batch.offsets) merged.set(k, v);
    }
    this.#offsetsWritten = merged.size > 0 && written;
    // a sink's dead letter to a topic no sink takes holds its original's batch too
    if (this.#batches[0]?.unclaimed && this.#batches[0].sealed) this.#holding = true;
    return merged.size > 0 ? [...merged.values()] : undefined;
  }

  #offsetsWritten = false;
  #busTaskStarted = false;
  #signals: SignalFeed | undefined;

  /**
   * Whether the offsets takeCommittable last gave are already in the offsets topic (written by
   * the bus in the transactions of their records: exactly-once sources); then the commit cycle
   * only tells the task.
   */
  get offsetsWrittenByBus(): boolean {
    return this.#offsetsWritten;
  }

  /** Tells the task its offsets are durable (Postgres acknowledges its LSN here). */
  async committed(offsets: CommittableOffsets): Promise<void> {
    await this.#task.commit?.(offsets);
  }

  /** Stops polling; the task's in-flight batches are dropped (they replay from the committed offset). */
  async stop(timeoutMs: number): Promise<void> {
    this.#abort.abort();
    await this.#signals?.close().catch((error: unknown) => this.#rt.logger.warn({ err: error }, 'the Kafka signal channel did not close cleanly'));
    this.#signals = undefined;
    this.#running.open();
    const stopped = Promise.allSettled([this.#loop, this.#task.stop()]);
    await Promise.race([stopped, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    this.#batches.length = 0;
    if (this.#busTaskStarted) await this.#rt.bus.sourceTaskStopped?.(this.#rt.connector, this.#rt.taskId).catch((error: unknown) => this.#rt.logger.warn({ err: error }, 'the task\'s producer did not close cleanly'));
  }
}

function lastOffsets(records: readonly SourceRecord[]): Map<string, { partition: SourcePartition; offset: SourceOffset }> {
  const out = new Map<string, { partition: SourcePartition; offset: SourceOffset }>();
  // Tasks usually reuse one partition object, so only the last record of each run of one
  // partition is looked at (its offset is the run's latest).
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (i + 1 < records.length && records[i + 1].sourcePartition === r.sourcePartition) continue;
    out.set(partitionKey('', r.sourcePartition), { partition: r.sourcePartition, offset: r.sourceOffset });
  }
  return out;
}
