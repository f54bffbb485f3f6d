import { decodeInternalJson, encodeInternalJson, isInternalJsonObject, type InternalJson } from './connect-internal-json.js';
import type { EncodedRecord } from './kafka-config-format.js';

/**
 * Records of the status topic (`status.storage.topic`, `connect-status`; compacted) in Kafka
 * Connect's shapes (`KafkaStatusBackingStore`). Keys are plain UTF-8 strings; values go through
 * the internal JsonConverter (`schemas.enable=false`):
 *
 *   status-connector-<c>                 {"state":"RUNNING","trace":null,"worker_id":"host:port","generation":7}
 *   status-task-<c>-<n>                  the same shape; null = status removed
 *   status-topic-<topic>:connector-<c>   {"topic":{"name":...,"connector":...,"task":0,"discoverTimestamp":ms}}
 *                                        (KIP-558 active topics)
 *
 * `trace` is always written, as null when there is none (the schema's field is optional).
 * `generation` is the worker group's generation at the time of the write: readers keep a
 * status only if it is not older than the one they have (issue 11's zombie rule).
 */
export type ConnectorState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING' | 'DESTROYED';

export interface StatusValue {
  readonly state: ConnectorState;
  readonly trace: string | null;
  readonly workerId: string;
  readonly generation: number;
}

export interface TopicStatusValue {
  readonly topic: string;
  readonly connector: string;
  readonly task: number;
  readonly discoverTimestamp: number;
}

export type StatusRecord =
  | { readonly kind: 'connector'; readonly connector: string; readonly status: StatusValue | null }
  | { readonly kind: 'task'; readonly connector: string; readonly task: number; readonly status: StatusValue | null }
  | { readonly kind: 'topic'; readonly connector: string; readonly topic: string; readonly status: TopicStatusValue | null }
  | { readonly kind: 'ignored'; readonly key: string; readonly reason: string };

const STATES: readonly string[] = ['UNASSIGNED', 'RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'RESTARTING', 'DESTROYED'];

export const statusKeys = {
  connector: (connector: string) => `status-connector-${connector}`,
  task: (connector: string, task: number) => `status-task-${connector}-${task}`,
  topic: (connector: string, topic: string) => `status-topic-${topic}:connector-${connector}`,
} as const;

function statusJson(status: StatusValue): Buffer {
  return encodeInternalJson({ state: status.state, trace: status.trace, worker_id: status.workerId, generation: status.generation });
}

export function encodeConnectorStatus(connector: string, status: StatusValue | null): EncodedRecord {
  return { key: statusKeys.connector(connector), value: status === null ? null : statusJson(status) };
}

export function encodeTaskStatus(connector: string, task: number, status: StatusValue | null): EncodedRecord {
  return { key: statusKeys.task(connector, task), value: status === null ? null : statusJson(status) };
}

export function encodeTopicStatus(status: TopicStatusValue): EncodedRecord {
  return {
    key: statusKeys.topic(status.connector, status.topic),
    value: encodeInternalJson({ topic: { name: status.topic, connector: status.connector, task: status.task, discoverTimestamp: status.discoverTimestamp } }),
  };
}

function int(value: InternalJson | undefined): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

function parseStatus(data: InternalJson): StatusValue | string {
  if (!isInternalJsonObject(data)) return 'value is not a JSON object';
  const { state, trace, worker_id: workerId } = data;
  const generation = int(data.generation);
  if (typeof state !== 'string' || !STATES.includes(state)) return `unknown state ${JSON.stringify(state)}`;
  if (typeof workerId !== 'string') return '"worker_id" is not a string';
  if (generation === undefined) return '"generation" is not an integer';
  return { state: state as ConnectorState, trace: typeof trace === 'string' ? trace : null, workerId, generation };
}

/** Reads one status-topic record; never throws. */
export function decodeStatusRecord(key: string, value: Uint8Array | null | undefined): StatusRecord {
  const ignored = (reason: string): StatusRecord => ({ kind: 'ignored', key, reason });
  let data: InternalJson = null;
  if (value) {
    try {
      data = decodeInternalJson(value);
    } catch (error) {
      return ignored(`value is not JSON: ${(error as Error).message}`);
    }
  }
  if (key.startsWith('status-connector-')) {
    const connector = key.slice('status-connector-'.length);
    if (connector === '') return ignored('no connector name');
    if (data === null) return { kind: 'connector', connector, status: null };
    const status = parseStatus(data);
    return typeof status === 'string' ? ignored(status) : { kind: 'connector', connector, status };
  }
  if (key.startsWith('status-task-')) {
    const match = /^status-task-(.+)-(\d+)$/.exec(key);
    if (!match) return ignored('not a status-task-<connector>-<n> key');
    const [, connector, task] = match;
    if (data === null) return { kind: 'task', connector, task: Number(task), status: null };
    const status = parseStatus(data);
    return typeof status === 'string' ? ignored(status) : { kind: 'task', connector, task: Number(task), status };
  }
  if (key.startsWith('status-topic-')) {
    const at = key.indexOf(':connector-');
    const topic = at < 0 ? '' : key.slice('status-topic-'.length, at);
    const connector = at < 0 ? '' : key.slice(at + ':connector-'.length);
    if (topic === '' || connector === '') return ignored('not a status-topic-<topic>:connector-<c> key');
    if (data === null) return { kind: 'topic', connector, topic, status: null };
    const inner = isInternalJsonObject(data) ? data.topic : undefined;
    if (!isInternalJsonObject(inner)) return ignored('no "topic" object');
    const task = int(inner.task);
    const discoverTimestamp = int(inner.discoverTimestamp);
    if (typeof inner.name !== 'string' || typeof inner.connector !== 'string' || task === undefined || discoverTimestamp === undefined) return ignored('malformed topic status');
    return { kind: 'topic', connector, topic, status: { topic: inner.name, connector: inner.connector, task, discoverTimestamp } };
  }
  return ignored('unknown key');
}
