import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { uniqueName } from './harness/kafka-cluster.js';
import {
  APICURIO_INCOMPATIBLE_MESSAGE, externalSchemaRegistry, registryRequest, sharedSchemaRegistry, startSchemaRegistry, type SchemaRegistryEndpoint,
} from './harness/schema-registry.js';

/**
 * The test registry's Confluent API, over plain fetch, as a Confluent client uses it: register,
 * read back by id and by version, look up, evolve under BACKWARD, and be refused. Runs against
 * the shared Apicurio Registry, or the registry `SCHEMA_REGISTRY_URL` names (then only what
 * Confluent's registry does too is asserted).
 */
let registry: SchemaRegistryEndpoint;
const apicurio = externalSchemaRegistry() === undefined;

before(async () => { registry = await sharedSchemaRegistry(); });

interface Registered { subject: string; version: number; id: number; schema: string }
interface RegistryError { error_code: number; message: string }

// Avro schemas as Kafka Connect's AvroData writes them: Avro's Schema.toString() layout (type,
// name, namespace, fields, then properties), with Connect's own properties on the record and a field
const v1 = {
  type: 'record', name: 'Value', namespace: 'srv.public.orders',
  fields: [
    { name: 'id', type: 'int' },
    { name: 'amount', type: { type: 'bytes', scale: 2, precision: 10, 'connect.version': 1, 'connect.parameters': { scale: '2', 'connect.decimal.precision': '10' }, 'connect.name': 'org.apache.kafka.connect.data.Decimal', logicalType: 'decimal' } },
    { name: 'status', type: { type: 'string', 'connect.version': 1, 'connect.parameters': { allowed: 'new,paid' }, 'connect.name': 'io.debezium.data.Enum' } },
  ],
  'connect.version': 1, 'connect.name': 'srv.public.orders.Value',
};
// BACKWARD-compatible: an optional field with a null default
const v2 = { ...v1, fields: [...v1.fields, { name: 'email', type: ['null', 'string'], default: null }] };
// not BACKWARD-compatible: a new field without a default cannot be read from v2 data
const v3 = { ...v2, fields: [...v2.fields, { name: 'age', type: 'int' }] };

async function register(subject: string, schema: object | string): Promise<number> {
  const res = await registryRequest<{ id: number }>(registry, 'POST', `/subjects/${subject}/versions`, { schema: typeof schema === 'string' ? schema : JSON.stringify(schema) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body), ['id']);
  assert.equal(typeof res.body.id, 'number');
  return res.body.id;
}

