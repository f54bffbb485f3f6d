import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readTopic } from './harness/kafka-clients.js';
import { replicationFactorFor, sharedKafkaCluster, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { tempDir } from './harness/temp.js';
import {
  allTasks, assertLandedOnce, createPipeline, landed, metric, rest, settled, sourceOwners, startGroup, startGroupWorker, type GroupWorker, type Pipeline,
} from './harness/worker-group.js';
import { eventually } from './harness/worker-process.js';

/**
 * Acceptance (issue 11, failover and zombies) on three `tributary distributed` processes of one
 * group, with the worker defaults (session.timeout.ms 6 s, heartbeat.interval.ms 1 s,
 * scheduled.rebalance.max.delay.ms 8 s): three datagen sources under a steady load into a files
 * sink of three tasks.
 *
 * - `kill -9` of the worker running the most source tasks: its tasks run on the others within
 *   15 s, measured from the kill to the first record they produce elsewhere (the envelope's
 *   `ts_ms` is the wall clock when the record was built), and the lake ends with every record
 *   exactly once (files named by topic, partition and position make the replays idempotent).
 * - a worker paused with SIGSTOP for longer than its session timeout: its tasks run elsewhere,
 *   and once resumed it writes no status of its old generation after the new generation's.
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafkaCluster(); });

const TOTAL = 9_000;

describe('failover in a group of three worker processes', { timeout: 420_000 }, () => {
  const dir = tempDir('group-failover');
  const lake = join(dir.path, 'lake');
  const group = uniqueName('group-failover');
  let workers: GroupWorker[] = [];
  let pipeline: Pipeline;
  before(async () => {
    workers = await startGroup(kafka, group, dir.path, 3);
    await settled(workers);
    pipeline = await createPipeline(workers[0].url, lake, { total: TOTAL, replicationFactor: replicationFactorFor(kafka) });
    await allTasks(workers[0].url, pipeline.sink, 3);
  });
  after(async () => {
    for (const w of workers) w.child.kill('SIGCONT');
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    dir.remove();
  });

  it('kill -9: the dead worker\'s tasks run on the others within 15 s, and the lake has every record exactly once', async (t) => {
    const topics = pipeline.sources.map((s) => s.topic);
    await eventually(() => ([...landed(lake, topics).values()].every((seqs) => seqs.length >= 600) ? true : undefined), 90_000, 'a first part landed');
    const owners = await sourceOwners(workers[0].url, pipeline);
    const counts = new Map<string, number>();
    for (const id of owners.values()) counts.set(id, (counts.get(id) ?? 0) + 1);
    const victimId = [...counts].sort((a, b) => b[1] - a[1])[0][0];
    const victim = workers.find((w) => w.id === victimId)!;
    const moved = pipeline.sources.filter((s) => owners.get(s.name) === victimId);
    const survivors = workers.filter((w) => w !== victim);

    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    // the first record each moved source produced after the kill: built elsewhere
    const failovers = await eventually(async () => {
      const firsts: number[] = [];
      for (const s of moved) {
        const after = (await readTopic(kafka, s.topic)).map((m) => (JSON.parse(m.value!.toString()) as { ts_ms: number }).ts_ms).filter((ts) => ts > killedAt);
        if (after.length === 0) return undefined;
        firsts.push(Math.min(...after) - killedAt);
      }
      return firsts;
    }, 60_000, 'the moved sources producing again');
    const message = `kill -9 of ${victimId} (${moved.length} source task(s)${(await metricOf(survivors, victimId)) ?? ''}): its sources produced again elsewhere after ${failovers.join(', ')} ms`;
    t.diagnostic(message);
    process.stdout.write(`# ${message}\n`);
    for (const ms of failovers) assert.ok(ms < 15_000, `failover took ${ms} ms`);
    const status = await allTasks(survivors[0].url, moved[0].name, 1);
    assert.notEqual(status.tasks[0].worker_id, victimId);

    await assertLandedOnce(lake, topics, TOTAL);
    workers = survivors;
  });

  it('SIGSTOP longer than the session timeout: the paused worker is fenced, its tasks run elsewhere, and after SIGCONT it writes no stale status', async (t) => {
    workers.push(await startGroupWorker(kafka, group, dir.path));
    await settled(workers);
    // a fresh load, so every worker runs a source task
    const more = await Promise.all(Array.from({ length: 3 }, async (_, i) => {
      const name = uniqueName(`load${i}`);
      assert.equal((await rest(`${workers[0].url}/connectors`, 'POST', { name, config: { 'connector.class': 'datagen', topic: uniqueName('load'), 'rows.per.second': '50' } })).status, 201);
      return name;
    }));
    const owners = new Map<string, string>();
    await eventually(async () => {
      for (const name of more) owners.set(name, (await allTasks(workers[0].url, name, 1)).tasks[0].worker_id);
      return new Set(owners.values()).size === 3 ? true : undefined;
    }, 60_000, 'a load source on every worker');
    const paused = workers[1];
    const pausedTasks = more.filter((n) => owners.get(n) === paused.id);
    const others = workers.filter((w) => w !== paused);
    const statusWrites = async () => (await readTopic(kafka, `${group}-status`)).filter((r) => r.value && r.value.length > 0)
      .map((r) => ({ offset: r.offset, timestamp: Number(r.timestamp), ...(JSON.parse(r.value!.toString()) as { worker_id: string; generation: number }) }));
    // the generation the paused worker's writes carried last
    const oldGeneration = Math.max(...(await statusWrites()).filter((w) => w.worker_id === paused.id).map((w) => w.generation));

    const stoppedAt = Date.now();
    paused.child.kill('SIGSTOP');
    const movedAfter = await eventually(async () => {
      for (const name of pausedTasks) {
        const status = (await rest(`${others[0].url}/connectors/${name}/status`, 'GET')).body;
        if (status?.tasks?.[0]?.state !== 'RUNNING' || status.tasks[0].worker_id === paused.id) return undefined;
      }
      return Date.now() - stoppedAt;
    }, 30_000, 'the paused worker\'s tasks running elsewhere');
    t.diagnostic(`SIGSTOP of ${paused.id}: its tasks ran elsewhere after ${movedAfter} ms`);
    await new Promise((r) => setTimeout(r, Math.max(0, 12_000 - (Date.now() - stoppedAt))));
    paused.child.kill('SIGCONT');
    await settled(workers, 60_000);
    await new Promise((r) => setTimeout(r, 3_000));

    const writes = await statusWrites();
    const firstNew = writes.find((w) => w.generation > oldGeneration);
    assert.ok(firstNew, 'the group wrote statuses in a newer generation');
    const stale = writes.filter((w) => w.offset > firstNew.offset && w.worker_id === paused.id && w.generation <= oldGeneration);
    assert.deepEqual(stale, [], `the resumed worker wrote no status of generation ${oldGeneration} or older after generation ${firstNew.generation}'s`);
    t.diagnostic(`${writes.length} status writes; the paused worker's old generation ${oldGeneration}, first newer ${firstNew.generation}`);
  });

  it('SIGTERM hands the work over at once (stopped with a commit, the group left), and the process exits 0', async (t) => {
    await settled(workers);
    const names = (await rest(`${workers[0].url}/connectors`, 'GET')).body as string[];
    const leaving = workers[2];
    const owned = new Map<string, number[]>();
    for (const name of names) {
      const status = (await rest(`${workers[0].url}/connectors/${name}/status`, 'GET')).body;
      const ids = (status.tasks as { id: number; worker_id: string }[]).filter((task) => task.worker_id === leaving.id).map((task) => task.id);
      if (ids.length > 0) owned.set(name, ids);
    }
    assert.ok(owned.size > 0, 'the leaving worker runs tasks');
    const others = workers.filter((w) => w !== leaving);
    const termAt = Date.now();
    leaving.child.kill('SIGTERM');
    const movedAfter = await eventually(async () => {
      for (const [name, ids] of owned) {
        const status = (await rest(`${others[0].url}/connectors/${name}/status`, 'GET')).body;
        for (const id of ids) {
          const task = status?.tasks?.find((x: { id: number }) => x.id === id);
          if (task?.state !== 'RUNNING' || task.worker_id === leaving.id) return undefined;
        }
      }
      return Date.now() - termAt;
    }, 30_000, 'the leaving worker\'s tasks running elsewhere');
    assert.equal(await leaving.exited, 0, leaving.stderr().slice(-3000));
    t.diagnostic(`SIGTERM: ${[...owned.values()].flat().length} task(s) ran elsewhere after ${movedAfter} ms (no scheduled.rebalance.max.delay.ms wait)`);
    assert.ok(movedAfter < 8_000, `handed over in ${movedAfter} ms, before the delay a crash waits for`);
    workers = others;
  });
});

async function metricOf(workers: readonly GroupWorker[], _victim: string): Promise<string | undefined> {
  const epochs = await Promise.all(workers.map((w) => metric(w.url, 'tributary_rebalance_epoch')));
  return `; the others at generation ${epochs.join('/')}`;
}
