import { decodeInternalJson, encodeInternalJson, isInternalJsonObject, type InternalJson } from './connect-internal-json.js';

/**
 * Records of the config topic (`config.storage.topic`, `connect-configs`; one partition,
 * compacted) in Kafka Connect's shapes (`KafkaConfigBackingStore`). Keys are plain UTF-8 strings;
 * values go through the internal JsonConverter (`schemas.enable=false`):
 *
 *   connector-<c>              {"properties":{...}}                 null = connector deleted
 *   task-<c>-<n>               {"properties":{...}}                 applied only at the next commit
 *   commit-<c>                 {"tasks":N}                          applies the buffered task configs
 *   target-state-<c>           {"state":"PAUSED","state.v2":"STOPPED"}  (v1; v0 has "state" only,
 *                              and writers put PAUSED in "state" for STOPPED so old workers pause)
 *   tasks-fencing-<c>          {"task-count":N}                     KIP-618 task count record
 *   session-key                {"key":"<base64>","algorithm":"HmacSHA256","creation-timestamp":ms}
 *   restart-connector-<c>      {"include-tasks":bool,"only-failed":bool}
 *   logger-cluster-<ns>        {"level":"DEBUG"}                    KIP-976 cluster-wide log level
 *
 * Readers ignore keys they do not know and records whose values have the wrong shape, as Kafka
 * Connect does (it logs and skips them): `decodeConfigRecord` says why in `ignored`.
 */
export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED';

export type ConfigRecord =
  | { readonly kind: 'connector'; readonly connector: string; readonly properties: Readonly<Record<string, string>> | null }
  | { readonly kind: 'task'; readonly connector: string; readonly task: number; readonly properties: Readonly<Record<string, string>> | null }
  | { readonly kind: 'commit'; readonly connector: string; readonly tasks: number }
  | { readonly kind: 'target-state'; readonly connector: string; readonly state: TargetState | null }
  | { readonly kind: 'task-count'; readonly connector: string; readonly taskCount: number }
  | { readonly kind: 'session-key'; readonly key: Buffer; readonly algorithm: string; readonly creationTimestamp: number }
  | { readonly kind: 'restart'; readonly connector: string; readonly includeTasks: boolean; readonly onlyFailed: boolean }
  | { readonly kind: 'logger'; readonly namespace: string; readonly level: string | null }
  | { readonly kind: 'ignored'; readonly key: string; readonly reason: string };

export interface EncodedRecord {
  readonly key: string;
  readonly value: Buffer | null;
}

const TARGET_STATES: readonly string[] = ['STARTED', 'PAUSED', 'STOPPED'];

export const configKeys = {
  connector: (connector: string) => `connector-${connector}`,
  task: (connector: string, task: number) => `task-${connector}-${task}`,
  commit: (connector: string) => `commit-${connector}`,
  targetState: (connector: string) => `target-state-${connector}`,
  taskCount: (connector: string) => `tasks-fencing-${connector}`,
  sessionKey: () => 'session-key',
  restart: (connector: string) => `restart-connector-${connector}`,
  logger: (namespace: string) => `logger-cluster-${namespace}`,
} as const;

export function encodeConnectorConfig(connector: string, properties: Readonly<Record<string, string>> | null): EncodedRecord {
  return { key: configKeys.connector(connector), value: properties === null ? null : encodeInternalJson({ properties }) };
}

export function encodeTaskConfig(connector: string, task: number, properties: Readonly<Record<string, string>>): EncodedRecord {
  return { key: configKeys.task(connector, task), value: encodeInternalJson({ properties }) };
}

export function encodeTasksCommit(connector: string, tasks: number): EncodedRecord {
  return { key: configKeys.commit(connector), value: encodeInternalJson({ tasks }) };
}

/** The v1 form Kafka Connect 3.5+ writes; null deletes the target state (with the connector). */
export function encodeTargetState(connector: string, state: TargetState | null): EncodedRecord {
  if (state === null) return { key: configKeys.targetState(connector), value: null };
  return { key: configKeys.targetState(connector), value: encodeInternalJson({ state: state === 'STOPPED' ? 'PAUSED' : state, 'state.v2': state }) };
}

export function encodeTaskCount(connector: string, taskCount: number): EncodedRecord {
  return { key: configKeys.taskCount(connector), value: encodeInternalJson({ 'task-count': taskCount }) };
}

export function encodeSessionKey(key: Uint8Array, algorithm: string, creationTimestamp: number): EncodedRecord {
  return { key: configKeys.sessionKey(), value: encodeInternalJson({ key: Buffer.from(key).toString('base64'), algorithm, 'creation-timestamp': creationTimestamp }) };
}

