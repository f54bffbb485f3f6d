import type { RowDataPacket } from 'mysql2';
import { BinlogPosition } from './binlog-position.js';
import type { MySqlClient } from './mysql-connection.js';

/** What the source needs to know about the server before it reads anything. */
export interface ServerInfo {
  readonly version: string;
  readonly isMariaDb: boolean;
  readonly serverId: number;
  readonly logBin: boolean;
  readonly binlogFormat: string;
  readonly binlogRowImage: string;
  /** MySQL ≥ 8.0.1 and MariaDB ≥ 10.5; null where the variable does not exist */
  readonly binlogRowMetadata: string | null;
  readonly gtidMode: string | null;
}

export async function serverInfo(client: MySqlClient): Promise<ServerInfo> {
  const q = async (sql: string) => (await client.promise().query<RowDataPacket[]>(sql))[0];
  const [base] = await q('SELECT @@version AS version, @@server_id AS serverId, @@log_bin AS logBin, @@binlog_format AS format, @@binlog_row_image AS image');
  const variables = await q("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('binlog_row_metadata', 'gtid_mode')");
  const get = (name: string) => variables.find((v) => v.Variable_name === name)?.Value ?? null;
  const version = String(base.version);
  return {
    version, isMariaDb: /mariadb/i.test(version), serverId: Number(base.serverId), logBin: Number(base.logBin) === 1,
    binlogFormat: String(base.format).toUpperCase(), binlogRowImage: String(base.image).toUpperCase(),
    binlogRowMetadata: get('binlog_row_metadata') === null ? null : String(get('binlog_row_metadata')).toUpperCase(),
    gtidMode: get('gtid_mode') === null ? null : String(get('gtid_mode')).toUpperCase(),
  };
}

/**
 * What is wrong with the server's binlog settings for this source, each with the SQL that fixes
 * it (`SET GLOBAL` takes effect for new sessions; put it in the server's config file too).
 */
export function binlogSettingProblems(info: ServerInfo): string[] {
  const problems: string[] = [];
  if (!info.logBin) problems.push('The binlog is off: start the server with --log-bin (and a --server-id); it cannot be switched on at run time.');
  if (info.binlogFormat !== 'ROW') problems.push(`binlog_format is ${info.binlogFormat}; row events need ROW: SET GLOBAL binlog_format = 'ROW';`);
  if (info.binlogRowImage !== 'FULL') problems.push(`binlog_row_image is ${info.binlogRowImage}; before-images and unchanged columns need FULL (MINIMAL logs only the key and the changed columns, so updates could not carry whole rows): SET GLOBAL binlog_row_image = 'FULL';`);
  if (info.binlogRowMetadata === null) problems.push(`This server (${info.version}) has no binlog_row_metadata (MySQL ≥ 8.0.1 and MariaDB ≥ 10.5 do): table shapes cannot be read from the binlog.`);
  else if (info.binlogRowMetadata !== 'FULL') problems.push(`binlog_row_metadata is ${info.binlogRowMetadata}; column names, types and keys are read from the binlog itself, which needs FULL (MINIMAL lacks column names and keys): SET GLOBAL binlog_row_metadata = 'FULL';`);
  return problems;
}

/** The server's current binlog position and GTIDs (for streaming without a snapshot). */
export async function currentPosition(client: MySqlClient, info: ServerInfo): Promise<{ at: BinlogPosition; gtids: string | null }> {
  const [[master]] = await client.promise().query<RowDataPacket[]>('SHOW MASTER STATUS');
  if (!master) throw new Error('SHOW MASTER STATUS returned nothing: the binlog is off (log_bin)');
  let gtids: string | null = master.Executed_Gtid_Set ? String(master.Executed_Gtid_Set).replace(/\s+/g, '') : null;
  if (info.isMariaDb) gtids = String((await client.promise().query<RowDataPacket[]>('SELECT @@gtid_binlog_pos AS g'))[0][0].g) || null;
  return { at: new BinlogPosition(String(master.File), Number(master.Position)), gtids };
}

/** The binlog files the server still has. */
export async function binlogFiles(client: MySqlClient): Promise<Set<string>> {
  const [rows] = await client.promise().query<RowDataPacket[]>('SHOW BINARY LOGS');
  return new Set(rows.map((r) => String(r.Log_name)));
}

/**
 * Whether the server still has every transaction after `gtids` (a stored offset's GTIDs), so a
 * GTID-based resume loses nothing. MySQL: the purged GTIDs are all in the set. MariaDB: per
 * replication domain, the offset's sequence number is at least the one the oldest binlog file
 * starts after (`BINLOG_GTID_POS(oldest, 4)`); a domain the offset lacks counts as 0.
 */
export async function gtidsAvailable(client: MySqlClient, info: ServerInfo, gtids: string, oldestFile: string | undefined): Promise<boolean> {
  if (!info.isMariaDb) {
    const [[row]] = await client.promise().query<RowDataPacket[]>('SELECT GTID_SUBSET(@@global.gtid_purged, ?) AS ok', [gtids]);
    return Number(row?.ok) === 1;
  }
  if (!oldestFile) return false;
  const [[row]] = await client.promise().query<RowDataPacket[]>('SELECT BINLOG_GTID_POS(?, 4) AS pos', [oldestFile]);
  const had = mariaDbSequences(gtids);
  for (const [domain, seq] of mariaDbSequences(String(row?.pos ?? ''))) if ((had.get(domain) ?? 0n) < seq) return false;
  return true;
}

/** `0-1-42,1-2-7` → domain → sequence number */
function mariaDbSequences(position: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const gtid of position.split(',')) {
    const parts = gtid.trim().split('-');
    if (parts.length === 3) out.set(parts[0], BigInt(parts[2]));
  }
  return out;
}
