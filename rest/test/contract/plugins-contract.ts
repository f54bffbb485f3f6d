import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertErrorBody, connectorPath } from '../rest-client.js';
import type { ContractContext } from './contract-context.js';

const DATAGEN_CLASS = 'io.tributary.connect.datagen.DatagenConnector';
const STDOUT_CLASS = 'io.tributary.connect.stdout.StdoutSinkConnector';
const KEY_INFO_FIELDS = ['name', 'type', 'required', 'default_value', 'importance', 'documentation', 'group', 'width', 'display_name', 'dependents', 'order'];

/** `/connector-plugins`: listing, definitions, validation and class-name aliases. */
export function pluginsContract(ctx: ContractContext): void {
  it('GET /connector-plugins lists connectors only, datagen (source) and stdout (sink) among them', async () => {
    const res = await ctx.api.get('/connector-plugins');
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(res.body));
    for (const p of res.body) {
      assert.equal(typeof p.class, 'string');
      assert.equal(typeof p.version, 'string');
      assert.ok(p.type === 'source' || p.type === 'sink', `connector plugin type ${p.type}`);
    }
    assert.ok(res.body.some((p: { class: string; type: string }) => /datagen/i.test(p.class) && p.type === 'source'), res.text);
    assert.ok(res.body.some((p: { class: string; type: string }) => /stdout/i.test(p.class) && p.type === 'sink'), res.text);
  });

  it('GET /connector-plugins?connectorsOnly=false adds transforms, predicates and converters', async () => {
    const connectors = await ctx.api.get('/connector-plugins');
    const all = await ctx.api.get('/connector-plugins?connectorsOnly=false');
    assert.equal(all.status, 200);
    assert.ok(all.body.length > connectors.body.length, all.text);
    for (const p of connectors.body) assert.ok(all.body.some((q: { class: string }) => q.class === p.class));
    assert.ok(all.body.some((p: { type: string }) => p.type === 'transformation'), all.text);
    assert.ok(all.body.some((p: { class: string; type: string }) => p.type === 'converter' && p.class === 'org.apache.kafka.connect.json.JsonConverter'), all.text);
    assertErrorBody(await ctx.api.get('/connector-plugins?connectorsOnly=sometimes'), 400);
  });

  it('GET /connector-plugins/{plugin}/config gives Kafka Connect ConfigKeyInfo definitions', async () => {
    for (const plugin of ['datagen', DATAGEN_CLASS]) {
      const res = await ctx.api.get(`/connector-plugins/${encodeURIComponent(plugin)}/config`);
      assert.equal(res.status, 200, res.text);
      const topic = res.body.find((d: { name: string }) => d.name === 'topic');
      assert.ok(topic, `datagen declares topic: ${res.text}`);
      assert.equal(topic.required, true);
      for (const field of KEY_INFO_FIELDS) assert.ok(Object.hasOwn(topic, field), `ConfigKeyInfo has ${field}`);
    }
    const stdout = await ctx.api.get(`/connector-plugins/${STDOUT_CLASS}/config`);
    assert.equal(stdout.status, 200, stdout.text);
    assert.ok(stdout.body.some((d: { name: string }) => d.name === 'topics'));
    assertErrorBody(await ctx.api.get('/connector-plugins/com.example.NoSuchConnector/config'), 404, 'plugin.not_found');
  });

  it('a Debezium-style class name works as connector.class', async () => {
    const name = ctx.name('alias');
    const res = await ctx.create(name, ctx.datagen({ 'connector.class': DATAGEN_CLASS }));
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.type, 'source');
    assert.equal((await ctx.api.delete(connectorPath(name))).status, 204);
  });

  it('PUT /connector-plugins/{plugin}/config/validate answers 200 with ConfigInfos, errors included', async () => {
    const good = await ctx.api.put('/connector-plugins/datagen/config/validate', { name: 'contract-validate', 'connector.class': 'datagen', topic: 'x', 'tasks.max': 2 });
    assert.equal(good.status, 200, good.text);
    assert.equal(typeof good.body.name, 'string');
    assert.equal(good.body.error_count, 0, good.text);
    assert.ok(Array.isArray(good.body.groups));
    const topic = good.body.configs.find((c: { definition: { name: string } }) => c.definition.name === 'topic');
    assert.deepEqual(topic.value.errors, []);
    assert.equal(topic.value.value, 'x');
    for (const field of ['name', 'value', 'recommended_values', 'errors', 'visible']) assert.ok(Object.hasOwn(topic.value, field), `value has ${field}`);

    const bad = await ctx.api.put('/connector-plugins/datagen/config/validate', { 'tasks.max': '0', keys: 'lots' });
    assert.equal(bad.status, 200, bad.text);
    assert.ok(bad.body.error_count >= 3, bad.text);
    const errorsOf = (n: string) => bad.body.configs.find((c: { definition: { name: string } }) => c.definition.name === n)?.value.errors ?? [];
    for (const n of ['topic', 'tasks.max', 'keys']) assert.ok(errorsOf(n).length > 0, `${n} has an error: ${bad.text}`);

    const sink = await ctx.api.put('/connector-plugins/stdout/config/validate', { name: 'contract-validate' });
    assert.equal(sink.status, 200, sink.text);
    assert.ok(sink.body.configs.find((c: { definition: { name: string } }) => c.definition.name === 'topics').value.errors.length > 0, sink.text);
  });

  it('validate warns about unknown properties apart from errors: top-level warnings, plus a config entry each without errors', async () => {
    const res = await ctx.api.put('/connector-plugins/datagen/config/validate', {
      name: 'contract-validate', 'connector.class': 'datagen', topic: 'x', 'rows.per.secnd': '5', 'value.converter.schemas.enable': 'false',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.error_count, 0, `a warning is not an error: ${res.text}`);
    assert.deepEqual(res.body.warnings.map((w: { name: string; suggestion?: string }) => [w.name, w.suggestion]), [['rows.per.secnd', 'rows.per.second']], res.text);
    assert.match(res.body.warnings[0].message, /did you mean "rows\.per\.second"/);
    const entry = res.body.configs.find((c: { definition: { name: string } }) => c.definition.name === 'rows.per.secnd');
    assert.ok(entry, `the unknown property has a config entry: ${res.text}`);
    for (const field of KEY_INFO_FIELDS) assert.ok(Object.hasOwn(entry.definition, field), `its definition has ${field}`);
    assert.deepEqual(entry.value.errors, []);
    assert.equal(entry.value.value, '5');
    assert.equal(entry.definition.group, 'Unknown properties');
    assert.equal(entry.definition.documentation, res.body.warnings[0].message);
    assert.ok(res.body.groups.includes('Unknown properties'));
    assert.ok(!res.body.configs.some((c: { definition: { name: string } }) => c.definition.name.startsWith('value.converter.')), 'converter properties are known');
  });

  it('validate accepts an alias in the body, refuses a different connector.class (400), a non-object (400), an unknown plugin (404)', async () => {
    const alias = await ctx.api.put('/connector-plugins/datagen/config/validate', { name: 'contract-validate', 'connector.class': DATAGEN_CLASS, topic: 'x' });
    assert.equal(alias.status, 200, alias.text);
    const sinkAlias = await ctx.api.put('/connector-plugins/stdout/config/validate', { name: 'contract-validate', 'connector.class': STDOUT_CLASS, topics: 'x' });
    assert.equal(sinkAlias.status, 200, sinkAlias.text);
    assertErrorBody(await ctx.api.put('/connector-plugins/datagen/config/validate', { 'connector.class': 'stdout', topic: 'x' }), 400);
    assertErrorBody(await ctx.api.put('/connector-plugins/datagen/config/validate', ['topic']), 400);
    assertErrorBody(await ctx.api.put('/connector-plugins/datagen/config/validate', { topic: { nested: true } }), 400);
    assertErrorBody(await ctx.api.put('/connector-plugins/com.example.NoSuchConnector/config/validate', { topic: 'x' }), 404, 'plugin.not_found');
  });
}
