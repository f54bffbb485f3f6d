import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sharedKafkaCluster, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { tempDir } from './harness/temp.js';
import { allTasks, rest, settled, startGroup, type GroupWorker } from './harness/worker-group.js';

/**
 * Acceptance (issue 11, REST in a cluster), three `tributary distributed` processes of one group:
 * a connector created on a follower runs; two connectors created back to back on different
 * workers both exist (no 409: the leader serializes them); a taken name is a real conflict (409);
 * every worker answers for every connector and shows each task's real worker id.
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafkaCluster(); });

describe('REST on a group of three worker processes', { timeout: 240_000 }, () => {
  const dir = tempDir('group-rest');
  const group = uniqueName('group-rest');
  let workers: GroupWorker[] = [];
  before(async () => {
    workers = await startGroup(kafka, group, dir.path, 3);
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    dir.remove();
  });

  it('a connector created on a follower runs, its tasks over the three workers, each status naming its worker', async () => {
    const { followers } = await settled(workers);
    const name = uniqueName('on-follower');
    const created = await rest(`${followers[0].url}/connectors`, 'POST', { name, config: { 'connector.class': 'datagen', topic: uniqueName('t'), 'tasks.max': '6', 'rows.per.second': '30' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('location'), `${followers[0].url}/connectors/${name}`, 'the Location is on the worker that was called');
    const status = await allTasks(followers[1].url, name, 6);
    const perWorker = new Map<string, number>();
    for (const t of status.tasks) perWorker.set(t.worker_id, (perWorker.get(t.worker_id) ?? 0) + 1);
    assert.deepEqual([...perWorker.keys()].sort(), workers.map((w) => w.id).sort(), JSON.stringify(status.tasks));
    assert.deepEqual([...perWorker.values()], [2, 2, 2]);
    assert.ok(workers.some((w) => w.id === status.connector.worker_id), status.connector.worker_id);
  });

  it('two connectors created back to back on different workers both exist; the same name twice is 409', async () => {
    const [a, b] = [uniqueName('first'), uniqueName('second')];
    const answers = await Promise.all([
      rest(`${workers[1].url}/connectors`, 'POST', { name: a, config: { 'connector.class': 'datagen', topic: uniqueName('t'), 'rows.per.second': '5' } }),
      rest(`${workers[2].url}/connectors`, 'POST', { name: b, config: { 'connector.class': 'datagen', topic: uniqueName('t'), 'rows.per.second': '5' } }),
    ]);
    assert.deepEqual(answers.map((r) => r.status), [201, 201], JSON.stringify(answers.map((r) => r.body)));
    for (const w of workers) {
      const names = (await rest(`${w.url}/connectors`, 'GET')).body as string[];
      assert.ok(names.includes(a) && names.includes(b), `${w.url} lists both: ${names.join(', ')}`);
    }
    for (const name of [a, b]) await allTasks(workers[0].url, name, 1);
    const same = await Promise.all(workers.map((w) => rest(`${w.url}/connectors`, 'POST', { name: a, config: { 'connector.class': 'datagen', topic: 'x' } })));
    assert.deepEqual(same.map((r) => [r.status, r.body.code]), [[409, 'connector.exists'], [409, 'connector.exists'], [409, 'connector.exists']]);
  });
});
