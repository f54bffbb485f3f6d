import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TributaryError } from '../../../plugins/api/index.js';
import { decodeAssignment, decodeMemberMetadata, encodeAssignment, encodeMemberMetadata, type Assignment, type MemberMetadata } from './connect-protocol.js';

const metadata: MemberMetadata = {
  workerId: 'worker-a:8083', url: 'http://worker-a:8083', configOffset: 42, generation: 7,
  owned: { connectors: ['orders'], tasks: [{ connector: 'orders', task: 1 }, { connector: 'billing', task: 0 }, { connector: 'orders', task: 0 }] },
  leaving: false,
};

const assignment: Assignment = {
  error: 'NONE', leader: 'member-1', leaderUrl: 'http://worker-a:8083', configOffset: 42,
  assigned: { connectors: ['orders'], tasks: [{ connector: 'orders', task: 0 }, { connector: 'orders', task: 1 }] },
  revoked: { connectors: [], tasks: [{ connector: 'billing', task: 0 }] },
  rejoinAfterRevoking: true, delayMs: 0,
  group: {
    workers: new Map([['worker-a:8083', { connectors: ['orders'], tasks: [{ connector: 'orders', task: 0 }] }], ['worker-b:8083', { connectors: [], tasks: [] }]]),
    heldBack: [{ workerId: 'worker-c:8083', work: { connectors: ['billing'], tasks: [{ connector: 'billing', task: 1 }] }, remainingMs: 8000 }],
  },
  urls: new Map([['worker-a:8083', 'http://worker-a:8083'], ['worker-b:8083', 'http://worker-b:8083']]),
  writeGeneration: 12,
};

const invalid = (bytes: Buffer, message: RegExp) => assert.throws(() => decodeAssignment(bytes), (e: unknown) => e instanceof TributaryError && e.code === 'group.payload_invalid' && message.test(e.message));

describe('connect protocol', () => {
  it('round-trips member metadata, with work sorted', () => {
    const decoded = decodeMemberMetadata(encodeMemberMetadata(metadata));
    assert.deepEqual(decoded, { ...metadata, owned: { connectors: ['orders'], tasks: [{ connector: 'billing', task: 0 }, { connector: 'orders', task: 0 }, { connector: 'orders', task: 1 }] } });
  });

  it('round-trips an assignment with the group allocation and delayed work', () => {
    assert.deepEqual(decodeAssignment(encodeAssignment(assignment)), assignment);
  });

  it('writes versioned JSON with tasks grouped by connector (golden bytes: the format is persisted in the broker)', () => {
    assert.equal(encodeMemberMetadata(metadata).toString(), '{"v":1,"worker":"worker-a:8083","url":"http://worker-a:8083","offset":42,"generation":7,"owned":{"connectors":["orders"],"tasks":[["billing",[0]],["orders",[0,1]]]},"leaving":false}');
  });

  it('reads an assignment of a leader that sent no member URLs nor write generation (an older v1)', () => {
    const older = JSON.parse(encodeAssignment(assignment).toString()) as Record<string, unknown>;
    delete older.urls;
    delete older.wgen;
    const decoded = decodeAssignment(Buffer.from(JSON.stringify(older)));
    assert.deepEqual([decoded.urls, decoded.writeGeneration], [new Map(), -1]);
  });

  it('keeps connector names that are object keys of JavaScript itself', () => {
    const odd = { ...metadata, owned: { connectors: ['__proto__', 'constructor'], tasks: [{ connector: '__proto__', task: 0 }] } };
    assert.deepEqual(decodeMemberMetadata(encodeMemberMetadata(odd)).owned, odd.owned);
  });

  it('reads fields a later v1 writer adds, and counts a task named twice once', () => {
    const json = JSON.parse(encodeMemberMetadata(metadata).toString());
    const later = Buffer.from(JSON.stringify({ ...json, v: 1, zone: 'eu-west-1a', owned: { connectors: [], tasks: [['orders', [2, 2]]] } }));
    assert.deepEqual(decodeMemberMetadata(later).owned.tasks, [{ connector: 'orders', task: 2 }]);
  });

  it('refuses bytes that are not ours with a typed error naming the problem', () => {
    invalid(Buffer.from([0, 1, 0, 0, 0, 3]), /not JSON/);
    invalid(Buffer.from('[]'), /not in Tributary's format/);
    invalid(Buffer.from(JSON.stringify({ ...JSON.parse(encodeAssignment(assignment).toString()), error: 'UNKNOWN' })), /error/);
    invalid(Buffer.from(JSON.stringify({ ...JSON.parse(encodeAssignment(assignment).toString()), assigned: { connectors: [], tasks: [['a', [-1]]] } })), /assigned\.tasks\.0\.1\.0/);
    assert.throws(() => decodeMemberMetadata(Buffer.from('{"v":1}')), (e: unknown) => e instanceof TributaryError && e.code === 'group.payload_invalid' && e.details.length > 3);
  });
});
