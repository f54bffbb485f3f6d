import { Counter, Gauge, type Registry } from 'prom-client';
import type { RebalanceMetricsSnapshot } from './rebalance-metrics.js';

export interface GroupMetricsSource {
  /** undefined before the membership exists */
  rebalance(): RebalanceMetricsSnapshot | undefined;
  /** what this worker runs: connectors (not STOPPED) and tasks */
  counts(): { connectors: number; tasks: number };
  isLeader(): boolean;
}

/**
 * A group worker's metrics on /metrics, read when scraped: Kafka Connect's
 * `connect-worker-rebalance-metrics` (completed-rebalances-total, epoch, rebalancing,
 * time-since-last-rebalance-ms, rebalance-avg-time-ms, rebalance-max-time-ms, leader-name) and
 * `connect-worker-metrics` counts (connector-count, task-count), with the `tributary_` prefix
 * and underscores as the worker's other metrics.
 */
export function registerGroupMetrics(registry: Registry, source: GroupMetricsSource): void {
  const snapshot = () => source.rebalance();
  const gauge = (name: string, help: string, value: () => number | undefined) => new Gauge({
    name, help, registers: [registry],
    collect() {
      const v = value();
      if (v !== undefined) this.set(v);
    },
  });
  new Counter({
    name: 'tributary_completed_rebalances_total', help: 'Rebalances this worker completed (completed-rebalances-total).', registers: [registry],
    collect() {
      this.reset();
      this.inc(snapshot()?.completedRebalances ?? 0);
    },
  });
  gauge('tributary_rebalance_epoch', 'The generation of the assignment in force, -1 without one (epoch).', () => snapshot()?.epoch ?? -1);
  gauge('tributary_rebalancing', '1 while a rebalance is under way (rebalancing).', () => (snapshot()?.rebalancing ? 1 : 0));
  gauge('tributary_time_since_last_rebalance_ms', 'Milliseconds since the last completed rebalance, -1 before the first (time-since-last-rebalance-ms).', () => snapshot()?.timeSinceLastRebalanceMs ?? -1);
  gauge('tributary_rebalance_avg_time_ms', 'Average time of a rebalance, from joining to the assignment applied (rebalance-avg-time-ms).', () => snapshot()?.rebalanceAvgTimeMs ?? 0);
  gauge('tributary_rebalance_max_time_ms', 'Longest rebalance (rebalance-max-time-ms).', () => snapshot()?.rebalanceMaxTimeMs ?? 0);
  new Gauge({
    name: 'tributary_rebalance_leader_info', help: '1, labelled with the member id of the group\'s leader (leader-name).', labelNames: ['leader'], registers: [registry],
    collect() {
      this.reset();
      const leader = snapshot()?.leader;
      if (leader) this.set({ leader }, 1);
    },
  });
  gauge('tributary_group_leader', '1 when this worker leads its group.', () => (source.isLeader() ? 1 : 0));
  gauge('tributary_connector_count', 'Connectors this worker runs (connector-count).', () => source.counts().connectors);
  gauge('tributary_task_count', 'Tasks this worker runs (task-count).', () => source.counts().tasks);
}
