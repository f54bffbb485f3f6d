import { PaddedNumbers, type SourceRecord, type SourceTask, type SourceTaskContext, type ConfigOf } from '../../../plugins/api/index.js';
import type { datagenConfigSpec } from './datagen-config.js';
import { datagenEvent, datagenKeySchema, datagenValueSchema, type DatagenOptions, type DatagenRow } from './datagen-rows.js';

type DatagenConfig = ConfigOf<typeof datagenConfigSpec.properties>;

const VERSION = '0.1.0';

/** Task configs of a datagen connector with several tasks: which share of the sequence a task emits. */
export const TASK_INDEX = 'datagen.task.index';
export const TASK_COUNT = 'datagen.task.count';

/**
 * Emits datagen changes. Its source offset is `{seq}` of the last record emitted, under partition
 * `{datagen: <topic>}`; after a restart it resumes at the next seq, so with the same seed the
 * stream continues exactly where the committed offset left it. Task i of n (n > 1) emits every
 * n-th seq from i+1, under partition `{datagen: <topic>, task: i}`, at 1/n of the rate.
 */
export class DatagenSourceTask implements SourceTask<DatagenConfig> {
  #context!: SourceTaskContext<DatagenConfig>;
  #options!: DatagenOptions;
  #nextSeq = 1;
  #startedAt = 0;
  #emittedSinceStart = 0;
  /** each key's last after-image (cdc), so an update's before-image is shared rather than rebuilt */
  #lastRows: (DatagenRow | undefined)[] = [];
  readonly #previousRow = (id: number, seq: number): DatagenRow | undefined => {
    const row = this.#lastRows[id - 1];
    return row?.seq === seq ? row : undefined;
  };
  readonly #positions = new PaddedNumbers('');
  #ids = new PaddedNumbers('');
  /** one object for every record: the runtime recognises a run of one partition by identity */
  #partition: { datagen: string; task?: number } = { datagen: '' };
  /** this task emits every `#stride`-th seq */
  #stride = 1;

  async start(context: SourceTaskContext<DatagenConfig>): Promise<void> {
    this.#context = context;
    const c = context.config;
    this.#options = { topic: c.topic, keys: c.keys, ops: c.ops, seed: c.seed, tsStartMs: c['ts.start.ms'], tsStepMs: c['ts.step.ms'] };
    const count = Number(context.rawConfig[TASK_COUNT] ?? 1);
    const index = Number(context.rawConfig[TASK_INDEX] ?? 0);
    this.#stride = count > 1 ? count : 1;
    this.#nextSeq = index + 1;
    this.#partition = Object.freeze(count > 1 ? { datagen: c.topic, task: index } : { datagen: c.topic });
    this.#ids = new PaddedNumbers(`${c.topic}:`);
    const stored = await context.offsets.offset(this.#partition);
    if (stored && typeof stored.seq === 'number') this.#nextSeq = stored.seq + this.#stride;
    this.#startedAt = Date.now();
    context.logger.info({ nextSeq: this.#nextSeq }, 'datagen starting');
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    const c = this.#context.config;
    const max = c['max.records'];
    const stride = this.#stride;
    let count = c['batch.size'];
    if (max > 0) count = Math.min(count, Math.max(0, Math.floor((max - this.#nextSeq) / stride) + 1));
    if (c['rows.per.second'] > 0) count = Math.min(count, await this.#waitForBudget(c['rows.per.second'] / stride, signal));
    if (count <= 0) {
      await sleep(max > 0 && this.#nextSeq > max ? 200 : 10, signal);
      return [];
    }
    const records = new Array<SourceRecord>(count);
    for (let i = 0; i < count; i++, this.#nextSeq += stride) records[i] = this.#record(this.#nextSeq);
    this.#emittedSinceStart += count;
    return records;
  }

  /** How many records the rate allows now, waiting (abortably) until at least one is allowed. */
  async #waitForBudget(rate: number, signal: AbortSignal): Promise<number> {
    const allowed = Math.floor(((Date.now() - this.#startedAt) * rate) / 1000) - this.#emittedSinceStart;
    if (allowed > 0) return allowed;
    await sleep(Math.min(1000, Math.ceil(1000 / rate)), signal);
    return Math.floor(((Date.now() - this.#startedAt) * rate) / 1000) - this.#emittedSinceStart;
  }

  #record(seq: number): SourceRecord {
    const o = this.#options;
    const e = datagenEvent(seq, o, this.#previousRow);
    if (e.after && o.ops === 'cdc') this.#lastRows[e.after.id - 1] = e.after;
    const position = this.#positions.of(seq);
    return {
      topic: o.topic,
      keySchema: datagenKeySchema,
      key: e.key,
      valueSchema: this.#valueSchema,
      value: {
        before: e.before,
        after: e.after,
        source: { version: VERSION, connector: 'datagen', name: this.#context.connectorName, ts_ms: e.tsMs, snapshot: 'false', db: 'datagen', schema: null, table: o.topic, seq },
        op: e.op,
        ts_ms: Date.now(),
      },
      timestamp: e.tsMs,
      sourcePartition: this.#partition,
      sourceOffset: { seq },
      position,
      id: this.#ids.of(seq),
    };
  }

  get #valueSchema() {
    return (this.#schemaCache ??= datagenValueSchema(this.#options.topic));
  }
  #schemaCache?: ReturnType<typeof datagenValueSchema>;

  async stop(): Promise<void> {}
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
