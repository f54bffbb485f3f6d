import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry, Counter, openMetricsContentType } from 'prom-client';
import { TributaryError, type Logger } from '../plugins/api/index.js';
import type { ConnectorStateInfo } from '../runtime/herder/herder.js';
import { FakeHerder } from './test/fake-herder.js';
import { startTestServer } from './test/test-server.js';

/** A herder whose failures and arguments a test controls. */
class ScriptedHerder extends FakeHerder {
  failWith: unknown;
  validated: { pluginClass: string | undefined; config: Record<string, string> }[] = [];
  vanished = new Set<string>();

  override async connectorInfo(name: string) {
    if (this.failWith !== undefined) throw this.failWith;
    return super.connectorInfo(name);
  }
  override async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    if (this.vanished.has(name)) throw new TributaryError('connector.not_found', `Connector ${name} not found`);
    return super.connectorStatus(name);
  }
  override async validateConnectorConfig(pluginClass: string | undefined, config: Readonly<Record<string, string>>) {
    this.validated.push({ pluginClass, config: { ...config } });
    return super.validateConnectorConfig(pluginClass, config);
  }
}

const json = { 'content-type': 'application/json' };
const datagen = (name: string) => JSON.stringify({ name, config: { 'connector.class': 'datagen', topic: 't', 'rows.per.second': '10' } });

/** POST /connectors over plain node:http, which (unlike fetch) lets a test choose the Host header. */
async function post(base: string, name: string, headers: Record<string, string>): Promise<{ status: number; headers: Map<string, string> }> {
  const { request } = await import('node:http');
  const url = new URL(`${base}/connectors`);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...json, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: new Map(Object.entries(res.headers).map(([k, v]) => [k, String(v)])) }));
    });
    req.on('error', reject);
    req.end(datagen(name));
  });
}

describe('REST app behaviour beyond the contract', () => {
  const herder = new ScriptedHerder();
  const logged: { obj: unknown; msg?: string }[] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (obj, msg) => void logged.push({ obj, msg }) };
  let env: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    env = await startTestServer({ herder, logger, maxBodyBytes: 2048, resolvePlugin: (c) => (/datagen/i.test(c) ? 'datagen' : /stdout/i.test(c) ? 'stdout' : undefined) });
  });
  after(() => env.close());

  it('an unexpected error is a generic 500: no message, no stack, logged with its stack', async () => {
    await fetch(`${env.url}/connectors`, { method: 'POST', headers: json, body: datagen('boom') });
    herder.failWith = new Error('database password=hunter2 leaked');
    const res = await fetch(`${env.url}/connectors/boom`);
    herder.failWith = undefined;
    const text = await res.text();
    assert.equal(res.status, 500);
    assert.deepEqual(JSON.parse(text), { error_code: 500, message: 'Internal server error; the worker log has the details.', code: 'internal' });
    assert.equal(logged.length, 1);
    assert.equal((logged[0]!.obj as { err: Error }).err.message, 'database password=hunter2 leaked');
  });

  it('a thrown non-Error value is also a generic 500', async () => {
    herder.failWith = 'just a string';
    const res = await fetch(`${env.url}/connectors/boom`);
    herder.failWith = undefined;
    assert.equal(res.status, 500);
    assert.equal(((await res.json()) as { code: string }).code, 'internal');
  });

  it('every detail of a TributaryError reaches the message; its code gives the status', async () => {
    herder.failWith = new TributaryError('config.invalid', 'Connector configuration is invalid.', { details: ['topic: missing', 'tasks.max: must be at least 1'] });
    const res = await fetch(`${env.url}/connectors/boom`);
    herder.failWith = new TributaryError('connector.rebalancing', 'The cluster is rebalancing; retry.');
    const rebalancing = await fetch(`${env.url}/connectors/boom`);
    herder.failWith = undefined;
    assert.deepEqual(await res.json(), { error_code: 400, code: 'config.invalid', message: 'Connector configuration is invalid.\ntopic: missing\ntasks.max: must be at least 1' });
    // a rebalance is not a conflict: 503 with Retry-After, so tools retry instead of giving up (KAFKA-4037)
    assert.equal(rebalancing.status, 503);
    assert.equal(rebalancing.headers.get('retry-after'), '1');
  });

  it('reads JSON whatever the Content-Type, and refuses a form body as malformed JSON', async () => {
    const plain = await fetch(`${env.url}/connectors`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: datagen('plain') });
    assert.equal(plain.status, 201);
    const form = await fetch(`${env.url}/connectors`, { method: 'POST', body: new URLSearchParams({ name: 'form' }) });
    assert.equal(form.status, 400);
    assert.equal(((await form.json()) as { message: string }).message, 'Request body is not valid JSON.');
  });

  it('applies maxBodyBytes', async () => {
    const big = JSON.stringify({ name: 'big', config: { 'connector.class': 'datagen', topic: 'x'.repeat(3000) } });
    const res = await fetch(`${env.url}/connectors`, { method: 'POST', headers: json, body: big });
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { message: string }).message, /2048 bytes/);
  });

  it('percent-encodes the Location of a name with spaces', async () => {
    const res = await fetch(`${env.url}/connectors`, { method: 'POST', headers: json, body: datagen('with space') });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('location'), `${env.url}/connectors/with%20space`);
  });

  it('builds the Location from the Host header the client sent, and never echoes a malformed one', async () => {
    const port = new URL(env.url).port;
    const viaName = await post(env.url, 'via-name', { host: `worker-7.example:${port}` });
    assert.equal(viaName.headers.get('location'), `http://worker-7.example:${port}/connectors/via-name`);
    const noPort = await post(env.url, 'no-port', { host: 'connect.example' });
    assert.equal(noPort.headers.get('location'), 'http://connect.example/connectors/no-port');
    const v6 = await post(env.url, 'v6', { host: `[::1]:${port}` });
    assert.equal(v6.headers.get('location'), `http://[::1]:${port}/connectors/v6`);
    const odd = await post(env.url, 'odd', { host: 'evil.example/x?' });
    assert.equal(odd.headers.get('location'), `http://127.0.0.1:${port}/connectors/odd`, 'falls back to the address the request reached');
  });

  it('?expand leaves out connectors deleted meanwhile and ignores unknown expansions', async () => {
    herder.vanished.add('plain');
    const res = await fetch(`${env.url}/connectors?expand=status&expand=nonsense`);
    herder.vanished.clear();
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(Object.hasOwn(body, 'plain'), false);
    assert.deepEqual(Object.keys(body.boom as object), ['status']);
    const unknownOnly = (await (await fetch(`${env.url}/connectors?expand=nonsense`)).json()) as Record<string, unknown>;
    assert.deepEqual(unknownOnly.boom, {});
  });

  it('validate passes the path plugin as connector.class when the body has none, and uses the resolver', async () => {
    herder.validated = [];
    await fetch(`${env.url}/connector-plugins/datagen/config/validate`, { method: 'PUT', headers: json, body: '{"topic": "t"}' });
    assert.deepEqual(herder.validated[0], { pluginClass: 'datagen', config: { topic: 't', 'connector.class': 'datagen' } });
    const alias = await fetch(`${env.url}/connector-plugins/datagen/config/validate`, { method: 'PUT', headers: json, body: '{"connector.class": "com.acme.DatagenThing"}' });
    assert.equal(alias.status, 200);
    const other = await fetch(`${env.url}/connector-plugins/datagen/config/validate`, { method: 'PUT', headers: json, body: '{"connector.class": "io.tributary.connect.stdout.StdoutSinkConnector"}' });
    assert.equal(other.status, 400);
  });

  it('OPTIONS lists the methods of a resource', async () => {
    const res = await fetch(`${env.url}/connectors/boom/config`, { method: 'OPTIONS' });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('allow'), 'GET, PUT, PATCH, HEAD, OPTIONS');
  });

  it('PATCH refuses a name that differs from the URL, accepts the same name', async () => {
    const other = await fetch(`${env.url}/connectors/boom/config`, { method: 'PATCH', headers: json, body: '{"name": "other"}' });
    assert.equal(other.status, 400);
    const same = await fetch(`${env.url}/connectors/boom/config`, { method: 'PATCH', headers: json, body: '{"name": "boom", "keys": 5}' });
    assert.equal(same.status, 200);
  });

  it('hands the logger admin canonical level names', async () => {
    const res = await fetch(`${env.url}/admin/loggers/tributary.rest`, { method: 'PUT', headers: json, body: '{"level": "warning"}' });
    assert.deepEqual(await res.json(), ['tributary.rest']);
    const level = (await (await fetch(`${env.url}/admin/loggers/tributary.rest`)).json()) as { level: string };
    assert.equal(level.level, 'WARN');
  });
});

