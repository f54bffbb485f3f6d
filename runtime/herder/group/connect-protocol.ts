import { z } from 'zod';
import { TributaryError } from '../../../plugins/api/index.js';
import {
  compareTaskIds, compareText, workFromKeys, workKeys, type ConnectorsAndTasks, type ConnectorTaskId, type GroupWork, type WorkerWork,
} from './connectors-and-tasks.js';

/**
 * The bytes Tributary workers exchange through Kafka's group protocol: each member's metadata
 * (JoinGroup) and the leader's assignment for each member (SyncGroup), in the shape of Kafka
 * Connect's `IncrementalCooperativeConnectProtocol` (`ExtendedWorkerState`,
 * `ExtendedAssignment`), encoded as versioned JSON.
 *
 * The protocol type is Kafka Connect's (`connect`) and the protocol name our own: the coordinator
 * only admits members sharing a protocol name, so a Java Connect worker (`sessioned`,
 * `compatible`, `default`) joining a Tributary group by mistake is refused with
 * INCONSISTENT_GROUP_PROTOCOL instead of being handed bytes it cannot read. A later incompatible
 * format takes a new name (`tributary-v2`); fields added to v1 are ignored by older readers.
 *
 * Decoding validates every field: bytes that are not ours are a `group.payload_invalid` error,
 * never a crash or a half-read assignment.
 */
export const CONNECT_PROTOCOL_TYPE = 'connect';
export const TRIBUTARY_PROTOCOL_NAME = 'tributary-v1';

/** What a member tells the leader when it joins. */
export interface MemberMetadata {
  readonly workerId: string;
  /** the worker's REST URL, where other workers forward requests */
  readonly url: string;
  /** how far the worker has read the config topic */
  readonly configOffset: number;
  /** the generation in which `owned` was assigned; -1 before the first assignment */
  readonly generation: number;
  /** what the worker runs now, so a cooperative rebalance leaves it there */
  readonly owned: ConnectorsAndTasks;
  /** a worker handing its work over before it leaves the group: it is assigned nothing */
  readonly leaving: boolean;
}

/**
 * NONE, or CONFIG_MISMATCH: the leader had read less of the config topic than a member, so it
 * assigned nothing; every member reads the config topic up to `configOffset` and joins again.
 */
export type AssignmentError = 'NONE' | 'CONFIG_MISMATCH';

/** Work of a departed worker held back for a while, in case the worker comes back. */
export interface DelayedWork extends WorkerWork {
  /** how long after this assignment the work is handed to the others */
  readonly remainingMs: number;
}

/**
 * What the whole group was given in this generation, sent to every member: whichever member
 * leads the next rebalance knows what every worker had and which departed worker's work is
 * still held back, even if the previous leader is the one that departed (Kafka Connect's new
 * leader forgets both, and reassigns a dead leader's tasks at once).
 */
export type GroupAllocation = GroupWork<DelayedWork>;

/** The leader's answer to one member. */
export interface Assignment {
  readonly error: AssignmentError;
  /** the leader's member id and REST URL (where writes are forwarded) */
  readonly leader: string;
  readonly leaderUrl: string;
  /** the config-topic offset the assignment was computed at; read up to it before starting work */
  readonly configOffset: number;
  /**
   * Everything the member runs from now on (not only what is new, as in Kafka Connect: a member
   * never rebuilds its state from a chain of deltas).
   */
  readonly assigned: ConnectorsAndTasks;
  /** what the member stops now; it was running it and `assigned` no longer has it */
  readonly revoked: ConnectorsAndTasks;
  /**
   * The revoked work goes to another member, which gets it in the next rebalance: once it has
   * stopped it, the member joins again at once to start that rebalance.
   */
  readonly rejoinAfterRevoking: boolean;
  /** > 0: work is held back; the leader joins again after this long to hand it out */
  readonly delayMs: number;
  readonly group: GroupAllocation;
  /** every member's REST URL by worker id: where a request for another worker's work goes */
  readonly urls: ReadonlyMap<string, string>;
  /**
   * The generation status writes carry in this round: the group's, raised past every generation
   * the status topic holds and the previous round's, so it only ever grows — also when the
   * coordinator forgot an empty group and counts from 1 again (stale writes lose by it). -1 from
   * an older leader: the group's generation.
   */
  readonly writeGeneration: number;
}

const text = z.string();
const count = z.number().int().nonnegative();

/**
 * `{"connectors":[...],"tasks":[["<connector>",[0,1]],...]}`: tasks grouped by connector (a third
 * of the bytes of a list of pairs), as pairs rather than an object so that any connector name,
 * `__proto__` included, is data and never an object key.
 */
const workSchema = z.object({
  connectors: z.array(text),
  tasks: z.array(z.tuple([text, z.array(count)])),
});

