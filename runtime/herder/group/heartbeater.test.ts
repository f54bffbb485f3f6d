import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../../../plugins/api/index.js';
import type { GroupError } from '../../kafka/group-requests.js';
import type { GroupClient } from './group-client.js';
import { Heartbeater, type HeartbeatEvents } from './heartbeater.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const target = { generation: 3, memberId: 'm-1', groupInstanceId: null };

/** a coordinator connection whose heartbeat answers come from `answer` (a promise that never settles: a partition) */
function client(answer: () => Promise<GroupError | null>, calls: number[] = []): GroupClient {
  return {
    heartbeat: async (generation) => { calls.push(generation); return answer(); },
    join: () => Promise.reject(new Error('unused')), sync: () => Promise.reject(new Error('unused')), leave: () => Promise.reject(new Error('unused')),
    close: async () => undefined,
  };
}

function recorder(): HeartbeatEvents & { seen: string[] } {
  const seen: string[] = [];
  return { seen, rebalance: () => seen.push('rebalance'), outOfGroup: (error) => seen.push(error), fenceDue: () => seen.push('fence') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Heartbeater', () => {
  it('heartbeats on its interval for the current target and reports what the coordinator says', async () => {
    const events = recorder();
    const calls: number[] = [];
    const answers: (GroupError | null)[] = [null, 'REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION'];
    const beater = new Heartbeater({ connect: async () => client(async () => answers.shift() ?? null, calls), intervalMs: 30, sessionTimeoutMs: 1_000, fencingMarginMs: 200, events, logger: quiet, now: Date.now });
    beater.target(target);
    beater.alive(Date.now());
    await sleep(200);
    await beater.stop();
    assert.ok(calls.length >= 3 && calls.every((g) => g === 3), `${calls}`);
    assert.deepEqual(events.seen, ['rebalance', 'ILLEGAL_GENERATION']);
  });

  it('fires fenceDue once when no heartbeat is answered for session − margin, even while one hangs', async () => {
    const events = recorder();
    let connects = 0;
    const beater = new Heartbeater({ connect: async () => { connects++; return client(() => new Promise(() => undefined)); }, intervalMs: 50, sessionTimeoutMs: 400, fencingMarginMs: 100, events, logger: quiet, now: Date.now });
    const start = Date.now();
    beater.target(target);
    beater.alive(start);
    await sleep(600);
    await beater.stop();
    assert.deepEqual(events.seen, ['fence']);
    assert.ok(connects >= 2, 'an unanswered heartbeat is abandoned and the connection opened again');
  });

  it('does not fence a member that holds nothing (disarmed)', async () => {
    const events = recorder();
    const beater = new Heartbeater({ connect: async () => client(() => Promise.reject(new Error('reset'))), intervalMs: 50, sessionTimeoutMs: 300, fencingMarginMs: 100, events, logger: quiet, now: Date.now });
    beater.target(target);
    beater.alive(Date.now());
    beater.disarm();
    await sleep(450);
    await beater.stop();
    assert.deepEqual(events.seen, []);
  });
});
