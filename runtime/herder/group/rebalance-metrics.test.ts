import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RebalanceMetrics } from './rebalance-metrics.js';

describe('RebalanceMetrics', () => {
  it('counts rebalances, their average and longest time, and the time since the last', () => {
    let now = 1_000;
    const metrics = new RebalanceMetrics(() => now);
    assert.deepEqual(metrics.snapshot(), { rebalancing: false, epoch: -1, completedRebalances: 0, timeSinceLastRebalanceMs: -1, rebalanceAvgTimeMs: 0, rebalanceMaxTimeMs: 0, leader: undefined });
    metrics.started();
    now = 1_300;
    metrics.started(); // a retried join is still the same rebalance
    assert.equal(metrics.snapshot().rebalancing, true);
    now = 1_400;
    metrics.completed(1, 'member-a');
    now = 5_000;
    metrics.started();
    now = 5_200;
    metrics.completed(2, 'member-b');
    now = 6_000;
    assert.deepEqual(metrics.snapshot(), { rebalancing: false, epoch: 2, completedRebalances: 2, timeSinceLastRebalanceMs: 800, rebalanceAvgTimeMs: 300, rebalanceMaxTimeMs: 400, leader: 'member-b' });
    metrics.reset();
    assert.equal(metrics.snapshot().epoch, -1);
  });
});
