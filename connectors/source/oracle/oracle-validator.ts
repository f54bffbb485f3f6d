import { invalidPatterns } from '../../../plugins/cdc/index.js';
import { listTables } from './catalog.js';
import { isUncapturedType } from '../../shared/oracle-types/column-types.js';
import { describeTable } from './catalog.js';
import type { OracleConfig } from './oracle-config-spec.js';
import { quoteIdentifier } from './oracle-identifiers.js';
import { oracleTableFilter } from './oracle-table-filter.js';
import { prepareSession, switchContainer } from './nls-session.js';
import type { SessionFactory } from './session-factory.js';
import { oracleErrorOf, type SqlSession } from './sql-session.js';

type Problems = Record<string, string[]>;
interface TablePrivileges { readonly flashbackAny: boolean; readonly selectAny: boolean }

/** The privileges LogMiner capture needs, each with what it is for (Debezium's setup guide). */
const REQUIRED_PRIVILEGES: readonly [string, string][] = [
  ['CREATE SESSION', 'to connect'],
  ['LOGMINING', 'to run LogMiner (Oracle 12c and later)'],
  ['SELECT ANY TRANSACTION', 'to read V$LOGMNR_CONTENTS and V$TRANSACTION'],
];

/**
 * Preflight checks beyond the spec, each problem reported on the property that fixes it:
 * the connection (host, service name, credentials: `database.hostname`/`database.url`,
 * `database.dbname`, `database.password`), ARCHIVELOG mode and minimal supplemental logging
 * (`database.dbname`, with the SQL that fixes them), the PDB (`database.pdb.name`), the
 * privileges (`database.user`), and ALL COLUMNS supplemental logging and LOB columns of each
 * captured table (`table.include.list` / `column.exclude.list`). Never throws.
 */
export async function validateOracle(config: OracleConfig, sessions: SessionFactory): Promise<Problems> {
  const problems: Problems = {};
  const add = (property: string, message: string) => (problems[property] ??= []).push(message.replace(/\s*\n\s*/g, ' '));
  for (const name of ['schema.include.list', 'schema.exclude.list', 'table.include.list', 'table.exclude.list', 'column.include.list', 'column.exclude.list'] as const) {
    for (const p of invalidPatterns(config[name])) add(name, p);
  }
  let session: SqlSession;
  try {
    session = await sessions(config);
  } catch (error) {
    const [property, message] = connectProblem(config, error);
    add(property, message);
    return problems;
  }
  try {
    await prepareSession(session);
    await checkDatabase(session, config, add);
    const any = await checkPrivileges(session, add);
    if (config['database.pdb.name']) await switchContainer(session, config['database.pdb.name']);
    await checkTables(session, config, any, add);
  } catch (error) {
    add('database.hostname', `Could not inspect the database: ${oracleErrorOf(error).message}`);
  } finally {
    await session.close().catch(() => undefined);
  }
  return problems;
}

/** Which property a failed connection is about, and what to say. */
export function connectProblem(config: OracleConfig, error: unknown): [string, string] {
  const { code, message } = oracleErrorOf(error);
  const where = config['database.url'] ? `database.url ${config['database.url']}` : `${config['database.hostname']}:${config['database.port']}`;
  const line = message.split('\n')[0];
  if (code === 'ORA-01017') return ['database.password', `Oracle refused user "${config['database.user']}" with this password (${line}).`];
  if (code === 'ORA-28000' || code === 'ORA-01045') return ['database.user', `User "${config['database.user']}" cannot log in (${line}).`];
  if (code === 'ORA-12514' || code === 'ORA-12505' || code === 'NJS-518' || code === 'DPY-6001' || /not registered with the listener|does not currently know of service/i.test(message)) {
    return [config['database.url'] ? 'database.url' : 'database.dbname', `The listener at ${where} knows no service "${config['database.dbname']}" (${line}); set the database's service name.`];
  }
  return [config['database.url'] ? 'database.url' : 'database.hostname', `Cannot connect to ${where}: ${line} (check the host, the port and that the listener runs; connect.timeout.ms=${config['connect.timeout.ms']})`];
}

async function checkDatabase(session: SqlSession, config: OracleConfig, add: (p: string, m: string) => void): Promise<void> {
  const { rows: [db] } = await session.execute('SELECT LOG_MODE, SUPPLEMENTAL_LOG_DATA_MIN, SUPPLEMENTAL_LOG_DATA_ALL, CDB FROM V$DATABASE');
  if (db.LOG_MODE !== 'ARCHIVELOG') {
    add('database.dbname', `The database is in ${String(db.LOG_MODE)} mode; LogMiner capture needs ARCHIVELOG (as SYSDBA: SHUTDOWN IMMEDIATE; STARTUP MOUNT; ALTER DATABASE ARCHIVELOG; ALTER DATABASE OPEN;).`);
  }
  if (db.SUPPLEMENTAL_LOG_DATA_MIN === 'NO') add('database.dbname', 'Minimal supplemental logging is off; turn it on: ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;');
  const pdb = config['database.pdb.name'];
  if (pdb) {
    if (db.CDB !== 'YES') add('database.pdb.name', `The database is not a container database; leave database.pdb.name empty.`);
    else {
      const { rows } = await session.execute('SELECT NAME, OPEN_MODE FROM V$PDBS WHERE NAME = :1', [pdb.toUpperCase()]);
      if (rows.length === 0) add('database.pdb.name', `The CDB has no pluggable database ${pdb}.`);
      else if (!String(rows[0].OPEN_MODE).startsWith('READ')) add('database.pdb.name', `Pluggable database ${pdb} is ${String(rows[0].OPEN_MODE)}; open it (ALTER PLUGGABLE DATABASE ${pdb} OPEN;).`);
    }
  } else if (db.CDB === 'YES') {
    add('database.pdb.name', 'The database is a CDB: name the pluggable database that holds the captured tables (database.dbname stays the CDB\'s service, where LogMiner runs).');
  }
}

