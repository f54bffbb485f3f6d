import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { NetworkError } from '@platformatic/kafka';
import { defineConfigSpec, defineConnector, type SourceRecord, type SourceTask } from '../../plugins/api/index.js';
import type { Bus } from '../bus/bus.js';
import { withHandoffRetry } from '../bus/handoff-retry.js';
import type { PublishedBatch } from '../bus/published-batch.js';
import { LogRegistry } from '../logging/log-registry.js';
import { WorkerMetrics } from '../metrics/worker-metrics.js';
import { createTaskRunner } from './task-factory.js';

const record = (seq: number): SourceRecord => ({
  topic: 't', keySchema: null, key: null, valueSchema: null, value: { seq }, timestamp: 0, sourcePartition: { p: 0 }, sourceOffset: { seq }, position: String(seq).padStart(10, '0'), id: `t/${seq}`,
});

/** A source that polls one record every time. */
class CountingTask implements SourceTask {
  #seq = 0;
  async start(): Promise<void> {}
  async poll(): Promise<SourceRecord[]> {
    await new Promise((r) => setTimeout(r, 5));
    return [record(++this.#seq)];
  }
  async stop(): Promise<void> {}
}

/** A bus that refuses the first batch for good (a Kafka outlet sending later, under the batch's policy). */
function refusingBus(sends: PublishedBatch[]): Bus {
  return {
    publish: async (_source: string, _records: readonly SourceRecord[], batch: PublishedBatch) => {
      sends.push(batch);
      if (sends.length > 1) return 0; // one refused request at a time, as the Kafka outlet sends
      // as the Kafka outlet does, from its sender: the policy the batch carries
      void withHandoffRetry(batch.handoff ? [batch.handoff] : [], 'a produce request', async () => { throw new NetworkError('Connection refused'); }).catch(() => undefined);
      return 0;
    },
  } as unknown as Bus;
}

function runnerWith(config: Record<string, string>, bus: Bus, logs: Writable) {
  const connector = defineConnector({
    name: 'counting', kind: 'source', version: '1.0.0', apiVersion: 1, description: 'test source',
    // handoff.retry.* come from the runtime's spec for every source (runtime/config/connector-config.ts)
    configSpec: defineConfigSpec({}),
    taskConfigs: () => [{}], createTask: () => new CountingTask(),
  });
  const metrics = new WorkerMetrics({ defaultMetrics: false });
  const deps = { bus, offsets: { get: async () => null } as never, logs: new LogRegistry({ level: 'info', destination: logs }), metrics, requestCommit: () => {} };
  return { runner: createTaskRunner(deps, connector, 'src', 0, config), metrics };
}

class Lines extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) this.lines.push(JSON.parse(l) as Record<string, unknown>);
    done();
  }
}

describe('source task runner: the hand-off retry policy', () => {
  it('batches carry the task\'s policy; each retry is logged at warn with its number and counted; the task fails once when they run out', async () => {
    const sends: PublishedBatch[] = [];
    const logs = new Lines();
    const { runner, metrics } = runnerWith({ 'handoff.retry.attempts': '2', 'handoff.retry.interval.ms': '10' }, refusingBus(sends), logs);
    const failures: unknown[] = [];
    await runner.start(false, (error) => failures.push(error));
    try {
      const deadline = Date.now() + 5_000;
      while (failures.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    } finally {
      await runner.stop(100);
    }
    assert.ok(sends.length >= 1);
    assert.deepEqual(sends[0].handoff?.policy, { attempts: 2, intervalMs: 10 });
    assert.equal(failures.length, 1, 'failed once');
    assert.equal((failures[0] as { code?: string }).code, 'source.handoff_failed');
    const retries = logs.lines.filter((l) => l.handoff === 'bus' && l.level === 40);
    assert.deepEqual(retries.map((l) => l.msg), ['hand-off to the bus refused; retry 1 of 2 in 10 ms', 'hand-off to the bus refused; retry 2 of 2 in 10 ms']);
    assert.equal(retries[0].connector, 'src');
    const text = await metrics.registry.metrics();
    assert.match(text, /tributary_source_handoff_retries_total\{connector="src",task="0"\} 2\b/);
    assert.match(text, /tributary_source_handoff_failures_total\{connector="src",task="0"\} 1\b/);
  });

  it('without a policy (0 attempts) batches carry none: a refusal fails the task as before', async () => {
    const sends: PublishedBatch[] = [];
    const { runner } = runnerWith({ 'handoff.retry.attempts': '0' }, refusingBus(sends), new Lines());
    await runner.start(false, () => {});
    try {
      const deadline = Date.now() + 5_000;
      while (sends.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    } finally {
      await runner.stop(100);
    }
    assert.equal(sends[0].handoff, undefined);
  });
});
