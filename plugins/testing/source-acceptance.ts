import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseConfig, type ConfigSpec, type RawConfig, type SourceOffset, type SourceRecord } from '../api/index.js';
import type { SourceTaskDriver } from './source-task-driver.js';

/** One test database on the target's server. */
export interface AcceptanceDatabase {
  /** the connector config that captures this database */
  readonly config: RawConfig;
  /** runs one SQL statement */
  exec(sql: string): Promise<void>;
  /** `{ id, name, qty }` of every row of `table`, any order */
  rows(table: string): Promise<{ id: number; name: string; qty: number }[]>;
  /** the topic of `table`'s change events */
  topic(table: string): string;
}

/** A type case: the value a column of `type` holds after `literal` is inserted, as the source emits it. */
export interface TypeCase {
  readonly type: string;
  readonly literal: string;
  readonly expected: unknown;
}

export interface AcceptanceTarget {
  /** the suite's title, e.g. `mysql source` */
  readonly name: string;
  readonly spec: ConfigSpec;
  /** properties `validate` must report missing from an empty config */
  readonly requiredProperties: readonly string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** a fresh database for one test */
  database(prefix: string): Promise<AcceptanceDatabase>;
  driver(config: RawConfig, stored?: SourceOffset | null): SourceTaskDriver;
  /** column types with literal and expected value; each is checked from the snapshot and from the stream */
  readonly typeCases: readonly TypeCase[];
}

type Row = Record<string, unknown>;

/** The table's latest state according to the records: the last create/update/read per key, deletes removing it. */
function latestState(records: readonly SourceRecord[], topic: string): Map<number, Row> {
  const state = new Map<number, Row>();
  for (const r of records) {
    if (r.topic !== topic || r.value === null) continue;
    const v = r.value as { op: string; before: Row | null; after: Row | null };
    if (v.op === 'd') state.delete(Number(v.before!.id));
    else if (v.op === 't') state.clear();
    else if (v.after) state.set(Number(v.after.id), v.after);
  }
  return state;
}

async function assertLakeEqualsTable(db: AcceptanceDatabase, table: string, records: readonly SourceRecord[]): Promise<void> {
  const state = latestState(records, db.topic(table));
  const rows = await db.rows(table);
  assert.equal(state.size, rows.length, `the events hold ${state.size} rows, the table ${rows.length}`);
  for (const row of rows) {
    const got = state.get(row.id);
    assert.ok(got, `row ${row.id} missing from the events`);
    assert.deepEqual({ id: Number(got.id), name: got.name, qty: Number(got.qty) }, row);
  }
}

/** Positions are unique: the same change delivered twice would repeat one. */
function assertNoDuplicates(records: readonly SourceRecord[]): void {
  const seen = new Set<string>();
  for (const r of records) {
    assert.ok(!seen.has(r.position), `position ${r.position} delivered twice (${r.topic})`);
    seen.add(r.position);
  }
}

/** Polls until nothing new arrives for `quietMs` after at least `min` change records came. */
async function drain(driver: SourceTaskDriver, min: number, quietMs = 1_500, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastGrowth = Date.now();
  let count = driver.records.length;
  while (Date.now() < deadline) {
    await driver.pollOnce();
    if (driver.records.length !== count) {
      count = driver.records.length;
      lastGrowth = Date.now();
    } else if (driver.changes().length >= min && Date.now() - lastGrowth > quietMs) {
      return;
    }
  }
  throw new Error(`timed out: ${driver.changes().length} change records, wanted at least ${min}`);
}

const ROWS = 300;

/**
 * The acceptance suite every CDC source runs against its real server (STYLE.md §9): required
 * properties refused; a snapshot with writes running beside it, then streaming, ends with the
 * events' latest state equal to the table; a stop without the last commit resumes from the
 * stored offset with nothing lost and nothing delivered twice; every type case round-trips,
 * from the snapshot and from the stream.
 */
