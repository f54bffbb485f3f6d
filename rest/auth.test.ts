import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuthMiddleware, secretsEqual } from './auth.js';
import { startTestServer } from './test/test-server.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('basic authentication', () => {
  let env: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    env = await startTestServer({ auth: { type: 'basic', users: { admin: 's3cret:with:colons', ops: 'other' } } });
  });
  after(() => env.close());

  it('refuses requests without or with wrong credentials: 401 with WWW-Authenticate', async () => {
    for (const authorization of [undefined, basic('admin', 'wrong'), basic('nobody', 's3cret:with:colons'), 'Basic !!!', 'Bearer s3cret', basic('admin', '')]) {
      const res = await fetch(`${env.url}/connectors`, { headers: authorization ? { authorization } : {} });
      assert.equal(res.status, 401, `authorization ${authorization}`);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm="tributary"/);
      const body = (await res.json()) as { error_code: number; code: string };
      assert.equal(body.error_code, 401);
      assert.equal(body.code, 'rest.unauthorized');
    }
  });

  it('serves requests with valid credentials; the password may contain colons', async () => {
    const res = await fetch(`${env.url}/connectors`, { headers: { authorization: basic('admin', 's3cret:with:colons') } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), []);
    const other = await fetch(`${env.url}/`, { headers: { authorization: basic('ops', 'other') } });
    assert.equal(other.status, 200);
  });

  it('leaves /health open, and hides everything else, unknown routes and bodies included', async () => {
    assert.equal((await fetch(`${env.url}/health`)).status, 200);
    assert.equal((await fetch(`${env.url}/no-such-route`)).status, 401);
    assert.equal((await fetch(`${env.url}/metrics`)).status, 401);
    const post = await fetch(`${env.url}/connectors`, { method: 'POST', body: 'garbage' });
    assert.equal(post.status, 401);
  });
});

describe('bearer authentication', () => {
  let env: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    env = await startTestServer({ auth: { type: 'bearer', token: 'tok-123.abc' } });
  });
  after(() => env.close());

  it('refuses a missing or wrong token: 401 with WWW-Authenticate', async () => {
    const missing = await fetch(`${env.url}/connectors`);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="tributary"');
    for (const authorization of ['Bearer tok-123', 'Bearer tok-123.abcd', 'Basic tok-123.abc', 'tok-123.abc']) {
      const res = await fetch(`${env.url}/connectors`, { headers: { authorization } });
      assert.equal(res.status, 401, authorization);
    }
    const wrong = await fetch(`${env.url}/connectors`, { headers: { authorization: 'Bearer nope' } });
    assert.match(wrong.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  it('serves requests with the token (scheme case-insensitive); /health needs none', async () => {
    assert.equal((await fetch(`${env.url}/connectors`, { headers: { authorization: 'Bearer tok-123.abc' } })).status, 200);
    assert.equal((await fetch(`${env.url}/connectors`, { headers: { authorization: 'bearer tok-123.abc' } })).status, 200);
    assert.equal((await fetch(`${env.url}/health`)).status, 200);
  });
});

describe('auth configuration', () => {
  it('refuses a basic config without users and an empty bearer token', () => {
    assert.throws(() => createAuthMiddleware({ type: 'basic', users: {} }), { code: 'worker.config_invalid' });
    assert.throws(() => createAuthMiddleware({ type: 'bearer', token: '' }), { code: 'worker.config_invalid' });
  });

  it('compares secrets of any length', () => {
    assert.equal(secretsEqual('abc', 'abc'), true);
    assert.equal(secretsEqual('abc', 'abcd'), false);
    assert.equal(secretsEqual('', 'x'), false);
    assert.equal(secretsEqual('é', 'é'), true);
  });
});
