import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineConfigSpec, defineConnector, type DurableOffset, type SinkRecord, type SinkTask, type SinkTaskContext, type TopicPartitionOffset } from '../../plugins/api/index.js';
import type { SinkFeed } from '../bus/bus.js';
import { LogRegistry } from '../logging/log-registry.js';
import { WorkerMetrics } from '../metrics/worker-metrics.js';
import { createTaskRunner } from './task-factory.js';

const record = (offset: number): SinkRecord => ({
  topic: 't', partition: 0, offset, keySchema: null, key: null, valueSchema: null, value: { offset }, timestamp: 0, position: String(offset).padStart(20, '0'), id: `t/0/${offset}`,
});

/** A feed that hands over one batch, then idles; it records what it is told is durable. */
class OneBatchFeed implements SinkFeed {
  readonly acknowledged: string[] = [];
  #given = false;
  async take(_max: number, timeoutMs: number): Promise<SinkRecord[]> {
    if (!this.#given) {
      this.#given = true;
      return [record(0), record(1), record(2)];
    }
    await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 20)));
    return [];
  }
  wake(): void {}
  async acknowledge(acked: readonly TopicPartitionOffset[]): Promise<void> {
    for (const a of acked) this.acknowledged.push(`acknowledge ${a.offset}`);
  }
  async acknowledgeDurable(upTo: readonly DurableOffset[]): Promise<void> {
    for (const d of upTo) this.acknowledged.push(`durable ${d.offset}`);
  }
  async deadLetter(): Promise<boolean> {
    return false;
  }
  close(): void {}
  clear(): void {}
}

describe('sink task runner', () => {
  it('a task stopped inside a put commits nothing it completes after the stop, and is not reported failed', async () => {
    let releasePut!: () => void;
    const putWaits = new Promise<void>((r) => (releasePut = r));
    let putStarted!: () => void;
    const inPut = new Promise<void>((r) => (putStarted = r));
    let lateCommit: unknown;
    class BlockedTask implements SinkTask {
      #context!: SinkTaskContext;
      async start(context: SinkTaskContext): Promise<void> {
        this.#context = context;
      }
      async put(records: readonly SinkRecord[]): Promise<void> {
        if (records.length === 0) return;
        // a file completed while the storage (or Kafka, for its commit) was away
        putStarted();
        await putWaits;
        await this.#context.commitDurable([{ topic: 't', partition: 0, offset: 3, lastPosition: records[2].position }]).catch((error: unknown) => {
          lateCommit = error;
          throw error;
        });
      }
      async stop(): Promise<void> {}
    }
    const connector = defineConnector({
      name: 'blocked-sink', kind: 'sink', version: '1.0.0', apiVersion: 1, description: 'test sink', configSpec: defineConfigSpec({}),
      taskConfigs: () => [{}], createTask: () => new BlockedTask(),
    });
    const feed = new OneBatchFeed();
    const deps = { bus: {} as never, offsets: {} as never, logs: new LogRegistry({ level: 'silent' }), metrics: new WorkerMetrics({ defaultMetrics: false }), requestCommit: () => {} };
    const runner = createTaskRunner(deps, connector, 'lake', 0, {}, { feed, deadLetterReplay: new Map() });
    const failures: unknown[] = [];
    await runner.start(false, (error) => failures.push(error));
    await inPut;
    // the runner's stop timer does not hold the process open (a worker has its server for that)
    const keepAlive = setInterval(() => {}, 1000);
    try {
      // the stop gives up waiting for the put (its timeout), as a fenced worker's does
      await runner.stop(20);
      releasePut();
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      clearInterval(keepAlive);
    }
    assert.deepEqual(feed.acknowledged, [], 'nothing acknowledged after the stop');
    assert.equal((lateCommit as { code?: string }).code, 'task.stopped');
    assert.deepEqual(failures, [], 'a stopped task is not a failed one');
  });
});
