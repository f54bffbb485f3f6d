import { TributaryError, type SinkRecord, type SinkTask, type SinkTaskContext, type TopicPartitionOffset } from '../../plugins/api/index.js';
import { isUnreadable, type SinkFeed } from '../bus/bus.js';
import { deadLetterRecord, type ErrorStage } from '../errors/dead-letter.js';
import { DegradedState, Gate, type TaskRuntime } from './task-context.js';

const IDLE_TICK_MS = 1000;

export interface DeadLetterReplay {
  position: string;
  error: unknown;
}

/**
 * Runs one sink task: take from its feed → transforms → put, and on request preCommit, whose
 * answer releases the acknowledged deliveries (so source offsets may advance) and records the
 * durable position per topic. When idle it still calls put([]) every second, so time-based file
 * rotation works on quiet topics.
 */
export class SinkTaskRunner {
  readonly #rt: TaskRuntime;
  readonly #task: SinkTask;
  readonly #feed: SinkFeed;
  readonly #maxRecords: number;
  readonly #abort = new AbortController();
  readonly #running = new Gate();
  /** next offset per topic handed to put */
  readonly #current = new Map<string, TopicPartitionOffset>();
  #commitWaiters: (() => void)[] = [];
  #commitRequested = false;
  #flushRequested = false;
  #loop: Promise<void> | undefined;
  #progress: Record<string, unknown> | null = null;
  /** what the task said it is working around (reportDegraded) */
  readonly degraded = new DegradedState();

  /**
   * @param deadLetterReplay per topic, the position up to which replayed records go to the
   *   dead-letter topic instead of `put` (after a storage failure with errors.tolerance=all);
   *   shared with the worker, entries end once a record past the position arrives.
   */
  constructor(rt: TaskRuntime, task: SinkTask, feed: SinkFeed, maxRecords: number, deadLetterReplay: Map<string, DeadLetterReplay> = new Map()) {
    this.#rt = rt;
    this.#task = task;
    this.#feed = feed;
    this.#maxRecords = maxRecords;
    this.#deadLetterReplay = deadLetterReplay;
  }

  readonly #deadLetterReplay: Map<string, DeadLetterReplay>;
  /** the highest position handed to put per topic (including a put that failed) */
  readonly #putPositions = new Map<string, string>();

  get putPositions(): ReadonlyMap<string, string> {
    return this.#putPositions;
  }

  /** whether failed records can go to a dead-letter topic (errors.tolerance=all and a topic set) */
  get deadLettersEnabled(): boolean {
    return this.#rt.deadLetterTopic !== '';
  }

  get progress(): Record<string, unknown> | null {
    return this.#progress;
  }

  async start(paused: boolean, onFailure: (error: unknown) => void): Promise<void> {
    if (paused) this.#running.close();
    const rt = this.#rt;
    const context: SinkTaskContext<unknown> = {
      connectorName: rt.connector,
      taskId: rt.taskId,
      config: rt.parsedConfig,
      rawConfig: rt.rawConfig,
      logger: rt.logger,
      metrics: rt.taskMetrics,
      signal: this.#abort.signal,
      // the task logs the failure itself (once, with its context); the runtime shows it in the status
      reportDegraded: (error) => this.degraded.report(error),
      setProgress: (p) => (this.#progress = p),
      reportErrant: async (record, error) => this.#deadLetter('TASK_PUT', record, error),
      requestCommit: () => {
        this.#commitRequested = true;
        this.#feed.wake();
      },
      commitDurable: async (upTo) => {
        this.#refuseIfStopped();
        await this.#feed.acknowledgeDurable(upTo);
        // the released deliveries may let source offsets advance
        this.#commitRequested = true;
      },
    };
    await this.#task.start(context);
    this.#loop = this.#run().catch((error: unknown) => {
      // task.stopped: its feed was closed on the way to its stop (not a failure to restart for)
      const stopping = this.#abort.signal.aborted || (error instanceof TributaryError && error.code === 'task.stopped');
      if (!stopping) onFailure(error);
      for (const w of this.#commitWaiters.splice(0)) w();
    });
  }

  pause(): void {
    this.#running.close();
  }

  resume(): void {
    this.#running.open();
  }

