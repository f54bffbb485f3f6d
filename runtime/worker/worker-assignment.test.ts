import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { RawConfig } from '../../plugins/api/index.js';
import { PluginRegistry } from '../../plugins/registry.js';
import { LogRegistry } from '../logging/log-registry.js';
import { WorkerMetrics } from '../metrics/worker-metrics.js';
import { FileOffsetStore } from '../storage/file-offset-store.js';
import { MemoryStatusStore } from '../storage/memory-status-store.js';
import { Journal, RecordingBus, recordingSink, recordingSource } from './test/recording-plugins.js';
import { Worker, type ConnectorAssignment } from './worker.js';

/**
 * The worker's side of worker groups: it runs exactly what it is assigned — a connector (which
 * computes task configs) and tasks (from their committed configs) separately — keeps unaffected
 * tasks running, commits what it releases, and stops everything at once when fenced.
 */
async function worker(generation = () => 1) {
  const journal = new Journal();
  const logs = new LogRegistry({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });
  const offsets = new FileOffsetStore(undefined, logs.get('runtime.offsets'));
  await offsets.start();
  const statuses = new MemoryStatusStore();
  const w = new Worker({
    workerId: 'w1', registry: new PluginRegistry([recordingSource(journal), recordingSink(journal)]), offsets, statuses, generation,
    bus: new RecordingBus(journal), logs, metrics: new WorkerMetrics({ defaultMetrics: false }), shutdownTimeoutMs: 2000, flushTimeoutMs: 2000,
  });
  const computed: { name: string; configs: RawConfig[] }[] = [];
  w.onTaskConfigs((name, configs) => computed.push({ name, configs }));
  return { w, journal, offsets, statuses, computed };
}

const source = { 'connector.class': 'recording-source', name: 'orders', 'tasks.max': '3' };
const sink = { 'connector.class': 'recording-sink', name: 'lake', topics: 'out', 'tasks.max': '2' };
const taskConfig = (i: number, config: Record<string, string> = source): RawConfig => ({ ...config, 'task.index': String(i) });

function assignment(parts: Partial<ConnectorAssignment> & { tasks?: ReadonlyMap<number, RawConfig> }): ConnectorAssignment {
  return { config: source, target: 'RUNNING', connector: false, tasks: new Map(), taskCount: 3, ...parts };
}

