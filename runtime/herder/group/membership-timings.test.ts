import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TributaryError } from '../../../plugins/api/index.js';
import { membershipTimings } from './membership-timings.js';

describe('membershipTimings', () => {
  it('fills in defaults: a 10 s delay, raised above the session timeout when that is as long, a fifth of it as fencing margin', () => {
    assert.deepEqual(membershipTimings({ sessionTimeoutMs: 6_000, heartbeatIntervalMs: 2_000 }), {
      sessionTimeoutMs: 6_000, heartbeatIntervalMs: 2_000, rebalanceTimeoutMs: 60_000, scheduledRebalanceMaxDelayMs: 10_000, fencingMarginMs: 1_200, configSyncTimeoutMs: 3_000, retryBackoffMs: 100,
    });
    assert.equal(membershipTimings().scheduledRebalanceMaxDelayMs, 13_000, 'session 10 s + heartbeat 3 s');
  });

  it('refuses timings that contradict each other, listing every problem', () => {
    assert.throws(() => membershipTimings({ sessionTimeoutMs: 10_000, heartbeatIntervalMs: 10_000, scheduledRebalanceMaxDelayMs: 5_000, fencingMarginMs: 4_000 }), (e: unknown) => {
      assert.ok(e instanceof TributaryError && e.code === 'worker.config_invalid');
      assert.equal(e.details.length, 3);
      assert.match(e.message, /heartbeat\.interval\.ms must be lower than session\.timeout\.ms/);
      assert.match(e.message, /scheduled\.rebalance\.max\.delay\.ms \(5000\) must be longer than session\.timeout\.ms \(10000\)/);
      assert.match(e.message, /self-fencing margin/);
      return true;
    });
    assert.throws(() => membershipTimings({ sessionTimeoutMs: -1 }), /sessionTimeoutMs/);
  });
});
