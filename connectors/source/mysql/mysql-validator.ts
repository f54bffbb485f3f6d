import type { RowDataPacket } from 'mysql2';
import { invalidPatterns } from '../../../plugins/cdc/index.js';
import { connect, mysqlError, type MySqlClient } from './mysql-connection.js';
import type { MySqlConfig } from './mysql-config-spec.js';
import { binlogSettingProblems, serverInfo } from './mysql-server-info.js';

/**
 * Checks beyond the spec, each problem reported against the property that fixes it: the
 * connection (host/port, user/password, TLS), the binlog settings (reported on
 * `database.hostname`, with the SQL that fixes each), the privileges the user lacks, named one
 * by one (`database.user`), and a replica already connected with this `database.server.id`.
 * Never throws.
 */
export async function validateMySql(config: MySqlConfig): Promise<Record<string, string[]>> {
  const problems: Record<string, string[]> = {};
  const add = (property: string, message: string) => (problems[property] ??= []).push(message);
  for (const name of ['database.include.list', 'database.exclude.list', 'table.include.list', 'table.exclude.list', 'column.include.list', 'column.exclude.list'] as const) {
    for (const p of invalidPatterns(config[name])) add(name, p);
  }
  let client: MySqlClient;
  try {
    client = await connect(config);
  } catch (error) {
    const { errno } = mysqlError(error);
    const message = (error as Error).message;
    if (errno === 1045) add('database.password', `The server refused user "${config['database.user']}" with this password: ${message}`);
    else if (/SSL|TLS|certificate/i.test(message)) add('database.ssl.mode', `TLS to the server failed (database.ssl.mode=${config['database.ssl.mode']}): ${message}`);
    else add('database.hostname', `Cannot connect to ${config['database.hostname']}:${config['database.port']}: ${message}`);
    return problems;
  }
  try {
    const info = await serverInfo(client);
    for (const p of binlogSettingProblems(info)) add('database.hostname', p);
    for (const p of missingPrivileges(await grants(client), config['snapshot.locking.mode'], info.isMariaDb)) add('database.user', p);
    const [replicas] = await client.promise().query<RowDataPacket[]>(info.isMariaDb ? 'SHOW SLAVE HOSTS' : 'SHOW REPLICAS').catch(() => [[] as RowDataPacket[]]);
    const serverId = config['database.server.id'];
    if (serverId > 0 && replicas.some((r) => Number(r.Server_id) === serverId)) {
      add('database.server.id', `A replica with server id ${serverId} is connected to the server already; a second connection with the same id makes the server drop the first. Choose an id unique among its replicas.`);
    }
    if (serverId > 0 && serverId === info.serverId) add('database.server.id', `${serverId} is the server's own server_id; choose another.`);
    const signals = config['signal.data.collection'];
    if (signals) for (const p of await signalTableProblems(client, signals)) add('signal.data.collection', p);
  } catch (error) {
    add('database.hostname', `Could not inspect the server: ${(error as Error).message}`);
  } finally {
    client.destroy();
  }
  return problems;
}

/** The signal table must exist with Debezium's three columns (id, type, data: read and written by position). */
async function signalTableProblems(client: MySqlClient, collection: string): Promise<string[]> {
  const dot = collection.indexOf('.');
  const [db, table] = [collection.slice(0, dot), collection.slice(dot + 1)];
  const [columns] = await client.promise().query<RowDataPacket[]>('SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [db, table]);
  if (columns.length === 0) return [`The signal table ${collection} does not exist: CREATE TABLE ${collection} (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048)), and GRANT INSERT on it to database.user (incremental snapshots write their watermarks there).`];
  if (columns.length < 3) return [`The signal table ${collection} has ${columns.length} column(s); it needs three, in this order: id, type, data.`];
  return [];
}

async function grants(client: MySqlClient): Promise<string> {
  const [rows] = await client.promise().query<RowDataPacket[]>('SHOW GRANTS FOR CURRENT_USER()');
  return rows.map((r) => String(Object.values(r)[0])).join('\n').toUpperCase();
}

/**
 * The privileges the grants lack, each with its reason: REPLICATION SLAVE (read the binlog),
 * REPLICATION CLIENT (SHOW MASTER STATUS / BINARY LOGS), SELECT (the snapshot), and RELOAD for
 * the global read lock of `minimal`/`extended` locking on MySQL (MariaDB's snapshot position is
 * exact without it). `ALL PRIVILEGES ON *.*` covers all of them.
 */
export function missingPrivileges(grantText: string, lockingMode: MySqlConfig['snapshot.locking.mode'], isMariaDb: boolean): string[] {
  const global = grantText.split('\n').filter((g) => / ON \*\.\* /.test(g)).join('\n');
  if (/GRANT ALL PRIVILEGES ON \*\.\*/.test(grantText)) return [];
  const has = (p: string) => new RegExp(`\\b${p}\\b`).test(global);
  const missing: string[] = [];
  if (!has('REPLICATION SLAVE') && !has('REPLICATION REPLICA')) missing.push('REPLICATION SLAVE is missing: it is needed to read the binlog (GRANT REPLICATION SLAVE ON *.* TO ...).');
  if (!has('REPLICATION CLIENT') && !has('BINLOG MONITOR')) missing.push('REPLICATION CLIENT (MariaDB: BINLOG MONITOR) is missing: it is needed for SHOW MASTER STATUS and SHOW BINARY LOGS (GRANT REPLICATION CLIENT ON *.* TO ...).');
  if (!has('SELECT') && !/GRANT [^\n]*SELECT[^\n]* ON /.test(grantText)) missing.push('SELECT is missing: the snapshot reads the captured tables (GRANT SELECT ON <db>.* TO ...).');
  if (lockingMode !== 'none' && !isMariaDb && !has('RELOAD')) missing.push(`RELOAD is missing: snapshot.locking.mode=${lockingMode} takes FLUSH TABLES WITH READ LOCK to read a consistent binlog position (GRANT RELOAD ON *.* TO ..., or snapshot.locking.mode=none when no writes or DDL run while the snapshot starts).`);
  return missing;
}