describe('/health and /metrics', () => {
  it('answers 503 starting until the herder is ready, 500 if asking fails', async () => {
    const herder = new FakeHerder({ ready: false });
    const env = await startTestServer({ herder, auth: { type: 'bearer', token: 't' } });
    try {
      const starting = await fetch(`${env.url}/health`);
      assert.equal(starting.status, 503);
      assert.equal(((await starting.json()) as { status: string }).status, 'starting');
      herder.setReady(true);
      assert.equal((await fetch(`${env.url}/health`)).status, 200);
      herder.ready = () => {
        throw new Error('broken');
      };
      const broken = await fetch(`${env.url}/health`);
      assert.equal(broken.status, 500);
      assert.equal(((await broken.json()) as { status: string }).status, 'unhealthy');
    } finally {
      await env.close();
    }
  });

  it('serves the registry content type verbatim (OpenMetrics too)', async () => {
    const metrics = new Registry<typeof openMetricsContentType>();
    metrics.setContentType(openMetricsContentType);
    new Counter({ name: 'probe_total', help: 'A probe.', registers: [metrics] }).inc(3);
    const env = await startTestServer({ metrics });
    try {
      const res = await fetch(`${env.url}/metrics`);
      assert.equal(res.headers.get('content-type'), openMetricsContentType);
      assert.match(await res.text(), /probe_total 3/);
    } finally {
      await env.close();
    }
  });
});

describe('Location on an advertised address (rest.advertised.*)', () => {
  const cases: { advertised: { protocol?: 'http' | 'https'; host?: string; port?: number }; expected: (port: string) => string }[] = [
    { advertised: { protocol: 'https', host: 'connect.example.com', port: 443 }, expected: () => 'https://connect.example.com:443' },
    { advertised: { host: 'connect.example.com' }, expected: (port) => `http://connect.example.com:${port}` },
    { advertised: { host: '::1' }, expected: (port) => `http://[::1]:${port}` },
    { advertised: { port: 9443 }, expected: () => 'http://127.0.0.1:9443' },
    { advertised: { protocol: 'https' }, expected: (port) => `https://127.0.0.1:${port}` },
  ];
  for (const { advertised, expected } of cases) {
    it(`${JSON.stringify(advertised)}: the advertised parts, the rest from the request`, async () => {
      const env = await startTestServer({ advertised });
      try {
        const res = await fetch(`${env.url}/connectors`, { method: 'POST', headers: json, body: datagen('a b') });
        assert.equal(res.status, 201);
        assert.equal(res.headers.get('location'), `${expected(new URL(env.url).port)}/connectors/a%20b`);
      } finally {
        await env.close();
      }
    });
  }
});
