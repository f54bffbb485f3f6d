import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { startDistributed, type DistributedRuntime } from '../cli/distributed-worker.js';
import { distributedWorkerProps } from './harness/distributed-props.js';
import { sharedKafka, uniqueName, type KafkaEndpoint } from './harness/kafka-cluster.js';
import { eventually } from './harness/worker-process.js';

/**
 * Two in-process workers of one group on the real broker: the connector, its task configs and
 * its tasks spread over both, REST calls on either (writes forwarded to the leader), task
 * restarts forwarded to the worker running the task, each task's status naming its worker.
 */
let kafka: KafkaEndpoint;
before(async () => { kafka = await sharedKafka(); });

const quiet = new Writable({ write: (_c, _e, done) => done() });

async function rest(url: string, method: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe('a worker group of two in-process workers', () => {
  const group = uniqueName('group');
  const workers: DistributedRuntime[] = [];
  after(async () => { await Promise.all(workers.map((w) => w.stop())); });

  const start = async (name: string) => {
    const runtime = await startDistributed({
      workerProps: distributedWorkerProps(kafka, group, { listeners: 'http://127.0.0.1:0', 'worker.id': name, 'key.converter.schemas.enable': 'false', 'value.converter.schemas.enable': 'false' }),
      logDestination: process.env.TRIBUTARY_TEST_LOGS ? process.stderr : quiet,
    });
    workers.push(runtime);
    return runtime;
  };

  before(async () => {
    await start('w1');
    await start('w2');
    await eventually(() => (workers.every((w) => w.herder.ready()) ? true : undefined), 30_000, 'both workers assigned');
  });

  const leader = () => workers.find((w) => w.herder.isLeader())!;
  const follower = () => workers.find((w) => !w.herder.isLeader())!;

  it('a connector created on a follower runs, its tasks spread over both workers', async () => {
    const topic = uniqueName('spread');
    const created = await rest(`${follower().url}/connectors`, 'POST', { name: 'spread', config: { 'connector.class': 'datagen', topic, 'tasks.max': '4', 'rows.per.second': '5' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('location'), `${follower().url}/connectors/spread`);
    const status = await eventually(async () => {
      const s = (await rest(`${follower().url}/connectors/spread/status`, 'GET')).body;
      return s?.tasks?.length === 4 && s.tasks.every((t: any) => t.state === 'RUNNING') && s.connector.state === 'RUNNING' ? s : undefined;
    }, 30_000, 'four tasks RUNNING');
    const byWorker = new Map<string, number>();
    for (const t of status.tasks) byWorker.set(t.worker_id, (byWorker.get(t.worker_id) ?? 0) + 1);
    assert.deepEqual([...byWorker.values()].sort(), [2, 2], JSON.stringify(status.tasks));
    assert.deepEqual([...byWorker.keys()].sort(), ['w1', 'w2']);
  });

  it('two connectors created back to back on different workers both exist; a name taken is 409', async () => {
    const [a, b] = await Promise.all([
      rest(`${workers[0].url}/connectors`, 'POST', { name: 'first', config: { 'connector.class': 'datagen', topic: uniqueName('first'), 'rows.per.second': '1' } }),
      rest(`${workers[1].url}/connectors`, 'POST', { name: 'second', config: { 'connector.class': 'datagen', topic: uniqueName('second'), 'rows.per.second': '1' } }),
    ]);
    assert.deepEqual([a.status, b.status], [201, 201], JSON.stringify([a.body, b.body]));
    for (const w of workers) {
      const names = (await rest(`${w.url}/connectors`, 'GET')).body as string[];
      assert.ok(names.includes('first') && names.includes('second'), `${w.url}: ${names}`);
    }
    const again = await rest(`${follower().url}/connectors`, 'POST', { name: 'first', config: { 'connector.class': 'datagen', topic: 'x' } });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'connector.exists');
  });

  it('a task restart asked of the worker not running it is done by the one that is', async () => {
    const status = (await rest(`${leader().url}/connectors/spread/status`, 'GET')).body;
    const task = status.tasks.find((t: any) => t.worker_id !== (leader() === workers[0] ? 'w1' : 'w2'));
    const res = await rest(`${leader().url}/connectors/spread/tasks/${task.id}/restart`, 'POST');
    assert.equal(res.status, 204, JSON.stringify(res.body));
  });

  it('pause, resume and delete through a follower', async () => {
    assert.equal((await rest(`${follower().url}/connectors/spread/pause`, 'PUT')).status, 202);
    await eventually(async () => ((await rest(`${leader().url}/connectors/spread/status`, 'GET')).body.tasks.every((t: any) => t.state === 'PAUSED') ? true : undefined), 15_000, 'PAUSED');
    assert.equal((await rest(`${follower().url}/connectors/spread/resume`, 'PUT')).status, 202);
    await eventually(async () => ((await rest(`${leader().url}/connectors/spread/status`, 'GET')).body.tasks.every((t: any) => t.state === 'RUNNING') ? true : undefined), 15_000, 'RUNNING');
    assert.equal((await rest(`${follower().url}/connectors/spread`, 'DELETE')).status, 204);
    assert.equal((await rest(`${follower().url}/connectors/spread`, 'GET')).status, 404);
  });
});
