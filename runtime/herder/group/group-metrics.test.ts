import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Registry } from 'prom-client';
import { registerGroupMetrics } from './group-metrics.js';
import { RebalanceMetrics } from './rebalance-metrics.js';

it('group metrics: Kafka Connect\'s rebalance metrics and the worker\'s counts, read at each scrape', async () => {
  let now = 1_000;
  const rebalances = new RebalanceMetrics(() => now);
  const registry = new Registry();
  let tasks = 3;
  registerGroupMetrics(registry, { rebalance: () => rebalances.snapshot(), counts: () => ({ connectors: 1, tasks }), isLeader: () => true });
  rebalances.started();
  now = 1_250;
  rebalances.completed(7, 'member-1');
  now = 2_250;
  const text = await registry.metrics();
  for (const line of [
    'tributary_completed_rebalances_total 1', 'tributary_rebalance_epoch 7', 'tributary_rebalancing 0', 'tributary_time_since_last_rebalance_ms 1000',
    'tributary_rebalance_avg_time_ms 250', 'tributary_rebalance_max_time_ms 250', 'tributary_rebalance_leader_info{leader="member-1"} 1',
    'tributary_group_leader 1', 'tributary_connector_count 1', 'tributary_task_count 3',
  ]) assert.ok(text.includes(line), `${line} in\n${text}`);
  tasks = 5;
  rebalances.started();
  const again = await registry.metrics();
  assert.ok(again.includes('tributary_task_count 5') && again.includes('tributary_rebalancing 1') && again.includes('tributary_completed_rebalances_total 1'));
});
