import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TaskMetrics } from '../../plugins/api/index.js';

const TASK = ['connector', 'task'] as const;

/**
 * The worker's Prometheus metrics, named after Kafka Connect's metric groups
 * (source-task-metrics, sink-task-metrics, task-error-metrics, connector-task-metrics) with a
 * `tributary_` prefix. Rates come from PromQL (`rate(...[1m])`) over the totals.
 * One registry per worker, so several workers can live in one process (tests).
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly sourceRecordPoll = this.#counter('tributary_source_record_poll_total', 'Records returned by source task polls (source-record-poll-total).');
  readonly sourceRecordWrite = this.#counter('tributary_source_record_write_total', 'Records handed to the bus after transforms (source-record-write-total).');
  readonly sinkRecordRead = this.#counter('tributary_sink_record_read_total', 'Records taken from the bus by sink tasks (sink-record-read-total).');
  readonly sinkRecordSend = this.#counter('tributary_sink_record_send_total', 'Records passed to sink task put after transforms (sink-record-send-total).');
  readonly batchSize = new Histogram({ name: 'tributary_batch_size_records', help: 'Records per poll (source) or per put (sink).', labelNames: [...TASK, 'kind'], buckets: [1, 10, 100, 500, 1000, 2000, 5000, 10000], registers: [this.registry] });
  readonly offsetCommit = new Counter({ name: 'tributary_offset_commit_total', help: 'Offset commits by result (offset-commit-success/failure).', labelNames: ['result'], registers: [this.registry] });
  readonly offsetCommitDuration = new Histogram({ name: 'tributary_offset_commit_duration_seconds', help: 'Time to gather sink acknowledgements and write source offsets durably.', buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10], registers: [this.registry] });
  readonly backpressureBlocked = this.#counter('tributary_backpressure_blocked_seconds_total', 'Time source tasks spent waiting for sinks to make room.');
  readonly deadLetterRecords = this.#counter('tributary_deadletterqueue_produce_total', 'Records sent to the dead-letter queue (deadletterqueue-produce-requests).');
  readonly recordErrors = this.#counter('tributary_record_errors_total', 'Records that failed a stage (total-record-errors).');
  readonly retries = this.#counter('tributary_retries_total', 'Retries of retriable operations (total-retries).');
  readonly sourceHandoffRetries = this.#counter('tributary_source_handoff_retries_total', 'Retries of a source batch the bus or Kafka refused (handoff.retry.attempts).');
  readonly sourceHandoffFailures = this.#counter('tributary_source_handoff_failures_total', 'Source hand-offs still refused after every retry (the task failed).');
  readonly taskRestarts = this.#counter('tributary_task_restarts_total', 'Automatic and requested task restarts.');
  readonly taskStatus = new Gauge({ name: 'tributary_task_status', help: '1 for the state each task is in (connector-task-metrics status).', labelNames: [...TASK, 'state'], registers: [this.registry] });
  readonly endToEndLatency = new Histogram({ name: 'tributary_end_to_end_latency_seconds', help: 'From the record timestamp (database commit time) to the sink put.', labelNames: TASK, buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600], registers: [this.registry] });
  readonly #custom = new Map<string, Counter | Gauge | Histogram>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'tributary_process_' });
  }

  setTaskState(connector: string, task: number, state: string): void {
    for (const s of ['UNASSIGNED', 'RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'RESTARTING']) {
      this.taskStatus.set({ connector, task: String(task), state: s }, s === state ? 1 : 0);
    }
  }

  /** Drops every series of a task (its own custom metrics included), so removed tasks leave no stale values. */
  async removeTask(connector: string, task: number): Promise<void> {
    const labels = { connector, task: String(task) };
    for (const metric of [this.sourceRecordPoll, this.sourceRecordWrite, this.sinkRecordRead, this.sinkRecordSend, this.backpressureBlocked, this.deadLetterRecords, this.recordErrors, this.retries, this.sourceHandoffRetries, this.sourceHandoffFailures, this.taskRestarts, this.endToEndLatency]) {
      metric.remove(labels);
    }
    for (const kind of ['source', 'sink']) this.batchSize.remove({ ...labels, kind });
    for (const s of ['UNASSIGNED', 'RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'RESTARTING']) this.taskStatus.remove({ ...labels, state: s });
    for (const metric of this.#custom.values()) {
      const { values } = await metric.get();
      const seen = new Set<string>();
      for (const v of values) {
        const { le: _bucket, ...series } = v.labels as Record<string, string | number>;
        if (series.connector !== connector || series.task !== String(task)) continue;
        const key = JSON.stringify(series);
        if (seen.has(key)) continue;
        seen.add(key);
        metric.remove(series as Record<string, string>);
      }
    }
  }

  /** The TaskMetrics handed to a task: custom metrics created on first use, labelled with the task. */
  forTask(connector: string, task: number): TaskMetrics {
    const base = { connector, task: String(task) };
    const labels = (extra?: Record<string, string>) => ({ ...base, ...extra });
    const names = (extra?: Record<string, string>) => [...TASK, ...Object.keys(extra ?? {}).sort()];
    // A metric mistake in a connector (a name reused with other labels or another kind) must not
    // fail its task: it is reported once and the value dropped.
    const guard = (name: string, record: () => void) => {
      try {
        record();
      } catch (error) {
        if (!this.#reported.has(name)) {
          this.#reported.add(name);
          process.emitWarning(`metric ${name} of ${connector}/${task} was not recorded: ${(error as Error).message}`);
        }
      }
    };
    return {
      setGauge: (name, help, value, extra) => guard(name, () => this.#typed(Gauge, name, help, names(extra)).set(labels(extra), value)),
      incCounter: (name, help, by = 1, extra) => guard(name, () => this.#typed(Counter, name, help, names(extra)).inc(labels(extra), by)),
      observe: (name, help, value, extra) => guard(name, () => this.#typed(Histogram, name, help, names(extra)).observe(labels(extra), value)),
    };
  }

  readonly #reported = new Set<string>();

  #typed<K extends typeof Counter | typeof Gauge | typeof Histogram>(kind: K, name: string, help: string, labelNames: string[]): InstanceType<K> {
    const metric = this.#metric(kind, name, help, labelNames);
    if (!(metric instanceof kind)) throw new Error(`${name} is already a ${metric.constructor.name}`);
    return metric as InstanceType<K>;
  }

  #metric(kind: typeof Counter | typeof Gauge | typeof Histogram, name: string, help: string, labelNames: string[]): Counter | Gauge | Histogram {
    const full = name.startsWith('tributary_') ? name : `tributary_${name}`;
    let metric = this.#custom.get(full);
    if (!metric) {
      metric = new kind({ name: full, help, labelNames, registers: [this.registry] });
      this.#custom.set(full, metric);
    }
    return metric;
  }

  #counter(name: string, help: string): Counter {
    return new Counter({ name, help, labelNames: TASK, registers: [this.registry] });
  }
}