const tasksOf = (ids: number[], config: Record<string, string> = source) => new Map(ids.map((i) => [i, taskConfig(i, config)]));
const until = async (what: string, check: () => boolean, timeoutMs = 3000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('worker: running an assignment (worker groups)', () => {
  it('runs the connector alone: it computes task configs and reports them, and no task starts', async () => {
    const { w, journal, statuses, computed } = await worker();
    await w.assign('orders', assignment({ connector: true }));
    assert.equal(computed.length, 1);
    assert.equal(computed[0].configs.length, 3);
    assert.equal(computed[0].configs[1]['task.index'], '1');
    assert.equal(journal.count('start'), 0);
    assert.equal(statuses.get('orders')?.connector.state, 'RUNNING');
    assert.equal(statuses.get('orders')?.tasks.size, 0);
    assert.deepEqual(w.counts(), { connectors: 1, tasks: 0 });
    await w.stop();
  });

  it('runs only its tasks, from their committed configs; a task added or removed leaves the others running', async () => {
    const { w, journal, statuses } = await worker();
    await w.assign('orders', assignment({ tasks: tasksOf([0, 2]) }));
    assert.deepEqual(journal.events.filter((e) => e.startsWith('start')), ['start orders-0', 'start orders-2']);
    assert.equal(journal.count('taskConfigs'), 0, 'a worker without the connector computes nothing');
    assert.equal(statuses.get('orders')?.connector.state, 'UNASSIGNED', 'the connector status is its owner\'s to write');
    assert.deepEqual([...statuses.get('orders')!.tasks.keys()].sort(), [0, 2]);

    await w.assign('orders', assignment({ tasks: tasksOf([0, 1, 2]) }));
    assert.deepEqual(journal.events.filter((e) => e.startsWith('start') || e.startsWith('stop')), ['start orders-0', 'start orders-2', 'start orders-1']);

    await until('task 2 polled', () => true);
    await new Promise((r) => setTimeout(r, 100));
    await w.assign('orders', assignment({ tasks: tasksOf([0, 1]) }));
    const stops = journal.events.filter((e) => e.startsWith('stop'));
    assert.deepEqual(stops, ['stop orders-2']);
    // the revoked task's offsets were committed before it stopped
    const commit = journal.events.findIndex((e) => e.startsWith('commit orders-2'));
    assert.ok(commit >= 0 && commit < journal.events.indexOf('stop orders-2'), journal.events.join('\n'));
    assert.ok(!journal.events.includes('bus.sourceStopped orders'), 'the producer stays while tasks of the connector run here');
    await w.assign('orders', undefined);
    assert.ok(journal.events.includes('bus.sourceStopped orders'));
    assert.deepEqual(w.counts(), { connectors: 0, tasks: 0 });
    await w.stop();
  });

  it('restarts a task whose committed config changed, and only that one', async () => {
    const { w, journal } = await worker();
    await w.assign('orders', assignment({ tasks: tasksOf([0, 1]) }));
    const changed = new Map(tasksOf([0, 1]));
    changed.set(1, { ...taskConfig(1), extra: 'x' });
    await w.assign('orders', assignment({ tasks: changed }));
    assert.deepEqual(journal.events.filter((e) => e.startsWith('start') || e.startsWith('stop')), ['start orders-0', 'start orders-1', 'stop orders-1', 'start orders-1']);
    await w.stop();
  });

  it('a released sink task flushes before it stops; a sink task takes a fresh feed when it starts again', async () => {
    const { w, journal } = await worker();
    const sinkTasks = (ids: number[]) => new Map(ids.map((i) => [i, { ...sink }]));
    await w.assign('lake', { config: sink, target: 'RUNNING', connector: false, tasks: sinkTasks([0, 1]), taskCount: 2 });
    await until('sink tasks RUNNING', () => journal.count('start') === 2);
    await w.assign('lake', { config: sink, target: 'RUNNING', connector: false, tasks: sinkTasks([0]), taskCount: 2 });
    const flush = journal.events.indexOf('flush lake-1');
    assert.ok(flush >= 0 && flush < journal.events.indexOf('stop lake-1'), journal.events.join('\n'));
    assert.equal(journal.count('flush lake-0'), 0, 'the task that stays keeps its open work');
    await w.assign('lake', { config: sink, target: 'RUNNING', connector: false, tasks: sinkTasks([0, 1]), taskCount: 2 });
    assert.equal(journal.count('bus.subscribe lake'), 2, 'task 1 started again on a new subscription');
    await w.stop();
  });

  it('pauses and resumes the tasks it runs; STOPPED stops them and the connector', async () => {
    const { w, statuses } = await worker();
    await w.assign('orders', assignment({ connector: true, tasks: tasksOf([0]) }));
    await w.assign('orders', assignment({ connector: true, tasks: tasksOf([0]), target: 'PAUSED' }));
    assert.equal(statuses.get('orders')?.tasks.get(0)?.state, 'PAUSED');
    assert.equal(statuses.get('orders')?.connector.state, 'PAUSED');
    await w.assign('orders', assignment({ connector: true, tasks: tasksOf([0]), target: 'RUNNING' }));
    assert.equal(statuses.get('orders')?.tasks.get(0)?.state, 'RUNNING');
    await w.assign('orders', assignment({ connector: true, tasks: new Map(), target: 'STOPPED', taskCount: 0 }));
    assert.equal(statuses.get('orders')?.connector.state, 'STOPPED');
    assert.deepEqual(w.counts(), { connectors: 0, tasks: 0 });
    await w.stop();
  });

  it('fenced: stops everything at once without committing, and writes no status', async () => {
    let generation = 4;
    const { w, journal, statuses } = await worker(() => generation);
    await w.assign('orders', assignment({ tasks: tasksOf([0, 1]) }));
    await new Promise((r) => setTimeout(r, 100));
    const writes = () => statuses.get('orders')?.tasks.get(0)?.generation;
    generation = -1;
    await w.fence();
    assert.equal(journal.count('stop'), 2);
    assert.equal(journal.count('commit'), 0, 'nothing committed after the fence');
    assert.equal(writes(), 4, 'no status written once fenced');
    assert.deepEqual(w.counts(), { connectors: 0, tasks: 0 });
    await w.stop();
  });

  it('a connector whose task configs fail is FAILED and restarts by itself', async () => {
    const { w, statuses, journal } = await worker();
    const failing = { ...source, 'fail.task.configs': 'true', 'task.restart.backoff.initial.ms': '50' };
    await w.assign('orders', assignment({ config: failing, connector: true }));
    assert.equal(statuses.get('orders')?.connector.state, 'RESTARTING');
    await until('a second attempt', () => journal.count('taskConfigs') >= 2);
    await w.stop();
  });
});
