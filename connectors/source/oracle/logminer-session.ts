import type { LogFile } from './log-files.js';
import type { Scn } from './scn.js';
import type { SqlRow, SqlSession } from './sql-session.js';

/**
 * One LogMiner session per mining window, on the connector's dedicated connection: the
 * window's log files added, `START_LOGMNR` over the window with the online catalog as the
 * dictionary and no ROWID in the statements (SQL_REDO then parses without it), the contents
 * read, `END_LOGMNR`. The log-file set is taken anew for each window, so a log switch between
 * windows is simply a new file in the next set.
 */
export class LogMinerSession {
  #active = false;

  constructor(readonly session: SqlSession) {}

  async start(files: readonly LogFile[], lower: Scn, upper: Scn): Promise<void> {
    if (this.#active) await this.end();
    for (const f of files) {
      await this.session.execute('BEGIN SYS.DBMS_LOGMNR.ADD_LOGFILE(LOGFILENAME => :1, OPTIONS => SYS.DBMS_LOGMNR.ADDFILE); END;', [f.name]);
    }
    await this.session.execute(
      'BEGIN SYS.DBMS_LOGMNR.START_LOGMNR(STARTSCN => :1, ENDSCN => :2, OPTIONS => SYS.DBMS_LOGMNR.DICT_FROM_ONLINE_CATALOG + SYS.DBMS_LOGMNR.NO_ROWID_IN_STMT); END;',
      [lower.toString(), upper.toString()],
    );
    this.#active = true;
  }

  contents(query: string, lower: Scn, upper: Scn, fetchSize: number): AsyncIterable<SqlRow> {
    return this.session.stream(query, [lower.toString(), upper.toString()], fetchSize);
  }

  /** Ends the session; also drops the added files, so the next window starts clean. */
  async end(): Promise<void> {
    if (!this.#active) return;
    this.#active = false;
    await this.session.execute('BEGIN SYS.DBMS_LOGMNR.END_LOGMNR(); END;');
  }

  /** Ends a session that failed part-way; an error here is of no further use. */
  async abandon(): Promise<void> {
    this.#active = true;
    await this.end().catch(() => undefined);
  }
}
