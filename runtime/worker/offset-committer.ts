import type { Logger } from '../../plugins/api/index.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import type { OffsetBackingStore, OffsetChange } from '../storage/offset-store.js';
import type { SinkTaskRunner } from './sink-task-runner.js';
import type { CommittableOffsets, SourceTaskRunner } from './source-task-runner.js';

export interface OffsetCommitterDeps {
  offsets: OffsetBackingStore;
  /** writes what sinks hold durably (the memory bus's bounds), before source offsets */
  persistSinkState(): Promise<void>;
  metrics: WorkerMetrics;
  logger: Logger;
  flushTimeoutMs: number;
  runners(): { sources: SourceTaskRunner[]; sinks: SinkTaskRunner[] };
  /** false: this worker may no longer own its tasks (fenced in its group): nothing is committed */
  mayCommit?(): boolean;
  /**
   * false (Kafka bus): source offsets are written without waiting for the sinks' preCommit, so
   * a slow sink never holds a source's commit back. Default true (memory bus).
   */
  sourcesWaitForSinks?: boolean;
}

/**
 * The commit cycle: (1) every running sink task answers preCommit, which releases what it holds
 * durably; (2) each source task's offsets advance over its fully acknowledged batches; (3) every
 * sink's durable bounds are written, then those source offsets — in that order, so a crash between
 * the two writes leaves bounds ahead of offsets, which is safe (a replay skips what the bounds
 * cover), never offsets ahead of bounds; (4) only then are source tasks told, so they may
 * acknowledge positions to their database. Cycles never overlap.
 */
export class OffsetCommitter {
  readonly #d: OffsetCommitterDeps;
  #running: Promise<void> | undefined;
  #again = false;
  #flush = false;
  /** every cycle, regular or scoped, runs after the previous one: two never overlap */
  #chain: Promise<void> = Promise.resolve();

  constructor(deps: OffsetCommitterDeps) {
    this.#d = deps;
  }

  /**
   * Runs a cycle; a call during a cycle runs one more right after it (its changes may be new).
   * `flush` (graceful stop) has sinks complete their open work first.
   */
  commit(flush = false): Promise<void> {
    if (flush) this.#flush = true;
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const running = this.#chain.then(async () => {
      try {
        do {
          this.#again = false;
          await this.#cycle();
        } while (this.#again);
      } finally {
        this.#running = undefined;
      }
    });
    this.#running = running;
    this.#chain = running.catch(() => undefined);
    return running;
  }

  /**
   * A flushing cycle for these runners only (tasks revoked from this worker in a rebalance:
   * sinks complete their open work, then what they and these sources hold is committed), after
   * whatever cycle is running. The other tasks are left alone: their sinks keep their files open.
   */
  commitOnly(runners: ReadonlySet<SourceTaskRunner | SinkTaskRunner>): Promise<void> {
    const run = this.#chain.then(() => this.#cycle(runners));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #cycle(only?: ReadonlySet<SourceTaskRunner | SinkTaskRunner>): Promise<void> {
    const d = this.#d;
    const started = performance.now();
    if (d.mayCommit && !d.mayCommit()) {
      d.logger.debug('not committing: this worker may no longer own its tasks');
      return;
    }
    try {
      const all = d.runners();
      const { sources, sinks } = only ? { sources: all.sources.filter((r) => only.has(r)), sinks: all.sinks.filter((r) => only.has(r)) } : all;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(true), d.flushTimeoutMs)));
      const flush = only !== undefined || this.#flush;
      if (!only) this.#flush = false;
      const sinksAnswered = Promise.all(sinks.map((s) => s.requestPreCommit(flush))).then(() => false);
      if (d.sourcesWaitForSinks === false) {
        // Kafka: the sources' part first, the sinks answer meanwhile
        await this.#commitSources(sources, started);
        const late = await Promise.race([sinksAnswered, timedOut]);
        clearTimeout(timer);
        if (late) d.logger.warn({ timeoutMs: d.flushTimeoutMs }, 'some sinks did not answer preCommit in time; they commit at the next interval');
        return;
      }
      const late = await Promise.race([sinksAnswered, timedOut]);
      clearTimeout(timer);
      if (late) d.logger.warn({ timeoutMs: d.flushTimeoutMs }, 'some sinks did not answer preCommit in time; committing what is known');
      await this.#commitSources(sources, started);
    } catch (error) {
      d.metrics.offsetCommit.inc({ result: 'failure' });
      d.logger.error({ err: error }, 'offset commit failed; it is retried at the next interval');
    }
  }

  /** Source offsets over fully acknowledged batches, written (sink bounds first), then each task told. */
  async #commitSources(sources: readonly SourceTaskRunner[], started: number): Promise<void> {
    const d = this.#d;
    {
      const committed: [SourceTaskRunner, CommittableOffsets][] = [];
      const changes: OffsetChange[] = [];
      for (const source of sources) {
        const offsets = source.takeCommittable();
        if (!offsets) continue;
        committed.push([source, offsets]);
        // exactly-once sources: already in the offsets topic, committed with their records
        if (source.offsetsWrittenByBus) continue;
        for (const o of offsets) changes.push({ connector: source.connector, partition: o.partition, offset: o.offset });
      }
      await d.persistSinkState();
      if (changes.length > 0) await d.offsets.set(changes);
      d.metrics.offsetCommit.inc({ result: 'success' });
      d.metrics.offsetCommitDuration.observe((performance.now() - started) / 1000);
      for (const [source, offsets] of committed) {
        await source.committed(offsets).catch((error: unknown) => d.logger.warn({ connector: source.connector, err: error }, 'source task commit callback failed'));
      }
    }
  }
}