const metadataSchema = z.object({
  v: z.number().int().min(1),
  worker: text.min(1),
  url: text,
  offset: z.number().int().min(-1),
  generation: z.number().int().min(-1),
  owned: workSchema,
  leaving: z.boolean(),
});

const assignmentSchema = z.object({
  v: z.number().int().min(1),
  error: z.enum(['NONE', 'CONFIG_MISMATCH']),
  leader: text,
  leaderUrl: text,
  offset: z.number().int().min(-1),
  assigned: workSchema,
  revoked: workSchema,
  rejoin: z.boolean(),
  delayMs: count,
  group: z.object({
    workers: z.array(z.object({ worker: text, work: workSchema })),
    delayed: z.array(z.object({ worker: text, work: workSchema, remainingMs: count })),
  }),
  // added to v1: an older leader's assignment has none
  urls: z.array(z.tuple([text, text])).default([]),
  wgen: z.number().int().min(-1).default(-1),
});

type WireWork = z.infer<typeof workSchema>;

function toWire(work: ConnectorsAndTasks): WireWork {
  const tasks = new Map<string, number[]>();
  for (const { connector, task } of [...work.tasks].sort(compareTaskIds)) {
    if (!tasks.has(connector)) tasks.set(connector, []);
    tasks.get(connector)!.push(task);
  }
  return { connectors: [...work.connectors].sort(compareText), tasks: [...tasks] };
}

/** Sorted, and a connector or task named twice counts once. */
function fromWire(wire: WireWork): ConnectorsAndTasks {
  const tasks: ConnectorTaskId[] = wire.tasks.flatMap(([connector, ids]) => ids.map((task) => ({ connector, task })));
  return workFromKeys(new Set(workKeys({ connectors: wire.connectors, tasks })));
}

function decode<S extends z.ZodType>(schema: S, bytes: Buffer, what: string): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new TributaryError('group.payload_invalid', `The ${what} of a worker-group member is not JSON (${bytes.length} bytes): is a non-Tributary client in the group?`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new TributaryError('group.payload_invalid', `The ${what} of a worker-group member is not in Tributary's format: ${problems.join('; ')}`, { details: problems });
  }
  return parsed.data;
}

export function encodeMemberMetadata(metadata: MemberMetadata): Buffer {
  return Buffer.from(JSON.stringify({
    v: 1, worker: metadata.workerId, url: metadata.url, offset: metadata.configOffset, generation: metadata.generation,
    owned: toWire(metadata.owned), leaving: metadata.leaving,
  }), 'utf8');
}

/** Throws `group.payload_invalid` for bytes that are not a Tributary member's metadata. */
export function decodeMemberMetadata(bytes: Buffer): MemberMetadata {
  const m = decode(metadataSchema, bytes, 'metadata');
  return { workerId: m.worker, url: m.url, configOffset: m.offset, generation: m.generation, owned: fromWire(m.owned), leaving: m.leaving };
}

export function encodeAssignment(assignment: Assignment): Buffer {
  const workers = [...assignment.group.workers].sort(([a], [b]) => compareText(a, b)).map(([worker, work]) => ({ worker, work: toWire(work) }));
  return Buffer.from(JSON.stringify({
    v: 1, error: assignment.error, leader: assignment.leader, leaderUrl: assignment.leaderUrl, offset: assignment.configOffset,
    assigned: toWire(assignment.assigned), revoked: toWire(assignment.revoked), rejoin: assignment.rejoinAfterRevoking, delayMs: assignment.delayMs,
    group: { workers, delayed: assignment.group.heldBack.map((d) => ({ worker: d.workerId, work: toWire(d.work), remainingMs: d.remainingMs })) },
    urls: [...assignment.urls].sort(([a], [b]) => compareText(a, b)),
    wgen: assignment.writeGeneration,
  }), 'utf8');
}

/** Throws `group.payload_invalid` for bytes that are not a Tributary leader's assignment. */
export function decodeAssignment(bytes: Buffer): Assignment {
  const a = decode(assignmentSchema, bytes, 'assignment');
  const workers = new Map(a.group.workers.map(({ worker, work }) => [worker, fromWire(work)]));
  return {
    error: a.error, leader: a.leader, leaderUrl: a.leaderUrl, configOffset: a.offset,
    assigned: fromWire(a.assigned), revoked: fromWire(a.revoked), rejoinAfterRevoking: a.rejoin, delayMs: a.delayMs,
    group: { workers, heldBack: a.group.delayed.map((d) => ({ workerId: d.worker, work: fromWire(d.work), remainingMs: d.remainingMs })) },
    urls: new Map(a.urls),
    writeGeneration: a.wgen,
  };
}