export function encodeRestartRequest(connector: string, includeTasks: boolean, onlyFailed: boolean): EncodedRecord {
  return { key: configKeys.restart(connector), value: encodeInternalJson({ 'include-tasks': includeTasks, 'only-failed': onlyFailed }) };
}

export function encodeLoggerLevel(namespace: string, level: string): EncodedRecord {
  return { key: configKeys.logger(namespace), value: encodeInternalJson({ level }) };
}

function stringMap(value: InternalJson | undefined): Record<string, string> | undefined {
  if (!isInternalJsonObject(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    // Kafka Connect's schema allows null property values (OPTIONAL_STRING_SCHEMA); they mean unset
    if (v === null) continue;
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  return out;
}

function int(value: InternalJson | undefined): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

/** `task-<connector>-<n>`: the connector name may itself contain dashes; the last part is the task. */
function parseTaskKey(key: string): { connector: string; task: number } | undefined {
  const match = /^task-(.+)-(\d+)$/.exec(key);
  if (!match) return undefined;
  return { connector: match[1], task: Number(match[2]) };
}

/** Reads one config-topic record; never throws. */
export function decodeConfigRecord(key: string, value: Uint8Array | null | undefined): ConfigRecord {
  const ignored = (reason: string): ConfigRecord => ({ kind: 'ignored', key, reason });
  let data: InternalJson = null;
  if (value) {
    try {
      data = decodeInternalJson(value);
    } catch (error) {
      return ignored(`value is not JSON: ${(error as Error).message}`);
    }
  }
  const fields = isInternalJsonObject(data) ? data : undefined;
  if (data !== null && !fields) return ignored('value is not a JSON object');

  // the same order of prefix checks as KafkaConfigBackingStore's consumer callback
  if (key.startsWith('target-state-')) {
    const connector = key.slice('target-state-'.length);
    if (!fields) return { kind: 'target-state', connector, state: null };
    const v2 = fields['state.v2'];
    const state = typeof v2 === 'string' ? v2 : fields.state;
    if (typeof state !== 'string' || !TARGET_STATES.includes(state)) return ignored(`unknown target state ${JSON.stringify(state)}`);
    return { kind: 'target-state', connector, state: state as TargetState };
  }
  if (key.startsWith('connector-')) {
    const connector = key.slice('connector-'.length);
    if (!fields) return { kind: 'connector', connector, properties: null };
    const properties = stringMap(fields.properties);
    return properties ? { kind: 'connector', connector, properties } : ignored('"properties" is not a map of strings');
  }
  if (key.startsWith('task-')) {
    const id = parseTaskKey(key);
    if (!id) return ignored('not a task-<connector>-<n> key');
    if (!fields) return { kind: 'task', ...id, properties: null };
    const properties = stringMap(fields.properties);
    return properties ? { kind: 'task', ...id, properties } : ignored('"properties" is not a map of strings');
  }
  if (key.startsWith('commit-')) {
    const tasks = int(fields?.tasks);
    return tasks === undefined ? ignored('"tasks" is not an integer') : { kind: 'commit', connector: key.slice('commit-'.length), tasks };
  }
  if (key.startsWith('restart-connector-')) {
    if (!fields) return ignored('a restart request cannot be null');
    // Kafka Connect defaults a missing or mistyped flag to false
    const flag = (v: InternalJson | undefined) => (typeof v === 'boolean' ? v : false);
    return { kind: 'restart', connector: key.slice('restart-connector-'.length), includeTasks: flag(fields['include-tasks']), onlyFailed: flag(fields['only-failed']) };
  }
  if (key.startsWith('tasks-fencing-')) {
    const taskCount = int(fields?.['task-count']);
    return taskCount === undefined ? ignored('"task-count" is not an integer') : { kind: 'task-count', connector: key.slice('tasks-fencing-'.length), taskCount };
  }
  if (key === 'session-key') {
    const encoded = fields?.key;
    const algorithm = fields?.algorithm;
    const created = int(fields?.['creation-timestamp']);
    if (typeof encoded !== 'string' || typeof algorithm !== 'string' || created === undefined) return ignored('a session key needs "key", "algorithm" and "creation-timestamp"');
    return { kind: 'session-key', key: Buffer.from(encoded, 'base64'), algorithm, creationTimestamp: created };
  }
  if (key.startsWith('logger-cluster-')) {
    const level = fields?.level;
    if (fields && typeof level !== 'string') return ignored('"level" is not a string');
    return { kind: 'logger', namespace: key.slice('logger-cluster-'.length), level: (level as string | undefined) ?? null };
  }
  return ignored('unknown key');
}
