import {
  parseConfig,
  padPosition,
  type ConfigSpec,
  type DurableOffset,
  type Logger,
  type SinkRecord,
  type SinkTaskContext,
  type TaskMetrics,
} from '../../../../plugins/api/index.js';
import { datagenEvent, datagenKeySchema, datagenValueSchema, type DatagenOptions } from '../../../source/datagen/datagen-rows.js';

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export function datagenOptions(topic: string, overrides: Partial<DatagenOptions> = {}): DatagenOptions {
  return { topic, keys: 100, ops: 'cdc', seed: 42, tsStartMs: 1767225600000, tsStepMs: 1, ...overrides };
}

/** SinkRecords for datagen seq `from`..`to` (inclusive), shaped as the datagen source makes them. */
export function datagenRecords(from: number, to: number, options: DatagenOptions, offsetBase = from): SinkRecord[] {
  const schema = datagenValueSchema(options.topic);
  const out: SinkRecord[] = [];
  for (let seq = from; seq <= to; seq++) {
    const e = datagenEvent(seq, options);
    const position = padPosition(seq);
    out.push({
      topic: options.topic,
      partition: 0,
      offset: seq - offsetBase,
      keySchema: datagenKeySchema,
      key: e.key,
      valueSchema: schema,
      value: {
        before: e.before,
        after: e.after,
        source: { version: '0.1.0', connector: 'datagen', name: 'test', ts_ms: e.tsMs, snapshot: 'false', db: 'datagen', schema: null, table: options.topic, seq },
        op: e.op,
        ts_ms: e.tsMs,
      },
      timestamp: e.tsMs,
      position,
      id: `${options.topic}:${position}`,
    });
  }
  return out;
}

export interface RecordedMetrics extends TaskMetrics {
  readonly counters: Map<string, number>;
  readonly observations: Map<string, number[]>;
}

export function recordingMetrics(): RecordedMetrics {
  const counters = new Map<string, number>();
  const observations = new Map<string, number[]>();
  return {
    counters,
    observations,
    setGauge() {},
    incCounter(name, _help, by = 1) {
      counters.set(name, (counters.get(name) ?? 0) + by);
    },
    observe(name, _help, value) {
      observations.set(name, [...(observations.get(name) ?? []), value]);
    },
  };
}

export interface TestContext<C> extends SinkTaskContext<C> {
  readonly errant: { record: SinkRecord; error: unknown }[];
  readonly metrics: RecordedMetrics;
  commitRequests: number;
  /** what the task last said it is working around (reportDegraded), null when healthy */
  degraded: unknown;
  /** what the task reported durable through commitDurable, in order */
  readonly durable: DurableOffset[];
}

/** A sink task context as the runtime gives one, with `errors.tolerance=all` behaviour. */
export function sinkContext<C>(spec: ConfigSpec, raw: Record<string, string>, name = 'files-test'): TestContext<C> {
  const parsed = parseConfig(spec, raw);
  if (!parsed.ok) throw new Error(`bad test config: ${JSON.stringify(parsed.errors)}`);
  const errant: { record: SinkRecord; error: unknown }[] = [];
  const context: TestContext<C> = {
    connectorName: name,
    taskId: 0,
    config: parsed.value as C,
    rawConfig: raw,
    logger: silentLogger,
    metrics: recordingMetrics(),
    setProgress() {},
    reportDegraded(error) {
      context.degraded = error ?? null;
    },
    degraded: null,
    signal: new AbortController().signal,
    errant,
    commitRequests: 0,
    durable: [],
    async reportErrant(record, error) {
      errant.push({ record, error });
    },
    requestCommit() {
      context.commitRequests++;
    },
    async commitDurable(upTo) {
      context.durable.push(...upTo);
    },
  };
  return context;
}