export function sourceAcceptanceSuite(target: AcceptanceTarget): void {
  describe(`${target.name}: acceptance`, () => {
    before(() => target.start());
    after(() => target.stop());

    test('an empty config is refused naming every required property', () => {
      const parsed = parseConfig(target.spec, {});
      assert.equal(parsed.ok, false);
      const named = Object.keys(parsed.errors);
      for (const p of target.requiredProperties) assert.ok(named.includes(p), `${p} not reported: ${JSON.stringify(named)}`);
    });

    test('snapshot with concurrent writes, then streaming: the events\' latest state equals the table', async () => {
      const db = await target.database('acc_snap');
      await db.exec('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(64), qty INT)');
      await db.exec(`INSERT INTO items (id, name, qty) VALUES ${Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 'item ${i + 1}', ${i})`).join(', ')}`);
      const driver = target.driver({ ...db.config, 'snapshot.fetch.size': '50', 'max.batch.size': '64' });
      await driver.start();
      try {
        // writes while the snapshot runs: updates, deletes, inserts, a key change
        await driver.pollOnce();
        await db.exec('UPDATE items SET qty = qty + 1000 WHERE id % 7 = 0');
        await db.exec('DELETE FROM items WHERE id % 11 = 0');
        await db.exec(`INSERT INTO items (id, name, qty) VALUES (${ROWS + 1}, 'new', 1), (${ROWS + 2}, 'newer', 2)`);
        await db.exec(`UPDATE items SET id = ${ROWS + 10} WHERE id = 1`);
        await drain(driver, ROWS);
        await assertLakeEqualsTable(db, 'items', driver.records);
        assertNoDuplicates(driver.records);
        const snapshotReads = driver.changes().filter((r) => (r.value as Row).op === 'r');
        assert.ok(snapshotReads.length > 0 && snapshotReads.length <= ROWS + 2, `${snapshotReads.length} snapshot reads`);
      } finally {
        await driver.stop();
      }
    });

    test('a stop without the last commit resumes from the stored offset: nothing lost, nothing twice', async () => {
      const db = await target.database('acc_resume');
      await db.exec('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(64), qty INT)');
      await db.exec(`INSERT INTO items (id, name, qty) VALUES ${Array.from({ length: 50 }, (_, i) => `(${i + 1}, 'item ${i + 1}', ${i})`).join(', ')}`);
      const first = target.driver({ ...db.config, 'max.batch.size': '16' });
      await first.start();
      await drain(first, 50, 500);
      for (let i = 0; i < 5; i++) await db.exec(`UPDATE items SET qty = qty + 1 WHERE id <= ${(i + 1) * 10}`);
      await first.pollUntil((rs) => rs.filter((r) => r.value !== null && (r.value as Row).op === 'u').length >= 20, 30_000, 'updates');
      // the runtime stored the offset of what was polled so far; what follows is lost with the task
      await first.commit();
      const delivered = [...first.records];
      await first.pollOnce();
      await first.stop();
      await db.exec('DELETE FROM items WHERE id > 45');
      await db.exec(`INSERT INTO items (id, name, qty) VALUES (100, 'late', 7)`);
      const second = target.driver({ ...db.config, 'max.batch.size': '16' }, first.storedOffset);
      await second.start();
      try {
        await drain(second, 1, 1_500);
        const all = [...delivered, ...second.records];
        assertNoDuplicates(all);
        await assertLakeEqualsTable(db, 'items', all);
      } finally {
        await second.stop();
      }
    });

    test('killed in its snapshot before any offset commit: the next attempt starts where the first did, nothing lost, nothing twice', async () => {
      const db = await target.database('acc_early');
      await db.exec('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(64), qty INT)');
      await db.exec(`INSERT INTO items (id, name, qty) VALUES ${Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 'item ${i + 1}', ${i})`).join(', ')}`);
      const config = { ...db.config, 'snapshot.fetch.size': '50', 'max.batch.size': '32' };
      const first = target.driver(config);
      await first.start();
      await first.pollUntil((rs) => rs.length >= 64, 30_000, 'a part of the snapshot');
      // no commit: what was polled is on its way (in Kafka, say), and no offset says so
      await first.stop();
      assert.ok(first.storedOffset !== null, 'the source stored where its snapshot starts before sending a row');
      await db.exec('UPDATE items SET qty = qty + 1000 WHERE id % 10 = 0');
      const second = target.driver(config, first.storedOffset);
      await second.start();
      try {
        const updates = ROWS / 10;
        await second.pollUntil((rs) => rs.filter((r) => r.value !== null && (r.value as Row).op === 'u').length >= updates, 60_000, 'the updates');
        await drain(second, 1, 1_000);
        const firstPositions = new Map(first.changes().map((r) => [JSON.stringify(r.key), r.position]));
        for (const r of second.changes()) {
          const before = firstPositions.get(JSON.stringify(r.key));
          if ((r.value as Row).op === 'r' && before !== undefined) assert.equal(r.position, before, `row ${JSON.stringify(r.key)} read again at another position`);
        }
        // what a sink keeps: per topic, a record at or below the highest position it holds is a resend
        const highest = new Map<string, string>();
        const kept = [...first.records, ...second.records].filter((r) => {
          const top = highest.get(r.topic);
          if (top !== undefined && r.position <= top) return false;
          highest.set(r.topic, r.position);
          return true;
        });
        const ops = (op: string) => kept.filter((r) => r.value !== null && (r.value as Row).op === op);
        assert.equal(new Set(ops('r').map((r) => JSON.stringify(r.key))).size, ROWS, 'every row read');
        assert.equal(ops('r').length, ROWS, 'every row read once');
        assert.equal(ops('u').length, updates, 'every update once');
        await assertLakeEqualsTable(db, 'items', kept);
      } finally {
        await second.stop();
      }
    });

    test('every type case round-trips, from the snapshot and from the stream', async () => {
      if (target.typeCases.length === 0) return;
      const db = await target.database('acc_types');
      const columns = target.typeCases.map((c, i) => `c${i} ${c.type}`).join(', ');
      await db.exec(`CREATE TABLE types (id INT PRIMARY KEY, ${columns})`);
      const values = target.typeCases.map((c) => c.literal).join(', ');
      await db.exec(`INSERT INTO types VALUES (1, ${values})`);
      const driver = target.driver(db.config);
      await driver.start();
      try {
        await driver.pollUntil((rs) => rs.some((r) => r.topic === db.topic('types')), 30_000, 'the snapshot row');
        await db.exec(`INSERT INTO types VALUES (2, ${values})`);
        await driver.pollUntil((rs) => rs.filter((r) => r.topic === db.topic('types') && r.value !== null).length >= 2, 30_000, 'the streamed row');
        const rows = driver.changes().filter((r) => r.topic === db.topic('types')).map((r) => (r.value as { after: Row }).after);
        for (const row of rows) {
          target.typeCases.forEach((c, i) => assert.deepEqual(row[`c${i}`], c.expected, `${c.type} ${c.literal} (row ${String(row.id)})`));
        }
      } finally {
        await driver.stop();
      }
    });
  });
}
