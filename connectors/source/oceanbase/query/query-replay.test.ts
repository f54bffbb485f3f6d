import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SourceOffset } from '../../../../plugins/api/index.js';
import type { SourceTaskDriver } from '../../../../plugins/testing/index.js';
import type { TableShape } from '../oceanbase-table.js';
import { castWireValue, ObType } from '../sql-client.js';
import { col, driverFor, oracleConfig, staticDeps } from '../test/fake-setup.js';
import { RecordedConnection } from '../test/recorded-connection.js';
import { keysetPredicate } from './query-cursor.js';

type Envelope = { op: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null; source: Record<string, unknown> };

const shape: TableShape = {
  owner: 'INVENTORY', name: 'ORDERS', key: ['ID'],
  columns: [
    col('ID', 'NUMBER', 10, 0, false), col('NAME', 'VARCHAR2'), col('QTY', 'NUMBER', 10, 2), col('UPDATED_AT', 'TIMESTAMP(6) WITH TIME ZONE'),
    col('SEEN_AT', 'TIMESTAMP(3) WITH LOCAL TIME ZONE'), col('CREATED', 'TIMESTAMP(9)'), col('TAG', 'RAW'),
  ],
};

const config = (overrides: Record<string, string> = {}) => oracleConfig({
  'capture.mode': 'query', 'table.include.list': 'INVENTORY\\.ORDERS', 'snapshot.mode': 'initial', 'max.batch.size': '2',
  'query.delete.detection': 'true', 'query.delete.detection.interval.ms': '0', ...overrides,
});

async function collect(d: SourceTaskDriver, recording: RecordedConnection, count: number): Promise<Envelope[]> {
  await d.start();
  try {
    await d.pollUntil(() => d.changes().length >= count, 5_000, `${count} changes`);
    // the rest of the recording (the key set, the next SCN) is still read; it ends the replay
    await d.pollUntil(() => recording.exhausted, 5_000, 'the end of the recording').catch(() => undefined);
  } finally {
    await d.stop();
  }
  return d.changes().map((r) => r.value as Envelope);
}

describe('capture.mode=query replayed from recorded mysql2 result sets', () => {
  test('snapshot AS OF SCN, then the rows of two transactions sharing ORA_ROWSCN 1050 across a page boundary, then a delete found by key-set diffing', async () => {
    const recording = new RecordedConnection(new URL('../test/fixtures/query-run1.jsonl', import.meta.url));
    const d = driverFor(staticDeps([shape], () => recording), config());
    const events = await collect(d, recording, 7);
    assert.deepEqual(events.map((e) => `${e.op}${(e.after ?? e.before)!.ID}`), ['r1', 'r2', 'r3', 'u1', 'c4', 'c5', 'd2']);
    const [r1, , r3, u1] = events;
    assert.deepEqual(r1.after, {
      ID: 1, NAME: 'apple', QTY: '2.50', UPDATED_AT: '2024-05-06T07:08:09.123456+08:00', SEEN_AT: '2024-05-06T01:02:03.456Z',
      CREATED: BigInt(Date.UTC(2024, 4, 6, 1, 2, 3)) * 1_000_000n + 123_456_789n, TAG: Buffer.from([0x0a, 0xff]),
    });
    assert.equal(r3.after!.QTY, '0.75');
    assert.equal(r3.after!.TAG, null);
    assert.equal(u1.before, null, 'query mode has no before-images');
    assert.equal(u1.after!.QTY, '3.75');
    assert.equal(u1.source.scn, '1050');
    assert.deepEqual(events[6].before, { ID: 2, NAME: null, QTY: null, UPDATED_AT: null, SEEN_AT: null, CREATED: null, TAG: null }, 'a detected delete carries the key only');
    const positions = d.changes().map((r) => r.position);
    assert.deepEqual([...positions].sort(), positions);
    assert.equal(new Set(d.records.map((r) => r.id)).size, d.records.length);
  });

  test('a restart inside the SCN group resumes by keyset after the last row handed on: nothing twice, nothing lost', async () => {
    const first = new RecordedConnection(new URL('../test/fixtures/query-run1.jsonl', import.meta.url));
    const d1 = driverFor(staticDeps([shape], () => first), config());
    await collect(d1, first, 7);
    const u1 = d1.changes().find((r) => (r.value as Envelope).op === 'u')!;
    const stored: SourceOffset = u1.sourceOffset;
    assert.deepEqual({ scn: stored.scn, key: stored.key, row: stored.row, upper: stored.upper }, { scn: '1050', key: '["1"]', row: 1, upper: '1100' });
    const second = new RecordedConnection(new URL('../test/fixtures/query-resume.jsonl', import.meta.url));
    const d2 = driverFor(staticDeps([shape], () => second), config(), stored);
    const events = await collect(d2, second, 2);
    assert.deepEqual(events.map((e) => `${e.op}${e.after!.ID}`), ['u4', 'u5'], 'the key sets are rebuilt after a restart: inserts show as u until then');
    const before = d1.changes().filter((r) => ['4', '5'].includes(String((r.value as Envelope).after?.ID)));
    assert.deepEqual(d2.changes().map((r) => r.position), before.map((r) => r.position), 'the same positions as the first run');
  });

  test('OceanBase temporal type codes arrive as the server\'s text; RAW as hex', () => {
    assert.equal(castWireValue(ObType.TIMESTAMP_WITH_TIME_ZONE, '2024-01-02 03:04:05.000000000 -05:30'), '2024-01-02 03:04:05.000000000 -05:30');
    assert.equal(castWireValue(ObType.TIMESTAMP_NANO, Buffer.from('2024-01-02 03:04:05.1')), '2024-01-02 03:04:05.1');
    assert.equal(castWireValue(ObType.RAW, Buffer.from([1, 0xab])), '01AB');
    assert.equal(castWireValue(ObType.TIMESTAMP_WITH_LOCAL_TIME_ZONE, null), null);
  });

  test('the keyset predicate continues inside one ORA_ROWSCN by the whole primary key', () => {
    assert.deepEqual(keysetPredicate('ORA_ROWSCN', ['"A"', '"B"'], { scn: '7', key: ['1', 'x'] }), {
      sql: '(ORA_ROWSCN > ? OR (ORA_ROWSCN = ? AND ("A" > ? OR ("A" = ? AND ("B" > ?)))))', params: ['7', '7', '1', '1', 'x'],
    });
    assert.deepEqual(keysetPredicate('ORA_ROWSCN', ['"ID"'], null), { sql: '1 = 1', params: [] });
  });
});
