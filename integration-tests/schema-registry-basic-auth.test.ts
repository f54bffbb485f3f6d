import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Schemas } from '../plugins/api/index.js';
import { avroConverterPlugin } from '../runtime/converters/avro-converter.js';
import { uniqueName } from './harness/kafka-cluster.js';
import { sharedSchemaRegistry, type SchemaRegistryEndpoint } from './harness/schema-registry.js';

/**
 * `basic.auth.*` of the AvroConverter against the real registry behind a gateway that demands
 * Basic credentials, as a registry is often deployed (Apicurio's own authentication needs an
 * OIDC server, which this machine has not): the gateway refuses a request without the right
 * `Authorization` header with 401 and forwards the others to Apicurio's Confluent API. Both of
 * Confluent's credential sources are used: USER_INFO and user:password in the URL.
 */
let registry: SchemaRegistryEndpoint;
let gateway: Server;
let gatewayUrl: string;
const seen: (string | undefined)[] = [];
const USER = 'reg-user';
const PASSWORD = 's3cr:et';
const EXPECTED = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

before(async () => {
  registry = await sharedSchemaRegistry();
  const target = new URL(registry.url);
  gateway = createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== EXPECTED) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="registry"' }).end(JSON.stringify({ error_code: 401, message: 'Unauthorized' }));
      return;
    }
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: `${target.pathname.replace(/\/$/, '')}${req.url}`, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const address = gateway.address() as { port: number };
  gatewayUrl = `http://127.0.0.1:${address.port}`;
});
after(() => new Promise<void>((resolve) => gateway?.close(() => resolve())));

const schema = Schemas.struct([Schemas.field('id', Schemas.int64()), Schemas.field('name', Schemas.string({ optional: true }))], { name: 'auth.public.items.Value' });

async function roundTrip(config: Record<string, string>, topic: string): Promise<unknown> {
  const converter = avroConverterPlugin.create(config, false);
  const record = { topic, keySchema: null, key: null, valueSchema: schema, value: { id: 2n ** 62n, name: 'through the gateway' } };
  await converter.prepareOutgoing?.([record]);
  const bytes = converter.fromConnectData(topic, schema, record.value)!;
  const reader = avroConverterPlugin.create(config, false);
  await reader.prepareIncoming?.([{ topic, key: null, value: bytes }]);
  return reader.toConnectData(topic, bytes).value;
}

describe('AvroConverter basic.auth.* against the registry behind a Basic-auth gateway', () => {
  it('USER_INFO and URL credentials register and read back; the gateway saw them on every request', async () => {
    seen.length = 0;
    const viaUserInfo = await roundTrip({ 'schema.registry.url': gatewayUrl, 'basic.auth.credentials.source': 'USER_INFO', 'basic.auth.user.info': `${USER}:${PASSWORD}` }, uniqueName('auth-userinfo'));
    assert.deepEqual(viaUserInfo, { id: 2n ** 62n, name: 'through the gateway' });
    const withUrl = new URL(gatewayUrl);
    withUrl.username = USER;
    withUrl.password = PASSWORD;
    const viaUrl = await roundTrip({ 'schema.registry.url': withUrl.toString().replace(/\/$/, '') }, uniqueName('auth-url'));
    assert.deepEqual(viaUrl, { id: 2n ** 62n, name: 'through the gateway' });
    assert.ok(seen.length >= 4, `${seen.length} requests`);
    assert.ok(seen.every((h) => h === EXPECTED), `every request carried the credentials: ${JSON.stringify([...new Set(seen)])}`);
  });

  it('wrong or missing credentials: the registry refuses (schema.registry_refused), naming the 401', async () => {
    for (const config of <Record<string, string>[]>[
      { 'schema.registry.url': gatewayUrl, 'basic.auth.credentials.source': 'USER_INFO', 'basic.auth.user.info': `${USER}:wrong` },
      { 'schema.registry.url': gatewayUrl },
    ]) {
      await assert.rejects(roundTrip(config, uniqueName('auth-refused')), (e: unknown) => (e as { code?: string }).code === 'schema.registry_refused' && /401/.test((e as Error).message));
    }
  });
});
