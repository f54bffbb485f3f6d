import assert from 'node:assert/strict';
import { it } from 'node:test';
import { assertErrorBody } from '../rest-client.js';
import type { ContractContext } from './contract-context.js';

/** `GET /`, `/health`, `/metrics` and `/admin/loggers`. */
export function adminContract(ctx: ContractContext): void {
  it('GET / gives version, commit and kafka_cluster_id', async () => {
    const res = await ctx.api.get('/');
    assert.equal(res.status, 200);
    assert.equal(typeof res.body.version, 'string');
    assert.equal(typeof res.body.commit, 'string');
    assert.ok(Object.hasOwn(res.body, 'kafka_cluster_id'));
    assert.ok(res.body.kafka_cluster_id === null || typeof res.body.kafka_cluster_id === 'string');
  });

  it('GET /health: 200 healthy once started', async () => {
    const res = await ctx.api.get('/health');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'healthy');
    assert.equal(typeof res.body.message, 'string');
  });

  it('GET /metrics: Prometheus text in the registry content type', async () => {
    const res = await ctx.api.get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^(text\/plain|application\/openmetrics-text)/);
    assert.match(res.text, /^# (HELP|TYPE) /m);
  });

  it('GET /admin/loggers lists levels, root included', async () => {
    const res = await ctx.api.get('/admin/loggers');
    assert.equal(res.status, 200);
    assert.equal(typeof res.body.root?.level, 'string', res.text);
    for (const entry of Object.values(res.body) as { level: unknown; last_modified: unknown }[]) {
      assert.equal(typeof entry.level, 'string');
    }
  });

  it('PUT /admin/loggers/{name} sets a level: 200 with the affected loggers', async () => {
    const logger = `tributary.contract.${ctx.runId}`;
    const res = await ctx.api.put(`/admin/loggers/${logger}`, { level: 'DEBUG' });
    assert.equal(res.status, 200, res.text);
    assert.ok(Array.isArray(res.body) && res.body.includes(logger), res.text);
    const one = await ctx.api.get(`/admin/loggers/${logger}`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.body.level.toUpperCase(), 'DEBUG');
    assert.equal(typeof one.body.last_modified, 'number');
    const lower = await ctx.api.put(`/admin/loggers/${logger}`, { level: 'info' });
    assert.equal(lower.status, 200, lower.text);
    assert.equal((await ctx.api.get(`/admin/loggers/${logger}`)).body.level.toUpperCase(), 'INFO');
  });

  it('loggers refuse bad requests: invalid level 400, missing level 400, unknown logger 404', async () => {
    assertErrorBody(await ctx.api.put('/admin/loggers/root', { level: 'LOUD' }), 400);
    assertErrorBody(await ctx.api.put('/admin/loggers/root', {}), 400);
    assertErrorBody(await ctx.api.put('/admin/loggers/root', { level: 3 }), 400);
    assertErrorBody(await ctx.api.put('/admin/loggers/root', 'DEBUG'), 400);
    assertErrorBody(await ctx.api.get(`/admin/loggers/no.such.logger.${ctx.runId}`), 404);
  });
}
