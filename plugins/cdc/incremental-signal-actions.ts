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
  /** a blocking snapshot of the captured tables named (absent: the source does not do them) */
  readonly blocking?: (signal: BlockingSnapshotSignal) => void;
}

/** An `execute-snapshot` of `type: blocking`, its tables narrowed to those the connector captures. */
export type BlockingSnapshotSignal = Extract<Signal, { type: 'execute-snapshot' }>;

/**
 * Debezium's signal semantics: `execute-snapshot` adds tables (to the running snapshot, or starts
 * one); `stop-snapshot` drops the tables it names (all without `data-collections`); `pause-snapshot`
 * lets the chunk being read finish and reads no next one until `resume-snapshot`; `log` logs.
 * A `blocking` snapshot goes to the source's `blocking` (which stops the stream while it reads),
 * unless an incremental snapshot is running: the two would interleave, so it is refused.
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
      const wanted = signal.collections.filter((c) => {
        if (target.dialect.includes(c)) return true;
        log.warn({ signal: signal.id, collection: c }, `${signal.snapshotType} snapshot: table not captured by this connector, skipped`);
        return false;
      });
      if (signal.snapshotType === 'blocking') {
        if (!target.blocking) log.error({ signal: signal.id }, 'signal ignored: this source does not take blocking snapshots (use "type": "incremental")');
        else if (state) log.error({ signal: signal.id, running: state.collections }, 'signal ignored: a blocking snapshot cannot start while an incremental snapshot runs (stop it first, or wait for it to end)');
        else if (wanted.length > 0) target.blocking({ ...signal, collections: wanted });
        return;
      }
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
