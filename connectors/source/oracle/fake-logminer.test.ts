import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NLS_STATEMENTS } from './nls-session.js';
import { FakeLogMinerSession } from './test/fake-logminer-session.js';
import { FakeOracle } from './test/fake-oracle.js';
import { itemsTable } from './test/fake-setup.js';

/** The fake answers by meaning: these pin the behaviour the connector's tests rely on. */
describe('fake LogMiner session', () => {
  const prepared = async (db: FakeOracle) => {
    const s = new FakeLogMinerSession(db);
    for (const sql of NLS_STATEMENTS) await s.execute(sql);
    return s;
  };
  const scnOf = async (s: FakeLogMinerSession) => BigInt(String((await s.execute('SELECT CURRENT_SCN FROM V$DATABASE')).rows[0].CURRENT_SCN));
  const add = (s: FakeLogMinerSession, name: string) => s.execute('BEGIN SYS.DBMS_LOGMNR.ADD_LOGFILE(LOGFILENAME => :1, OPTIONS => SYS.DBMS_LOGMNR.ADDFILE); END;', [name]);
  const start = (s: FakeLogMinerSession, from: bigint, to: bigint) => s.execute('BEGIN SYS.DBMS_LOGMNR.START_LOGMNR(STARTSCN => :1, ENDSCN => :2, OPTIONS => SYS.DBMS_LOGMNR.DICT_FROM_ONLINE_CATALOG + SYS.DBMS_LOGMNR.NO_ROWID_IN_STMT); END;', [String(from), String(to)]);

  test('CURRENT_SCN advances at every read', async () => {
    const s = await prepared(new FakeOracle());
    const a = await scnOf(s);
    assert.ok((await scnOf(s)) > a);
  });

  test('V$LOG and V$ARCHIVED_LOG follow log switches; START_LOGMNR raises ORA-01291 when the added files miss part of the window', async () => {
    const db = new FakeOracle();
    const s = await prepared(db);
    const first = db.scn;
    db.logSwitch();
    db.logSwitch();
    const archived = (await s.execute("SELECT NAME, THREAD#, SEQUENCE#, FIRST_CHANGE#, NEXT_CHANGE# FROM V$ARCHIVED_LOG WHERE NEXT_CHANGE# > :1", [String(first)])).rows;
    assert.deepEqual(archived.map((r) => r['SEQUENCE#']), ['1', '2']);
    const online = (await s.execute('SELECT ... FROM V$LOG L JOIN V$LOGFILE F ON F.GROUP# = L.GROUP# WHERE L.NEXT_CHANGE# > :1', [String(first)])).rows;
    assert.equal(online.find((r) => r.STATUS === 'CURRENT')?.['SEQUENCE#'], '3');
    const upper = await scnOf(s);
    await add(s, String(archived[1].NAME));
    await add(s, String(online.find((r) => r.STATUS === 'CURRENT')!.NAME));
    await assert.rejects(start(s, first - 1n, upper), /ORA-01291/, 'sequence 1 is needed and was not added');
    await add(s, String(archived[0].NAME));
    await start(s, first - 1n, upper);
    db.purgeArchived(1, 1);
    await s.execute('BEGIN SYS.DBMS_LOGMNR.END_LOGMNR(); END;');
    await assert.rejects(add(s, String(archived[0].NAME)), /ORA-01284/, 'a purged log cannot be opened');
  });

  test('the mining query returns the window\'s rows, long SQL_REDO in 4000-character CSF pieces, only after START_LOGMNR', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    const s = await prepared(db);
    const from = db.scn;
    db.autocommit((tx) => tx.insert(items, { ID: '1', NAME: 'x'.repeat(9_000), QTY: '1' }));
    const to = db.scn;
    db.autocommit((tx) => tx.insert(items, { ID: '2', NAME: 'outside the window', QTY: '2' }));
    const query = 'SELECT SCN, SQL_REDO, OPERATION_CODE, XID, CSF FROM V$LOGMNR_CONTENTS WHERE SCN > :1 AND SCN <= :2 AND (OPERATION_CODE IN (6,7,36) OR (OPERATION_CODE IN (1,2,3) AND SEG_OWNER NOT IN (\'SYS\')))';
    await assert.rejects((async () => { for await (const _ of s.stream(query, [String(from), String(to)])) void _; })(), /ORA-01306/);
    const online = (await s.execute('SELECT ... FROM V$LOG L JOIN V$LOGFILE F ON F.GROUP# = L.GROUP# WHERE L.NEXT_CHANGE# > :1', [String(from)])).rows;
    await add(s, String(online[0].NAME));
    await start(s, from, to);
    const rows = [];
    for await (const r of s.stream(query, [String(from), String(to)])) rows.push(r);
    assert.deepEqual(rows.map((r) => [r.OPERATION_CODE, r.CSF]), [['6', '0'], ['1', '1'], ['1', '1'], ['1', '0'], ['7', '0']]);
    assert.equal(rows.slice(1, 4).map((r) => r.SQL_REDO).join('').length, String(db.redo.find((r) => r.operationCode === 1)!.sqlRedo).length);
  });

  test('AS OF SCN sees what was committed at that SCN, not later commits nor open transactions', async () => {
    const db = new FakeOracle();
    const items = itemsTable(db);
    db.autocommit((tx) => tx.insert(items, { ID: '1', NAME: 'a', QTY: '1' }));
    const at = db.scn;
    db.autocommit((tx) => tx.insert(items, { ID: '2', NAME: 'b', QTY: '2' }));
    db.begin().insert(items, { ID: '3', NAME: 'open', QTY: '3' });
    const s = await prepared(db);
    const { rows } = await s.execute(`SELECT TO_CHAR("ID", 'TM9') AS "ID", "NAME" AS "NAME" FROM "APP"."ITEMS" AS OF SCN ${at} ORDER BY "ID" FETCH FIRST 10 ROWS ONLY`);
    assert.deepEqual(rows, [{ ID: '1', NAME: 'a' }]);
    db.undoFloorScn = at + 1n;
    await assert.rejects(s.execute(`SELECT "ID" AS "ID" FROM "APP"."ITEMS" AS OF SCN ${at}`), /ORA-01555/);
  });
});
