import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertErrorBody, connectorPath } from '../rest-client.js';
import type { ContractContext } from './contract-context.js';

/** Creating, reading, replacing, patching and deleting connectors, with every refusal. */
export function connectorCrudContract(ctx: ContractContext): void {
  it('POST /connectors creates: 201, an absolute Location, ConnectorInfo', async () => {
    const name = ctx.name('crud');
    const res = await ctx.create(name, ctx.datagen());
    assert.equal(res.status, 201, res.text);
    // Kafka Connect gives http://host:port/connectors/<name>, built from the request's host
    assert.equal(res.headers.get('location'), `${ctx.api.baseUrl}${connectorPath(name)}`);
    assert.equal(res.body.name, name);
    assert.equal(res.body.type, 'source');
    assert.equal(res.body.config.name, name);
    assert.equal(res.body.config.topic, ctx.topic);
    assert.ok(Array.isArray(res.body.tasks));
  });

  it('POST /connectors with an existing name: 409 connector.exists', async () => {
    const name = ctx.name('crud');
    const res = await ctx.create(name, ctx.datagen());
    assertErrorBody(res, 409, 'connector.exists');
  });

  it('GET /connectors lists names; ?expand=status and ?expand=info nest per connector', async () => {
    const name = ctx.name('crud');
    const list = await ctx.api.get('/connectors');
    assert.equal(list.status, 200);
    assert.ok(Array.isArray(list.body) && list.body.includes(name), list.text);

    const both = await ctx.api.get('/connectors?expand=status&expand=info');
    assert.equal(both.status, 200);
    const entry = both.body[name];
    assert.equal(entry.status.name, name);
    assert.equal(typeof entry.status.connector.state, 'string');
    assert.ok(Array.isArray(entry.status.tasks));
    assert.equal(entry.info.name, name);
    assert.match(entry.info.config['connector.class'], /datagen/i);

    const status = await ctx.api.get('/connectors?expand=status');
    assert.deepEqual(Object.keys(status.body[name]), ['status']);
    const info = await ctx.api.get('/connectors?expand=info');
    assert.deepEqual(Object.keys(info.body[name]), ['info']);
  });

  it('GET /connectors/{name}, /config and /tasks', async () => {
    const name = ctx.name('crud');
    const info = await ctx.api.get(connectorPath(name));
    assert.equal(info.status, 200);
    assert.equal(info.body.name, name);
    const config = await ctx.api.get(`${connectorPath(name)}/config`);
    assert.equal(config.status, 200);
    assert.equal(config.body.topic, ctx.topic);
    assert.equal(config.body.name, name);
    const tasks = await ctx.api.get(`${connectorPath(name)}/tasks`);
    assert.equal(tasks.status, 200);
    assert.ok(Array.isArray(tasks.body));
  });

  it('unknown connector: 404 connector.not_found on every resource', async () => {
    const missing = connectorPath(`contract-missing-${ctx.runId}`);
    for (const path of ['', '/config', '/status', '/tasks', '/offsets', '/tasks/0/status']) {
      assertErrorBody(await ctx.api.get(`${missing}${path}`), 404);
    }
    assertErrorBody(await ctx.api.get(missing), 404, 'connector.not_found');
    assertErrorBody(await ctx.api.delete(missing), 404, 'connector.not_found');
    assertErrorBody(await ctx.api.patch(`${missing}/config`, { topic: 'x' }), 404, 'connector.not_found');
  });

  it('invalid config: 400 listing every problem, and nothing is created', async () => {
    const name = ctx.name('invalid');
    const res = await ctx.create(name, { 'connector.class': 'datagen', 'tasks.max': 'zero', 'rows.per.second': '-5' });
    assertErrorBody(res, 400, 'config.invalid');
    assert.match(res.body.message, /topic/);
    assert.match(res.body.message, /tasks\.max/);
    assert.match(res.body.message, /rows\.per\.second/);
    assertErrorBody(await ctx.api.get(connectorPath(name)), 404);

    const sink = await ctx.create(ctx.name('invalid-sink'), { 'connector.class': 'stdout' });
    assertErrorBody(sink, 400, 'config.invalid');
    assert.match(sink.body.message, /topics/);
  });

  it('unknown connector.class: 400', async () => {
    const res = await ctx.create(ctx.name('noclass'), { 'connector.class': 'com.example.NoSuchConnector', topic: 't' });
    assertErrorBody(res, 400);
    const missing = await ctx.create(ctx.name('noclass'), { topic: 't' });
    assertErrorBody(missing, 400);
    assert.match(missing.body.message, /connector\.class/);
  });

  it('POST /connectors refuses malformed requests with 400', async () => {
    const name = ctx.name('malformed');
    assertErrorBody(await ctx.api.post('/connectors', { config: ctx.datagen() }), 400);
    assertErrorBody(await ctx.api.post('/connectors', { name, config: null }), 400);
    assertErrorBody(await ctx.api.post('/connectors', { name }), 400);
    assertErrorBody(await ctx.api.post('/connectors', { name: 42, config: ctx.datagen() }), 400);
    assertErrorBody(await ctx.api.post('/connectors', { name, config: ctx.datagen({ name: 'other' }) }), 400);
    assertErrorBody(await ctx.api.post('/connectors', { name, config: ctx.datagen({ nested: { a: 1 } }) }), 400);
    assertErrorBody(await ctx.api.post('/connectors', { name, config: ctx.datagen({ list: ['a'] }) }), 400);
    assertErrorBody(await ctx.api.post('/connectors', { name, config: ['connector.class', 'datagen'] }), 400);
    assertErrorBody(await ctx.api.post('/connectors', { name, config: ctx.datagen(), initial_state: 'SLEEPING' }), 400);
    assertErrorBody(await ctx.api.post('/connectors', [name]), 400);
    assertErrorBody(await ctx.api.get(connectorPath(name)), 404);
  });

  it('numbers and booleans in a config are stored as strings', async () => {
    const name = ctx.name('coerce');
    const res = await ctx.create(name, ctx.datagen({ 'tasks.max': 1, 'rows.per.second': 10, 'max.records': 1000000 }));
    assert.equal(res.status, 201, res.text);
    const config = await ctx.api.get(`${connectorPath(name)}/config`);
    assert.equal(config.body['tasks.max'], '1');
    assert.equal(config.body['rows.per.second'], '10');
    assert.equal(config.body['max.records'], '1000000');
  });

  it('names with spaces and non-ASCII characters round-trip through the path', async () => {
    const name = ctx.name('with spaces é+ü/?#');
    const res = await ctx.create(name, ctx.datagen());
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.get('location'), `${ctx.api.baseUrl}/connectors/${encodeURIComponent(name)}`, 'the Location has the name percent-encoded');
    assert.equal(new URL(res.headers.get('location')!).pathname.split('/').pop(), encodeURIComponent(name));
    const info = await ctx.api.get(connectorPath(name));
    assert.equal(info.status, 200, info.text);
    assert.equal(info.body.name, name);
    assert.equal((await ctx.api.delete(connectorPath(name))).status, 204);
  });

  it('PUT /connectors/{name}/config: 201 when created, 200 when replaced', async () => {
    const name = ctx.name('put');
    const created = await ctx.api.put(`${connectorPath(name)}/config`, ctx.stdout());
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.get('location'), `${ctx.api.baseUrl}${connectorPath(name)}`);
    assert.equal(created.body.name, name);
    assert.equal(created.body.type, 'sink');

    const replaced = await ctx.api.put(`${connectorPath(name)}/config`, ctx.stdout({ topics: `contract.${ctx.runId}.other` }));
    assert.equal(replaced.status, 200, replaced.text);
    assert.equal(replaced.body.config.topics, `contract.${ctx.runId}.other`);
    const config = await ctx.api.get(`${connectorPath(name)}/config`);
    assert.equal(config.body.topics, `contract.${ctx.runId}.other`);

    assertErrorBody(await ctx.api.put(`${connectorPath(name)}/config`, ctx.stdout({ name: 'someone-else' })), 400);
    const invalid = await ctx.api.put(`${connectorPath(name)}/config`, { 'connector.class': 'stdout', 'tasks.max': '0' });
    assertErrorBody(invalid, 400, 'config.invalid');
    assert.match(invalid.body.message, /tasks\.max/);
    assertErrorBody(await ctx.api.put(`${connectorPath(name)}/config`, 'not an object'), 400);
    assert.equal((await ctx.api.get(`${connectorPath(name)}/config`)).body.topics, `contract.${ctx.runId}.other`);
  });

  it('PATCH /connectors/{name}/config merges: 200, null removes a property', async () => {
    const name = ctx.name('put');
    const res = await ctx.api.patch(`${connectorPath(name)}/config`, { 'errors.tolerance': 'all', 'tasks.max': 2 });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.config['errors.tolerance'], 'all');
    assert.equal(res.body.config['tasks.max'], '2');
    assert.equal(res.body.config.topics, `contract.${ctx.runId}.other`);
    const removed = await ctx.api.patch(`${connectorPath(name)}/config`, { 'errors.tolerance': null });
    assert.equal(removed.status, 200, removed.text);
    assert.equal(Object.hasOwn(removed.body.config, 'errors.tolerance'), false);
    const invalid = await ctx.api.patch(`${connectorPath(name)}/config`, { 'tasks.max': 'many' });
    assertErrorBody(invalid, 400, 'config.invalid');
    assertErrorBody(await ctx.api.patch(`${connectorPath(name)}/config`, { nested: { x: 1 } }), 400);
  });

  it('DELETE /connectors/{name}: 204, then 404', async () => {
    const name = ctx.name('put');
    const res = await ctx.api.delete(connectorPath(name));
    assert.equal(res.status, 204, res.text);
    assert.equal(res.text, '');
    assertErrorBody(await ctx.api.get(connectorPath(name)), 404, 'connector.not_found');
    assertErrorBody(await ctx.api.delete(connectorPath(name)), 404, 'connector.not_found');
    const list = await ctx.api.get('/connectors');
    assert.ok(!list.body.includes(name));
  });
}
