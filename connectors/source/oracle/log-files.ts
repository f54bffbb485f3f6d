import { TributaryError } from '../../../plugins/api/index.js';
import { Scn } from './scn.js';
import type { SqlSession } from './sql-session.js';

/** One redo log file LogMiner can read: online (`V$LOG`/`V$LOGFILE`) or archived (`V$ARCHIVED_LOG`). */
export interface LogFile {
  readonly name: string;
  readonly thread: number;
  readonly sequence: number;
  readonly firstScn: Scn;
  /** the first SCN of the next log; null for a thread's current online log (still being written) */
  readonly nextScn: Scn | null;
  readonly archived: boolean;
}

/** Oracle shows the current log's NEXT_CHANGE# as the largest SCN (or null before 11.2) */
const OPEN_ENDED = (1n << 64n) - 1n;

/**
 * The log files covering SCNs above `from`: archived copies where they exist (an online group is
 * reused after archiving), online logs otherwise, deduplicated by thread and sequence. Throws
 * `source.position_lost` when no log reaches back to `from` or a thread's sequence has a gap:
 * the changes in between are gone, and only a new snapshot recovers.
 */
export async function logFilesFrom(session: SqlSession, from: Scn, archiveLogHours: number): Promise<LogFile[]> {
  const hours = archiveLogHours > 0 ? ` AND FIRST_TIME >= SYSDATE - (${Math.floor(archiveLogHours)}/24)` : '';
  const archived = await session.execute(
    `SELECT NAME, THREAD#, SEQUENCE#, FIRST_CHANGE#, NEXT_CHANGE# FROM V$ARCHIVED_LOG WHERE NAME IS NOT NULL AND ARCHIVED = 'YES' AND STATUS = 'A' AND NEXT_CHANGE# > :1${hours} ORDER BY THREAD#, SEQUENCE#`,
    [from.toString()],
  );
  const online = await session.execute(
    'SELECT MIN(F.MEMBER) AS NAME, L.THREAD#, L.SEQUENCE#, L.FIRST_CHANGE#, L.NEXT_CHANGE#, L.STATUS, L.ARCHIVED FROM V$LOG L JOIN V$LOGFILE F ON F.GROUP# = L.GROUP# ' +
      "WHERE L.STATUS IN ('CURRENT', 'ACTIVE', 'INACTIVE') AND (L.NEXT_CHANGE# IS NULL OR L.NEXT_CHANGE# > :1) GROUP BY L.THREAD#, L.SEQUENCE#, L.FIRST_CHANGE#, L.NEXT_CHANGE#, L.STATUS, L.ARCHIVED",
    [from.toString()],
  );
  const byKey = new Map<string, LogFile>();
  for (const r of online.rows) {
    const next = r['NEXT_CHANGE#'] === null ? null : Scn.of(String(r['NEXT_CHANGE#']));
    byKey.set(`${r['THREAD#']}:${r['SEQUENCE#']}`, {
      name: String(r.NAME), thread: Number(r['THREAD#']), sequence: Number(r['SEQUENCE#']), firstScn: Scn.of(String(r['FIRST_CHANGE#'])),
      nextScn: next === null || next.value >= OPEN_ENDED ? null : next, archived: false,
    });
  }
  for (const r of archived.rows) {
    byKey.set(`${r['THREAD#']}:${r['SEQUENCE#']}`, {
      name: String(r.NAME), thread: Number(r['THREAD#']), sequence: Number(r['SEQUENCE#']), firstScn: Scn.of(String(r['FIRST_CHANGE#'])),
      nextScn: Scn.of(String(r['NEXT_CHANGE#'])), archived: true,
    });
  }
  const files = [...byKey.values()].sort((a, b) => a.thread - b.thread || a.sequence - b.sequence);
  checkCoverage(files, from);
  return files;
}

function checkCoverage(files: readonly LogFile[], from: Scn): void {
  if (files.length === 0) throw positionLost(from, 'no redo log covers it');
  const oldest = files.reduce((low, f) => (f.firstScn.isBefore(low) ? f.firstScn : low), files[0].firstScn);
  if (from.add(1).isBefore(oldest)) throw positionLost(from, `the oldest available log starts at SCN ${oldest}`);
  const threads = new Map<number, LogFile[]>();
  for (const f of files) threads.set(f.thread, [...(threads.get(f.thread) ?? []), f]);
  for (const [thread, list] of threads) {
    for (let i = 1; i < list.length; i++) {
      if (list[i].sequence !== list[i - 1].sequence + 1) throw positionLost(from, `thread ${thread} has no log with sequence ${list[i - 1].sequence + 1} (archived log deleted?)`);
    }
  }
}

function positionLost(from: Scn, why: string): TributaryError {
  return new TributaryError('source.position_lost', `Cannot mine from SCN ${from}: ${why}. The changes since then are gone from the redo; do a new snapshot (snapshot.mode=when_needed, or delete the connector's offsets) and restart.`);
}
