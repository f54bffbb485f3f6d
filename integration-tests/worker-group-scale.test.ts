import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sharedKafkaCluster, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { tempDir } from './harness/temp.js';
import { allTasks, metric, rest, settled, startGroup, startGroupWorker, type GroupWorker } from './harness/worker-group.js';
import { eventually } from './harness/worker-process.js';

/**
 * Acceptance (issue 11, 100 parallel tasks): four datagen connectors of 25 tasks each on three
 * `tributary distributed` processes — every task RUNNING, each connector's tasks spread to within
 * one per worker; then a fourth worker joins and takes its share, and nothing else moves (no task
 * changes hands between the first three). Prints how long that rebalance took.
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafkaCluster(); });

const CONNECTORS = 4;
const TASKS = 25;

type Placement = Map<string, string>;

/** task key → worker id, once all tasks run */
async function placement(url: string, names: readonly string[]): Promise<Placement> {
  const out: Placement = new Map();
  for (const name of names) for (const t of (await allTasks(url, name, TASKS, 'RUNNING', 120_000)).tasks) out.set(`${name}-${t.id}`, t.worker_id);
  return out;
}

/** each connector's tasks per worker, and the totals, within one of each other over `workers` */
function assertBalanced(place: Placement, names: readonly string[], workers: readonly GroupWorker[]): void {
  const count = (filter: (key: string) => boolean) => workers.map((w) => [...place].filter(([k, id]) => filter(k) && id === w.id).length);
  for (const name of names) {
    const per = count((k) => k.startsWith(`${name}-`));
    assert.ok(Math.max(...per) - Math.min(...per) <= 1, `${name}: ${per.join('/')} tasks per worker`);
  }
  const totals = count(() => true);
  assert.ok(Math.max(...totals) - Math.min(...totals) <= 1, `totals ${totals.join('/')}`);
  assert.equal(totals.reduce((a, b) => a + b, 0), names.length * TASKS, 'every task runs on one of the workers');
}

describe('100 tasks over a group of worker processes', { timeout: 420_000 }, () => {
  const dir = tempDir('group-scale');
  const group = uniqueName('group-scale');
  let workers: GroupWorker[] = [];
  after(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    dir.remove();
  });

  it('4 × 25 datagen tasks on three workers: all RUNNING, balanced per connector; a fourth worker takes only its share', async (t) => {
    workers = await startGroup(kafka, group, dir.path, 3);
    await settled(workers);
    const names = Array.from({ length: CONNECTORS }, (_, i) => uniqueName(`many${i}`));
    const createdAt = Date.now();
    for (const name of names) {
      const res = await rest(`${workers[0].url}/connectors`, 'POST', { name, config: { 'connector.class': 'datagen', topic: uniqueName('many'), 'tasks.max': String(TASKS), 'rows.per.second': '25' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    const before = await placement(workers[0].url, names);
    t.diagnostic(`${CONNECTORS * TASKS} tasks RUNNING ${Date.now() - createdAt} ms after the first create`);
    assertBalanced(before, names, workers);

    const fourth = await startGroupWorker(kafka, group, dir.path);
    const joinedAt = Date.now();
    workers.push(fourth);
    const after = await eventually(async () => {
      await settled(workers, 5_000).catch(() => undefined);
      const place = await placement(workers[0].url, names);
      return [...place.values()].filter((id) => id === fourth.id).length >= Math.floor((CONNECTORS * TASKS) / 4) ? place : undefined;
    }, 120_000, 'the fourth worker running its share');
    const tookMs = Date.now() - joinedAt;
    const maxRebalance = Math.max(...await Promise.all(workers.map(async (w) => (await metric(w.url, 'tributary_rebalance_max_time_ms')) ?? 0)));
    const message = `a fourth worker joined a group running ${CONNECTORS * TASKS} tasks: it ran its share ${tookMs} ms after it was ready; longest rebalance on any worker ${Math.round(maxRebalance)} ms`;
    t.diagnostic(message);
    process.stdout.write(`# ${message}\n`);
    assertBalanced(after, names, workers);
    const moved = [...after].filter(([k, id]) => before.get(k) !== id);
    assert.ok(moved.every(([, id]) => id === fourth.id), `tasks moved only to the new worker: ${moved.filter(([, id]) => id !== fourth.id).map(([k, id]) => `${k}→${id}`).join(', ')}`);
    assert.equal(moved.length, [...after.values()].filter((id) => id === fourth.id).length);
  });
});
