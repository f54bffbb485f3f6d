import { describeError, TributaryError, type Connector, type RawConfig } from '../../plugins/api/index.js';
import type { SinkFeed } from '../bus/bus.js';
import type { TargetState } from '../herder/herder.js';
import type { ValidatedConfig } from './connector-validator.js';
import type { TaskSlot } from './task-slot.js';

/** What the worker keeps of one connector it runs (all of it, or in a group the part assigned). */
export interface ConnectorEntry {
  name: string;
  /** as stored: provider references unresolved */
  config: Record<string, string>;
  target: TargetState;
  connector?: Connector;
  failure?: string;
  taskConfigs: RawConfig[];
  tasks: TaskSlot[];
  matches?: (topic: string) => boolean;
  /** a running sink's feeds, one per task */
  feeds?: SinkFeed[];
  /** the config as validated at the last start: its plugin, resolved and parsed */
  valid?: ValidatedConfig;
  restart: { auto: boolean; initialMs: number; maxMs: number; maxAttempts: number };
  /** the config's unknown properties were logged (once per config, not at every restart) */
  warned?: boolean;
  /** a connector-level failure (its task configs could not be computed) waiting for its automatic restart */
  connectorRestart?: { failures: number; timer?: NodeJS.Timeout };
  /** task ids whose statuses are in the status store */
  publishedTasks: Set<number>;
  /** worker groups: the part of the connector this worker was assigned (standalone: undefined, all of it) */
  assigned?: AssignedPart;
  /** worker groups: the feeds of `feeds` handed to a task already (a task started again needs a fresh one) */
  feedsTaken?: Set<number>;
}

export interface AssignedPart {
  readonly connector: boolean;
  readonly tasks: ReadonlyMap<number, RawConfig>;
  readonly taskCount: number;
}

/**
 * Worker groups: what one worker runs of one connector. Its connector (which computes the task
 * configs the leader stores) and its tasks are assigned separately, each to some worker.
 */
export interface ConnectorAssignment {
  /** the connector's config as stored (provider references unresolved) */
  readonly config: Record<string, string>;
  readonly target: TargetState;
  /** this worker runs the connector: it computes the task configs and owns the connector's status */
  readonly connector: boolean;
  /** the tasks this worker runs, with their configs as committed to the config topic */
  readonly tasks: ReadonlyMap<number, RawConfig>;
  /** the connector's committed task count (a sink task takes its share of partitions by it) */
  readonly taskCount: number;
}

/** What a restart request asks of the part a worker runs (Kafka Connect's RestartRequest, resolved by the owner). */
export interface AssignedRestart {
  readonly connector: boolean;
  readonly tasks: readonly number[];
}

export function heldWarning(held: ReadonlyMap<string, number>): string {
  const since = new Date(Math.min(...held.values())).toISOString();
  return `No sink connector takes topic(s) ${[...held.keys()].sort().join(', ')}: this task's offsets are held before their records since ${since}, so a sink created for them still gets them (embedded mode keeps no log). Create the sink, or leave the topics out of the source.`;
}

/**
 * Failures a restart cannot heal — a stored offset the task cannot read, an invalid config, a
 * record that fails with errors.tolerance=none (a restart reads it again), a source position the
 * database no longer has: the task goes FAILED at once (with the trace saying what to fix)
 * instead of restarting in a loop.
 */
export function needsOperator(error: unknown): boolean {
  return error instanceof TributaryError && !error.retriable && (error.code === 'offsets.invalid' || error.code === 'config.invalid' || error.code === 'errors.tolerance_exceeded' || error.code === 'source.position_lost' || error.code === 'schema.incompatible');
}

/** The status trace of a RUNNING task working around a failure: the error, and since when. */
export function degradedTrace(degraded: { error: unknown; since: number }): string {
  return `${describeError(degraded.error)}\n(still RUNNING: the task has been working around this since ${new Date(degraded.since).toISOString()})`;
}

/** Task configs with every value that came from a provider reference put back as that reference. */
export function storableTaskConfigs(stored: Readonly<Record<string, string>>, resolved: Readonly<RawConfig>, taskConfigs: readonly RawConfig[]): RawConfig[] {
  return taskConfigs.map((tc) => Object.fromEntries(Object.entries(tc).map(([k, v]) => [k, k in stored && v === resolved[k] ? stored[k] : v])));
}
