import type { RawConfig } from '../../plugins/api/index.js';
import type { ConnectorState } from '../herder/herder.js';
import type { SinkTaskRunner } from './sink-task-runner.js';
import type { SourceTaskRunner } from './source-task-runner.js';

/** One task of a connector as the worker tracks it: observed state, runner, restart history. */
export interface TaskSlot {
  readonly id: number;
  /** the task's config, providers resolved and framework properties included */
  readonly config: RawConfig;
  /** worker groups: the config as stored in the config topic (references unresolved), to tell a change */
  readonly stored?: RawConfig;
  state: ConnectorState;
  trace?: string;
  runner?: SourceTaskRunner | SinkTaskRunner;
  /** consecutive failures, for the automatic restart backoff */
  failures: number;
  startedAt: number;
  restartTimer?: NodeJS.Timeout;
}

/** Automatic restart delay: initial × 2^(failures−1), capped. */
export function restartDelay(failures: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
}