/** Reports the missing system privileges and roles; returns the ANY-table privileges, which spare the per-table checks. */
async function checkPrivileges(session: SqlSession, add: (p: string, m: string) => void): Promise<TablePrivileges> {
  const privileges = new Set((await session.execute('SELECT PRIVILEGE FROM SESSION_PRIVS')).rows.map((r) => String(r.PRIVILEGE)));
  const roles = new Set((await session.execute('SELECT ROLE FROM SESSION_ROLES')).rows.map((r) => String(r.ROLE)));
  for (const [privilege, why] of REQUIRED_PRIVILEGES) if (!privileges.has(privilege)) add('database.user', `${privilege} is missing, needed ${why}: GRANT ${privilege} TO <user>;`);
  if (!roles.has('EXECUTE_CATALOG_ROLE')) add('database.user', 'EXECUTE_CATALOG_ROLE is missing, needed to call DBMS_LOGMNR: GRANT EXECUTE_CATALOG_ROLE TO <user>;');
  if (!roles.has('SELECT_CATALOG_ROLE') && !privileges.has('SELECT ANY DICTIONARY')) add('database.user', 'SELECT_CATALOG_ROLE is missing, needed to read V$DATABASE, V$LOG, V$LOGFILE, V$ARCHIVED_LOG and V$THREAD: GRANT SELECT_CATALOG_ROLE TO <user>;');
  return { flashbackAny: privileges.has('FLASHBACK ANY TABLE'), selectAny: privileges.has('SELECT ANY TABLE') };
}

async function checkTables(session: SqlSession, config: OracleConfig, any: TablePrivileges, add: (p: string, m: string) => void): Promise<void> {
  const user = String((await session.execute('SELECT USER FROM DUAL')).rows[0]?.USER ?? '');
  const filter = oracleTableFilter(config);
  const { rows: [db] } = await session.execute('SELECT SUPPLEMENTAL_LOG_DATA_ALL FROM V$DATABASE');
  const allAtDatabase = db?.SUPPLEMENTAL_LOG_DATA_ALL === 'YES';
  const filterProperty = config['table.include.list'] ? 'table.include.list' : config['schema.include.list'] ? 'schema.include.list' : 'table.include.list';
  for (const t of await listTables(session)) {
    if (!filter.includesTable(t.owner, t.table)) continue;
    const name = `${quoteIdentifier(t.owner)}.${quoteIdentifier(t.table)}`;
    if (!allAtDatabase) {
      const { rows } = await session.execute('SELECT LOG_GROUP_TYPE FROM ALL_LOG_GROUPS WHERE OWNER = :1 AND TABLE_NAME = :2', [t.owner, t.table]);
      if (!rows.some((r) => r.LOG_GROUP_TYPE === 'ALL COLUMN LOGGING')) {
        add(filterProperty, `Table ${t.owner}.${t.table} has no ALL COLUMNS supplemental logging, so updates would lack their before image: ALTER TABLE ${name} ADD SUPPLEMENTAL LOG DATA (ALL) COLUMNS;`);
      }
    }
    if (t.owner !== user && (!any.flashbackAny || !any.selectAny)) {
      // granted to the user directly or through a role
      const { rows } = await session.execute('SELECT PRIVILEGE FROM USER_TAB_PRIVS WHERE OWNER = :owner AND TABLE_NAME = :name UNION SELECT PRIVILEGE FROM ROLE_TAB_PRIVS WHERE OWNER = :owner AND TABLE_NAME = :name AND ROLE IN (SELECT ROLE FROM SESSION_ROLES)', { owner: t.owner, name: t.table });
      const granted = new Set(rows.map((r) => String(r.PRIVILEGE)));
      if (!any.flashbackAny && !granted.has('FLASHBACK')) add('database.user', `FLASHBACK on ${t.owner}.${t.table} is missing, needed for the snapshot's AS OF SCN query: GRANT FLASHBACK ON ${name} TO <user>; (or GRANT FLASHBACK ANY TABLE TO <user>;)`);
      if (!any.selectAny && !granted.has('SELECT')) add('database.user', `SELECT on ${t.owner}.${t.table} is missing, needed for the snapshot: GRANT SELECT ON ${name} TO <user>; (or GRANT SELECT ANY TABLE TO <user>;)`);
    }
    const shape = await describeTable(session, t.owner, t.table);
    const lobs = shape.columns.filter((c) => isUncapturedType(c.dataType) && filter.includesColumn(t.owner, t.table, c.name));
    if (lobs.length > 0) add('column.exclude.list', `Table ${t.owner}.${t.table} has ${lobs.map((c) => `${c.name} (${c.dataType})`).join(', ')}: LOB/XML columns are not captured; add ${lobs.map((c) => `${t.owner}.${t.table}.${c.name}`).join(',')} to column.exclude.list.`);
  }
}
