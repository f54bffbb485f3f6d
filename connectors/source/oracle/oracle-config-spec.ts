import { defineConfigSpec, prop, type ConfigOf } from '../../../plugins/api/index.js';

/**
 * Every property of the Oracle source, with Debezium's names and defaults so a Debezium Oracle
 * (LogMiner) connector config works as it is. The README's properties table is generated from it.
 */
export const oracleConfigSpec = defineConfigSpec(
  {
    'topic.prefix': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'Logical name of the source database: prefix of every topic (`<topic.prefix>.<schema>.<table>`, characters outside `A-Za-z0-9._-` replaced by `_`) and the key of the stored offsets.', pattern: /^[A-Za-z0-9_.-]+$/, patternHint: 'must contain only letters, digits, ".", "_" and "-"' }),
    'database.hostname': prop.string({ importance: 'high', group: 'Connection', doc: 'Host name or IP address of the Oracle listener. Required unless `database.url` is set.' }),
    'database.port': prop.int({ default: 1521, min: 1, max: 65535, importance: 'high', group: 'Connection', doc: 'Port of the Oracle listener.' }),
    'database.user': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'The LogMiner user (a common user `C##...` in a CDB); see the README for the privileges it needs.' }),
    'database.password': prop.password({ default: '', importance: 'high', group: 'Connection', doc: 'Password of `database.user`; use a config provider (`${env:ORACLE_PASSWORD}`) rather than the plain value.' }),
    'database.dbname': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'Service name of the database to mine (the CDB\'s, `ORCLCDB`, when `database.pdb.name` is set: LogMiner runs in the root container). Used in the connect string `host:port/dbname` unless `database.url` is set; also written as `source.db` when there is no PDB.' }),
    'database.pdb.name': prop.string({ group: 'Connection', doc: 'The pluggable database holding the captured tables; the snapshot and the catalog reads switch to it (`ALTER SESSION SET CONTAINER`), mining filters on it (`SRC_CON_NAME`). Leave empty for a non-CDB database.' }),
    'database.url': prop.string({ group: 'Connection', doc: 'A full connect string (`host:port/service`, an Easy Connect Plus string, or Debezium\'s `jdbc:oracle:thin:@//host:port/service`, whose prefix is dropped); replaces `database.hostname`, `database.port` and the service of `database.dbname`.' }),
    'database.connection.adapter': prop.enum(['logminer'] as const, { default: 'logminer', caseInsensitive: true, group: 'Connection', doc: 'Only Debezium\'s buffered LogMiner adapter is implemented (XStream, OpenLogReplicator and the unbuffered adapter are not).' }),
    'connect.timeout.ms': prop.int({ default: 5_000, min: 100, group: 'Connection', doc: 'How long connecting (TCP and the listener\'s answer) may take before it fails; `validate` reports an unreachable host within it.' }),
    'schema.include.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole schema (owner) names, case-insensitively; only matching schemas are captured.' }),
    'schema.exclude.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole schema names; matching schemas are not captured. Oracle\'s own schemas (SYS, SYSTEM, ...) never are.' }),
    'table.include.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `schema.table` identifiers (case-insensitive); only matching tables are captured.' }),
    'table.exclude.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `schema.table` identifiers; matching tables are not captured.' }),
    'column.include.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `schema.table.column` names; only matching columns appear in change values.' }),
    'column.exclude.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `schema.table.column` names; matching columns are left out of change values. LOB and XMLTYPE columns of captured tables must be excluded here (see `lob.enabled`).' }),
    'snapshot.mode': prop.enum(['initial', 'initial_only', 'when_needed', 'no_data', 'always'] as const, {
      default: 'initial', caseInsensitive: true,
      aliases: { never: 'no_data', schema_only: 'no_data', recovery: 'no_data', schema_only_recovery: 'no_data' },
      group: 'Snapshot',
      doc: '`initial` snapshots the tables once (`AS OF SCN`), then mines the redo; `initial_only` snapshots and stops producing; `when_needed` also snapshots when the offset\'s SCN is older than every available log; `no_data` only streams, from the current SCN; `always` snapshots at every start. Debezium\'s `never`, `schema_only`, `recovery` and `schema_only_recovery` are accepted as `no_data` (no schema history is kept: table shapes come from the catalog).',
    }),
    'snapshot.fetch.size': prop.int({ default: 10_000, min: 1, group: 'Snapshot', doc: 'Rows per primary-key chunk of the snapshot (keyless tables are read in one pass, streamed).' }),
    'log.mining.strategy': prop.enum(['online_catalog', 'redo_log_catalog', 'hybrid'] as const, { default: 'online_catalog', caseInsensitive: true, group: 'Log mining', doc: 'Where LogMiner takes the data dictionary from. Only `online_catalog` (`DICT_FROM_ONLINE_CATALOG`) is implemented: DDL on captured tables while changes to them are still being mined is not followed (see the README).' }),
    'log.mining.batch.size.min': prop.long({ default: 1_000, min: 1, group: 'Log mining', doc: 'Smallest SCN range one mining window covers.' }),
    'log.mining.batch.size.max': prop.long({ default: 100_000, min: 1, group: 'Log mining', doc: 'Largest SCN range one mining window covers; the window grows toward it while mining lags behind the current SCN.' }),
    'log.mining.batch.size.increment': prop.long({ default: 20_000, min: 1, group: 'Log mining', doc: 'How much the window grows while mining lags behind the current SCN, and shrinks once caught up (within min and max).' }),
    'log.mining.batch.size.default': prop.long({ default: 20_000, min: 1, group: 'Log mining', doc: 'The SCN range of the first window.' }),
    'log.mining.sleep.time.min.ms': prop.long({ default: 0, min: 0, group: 'Log mining', doc: 'Shortest pause between two mining windows.' }),
    'log.mining.sleep.time.max.ms': prop.long({ default: 3_000, min: 0, group: 'Log mining', doc: 'Longest pause between two mining windows.' }),
    'log.mining.sleep.time.default.ms': prop.long({ default: 1_000, min: 0, group: 'Log mining', doc: 'The first pause between mining windows; it shrinks by the increment while mining lags and grows while it is caught up.' }),
    'log.mining.sleep.time.increment.ms': prop.long({ default: 200, min: 0, group: 'Log mining', doc: 'Step by which the pause between windows changes.' }),
    'log.mining.transaction.retention.ms': prop.long({ default: 0, min: 0, group: 'Log mining', doc: 'A transaction open longer than this (by the redo\'s own timestamps) is dropped from the buffer with a warning, so one forgotten session cannot hold the low watermark, and so the redo the connector must keep, forever. 0 keeps every transaction until it ends.' }),
    'log.mining.buffer.transaction.events.threshold': prop.long({ default: 0, min: 0, group: 'Log mining', doc: 'A transaction with more buffered events than this is dropped with a warning (a bound on memory). 0: no bound.' }),
    'log.mining.archive.log.hours': prop.long({ default: 0, min: 0, group: 'Log mining', doc: 'Only archived logs from the last this many hours are considered; 0 considers all.' }),
    'lob.enabled': prop.boolean({ default: false, group: 'Events', doc: 'Must be false: LOB (CLOB, NCLOB, BLOB) and XMLTYPE columns are not captured. A captured table with such a column is refused at start unless the column is left out with `column.exclude.list`.' }),
    'tombstones.on.delete': prop.boolean({ default: true, group: 'Events', doc: 'Follow each delete with a tombstone (same key, null value) so compacted topics can drop the key.' }),
    'decimal.handling.mode': prop.enum(['precise', 'string', 'double'] as const, { default: 'precise', caseInsensitive: true, group: 'Events', doc: 'As Debezium: `precise` gives NUMBER(p,s) as the Decimal logical type (NUMBER(p,0) with p < 19 as int8/16/32/64) and NUMBER/FLOAT without a scale as `io.debezium.data.VariableScaleDecimal`; `string` gives the exact text; `double` a float64.' }),
    'time.precision.mode': prop.enum(['adaptive', 'connect'] as const, { default: 'adaptive', caseInsensitive: true, aliases: { adaptive_time_microseconds: 'adaptive' }, group: 'Events', doc: 'As Debezium: `adaptive` gives DATE and TIMESTAMP(0-3) as io.debezium.time.Timestamp (ms), TIMESTAMP(4-6) as MicroTimestamp, TIMESTAMP(7-9) as NanoTimestamp; `connect` gives Kafka Connect\'s Timestamp (ms). Zoned timestamps are always ZonedTimestamp strings.' }),
    'heartbeat.interval.ms': prop.int({ default: 0, min: 0, group: 'Heartbeat', doc: 'When above 0, a heartbeat record carrying the mined-up-to SCN is emitted this often while the captured tables are idle, so its offset is committed and a restart does not mine the same redo again. 0 disables.' }),
    'heartbeat.topics.prefix': prop.string({ default: '__debezium-heartbeat', group: 'Heartbeat', doc: 'Heartbeat records go to `<heartbeat.topics.prefix>.<topic.prefix>`.' }),
    'max.queue.size': prop.int({ default: 8192, min: 1, group: 'Performance', doc: 'Change events buffered between the miner and `poll`; when full, mining pauses (backpressure).' }),
    'max.batch.size': prop.int({ default: 2048, min: 1, group: 'Performance', doc: 'Most records one `poll` returns.' }),
    'poll.interval.ms': prop.int({ default: 500, min: 1, max: 1000, group: 'Performance', doc: 'How long `poll` waits for changes before returning an empty batch.' }),
    'query.fetch.size': prop.int({ default: 10_000, min: 1, group: 'Performance', doc: 'Rows fetched per round trip from the mining query.' }),
    'session.record.file': prop.string({ group: 'Diagnostics', doc: 'Tributary-specific: when set, every statement this connector sends and every answer it gets (sql, binds, rows, metadata, errors) is appended to this JSONL file, so traffic from a real Oracle can be contributed as a test fixture (it contains table data: scrub it first). A property rather than a CLI flag: the CLI has no per-connector hook.' }),
  },
  (values, issues) => {
    // without either there is nothing to connect to
    if (!values['database.url'] && !values['database.hostname']) issues.add('database.hostname', 'Missing required configuration "database.hostname" (or set database.url).');
    // Debezium refuses both lists at once: which one wins would be ambiguous
    if (values['table.include.list'] && values['table.exclude.list']) issues.add('table.exclude.list', 'table.include.list and table.exclude.list cannot both be set');
    if (values['schema.include.list'] && values['schema.exclude.list']) issues.add('schema.exclude.list', 'schema.include.list and schema.exclude.list cannot both be set');
    if (values['column.include.list'] && values['column.exclude.list']) issues.add('column.exclude.list', 'column.include.list and column.exclude.list cannot both be set');
    if (values['log.mining.strategy'] !== undefined && values['log.mining.strategy'] !== 'online_catalog') {
      issues.add('log.mining.strategy', `${values['log.mining.strategy']} is not implemented; use online_catalog`);
    }
    if (values['lob.enabled'] === true) issues.add('lob.enabled', 'LOB capture is not implemented: set lob.enabled=false and exclude LOB columns with column.exclude.list');
    // a window that may not grow or shrink must still have an order: min ≤ default ≤ max
    const [min, def, max] = [values['log.mining.batch.size.min'], values['log.mining.batch.size.default'], values['log.mining.batch.size.max']];
    if (min > max) issues.add('log.mining.batch.size.min', `must not exceed log.mining.batch.size.max (${max})`);
    else if (def < min || def > max) issues.add('log.mining.batch.size.default', `must lie between log.mining.batch.size.min (${min}) and log.mining.batch.size.max (${max})`);
    const [smin, sdef, smax] = [values['log.mining.sleep.time.min.ms'], values['log.mining.sleep.time.default.ms'], values['log.mining.sleep.time.max.ms']];
    if (smin > smax) issues.add('log.mining.sleep.time.min.ms', `must not exceed log.mining.sleep.time.max.ms (${smax})`);
    else if (sdef < smin || sdef > smax) issues.add('log.mining.sleep.time.default.ms', `must lie between log.mining.sleep.time.min.ms (${smin}) and log.mining.sleep.time.max.ms (${smax})`);
  },
);

export type OracleConfig = ConfigOf<typeof oracleConfigSpec.properties>;

/** The connect string oracledb is given: `database.url` (a JDBC prefix dropped) or `host:port/dbname`. */
export function connectStringOf(config: OracleConfig): string {
  const url = config['database.url'];
  if (url) return url.replace(/^jdbc:oracle:thin:@(\/\/)?/i, '');
  return `${config['database.hostname']}:${config['database.port']}/${config['database.dbname']}`;
}
