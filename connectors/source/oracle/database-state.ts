import { Scn } from './scn.js';
import type { SqlSession } from './sql-session.js';

export async function currentScn(session: SqlSession): Promise<Scn> {
  const { rows } = await session.execute('SELECT CURRENT_SCN FROM V$DATABASE');
  return Scn.of(String(rows[0].CURRENT_SCN));
}

/**
 * The SCN up to which every open redo thread has written its redo (the lowest LAST_REDO_CHANGE#
 * of the open threads): mining past it could miss rows a slower RAC instance still writes
 * below it. Null when no thread reports one.
 */
export async function flushedScn(session: SqlSession): Promise<Scn | null> {
  const { rows } = await session.execute("SELECT THREAD#, LAST_REDO_CHANGE# FROM V$THREAD WHERE STATUS = 'OPEN' AND ENABLED <> 'DISABLED'");
  let low: Scn | null = null;
  for (const r of rows) {
    const scn = Scn.parse(r['LAST_REDO_CHANGE#']);
    if (scn && (low === null || scn.isBefore(low))) low = scn;
  }
  return low;
}

/** Transactions open now (V$TRANSACTION): xid as hex → start SCN. */
export async function openTransactions(session: SqlSession): Promise<Map<string, Scn>> {
  const { rows } = await session.execute('SELECT RAWTOHEX(XID) AS XID, START_SCN FROM V$TRANSACTION');
  return new Map(rows.map((r) => [String(r.XID), Scn.of(String(r.START_SCN))]));
}
