import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertErrorBody, connectorPath } from '../rest-client.js';
import type { ContractContext } from './contract-context.js';

const BODY_PATHS: [method: string, path: (ctx: ContractContext) => string][] = [
  ['POST', () => '/connectors'],
  ['PUT', (ctx) => `${connectorPath(ctx.name('robust'))}/config`],
  ['PATCH', (ctx) => `${connectorPath(ctx.name('robust'))}/config`],
  ['PUT', () => '/connector-plugins/datagen/config/validate'],
  ['PUT', () => '/admin/loggers/root'],
];

/** Bad input of every kind gets a JSON 4xx, never a crash or a stack trace. */
export function robustnessContract(ctx: ContractContext): void {
  it('garbage, truncated and empty JSON bodies: 400 on every endpoint that takes a body', async () => {
    for (const [method, path] of BODY_PATHS) {
      for (const raw of ['garbage', '{"name": "x", "config": {"connector.cl', '{"a":1}}', '\u0000\u00ff', '{"a": 01}']) {
        const res = await ctx.api.call(method, path(ctx), undefined, { raw });
        assertErrorBody(res, 400, 'rest.bad_request');
        assert.ok(!res.body.message.includes('connector.cl'), 'the body is not echoed back');
      }
      assertErrorBody(await ctx.api.call(method, path(ctx)), 400);
    }
  });

  it('JSON that is not an object where one is needed: 400', async () => {
    for (const [method, path] of BODY_PATHS) {
      for (const raw of ['[1, 2]', '"a string"', '42', 'null', 'true']) {
        assertErrorBody(await ctx.api.call(method, path(ctx), undefined, { raw }), 400);
      }
    }
  });

  it('a body above the limit: 413', async () => {
    const big = JSON.stringify({ name: ctx.name('big'), config: { ...ctx.datagen(), padding: 'x'.repeat(ctx.maxBodyBytes + 1024) } });
    const res = await ctx.api.call('POST', '/connectors', undefined, { raw: big });
    assertErrorBody(res, 413, 'rest.payload_too_large');
    assertErrorBody(await ctx.api.get(connectorPath(ctx.name('big'))), 404);
  });

  it('unknown routes: 404 JSON', async () => {
    for (const path of ['/nope', '/connectors/x/nope', '/connectors/x/tasks/0/nope', '/connector-plugins/datagen', '/admin', '/admin/loggers/a/b']) {
      assertErrorBody(await ctx.api.get(path), 404);
    }
    assertErrorBody(await ctx.api.post('/nope', { a: 1 }), 404);
  });

  it('a known path with the wrong method: 405 with Allow', async () => {
    const cases: [string, string][] = [
      ['DELETE', '/connectors'],
      ['POST', `${connectorPath('x')}/status`],
      ['GET', `${connectorPath('x')}/pause`],
      ['PUT', `${connectorPath('x')}/restart`],
      ['POST', '/connector-plugins'],
      ['GET', '/connector-plugins/datagen/config/validate'],
      ['DELETE', '/admin/loggers/root'],
      ['POST', '/health'],
      ['PUT', '/metrics'],
    ];
    for (const [method, path] of cases) {
      const res = await ctx.api.call(method, path);
      assertErrorBody(res, 405, 'rest.method_not_allowed');
      assert.ok((res.headers.get('allow') ?? '').length > 0, `${method} ${path} has Allow`);
    }
  });

  it('malformed percent-encoding in the path: 400', async () => {
    assertErrorBody(await ctx.api.get('/connectors/%E0%A4%A/status'), 400);
  });

  it('bad requests in bulk and at once leave the server answering', async () => {
    const requests = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? ctx.api.call('POST', '/connectors', undefined, { raw: '{"trunc' }) : ctx.api.get('/connectors'),
    );
    const answers = await Promise.all(requests);
    answers.forEach((res, i) => assert.equal(res.status, i % 2 === 0 ? 400 : 200));
    const root = await ctx.api.get('/');
    assert.equal(root.status, 200);
    const health = await ctx.api.get('/health');
    assert.equal(health.status, 200);
  });
}
