import type { SqlSession } from './sql-session.js';

/**
 * The session formats every value's text depends on: SQL_REDO renders dates and timestamps in
 * the mining session's NLS formats, and the snapshot's TO_CHAR uses the same masks, so one
 * converter per column reads both. The session zone is UTC so TIMESTAMP WITH LOCAL TIME ZONE
 * reads as the UTC instant and the redo TIMESTAMP column is UTC.
 */
export const NLS_STATEMENTS: readonly string[] = [
  "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS' NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9' NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM' NLS_NUMERIC_CHARACTERS = '.,'",
  "ALTER SESSION SET TIME_ZONE = '00:00'",
];

export async function prepareSession(session: SqlSession): Promise<void> {
  for (const sql of NLS_STATEMENTS) await session.execute(sql);
}

/** Switches the session to a pluggable database (catalog reads and the snapshot run there). */
export async function switchContainer(session: SqlSession, container: string): Promise<void> {
  if (!/^[A-Za-z][A-Za-z0-9_$#]*$/.test(container)) throw new RangeError(`"${container}" is not a container name`);
  await session.execute(`ALTER SESSION SET CONTAINER = ${container}`);
}
