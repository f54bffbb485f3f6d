import {
  defineConfigSpec, defineConnector, prop, type SinkRecord, type SinkTask, type SourceRecord, type SourceTask, type SourceTaskContext, type TopicPartitionOffset,
} from '../../../plugins/api/index.js';
import type { Bus, SinkFeed, SinkSubscriptionSpec } from '../../bus/bus.js';
import type { PublishedBatch } from '../../bus/published-batch.js';

/** What the recording plugins and bus saw, in order: `start orders-0`, `poll orders-1`, `commit orders-0 3` … */
export class Journal {
  readonly events: string[] = [];
  add(event: string): void {
    this.events.push(event);
  }
  count(prefix: string): number {
    return this.events.filter((e) => e === prefix || e.startsWith(`${prefix} `)).length;
  }
}

const spec = defineConfigSpec({ 'fail.task.configs': prop.boolean({ doc: 'taskConfigs throws', default: false }) });

/** A source whose tasks count up (one record per poll, offset = count) and whose taskConfigs are `tasks.max` copies. */
export function recordingSource(journal: Journal) {
  class Task implements SourceTask {
    #name = '';
    #n = 0;
    async start(context: SourceTaskContext): Promise<void> {
      this.#name = `${context.connectorName}-${context.taskId}`;
      const stored = await context.offsets.offset({ task: context.taskId });
      this.#n = Number((stored as { n?: number } | null)?.n ?? 0);
      journal.add(`start ${this.#name}`);
    }
    async poll(signal: AbortSignal): Promise<SourceRecord[]> {
      await new Promise((r) => setTimeout(r, 20));
      if (signal.aborted) return [];
      this.#n++;
      return [{ topic: 'out', sourcePartition: { task: Number(this.#name.split('-').pop()) }, sourceOffset: { n: this.#n }, value: { n: this.#n }, position: String(this.#n) } as unknown as SourceRecord];
    }
    async commit(committed: readonly { offset: unknown }[]): Promise<void> {
      journal.add(`commit ${this.#name} ${(committed.at(-1)?.offset as { n: number }).n}`);
    }
    async stop(): Promise<void> {
      journal.add(`stop ${this.#name}`);
    }
  }
  return defineConnector({
    name: 'recording-source', kind: 'source', version: '1.0.0', apiVersion: 1, description: 'test source', configSpec: spec,
    taskConfigs: (config, _raw, max) => {
      journal.add(`taskConfigs ${max}`);
      if ((config as { 'fail.task.configs': boolean })['fail.task.configs']) throw new Error('cannot compute task configs');
      return Array.from({ length: max }, (_, i) => ({ 'task.index': String(i) }));
    },
    createTask: () => new Task(),
  });
}

/** A sink that records flushes: preCommit acknowledges everything handed to put. */
export function recordingSink(journal: Journal) {
  class Task implements SinkTask {
    #name = '';
    async start(context: { connectorName: string; taskId: number }): Promise<void> {
      this.#name = `${context.connectorName}-${context.taskId}`;
      journal.add(`start ${this.#name}`);
    }
    async put(_records: readonly SinkRecord[]): Promise<void> {}
    async flush(): Promise<void> {
      journal.add(`flush ${this.#name}`);
    }
    async preCommit(current: readonly TopicPartitionOffset[]): Promise<readonly TopicPartitionOffset[]> {
      return current;
    }
    async stop(): Promise<void> {
      journal.add(`stop ${this.#name}`);
    }
  }
  return defineConnector({
    name: 'recording-sink', kind: 'sink', version: '1.0.0', apiVersion: 1, description: 'test sink', configSpec: spec,
    taskConfigs: (_config, _raw, max) => Array.from({ length: max }, () => ({})),
    createTask: () => new Task(),
  });
}

/**
 * A bus as the Kafka bus behaves for the worker: a published batch is safe at once, a sink
 * subscription hands out one idle feed per task. Records the bus calls in the journal.
 */
export class RecordingBus implements Bus {
  constructor(private readonly journal: Journal) {}
  async publish(_source: string, _records: readonly SourceRecord[], batch: PublishedBatch): Promise<number> {
    batch.sealed = true;
    return 0;
  }
  sourceStarting(connector: string): void { this.journal.add(`bus.sourceStarting ${connector}`); }
  async sourceStopped(connector: string): Promise<void> { this.journal.add(`bus.sourceStopped ${connector}`); }
  subscribe(spec: SinkSubscriptionSpec): SinkFeed[] {
    this.journal.add(`bus.subscribe ${spec.connector} ${spec.tasks}`);
    return Array.from({ length: spec.tasks }, () => idleFeed());
  }
  async unsubscribe(connector: string): Promise<void> { this.journal.add(`bus.unsubscribe ${connector}`); }
  restartScope(names: readonly string[]): Set<string> { return new Set(names); }
  unclaimedTopics(): ReadonlySet<string> { return new Set(); }
  sourcesWaitingFor(): string[] { return []; }
  sourceRestarted(): void {}
  async persistSinkState(): Promise<void> {}
  async sinkOffsets() { return []; }
  async alterSinkOffsets(): Promise<void> {}
  async resetSinkOffsets(): Promise<void> {}
  activeTopics(): string[] { return []; }
  resetActiveTopics(): void {}
}

function idleFeed(): SinkFeed {
  let wake: (() => void) | undefined;
  return {
    take: (_max, timeoutMs) => new Promise((resolve) => {
      const timer = setTimeout(() => resolve([]), Math.min(timeoutMs, 50));
      wake = () => { clearTimeout(timer); resolve([]); };
    }),
    wake: () => wake?.(),
    acknowledge: async () => {},
    acknowledgeDurable: async () => {},
    deadLetter: async () => false,
    close: () => wake?.(),
    clear: () => {},
  };
}
