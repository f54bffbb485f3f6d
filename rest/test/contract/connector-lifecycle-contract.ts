import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertErrorBody, connectorPath } from '../rest-client.js';
import type { ContractContext } from './contract-context.js';

/**
 * Status, tasks, pause/resume/stop, restarts. State changes are asynchronous, so each check
 * polls /status for up to 10 s; a connector may be UNASSIGNED (or RESTARTING) on the way.
 */
export function connectorLifecycleContract(ctx: ContractContext): void {
  const path = () => connectorPath(ctx.name('life'));

  it('a new connector reaches RUNNING with its tasks', async () => {
    const name = ctx.name('life');
    assert.equal((await ctx.create(ctx.name('life-sink'), ctx.datagenSink())).status, 201);
    assert.equal((await ctx.create(name, ctx.datagen())).status, 201);
    const status = await ctx.api.waitForState(name, 'RUNNING');
    assert.equal(status.name, name);
    assert.equal(status.type, 'source');
    assert.equal(typeof status.connector.worker_id, 'string');
    assert.equal(status.tasks[0].id, 0);
    assert.equal(typeof status.tasks[0].worker_id, 'string');
  });

  it('GET /tasks and /tasks/{id}/status', async () => {
    const tasks = await ctx.api.get(`${path()}/tasks`);
    assert.equal(tasks.status, 200);
    assert.equal(tasks.body.length, 1);
    assert.deepEqual(tasks.body[0].id, { connector: ctx.name('life'), task: 0 });
    assert.equal(typeof tasks.body[0].config, 'object');

    const task = await ctx.api.get(`${path()}/tasks/0/status`);
    assert.equal(task.status, 200, task.text);
    assert.equal(task.body.id, 0);
    assert.equal(task.body.state, 'RUNNING');
    assert.equal(typeof task.body.worker_id, 'string');
    assertErrorBody(await ctx.api.get(`${path()}/tasks/7/status`), 404, 'task.not_found');
    assertErrorBody(await ctx.api.get(`${path()}/tasks/first/status`), 404);
  });

  it('GET /topics lists the topics a running source produced to; PUT /topics/reset empties it (202)', async () => {
    const name = ctx.name('life');
    const topics = await ctx.api.waitFor(() => `${name} to list ${ctx.topic}`, async () => {
      const res = await ctx.api.get(`${path()}/topics`);
      assert.equal(res.status, 200, res.text);
      return res.body[name]?.topics?.includes(ctx.topic) ? res.body : undefined;
    });
    assert.deepEqual(topics, { [name]: { connector: name, topics: [ctx.topic] } });
    const reset = await ctx.api.put(`${path()}/topics/reset`);
    assert.equal(reset.status, 202, reset.text);
    assertErrorBody(await ctx.api.get(`${connectorPath(ctx.name('nope'))}/topics`), 404, 'connector.not_found');
  });

  it('PUT /pause: 202, then PAUSED; PUT /resume: 202, then RUNNING', async () => {
    const paused = await ctx.api.put(`${path()}/pause`);
    assert.equal(paused.status, 202, paused.text);
    await ctx.api.waitForState(ctx.name('life'), 'PAUSED');
    const resumed = await ctx.api.put(`${path()}/resume`);
    assert.equal(resumed.status, 202, resumed.text);
    await ctx.api.waitForState(ctx.name('life'), 'RUNNING');
  });

  it('POST /restart: 204 without flags, 202 with the status body with includeTasks/onlyFailed', async () => {
    const plain = await ctx.api.post(`${path()}/restart`);
    assert.equal(plain.status, 204, plain.text);
    await ctx.api.waitForState(ctx.name('life'), 'RUNNING');

    const withTasks = await ctx.api.post(`${path()}/restart?includeTasks=true`);
    assert.equal(withTasks.status, 202, withTasks.text);
    assert.equal(withTasks.body.name, ctx.name('life'));
    assert.equal(typeof withTasks.body.connector.state, 'string');
    assert.ok(Array.isArray(withTasks.body.tasks));
    await ctx.api.waitForState(ctx.name('life'), 'RUNNING');

    const onlyFailed = await ctx.api.post(`${path()}/restart?includeTasks=true&onlyFailed=true`);
    assert.equal(onlyFailed.status, 202, onlyFailed.text);
    // Nothing had failed, so nothing restarts.
    assert.equal(onlyFailed.body.connector.state, 'RUNNING');
    await ctx.api.waitForState(ctx.name('life'), 'RUNNING');

    assertErrorBody(await ctx.api.post(`${path()}/restart?includeTasks=perhaps`), 400);
    assertErrorBody(await ctx.api.post(`${connectorPath(`contract-missing-${ctx.runId}`)}/restart`), 404, 'connector.not_found');
  });

  it('POST /tasks/{id}/restart: 204; unknown task 404', async () => {
    const res = await ctx.api.post(`${path()}/tasks/0/restart`);
    assert.equal(res.status, 204, res.text);
    await ctx.api.waitForState(ctx.name('life'), 'RUNNING');
    assertErrorBody(await ctx.api.post(`${path()}/tasks/9/restart`), 404, 'task.not_found');
  });

  it('offsets can be read while RUNNING but not changed: 400 connector.not_stopped', async () => {
    const offsets = await ctx.api.get(`${path()}/offsets`);
    assert.equal(offsets.status, 200, offsets.text);
    assert.ok(Array.isArray(offsets.body.offsets), offsets.text);
    const entry = { partition: { connector: ctx.name('life') }, offset: { position: 0 } };
    assertErrorBody(await ctx.api.patch(`${path()}/offsets`, { offsets: [entry] }), 400, 'connector.not_stopped');
    assertErrorBody(await ctx.api.delete(`${path()}/offsets`), 400, 'connector.not_stopped');
  });

  it('PUT /stop: 204, then STOPPED; offsets can then be altered (200) and reset (200)', async () => {
    // Let the source commit something first, so there is a real partition to alter.
    await ctx.api.waitFor('datagen to commit an offset', async () => {
      const res = await ctx.api.get(`${path()}/offsets`);
      return res.body?.offsets?.length > 0 ? res.body : undefined;
    }, 10_000).catch(() => undefined);

    const stopped = await ctx.api.put(`${path()}/stop`);
    assert.equal(stopped.status, 204, stopped.text);
    await ctx.api.waitForState(ctx.name('life'), 'STOPPED');

    const before = await ctx.api.get(`${path()}/offsets`);
    assert.equal(before.status, 200);
    const entries: unknown[] = before.body.offsets;
    // Tasks commit their offsets when they stop, so a source that ran for seconds has some.
    assert.ok(entries.length > 0, `a stopped datagen source has committed offsets: ${before.text}`);
    const altered = await ctx.api.patch(`${path()}/offsets`, { offsets: entries });
    assert.equal(altered.status, 200, altered.text);
    assert.equal(altered.body.message, 'The offsets for this connector have been altered successfully');
    const after = await ctx.api.get(`${path()}/offsets`);
    const sorted = (list: unknown[]) => list.map((e) => JSON.stringify(e)).sort();
    assert.deepEqual(sorted(after.body.offsets), sorted(entries));
    assertErrorBody(await ctx.api.patch(`${path()}/offsets`, { offsets: [] }), 400);
    assertErrorBody(await ctx.api.patch(`${path()}/offsets`, { offsets: [{ partition: 'p', offset: 5 }] }), 400);
    assertErrorBody(await ctx.api.patch(`${path()}/offsets`, {}), 400);
    assertErrorBody(await ctx.api.patch(`${path()}/offsets`, undefined, { raw: '{"offsets": [' }), 400);

    const reset = await ctx.api.delete(`${path()}/offsets`);
    assert.equal(reset.status, 200, reset.text);
    assert.equal(reset.body.message, 'The offsets for this connector have been reset successfully');
    const empty = await ctx.api.get(`${path()}/offsets`);
    assert.deepEqual(empty.body.offsets, []);
  });

  it('a STOPPED connector resumes to RUNNING', async () => {
    assert.equal((await ctx.api.put(`${path()}/resume`)).status, 202);
    await ctx.api.waitForState(ctx.name('life'), 'RUNNING');
  });

  it('initial_state PAUSED and STOPPED are honoured at creation', async () => {
    const paused = ctx.name('initial-paused');
    assert.equal((await ctx.create(paused, ctx.datagen(), 'PAUSED')).status, 201);
    await ctx.api.waitForState(paused, 'PAUSED');
    const stopped = ctx.name('initial-stopped');
    assert.equal((await ctx.create(stopped, ctx.stdout(), 'STOPPED')).status, 201);
    await ctx.api.waitForState(stopped, 'STOPPED');
  });

  it('lifecycle calls on an unknown connector: 404', async () => {
    const missing = connectorPath(`contract-missing-${ctx.runId}`);
    for (const action of ['pause', 'resume', 'stop']) assertErrorBody(await ctx.api.put(`${missing}/${action}`), 404, 'connector.not_found');
    assertErrorBody(await ctx.api.post(`${missing}/tasks/0/restart`), 404);
    assertErrorBody(await ctx.api.delete(`${missing}/offsets`), 404, 'connector.not_found');
    assertErrorBody(await ctx.api.patch(`${missing}/offsets`, { offsets: [{ partition: { a: 1 }, offset: null }] }), 404, 'connector.not_found');
  });
}
