import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MultipleErrors, NetworkError, ProtocolError, TimeoutError, UserError } from '@platformatic/kafka';
import { TributaryError } from '../../plugins/api/index.js';
import { QueueClosedError } from './async-queue.js';
import { isRetriableHandoffError, withHandoffRetry, type HandoffRetry } from './handoff-retry.js';

function retry(attempts: number, intervalMs = 1): HandoffRetry & { retries: number[]; gaveUp: (e: TributaryError) => void; failures: TributaryError[] } {
  const retries: number[] = [];
  const failures: TributaryError[] = [];
  return { policy: { attempts, intervalMs }, signal: new AbortController().signal, retries, failures, retrying: (n) => retries.push(n), gaveUp: (e) => failures.push(e) };
}

test('refusals that may pass are retriable; a closed bus, a fenced producer, a bad record are not', () => {
  assert.equal(isRetriableHandoffError(new NetworkError('Connection refused')), true);
  assert.equal(isRetriableHandoffError(new TimeoutError('Request timed out')), true);
  assert.equal(isRetriableHandoffError(new ProtocolError('NOT_ENOUGH_REPLICAS')), true);
  // the client gathers one error per attempt
  assert.equal(isRetriableHandoffError(new MultipleErrors('Producing messages failed.', [new ProtocolError('NOT_ENOUGH_REPLICAS'), new NetworkError('Connection closed')])), true);
  assert.equal(isRetriableHandoffError(new MultipleErrors('Producing messages failed.', [new ProtocolError('NOT_ENOUGH_REPLICAS'), new ProtocolError('PRODUCER_FENCED')])), false);
  assert.equal(isRetriableHandoffError(new ProtocolError('MESSAGE_TOO_LARGE')), false);
  assert.equal(isRetriableHandoffError(new ProtocolError('TOPIC_AUTHORIZATION_FAILED')), false);
  assert.equal(isRetriableHandoffError(new UserError('Cannot produce to an already completed transaction.')), false);
  assert.equal(isRetriableHandoffError(new QueueClosedError()), false);
  assert.equal(isRetriableHandoffError(new TributaryError('record.rejected', 'too large')), false);
  assert.equal(isRetriableHandoffError(new TributaryError('kafka.unavailable', 'down')), true);
  assert.equal(isRetriableHandoffError(new Error('plain')), false);
});

test('a refused hand-off is retried `attempts` times, each retry reported with its number', async () => {
  const r = retry(3);
  let calls = 0;
  const result = await withHandoffRetry([r], 'a batch', async () => {
    if (++calls <= 2) throw new ProtocolError('NOT_ENOUGH_REPLICAS');
    return 'sent';
  });
  assert.equal(result, 'sent');
  assert.equal(calls, 3);
  assert.deepEqual(r.retries, [1, 2]);
  assert.equal(r.failures.length, 0);
});

test('after the last retry the task is told and the hand-off fails with source.handoff_failed (not retriable)', async () => {
  const r = retry(3);
  const other = retry(3);
  let calls = 0;
  let prepared = 0;
  await assert.rejects(
    withHandoffRetry([r, other], 'a batch', async () => {
      calls++;
      throw new NetworkError('Connection refused');
    }, async () => { prepared++; }),
    (e: unknown) => e instanceof TributaryError && e.code === 'source.handoff_failed' && !e.retriable && /refused 4 times/.test(e.message) && e.cause instanceof NetworkError,
  );
  assert.equal(calls, 4, 'the first attempt and 3 retries');
  assert.equal(prepared, 3, 'each retry prepared (an exactly-once outlet aborts there)');
  assert.deepEqual(r.retries, [1, 2, 3]);
  assert.deepEqual(other.retries, [1, 2, 3], 'every task whose records the request carried is told');
  assert.equal(r.failures.length, 1);
  assert.equal(other.failures.length, 1);
});

test('waits intervalMs before each retry', async () => {
  const r = retry(2, 150);
  const times: number[] = [];
  await assert.rejects(withHandoffRetry([r], 'a batch', async () => {
    times.push(performance.now());
    throw new ProtocolError('NOT_ENOUGH_REPLICAS');
  }));
  assert.equal(times.length, 3);
  for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 140, `retry ${i} after ${times[i] - times[i - 1]} ms`);
});

test('without a policy, with 0 attempts, or for a failure a retry cannot heal, the first error is thrown as it is', async () => {
  const fenced = new ProtocolError('PRODUCER_FENCED');
  for (const retries of [[], [retry(0)], [retry(3)]]) {
    let calls = 0;
    const error = retries.length === 1 && retries[0].policy.attempts === 3 ? fenced : new NetworkError('down');
    await assert.rejects(withHandoffRetry(retries, 'a batch', async () => {
      calls++;
      throw error;
    }), (e: unknown) => e === error);
    assert.equal(calls, 1);
  }
});

test('a stopping task ends the retries at once', async () => {
  const controller = new AbortController();
  const r = { ...retry(3, 60_000), signal: controller.signal };
  const started = performance.now();
  const run = withHandoffRetry([r], 'a batch', async () => { throw new NetworkError('down'); });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(run, (e: unknown) => e instanceof NetworkError);
  assert.ok(performance.now() - started < 5_000);
});

test('OceanBase defaults the source hand-off policy to 3 retries 2 s apart; every other source to none, and a user sets it per connector', async () => {
  const { builtinConnectors } = await import('../../connectors/index.js');
  const { fullSpecOf } = await import('../worker/connector-validator.js');
  const { parseConfig } = await import('../../plugins/api/index.js');
  const sources = builtinConnectors.filter((c) => c.kind === 'source');
  assert.ok(sources.length >= 4);
  for (const c of sources) {
    const parsed = parseConfig(fullSpecOf(c), {}).value as Record<string, unknown>;
    const expected = c.name === 'oceanbase' ? [3, 2000] : [0, 2000];
    assert.deepEqual([parsed['handoff.retry.attempts'], parsed['handoff.retry.interval.ms']], expected, c.name);
    const set = parseConfig(fullSpecOf(c), { 'handoff.retry.attempts': '5', 'handoff.retry.interval.ms': '100' }).value as Record<string, unknown>;
    assert.deepEqual([set['handoff.retry.attempts'], set['handoff.retry.interval.ms']], [5, 100], c.name);
  }
  for (const c of builtinConnectors.filter((x) => x.kind === 'sink')) assert.equal(fullSpecOf(c).properties['handoff.retry.attempts'], undefined, `${c.name}: sinks have no source hand-off`);
});
