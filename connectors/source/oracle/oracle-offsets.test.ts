import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CommitScn } from './commit-scn.js';
import { decodeOffset, encodeSnapshot, encodeStreaming } from './oracle-offsets.js';
import { Scn } from './scn.js';
import { checkOracleOffsets } from './offset-check.js';
import { parseConfig } from '../../../plugins/api/index.js';
import { oracleConfigSpec, type OracleConfig } from './oracle-config-spec.js';
import { fakeConfig } from './test/fake-setup.js';

describe('Oracle offsets', () => {
  test('SCNs beyond 2^53 stay exact and sort by their padded text', () => {
    const big = Scn.of('18446744073709551614');
    assert.equal(big.toString(), '18446744073709551614');
    assert.equal(big.add(1).toString(), '18446744073709551615');
    assert.ok(Scn.of('9007199254740993').padded() > Scn.of('9007199254740992').padded());
    assert.throws(() => Scn.of(2 ** 60), /not an exact integer/);
  });

  test('commit_scn is Debezium\'s scn:thread:xid-xid per thread; covers() is what was emitted', () => {
    const c = CommitScn.EMPTY.with(1, Scn.of(100), 'A1').with(1, Scn.of(100), 'B2').with(2, Scn.of(90), 'C3');
    assert.equal(c.toString(), '100:1:A1-B2,90:2:C3');
    const back = CommitScn.parse(c.toString());
    assert.ok(back.covers(1, Scn.of(99), 'X'), 'an earlier commit on the thread');
    assert.ok(back.covers(1, Scn.of(100), 'B2'));
    assert.ok(!back.covers(1, Scn.of(100), 'Z9'), 'another transaction at the same SCN');
    assert.ok(!back.covers(1, Scn.of(101), 'A1'));
    assert.ok(!back.covers(3, Scn.of(1), 'A1'), 'a thread with nothing emitted');
    assert.equal(CommitScn.parse('12345').toString(), '12345:1:', 'Debezium 1.x bare SCN');
  });

  test('a streaming offset round-trips with txId and txSeq', () => {
    const o = { scn: Scn.of(41), commitScn: CommitScn.parse('50:1:AB'), txId: 'AB', txSeq: 3, snapshotScn: Scn.of(10) };
    const encoded = encodeStreaming(o);
    assert.deepEqual(encoded, { scn: '41', commit_scn: '50:1:AB', txId: 'AB', txSeq: 3, snapshot_scn: '10' });
    const back = decodeOffset(encoded);
    assert.equal(back.kind, 'streaming');
    if (back.kind === 'streaming') assert.deepEqual({ ...back.streaming, scn: back.streaming.scn.toString(), commitScn: back.streaming.commitScn.toString(), snapshotScn: back.streaming.snapshotScn?.toString() }, { scn: '41', commitScn: '50:1:AB', txId: 'AB', txSeq: 3, snapshotScn: '10' });
  });

  test('a snapshot offset keeps the pending transactions and where the snapshot stopped', () => {
    const pending = new Map([['0A0B', Scn.of(7)]]);
    const encoded = encodeSnapshot({ snapshotScn: Scn.of(20), streamFrom: Scn.of(6), pending, completed: false, tablesDone: ['APP.A'], table: { name: 'APP.B', after: ['5'], rowsBefore: 5 } });
    assert.equal(encoded.snapshot_pending_tx, '0A0B:7');
    assert.equal(encoded.scn, '6');
    const back = decodeOffset(encoded);
    assert.equal(back.kind, 'snapshot');
    if (back.kind === 'snapshot') {
      assert.deepEqual(back.snapshot.tablesDone, ['APP.A']);
      assert.deepEqual(back.snapshot.table, { name: 'APP.B', after: ['5'], rowsBefore: 5 });
      assert.equal(back.snapshot.pending.get('0A0B')?.toString(), '7');
    }
  });

  test('offsets given over REST are checked field by field', () => {
    const config = parseConfig(oracleConfigSpec, fakeConfig()).value as OracleConfig;
    assert.deepEqual(checkOracleOffsets(config, [{ partition: { server: 'ora' }, offset: { scn: '100', commit_scn: '100:1:AB' } }]), []);
    const problems = checkOracleOffsets(config, [{ partition: { server: 'other' }, offset: { scn: 'x', bogus: 1 } }]);
    assert.deepEqual(problems, ['offsets[0].partition must be {"server": "ora"}', 'offsets[0].offset.scn must be an SCN as decimal text, not "x"', 'offsets[0].offset.bogus is not an offset field of this connector']);
  });
});
