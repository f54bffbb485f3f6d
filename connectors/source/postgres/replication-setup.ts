
import { TributaryError, type Logger } from '../../../plugins/api/index.js';
import { listTables } from './catalog.js';
import { Lsn } from './lsn.js';
import { quoteIdent, sqlState, type Queryable } from './pg-connection.js';
import type { ReplicationConnection } from './replication-connection.js';
import type { TableFilter } from './table-filter.js';

export interface SlotInfo {
  readonly plugin: string | null;
  readonly database: string | null;
  readonly confirmedFlush: Lsn | null;
  readonly active: boolean;
}

export async function slotInfo(admin: Queryable, slot: string): Promise<SlotInfo | null> {
  const { rows } = await admin.query<{ plugin: string | null; database: string | null; confirmed_flush_lsn: string | null; active: boolean }>(
    'SELECT plugin, database, confirmed_flush_lsn::text AS confirmed_flush_lsn, active FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  const r = rows[0];
  if (!r) return null;
  return { plugin: r.plugin, database: r.database, confirmedFlush: r.confirmed_flush_lsn ? Lsn.parse(r.confirmed_flush_lsn) : null, active: r.active };
}

/**
 * Creates the slot on a replication connection. With `exportSnapshot` the connection must stay
 * open and idle until the snapshot transaction has imported `snapshotName`. A `temporary` slot
 * goes when its connection closes (a blocking snapshot's: only its exported snapshot is wanted).
 */
export async function createSlot(connection: ReplicationConnection, slot: string, exportSnapshot: boolean, temporary = false): Promise<{ consistentPoint: Lsn; snapshotName: string | null }> {
  const rows = await connection.command<{ consistent_point: string; snapshot_name: string | null }>(
    `CREATE_REPLICATION_SLOT ${quoteIdent(slot)}${temporary ? ' TEMPORARY' : ''} LOGICAL pgoutput ${exportSnapshot ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT'}`,
  );
  return { consistentPoint: Lsn.parse(rows[0].consistent_point), snapshotName: rows[0].snapshot_name ?? null };
}

/** Drops the slot, waiting for a walsender that is still letting go of it. */
export async function dropSlot(admin: Queryable, slot: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
      return;
    } catch (error) {
      if (sqlState(error) !== '55006' || attempt >= 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Makes sure the publication exists as `publication.autocreate.mode` asks: `all_tables` creates
 * it FOR ALL TABLES, `filtered` creates it for the selected tables and keeps its table list in
 * line with the filters at every start, `disabled` only checks that it exists.
 */
export async function ensurePublication(admin: Queryable, name: string, mode: 'all_tables' | 'filtered' | 'disabled', filter: TableFilter, logger: Logger): Promise<void> {
  const { rows } = await admin.query<{ puballtables: boolean }>('SELECT puballtables FROM pg_publication WHERE pubname = $1', [name]);
  const exists = rows.length > 0;
  if (mode === 'disabled') {
    if (!exists) {
      throw new TributaryError('source.setup_required', `Publication "${name}" does not exist and publication.autocreate.mode=disabled. Create it (CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES, or FOR TABLE ...) or set publication.autocreate.mode=all_tables|filtered.`, { configPath: 'publication.name' });
    }
    return;
  }
  try {
    if (mode === 'all_tables') {
      if (!exists) {
        await admin.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES`);
        logger.info({ publication: name }, 'created publication FOR ALL TABLES');
      }
      return;
    }
    const tables = (await listTables(admin)).filter((t) => filter.includesTable(t.schema, t.table)).map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`);
    if (!exists) {
      await admin.query(`CREATE PUBLICATION ${quoteIdent(name)}${tables.length > 0 ? ` FOR TABLE ${tables.join(', ')}` : ''}`);
      logger.info({ publication: name, tables: tables.length }, 'created filtered publication');
    } else if (!rows[0].puballtables && tables.length > 0) {
      await admin.query(`ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${tables.join(', ')}`);
    }
  } catch (error) {
    throw new TributaryError('source.setup_required', `Could not create or update publication "${name}": ${(error as Error).message}. FOR ALL TABLES needs a superuser; otherwise use publication.autocreate.mode=filtered with a user owning the tables, or create the publication yourself and set publication.autocreate.mode=disabled.`, { configPath: 'publication.autocreate.mode', cause: error });
  }
}