async function backwardSubject(prefix: string): Promise<string> {
  const subject = `${uniqueName(prefix)}-value`;
  // per subject: the registry may be shared, and its global level is not this test's to change
  const res = await registryRequest<{ compatibility: string }>(registry, 'PUT', `/config/${subject}`, { compatibility: 'BACKWARD' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.compatibility, 'BACKWARD');
  return subject;
}

describe('the test schema registry (Confluent API)', () => {
  it('registers an Avro record schema and gives it back by id, by latest version and by lookup, Connect properties verbatim', async () => {
    const subject = await backwardSubject('sr-orders');
    const text = JSON.stringify(v1);
    const id = await register(subject, v1);

    const byId = await registryRequest<{ schema: string }>(registry, 'GET', `/schemas/ids/${id}`);
    assert.equal(byId.status, 200);
    assert.equal(byId.body.schema, text, 'connect.name, connect.version and connect.parameters come back as sent');

    const latest = await registryRequest<Registered>(registry, 'GET', `/subjects/${subject}/versions/latest`);
    assert.equal(latest.status, 200);
    assert.deepEqual(latest.body, { subject, version: 1, id, schema: text });

    const lookup = await registryRequest<Registered>(registry, 'POST', `/subjects/${subject}`, { schema: text });
    assert.equal(lookup.status, 200);
    assert.deepEqual(lookup.body, { subject, version: 1, id, schema: text });

    assert.equal(await register(subject, v1), id, 'registering the same schema again gives its id, no new version');
    assert.equal(await register(`${uniqueName('sr-other')}-value`, v1), id, 'ids are per schema, shared by subjects');
  });

  it('takes a BACKWARD-compatible version under a new id and refuses an incompatible one with 409 and a message', async () => {
    const subject = await backwardSubject('sr-evolve');
    const id1 = await register(subject, v1);
    const id2 = await register(subject, v2);
    assert.notEqual(id2, id1);

    const latest = await registryRequest<Registered>(registry, 'GET', `/subjects/${subject}/versions/latest`);
    assert.deepEqual({ version: latest.body.version, id: latest.body.id }, { version: 2, id: id2 });
    assert.deepEqual((await registryRequest<number[]>(registry, 'GET', `/subjects/${subject}/versions`)).body, [1, 2]);

    const refused = await registryRequest<RegistryError>(registry, 'POST', `/subjects/${subject}/versions`, { schema: JSON.stringify(v3) });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error_code, 409);
    // what Apicurio's and Confluent's messages share: the subject, the field and its path
    for (const part of [subject, 'age', '/fields/4']) assert.ok(refused.body.message.includes(part), `"${part}" in: ${refused.body.message}`);
    if (apicurio) {
      const match = APICURIO_INCOMPATIBLE_MESSAGE.exec(refused.body.message);
      assert.ok(match, refused.body.message);
      assert.deepEqual({ ...match.groups }, { subject, count: '1', diffs: 'age at /fields/4' });
    }

    const check = await registryRequest<{ is_compatible: boolean }>(registry, 'POST', `/compatibility/subjects/${subject}/versions/latest`, { schema: JSON.stringify(v3) });
    assert.deepEqual(check, { status: 200, body: { is_compatible: false } });
    assert.equal((await registryRequest<Registered>(registry, 'GET', `/subjects/${subject}/versions/latest`)).body.version, 2, 'the refused schema made no version');
  });

  it('serves a schema sent in another layout as Avro writes it, properties kept', async () => {
    const subject = await backwardSubject('sr-layout');
    const { type, name, namespace, fields } = v1;
    const props = { 'connect.version': 1, 'connect.name': 'srv.public.orders.Value' };
    // pretty-printed, and "doc" last where Avro writes it before the fields
    const sent = JSON.stringify({ type, name, namespace, fields, ...props, doc: 'orders' }, null, 2);
    const id = await register(subject, sent);
    const { schema } = (await registryRequest<{ schema: string }>(registry, 'GET', `/schemas/ids/${id}`)).body;
    assert.equal(schema, JSON.stringify({ type, name, namespace, doc: 'orders', fields, ...props }));
  });

  it('answers an unknown id with 40403 and an unknown subject with 40401', async () => {
    const unknownId = await registryRequest<RegistryError>(registry, 'GET', '/schemas/ids/2000000000');
    assert.equal(unknownId.status, 404);
    assert.equal(unknownId.body.error_code, 40403);
    const subject = `${uniqueName('sr-missing')}-value`;
    const unknownSubject = await registryRequest<RegistryError>(registry, 'GET', `/subjects/${subject}/versions/latest`);
    assert.equal(unknownSubject.status, 404);
    assert.equal(unknownSubject.body.error_code, 40401);
  });
});

describe('a private Apicurio registry', () => {
  it("starts with Confluent's default compatibility, BACKWARD, takes PUT /config, and is gone after stop()", async () => {
    const own = await startSchemaRegistry();
    try {
      console.log(`Apicurio Registry ${own.version}: unpacked in ${own.timings.resolveMs} ms, answered after ${own.timings.bootMs} ms`);
      assert.deepEqual(await registryRequest(own, 'GET', '/config'), { status: 200, body: { compatibilityLevel: 'BACKWARD' } });
      const put = await registryRequest<{ compatibility: string }>(own, 'PUT', '/config', { compatibility: 'FULL' });
      assert.equal(put.body.compatibility, 'FULL');
      assert.deepEqual(await registryRequest(own, 'GET', '/config'), { status: 200, body: { compatibilityLevel: 'FULL' } });
    } finally {
      await own.stop();
    }
    await assert.rejects(fetch(`${own.url}/subjects`), (error: Error & { cause?: { code?: string } }) => error.cause?.code === 'ECONNREFUSED');
  });
});
