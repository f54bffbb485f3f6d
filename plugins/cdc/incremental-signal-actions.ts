import type { Logger } from '../api/index.js';
import type { IncrementalState } from './incremental-state.js';
import type { Signal } from './signals.js';

/** What applying a signal may do to the incremental snapshot that runs it (IncrementalSnapshots). */
export interface SignalTarget {
  readonly logger: Logger;
  readonly dialect: { readonly unavailable: string | null; includes(collection: string): boolean };
  state(): IncrementalState | null;
  /** a new snapshot starts with this state */
  start(state: IncrementalState): void;
  /** the table being read was stopped: its window and description go */
  firstTableStopped(): void;
  /** no table is left */
  finish(): void;
  /** the state changed: the offsets' fields are built again */
  changed(): void;
  /** a chunk may be read now */
  next(): void;
}

/**
 * Debezium's signal semantics: `execute-snapshot` adds tables (to the running snapshot, or starts
 * one); `stop-snapshot` drops the tables it names (all without `data-collections`); `pause-snapshot`
 * lets the chunk being read finish and reads no next one until `resume-snapshot`; `log` logs.
 * Only `incremental` snapshots are done (a `blocking` one is refused where it is requested).
 */
export function applySignal(signal: Signal, target: SignalTarget): void {
  const log = target.logger;
  const state = target.state();
  switch (signal.type) {
    case 'log':
      log.info({ signal: signal.id }, signal.message);
      return;
    case 'execute-snapshot': {
      if (target.dialect.unavailable) {
        log.error({ signal: signal.id }, `signal ignored: ${target.dialect.unavailable}`);
        return;
      }
      if (signal.snapshotType !== 'incremental') {
        log.error({ signal: signal.id }, 'signal ignored: only incremental snapshots are supported (type "blocking" is not)');
        return;
      }
      const wanted = signal.collections.filter((c) => {
        if (target.dialect.includes(c)) return true;
        log.warn({ signal: signal.id, collection: c }, 'incremental snapshot: table not captured by this connector, skipped');
        return false;
      });
      if (wanted.length === 0) return;
      const conditions = Object.fromEntries(signal.conditions);
      let running = state;
      if (running) {
        for (const c of wanted) if (!running.collections.includes(c)) running.collections.push(c);
        Object.assign(running.conditions, conditions);
      } else {
        running = { id: signal.id, collections: [...wanted], conditions, lastKey: null, maxKey: null, paused: false, window: null };
        target.start(running);
      }
      target.changed();
      log.info({ signal: signal.id, collections: running.collections }, 'incremental snapshot requested');
      target.next();
      return;
    }
    case 'stop-snapshot': {
      if (!state) return;
      const drop = signal.collections.length === 0 ? state.collections : signal.collections;
      const first = state.collections[0];
      state.collections = state.collections.filter((c) => !drop.includes(c));
      if (!state.collections.includes(first)) {
        target.firstTableStopped();
        state.lastKey = null;
        state.maxKey = null;
      }
      log.info({ signal: signal.id, stopped: drop, left: state.collections }, 'incremental snapshot stopped');
      if (state.collections.length === 0) target.finish();
      else target.changed();
      target.next();
      return;
    }
    case 'pause-snapshot':
      if (!state) return;
      state.paused = true;
      target.changed();
      log.info({ signal: signal.id }, 'incremental snapshot paused (after the chunk being read)');
      return;
    case 'resume-snapshot':
      if (!state) return;
      state.paused = false;
      target.changed();
      log.info({ signal: signal.id }, 'incremental snapshot resumed');
      target.next();
  }
}
