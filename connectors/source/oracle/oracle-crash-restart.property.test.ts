import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { SourceOffset, SourceRecord } from '../../../plugins/api/index.js';
import { FakeOracle, type FakeTable, type FakeTransaction } from './test/fake-oracle.js';
import { col, fakeConfig, OracleFakeDriver, summary } from './test/fake-setup.js';

type Row = Record<string, unknown>;

/** One transaction of a generated script: its statements and how it ends. */
interface TxScript {
  readonly thread: number;
  readonly ops: readonly Op[];
  readonly end: 'commit' | 'rollback';
}
type Op =
  | { readonly kind: 'insert'; readonly size: number }
  | { readonly kind: 'update'; readonly pick: number; readonly size: number }
  | { readonly kind: 'delete'; readonly pick: number }
  | { readonly kind: 'savepoint' }
  | { readonly kind: 'rollbackTo' };

/** sizes: mostly short values, some past 4000 characters (CSF continuation rows and `||` pieces) */
const size = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 20 }) }, { weight: 1, arbitrary: fc.integer({ min: 3_500, max: 9_000 }) });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: size.map((s) => ({ kind: 'insert' as const, size: s })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), size }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'savepoint' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'rollbackTo' as const }) },
);
const txScript: fc.Arbitrary<TxScript> = fc.record({
  thread: fc.constantFrom(1, 1, 2),
  ops: fc.array(op, { minLength: 1, maxLength: 6 }),
  end: fc.constantFrom('commit' as const, 'commit' as const, 'commit' as const, 'rollback' as const),
});
/** which transaction takes its next step; -1 is a log switch on a random thread */
const script = fc.record({
  transactions: fc.array(txScript, { minLength: 1, maxLength: 6 }),
  schedule: fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 60 }),
  switchThread: fc.constantFrom(1, 2),
  commitEveryEvent: fc.boolean(),
});

const text = (tx: number, n: number, length: number) => `t${tx}-${n}-`.padEnd(length, String.fromCharCode(97 + (n % 26)));

/** Runs the script on the fake; returns the expected records of the committed transactions, in commit order. */
function play(db: FakeOracle, table: FakeTable, s: { transactions: readonly TxScript[]; schedule: readonly number[]; switchThread: number }): Row[] {
  const state = s.transactions.map(() => ({ tx: null as FakeTransaction | null, next: 0, done: false, saved: false }));
  const expected: Row[] = [];
  const step = (i: number) => {
    const t = s.transactions[i];
    const st = state[i];
    if (st.done) return;
    st.tx ??= db.begin(t.thread);
    const tx = st.tx;
    if (st.next >= t.ops.length) {
      st.done = true;
      if (t.end === 'rollback') { tx.rollback(); return; }
      tx.commit();
      for (const c of tx.changes) {
        const image = (r: Record<string, string | null> | null) => (r === null ? null : { ID: Number(r.ID), V: r.V });
        if (c.before === null) expected.push({ topic: 'ora.APP.T', op: 'c', before: null, after: image(c.after) });
        else if (c.after === null) expected.push({ topic: 'ora.APP.T', op: 'd', before: image(c.before), after: null }, { topic: 'ora.APP.T', tombstone: { ID: Number(c.before.ID) } });
        else expected.push({ topic: 'ora.APP.T', op: 'u', before: image(c.before), after: image(c.after) });
      }
      return;
    }
    const o = t.ops[st.next++];
    // each transaction touches only its own keys (Oracle would block on another's row lock)
    const own = [...tx.visibleRows(table)].filter(([, r]) => Math.floor(Number(r.ID) / 1000) === i + 1);
    switch (o.kind) {
      case 'insert': tx.insert(table, { ID: String((i + 1) * 1000 + st.next), V: text(i, st.next, o.size) }); break;
      case 'update': if (own.length > 0) tx.update(table, own[o.pick % own.length][0], { V: text(i, st.next + 100, o.size) }); break;
      case 'delete': if (own.length > 0) tx.delete(table, own[o.pick % own.length][0]); break;
      case 'savepoint': tx.savepoint('SP'); st.saved = true; break;
      case 'rollbackTo': if (st.saved) tx.rollbackTo('SP'); break;
    }
  };
  for (const i of s.schedule) {
    if (i === -1) db.logSwitch(s.switchThread);
    else if (i < s.transactions.length) step(i);
  }
  for (let i = 0; i < s.transactions.length; i++) while (!state[i].done) step(i);
  return expected;
}

/** Polls until a record comes or the source stays idle for a while. */
async function pollOneOrIdle(driver: OracleFakeDriver, idlePolls: number): Promise<SourceRecord[]> {
  for (let i = 0; i < idlePolls; i++) {
    const batch = await driver.pollOnce();
    if (batch.length > 0) return batch;
  }
  return [];
}

test('crash and restart after every emitted event: the de-duplicated output is the committed transactions in commit order, exactly', async () => {
  await fc.assert(fc.asyncProperty(script, async (s) => {
    const db = new FakeOracle([1, 2]);
    const table = db.createTable('APP', 'T', [col('ID', 'NUMBER', 10, 0, false), col('V', 'VARCHAR2')], ['ID']);
    const start = db.scn;
    const expected = play(db, table, s);
    const config = fakeConfig({ 'max.batch.size': '1', 'snapshot.mode': 'no_data' });
    let stored: SourceOffset | null = { scn: String(start) };
    const delivered: SourceRecord[] = [];
    const ids = new Set<string>();
    for (let run = 0; run < expected.length * 2 + 5; run++) {
      const driver: OracleFakeDriver = new OracleFakeDriver(db, config, stored);
      await driver.start();
      try {
        // once everything is delivered, a last run must find nothing more
        const batch = await pollOneOrIdle(driver, ids.size >= expected.length ? 12 : 200);
        if (batch.length === 0) break;
        delivered.push(...batch);
        for (const r of batch) ids.add(r.id);
        // a crash without the commit replays; with it, nothing may come twice
        if (s.commitEveryEvent || run % 2 === 0) await driver.commit();
        stored = driver.storedOffset;
      } finally {
        await driver.stop();
      }
    }
    const seen = new Set<string>();
    const unique = delivered.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
    if (s.commitEveryEvent) assert.equal(unique.length, delivered.length, 'a record was delivered twice although every event was committed');
    assert.deepEqual(unique.map(summary), expected);
    const positions = unique.map((r) => r.position);
    assert.deepEqual([...positions].sort(), positions, 'positions ascend in emission order');
  }), { numRuns: Number(process.env.ORACLE_PROPERTY_RUNS ?? 30) });
});