  /**
   * Asks the loop to run preCommit between puts — after a flush when `flush` is true (graceful
   * stop) — and resolves when it has, or the task ended.
   */
  requestPreCommit(flush = false): Promise<void> {
    if (!this.#loop || this.#abort.signal.aborted) return Promise.resolve();
    if (flush) this.#flushRequested = true;
    return new Promise((resolve) => {
      this.#commitWaiters.push(resolve);
      this.#commitRequested = true;
      this.#feed.wake();
    });
  }

  async #run(): Promise<void> {
    const rt = this.#rt;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      if (this.#commitRequested) await this.#preCommit();
      if (!this.#running.isOpen) {
        // Paused: only commit requests are served; the feed fills and sources wait.
        await Promise.race([this.#running.wait(signal), new Promise((r) => setTimeout(r, 200))]);
        continue;
      }
      const records = await this.#feed.take(this.#maxRecords, IDLE_TICK_MS);
      if (signal.aborted) break;
      if (records.length > 0) {
        rt.metrics.sinkRecordRead.inc(rt.labels, records.length);
        rt.metrics.batchSize.observe({ ...rt.labels, kind: 'sink' }, records.length);
      }
      const readable = await this.#readable(records);
      const out = await this.#transform(this.#deadLetterReplay.size > 0 ? await this.#replayToDeadLetters(readable) : readable);
      for (const r of out) {
        const seen = this.#putPositions.get(r.topic);
        if (seen === undefined || r.position > seen) this.#putPositions.set(r.topic, r.position);
      }
      await rt.errors.retry('put', () => this.#task.put(out), signal);
      const now = Date.now();
      let lastTopic: string | undefined;
      let lastPartition = -1;
      for (let i = records.length - 1; i >= 0; i--) {
        const r = records[i];
        if (r.topic === lastTopic && r.partition === lastPartition) continue;
        lastTopic = r.topic;
        lastPartition = r.partition;
        // Offsets only grow per topic partition; runs of one partition are usually long
        const key = r.partition === 0 ? r.topic : `${r.topic}\u0000${r.partition}`;
        const known = this.#current.get(key);
        if (!known || known.offset <= r.offset) this.#current.set(key, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
      }
      if (out.length > 0) {
        rt.metrics.sinkRecordSend.inc(rt.labels, out.length);
        rt.metrics.endToEndLatency.observe(rt.labels, Math.max(0, now - out[out.length - 1].timestamp) / 1000);
      }
    }
  }

  /**
   * Records the converters could not read get the error policy (fail the task, or skip them into
   * the dead-letter topic); the rest go on. Their offsets still count as consumed (see #run).
   */
  async #readable(records: readonly SinkRecord[]): Promise<readonly SinkRecord[]> {
    let out: SinkRecord[] | undefined;
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      if (!isUnreadable(r)) {
        out?.push(r);
        continue;
      }
      out ??= records.slice(0, i);
      await this.#deadLetter(r.unreadable.stage, r, r.unreadable.error);
    }
    return out ?? records;
  }

  /** Records a failed write had taken are dead-lettered as they are replayed, not written again. */
  async #replayToDeadLetters(records: readonly SinkRecord[]): Promise<readonly SinkRecord[]> {
    const out: SinkRecord[] = [];
    for (const r of records) {
      const replay = this.#deadLetterReplay.get(r.topic);
      if (replay && r.position <= replay.position) await this.#deadLetter('TASK_PUT', r, replay.error);
      else {
        if (replay) this.#deadLetterReplay.delete(r.topic);
        out.push(r);
      }
    }
    return out;
  }

  async #transform(records: readonly SinkRecord[]): Promise<readonly SinkRecord[]> {
    if (this.#rt.transforms.isEmpty) return records;
    const out: SinkRecord[] = [];
    for (const record of records) {
      try {
        const t = this.#rt.transforms.apply(record);
        if (t) out.push(t);
      } catch (error) {
        await this.#deadLetter('TRANSFORMATION', record, error);
      }
    }
    return out;
  }

  /** Applies the error policy to a record; with a dead-letter topic, sends it there. */
  async #deadLetter(stage: ErrorStage, record: SinkRecord, error: unknown): Promise<void> {
    const rt = this.#rt;
    rt.errors.recordFailed(stage, record, error);
    if (!rt.deadLetterTopic) return;
    const sent = await this.#feed.deadLetter(record, (sourceLabel) => deadLetterRecord(record, rt.deadLetterTopic, {
      connector: rt.connector, task: rt.taskId, stage, executingClass: (error as { alias?: string }).alias ?? rt.connector, error,
      originalTopic: record.topic, partition: record.partition, offset: record.offset, position: record.position,
    }, rt.deadLetterHeaders, sourceLabel));
    if (!sent) return;
    rt.metrics.deadLetterRecords.inc(rt.labels);
  }

  async #preCommit(): Promise<void> {
    this.#commitRequested = false;
    const waiters = this.#commitWaiters.splice(0);
    try {
      const current: TopicPartitionOffset[] = [...this.#current.values()];
      if (this.#flushRequested && this.#task.preCommit && this.#task.flush) {
        this.#flushRequested = false;
        await this.#rt.errors.retry('flush', () => this.#task.flush!(current), this.#abort.signal);
      }
      let acked: readonly TopicPartitionOffset[];
      if (this.#task.preCommit) acked = await this.#rt.errors.retry('preCommit', () => this.#task.preCommit!(current), this.#abort.signal);
      else {
        await this.#rt.errors.retry('flush', async () => this.#task.flush?.(current), this.#abort.signal);
        acked = current;
      }
      this.#refuseIfStopped();
      await this.#feed.acknowledge(acked);
    } finally {
      for (const w of waiters) w();
    }
  }

  /**
   * A stopped task may still be inside a put (waiting on its storage, or on a commit while Kafka
   * is down) and carry on once that returns, after its stop discarded its open files. What it
   * completes then must not be committed: the next task starts from the committed offsets, so a
   * commit past the discarded records would skip them for good.
   */
  #refuseIfStopped(): void {
    if (this.#abort.signal.aborted) throw new TributaryError('task.stopped', `Task ${this.#rt.connector}-${this.#rt.taskId} was stopped: what it completed afterwards is not committed, and its records replay in the next task.`);
  }

  async stop(timeoutMs: number): Promise<void> {
    this.#abort.abort();
    this.#running.open();
    this.#feed.close();
    const stopped = Promise.allSettled([this.#loop, this.#task.stop()]);
    await Promise.race([stopped, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    for (const w of this.#commitWaiters.splice(0)) w();
    this.#feed.clear();
  }
}
