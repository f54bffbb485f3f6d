import type { ClusterConfigStore } from '../../storage/config-backing-store.js';
import type { GroupConfigView } from './leader-assignments.js';

/**
 * The membership's view of the config topic: how far this worker has read it, and each
 * connector with its committed task count — 0 while it has none, and for a STOPPED connector,
 * whose tasks are no one's to run (Kafka Connect writes an empty task set when it stops one).
 */
export function configTopicView(store: ClusterConfigStore): GroupConfigView {
  return {
    snapshot: () => ({
      offset: store.offset(),
      connectors: store.connectors().map((c) => ({ name: c.name, tasks: c.targetState === 'STOPPED' ? 0 : (store.taskConfigs(c.name)?.length ?? 0) })),
    }),
    catchUp: (offset, timeoutMs) => store.readTo(offset, timeoutMs),
  };
}
