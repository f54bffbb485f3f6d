import { defineConfigSpec, prop, type ConfigOf } from '../../../plugins/api/index.js';
import { checkChunkQueue, chunkQueueProperties } from '../../../plugins/cdc/index.js';

/**
 * Every property of the MySQL / MariaDB source, with Debezium's names and defaults so a Debezium
 * MySQL (or MariaDB) connector config works as it is. The README's properties table is generated
 * from this spec.
 */
export const mysqlConfigSpec = defineConfigSpec(
  {
    'topic.prefix': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'Logical name of the source server: prefix of every topic (`<topic.prefix>.<database>.<table>`, characters outside `A-Za-z0-9._-` replaced by `_` as Debezium does), the schema-change topic itself, and the key of the stored offsets.', pattern: /^[A-Za-z0-9_.-]+$/, patternHint: 'must contain only letters, digits, ".", "_" and "-"' }),
    'database.hostname': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'Host name or IP address of the MySQL or MariaDB server (or of the OceanBase Binlog Service).' }),
    'database.port': prop.int({ default: 3306, min: 1, max: 65535, importance: 'high', group: 'Connection', doc: 'Port of the server.' }),
    'database.user': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'User to connect as; needs REPLICATION SLAVE, REPLICATION CLIENT and SELECT on the captured tables, plus RELOAD (`snapshot.locking.mode=minimal`/`extended`: FLUSH TABLES WITH READ LOCK) or LOCK TABLES where the global lock is refused. mysql_native_password and caching_sha2_password both work.' }),
    'database.password': prop.password({ default: '', importance: 'high', group: 'Connection', doc: 'Password of `database.user`; use a config provider (`${env:MYSQL_PASSWORD}`) rather than the plain value.' }),
    'database.server.id': prop.long({ default: 0, min: 0, max: 4_294_967_295, importance: 'high', group: 'Connection', doc: 'The replica server id this connector uses to read the binlog; it must differ from every server and replica in the topology (a duplicate makes the server drop the other connection). 0 picks a stable id from `topic.prefix` in 5400–6399 (Debezium picks a random one in that range).' }),
    'database.ssl.mode': prop.enum(['disabled', 'preferred', 'required', 'verify_ca', 'verify_identity'] as const, { default: 'disabled', caseInsensitive: true, group: 'Connection', doc: 'TLS to the server: `required` encrypts without checking the certificate, `verify_ca` checks it against `database.ssl.truststore` (a PEM file here), `verify_identity` also checks the host name. The Node client cannot fall back from TLS to plain, so `preferred` connects without TLS. (Debezium\'s default is `preferred`.)' }),
    'database.ssl.truststore': prop.string({ group: 'Connection', doc: 'Path of a PEM file with the CA certificates `verify_ca`/`verify_identity` trust (Debezium takes a Java keystore here).' }),
    'database.include.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole database names; only matching databases are captured.' }),
    'database.exclude.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole database names; matching databases are not captured.' }),
    'table.include.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `database.table` identifiers (case-insensitive, as Debezium does); only matching tables are captured.' }),
    'table.exclude.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `database.table` identifiers; matching tables are not captured.' }),
    'column.include.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `database.table.column` names; only matching columns appear in change values (key columns stay in the key).' }),
    'column.exclude.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `database.table.column` names; matching columns are left out of change values.' }),
    'snapshot.mode': prop.enum(['initial', 'initial_only', 'when_needed', 'no_data', 'always'] as const, {
      default: 'initial', caseInsensitive: true,
      aliases: { never: 'no_data', schema_only: 'no_data', recovery: 'no_data', schema_only_recovery: 'no_data' },
      group: 'Snapshot',
      doc: '`initial` snapshots the tables once, then streams the binlog; `initial_only` snapshots and stops producing; `when_needed` snapshots when there is no offset or the offset\'s binlog position was purged; `no_data` only streams; `always` snapshots at every start. Debezium\'s `never`, `schema_only`, `recovery` and `schema_only_recovery` are accepted as `no_data`: Tributary keeps no schema history to rebuild (table shapes come from the binlog\'s own metadata).',
    }),
    'snapshot.locking.mode': prop.enum(['minimal', 'extended', 'none'] as const, {
      default: 'minimal', caseInsensitive: true, aliases: { minimal_percona: 'minimal', minimal_percona_no_table_locks: 'minimal' }, group: 'Snapshot',
      doc: 'How the snapshot is made consistent with the binlog position: `minimal` holds `FLUSH TABLES WITH READ LOCK` (RELOAD privilege; falls back to `LOCK TABLES ... READ` with the LOCK TABLES privilege) only while the consistent-snapshot transaction opens and the position is read; `extended` holds it for the whole snapshot (no writes meanwhile); `none` takes no lock (only safe when no DDL and no writes run during the snapshot\'s start).',
    }),
    'snapshot.fetch.size': prop.int({ default: 10_240, min: 1, group: 'Snapshot', doc: 'Rows read per primary-key chunk during the snapshot (keyless tables are streamed in one pass).' }),
    'incremental.snapshot.chunk.size': prop.int({ default: 1024, min: 1, group: 'Snapshot', doc: 'Rows read per chunk by an incremental snapshot (an `execute-snapshot` signal). Each chunk is read between two watermark rows written to `signal.data.collection`; rows the binlog changes meanwhile are emitted as those changes instead.' }),
    'snapshot.max.threads': prop.int({ default: 1, min: 1, max: 16, group: 'Snapshot', doc: 'Chunks an incremental snapshot reads at once, each on a connection of its own (Debezium\'s and Flink CDC\'s name). Above 1, each chunk window covers that many chunks: their boundaries are found first by key-only queries, their rows are read in parallel between the window\'s two watermarks (rows of `signal.data.collection`), and they are emitted together at its high watermark. 1 reads one chunk at a time. The initial snapshot (`snapshot.mode`) does not use it.' }),
    'snapshot.max.rows.per.second': prop.int({ default: 0, min: 0, group: 'Snapshot', doc: 'Most rows per second an incremental snapshot reads (averaged; one chunk window may come as a burst), to protect the source. 0 is no limit. The stream is never limited.' }),
    ...chunkQueueProperties,
    'signal.data.collection': prop.string({ group: 'Snapshot', pattern: /^[^.]+\.[^.]+$/, patternHint: 'must be <database>.<table>', doc: 'Debezium\'s signal table, `<database>.<table>` with three columns in this order: id (`VARCHAR(42)` primary key), type (`VARCHAR(32)`), data (`VARCHAR(2048)` or TEXT). A row inserted there is a signal (`execute-snapshot` with `{"data-collections": ["db.t"], "type": "incremental"}`, `stop-snapshot`, `pause-snapshot`, `resume-snapshot`, `log`), read from the binlog in commit order; the connector inserts its chunk windows\' watermarks there (`snapshot-window-open` / `snapshot-window-close`), so `database.user` needs INSERT on it. It need not be captured. Incremental snapshots, REST and Kafka signals need it.' }),
    'signal.enabled.channels': prop.list({ default: ['source'], group: 'Snapshot', doc: 'Debezium\'s signal channels: `source` (rows of the signal table) and `kafka` (`signal.kafka.topic`, read by the worker on its Kafka cluster in distributed mode); REST signals are always taken. REST and Kafka signals are inserted into the signal table, and taken from there even without `source`. `jmx` and `file` are not supported and are warned about.' }),
    'signal.kafka.topic': prop.string({ group: 'Snapshot', doc: 'The Kafka signal channel\'s topic (default `<topic.prefix>-signal`, created with one partition when missing). A message keyed by this connector\'s `topic.prefix` with value `{"type": "execute-snapshot", "data": {"data-collections": ["db.t"], "type": "incremental"}}` is a signal.' }),
    'signal.kafka.groupId': prop.string({ default: 'kafka-signal', group: 'Snapshot', doc: 'The consumer group whose committed offset on `signal.kafka.topic` says which signals were taken (each is taken at least once; a repeated one is harmless).' }),
    'signal.kafka.bootstrap.servers': prop.string({ group: 'Snapshot', doc: 'Accepted for Debezium configs and not used: the worker reads the signal topic on its own Kafka cluster.' }),
    'read.only': prop.boolean({ default: false, group: 'Snapshot', doc: 'Debezium\'s read-only incremental snapshots (watermarks from GTID sets, no writes to the server) are not supported: `true` is refused. Incremental snapshots write their watermarks to `signal.data.collection`.' }),
    'include.schema.changes': prop.boolean({ default: true, group: 'Events', doc: 'Emit each DDL statement as a schema-change event to the `<topic.prefix>` topic (database, table, statement text), as Debezium does.' }),
    'include.query': prop.boolean({ default: false, group: 'Events', doc: 'Put the SQL statement that caused a row change into `source.query` (MariaDB sends it as an ANNOTATE_ROWS event; MySQL needs `binlog_rows_query_log_events=ON`).' }),
    'tombstones.on.delete': prop.boolean({ default: true, group: 'Events', doc: 'Follow each delete with a tombstone (same key, null value) so compacted topics can drop the key.' }),
    'decimal.handling.mode': prop.enum(['precise', 'string', 'double'] as const, { default: 'precise', caseInsensitive: true, group: 'Events', doc: 'As Debezium: `precise` maps DECIMAL(p,s) to the Decimal logical type (the exact decimal), `string` to its exact text, `double` to a float64 (inexact beyond 15-17 digits).' }),
    'time.precision.mode': prop.enum(['adaptive_time_microseconds', 'connect'] as const, { default: 'adaptive_time_microseconds', caseInsensitive: true, aliases: { adaptive: 'adaptive_time_microseconds' }, group: 'Events', doc: 'As Debezium: `adaptive_time_microseconds` gives DATE as io.debezium.time.Date, TIME as MicroTime, DATETIME(0-3) as Timestamp (ms) and DATETIME(4-6) as MicroTimestamp; `connect` uses Kafka Connect\'s Date/Time/Timestamp (milliseconds: fractions beyond them are cut). TIMESTAMP is always an io.debezium.time.ZonedTimestamp in UTC.' }),
    'bigint.unsigned.handling.mode': prop.enum(['long', 'precise'] as const, { default: 'long', caseInsensitive: true, group: 'Events', doc: 'As Debezium: `long` gives BIGINT UNSIGNED as int64 (values above 2^63-1 wrap to negative, as Java\'s long does in Debezium); `precise` gives the Decimal logical type with scale 0 (exact to 2^64-1).' }),
    'binary.handling.mode': prop.enum(['bytes', 'base64', 'base64-url-safe', 'hex'] as const, { default: 'bytes', caseInsensitive: true, group: 'Events', doc: 'As Debezium: BINARY/VARBINARY/BLOB as bytes, or as a base64, URL-safe base64 or hex string.' }),
    'heartbeat.interval.ms': prop.int({ default: 0, min: 0, group: 'Heartbeat', doc: 'When above 0, a heartbeat record carrying the current binlog position is emitted this often while the captured tables are idle, so its offset is committed and a restart does not re-read binlog the other tables wrote. 0 disables.' }),
    'heartbeat.topics.prefix': prop.string({ default: '__debezium-heartbeat', group: 'Heartbeat', doc: 'Heartbeat records go to `<heartbeat.topics.prefix>.<topic.prefix>`.' }),
    'max.queue.size': prop.int({ default: 8192, min: 1, group: 'Performance', doc: 'Change events buffered between the binlog reader and `poll`; when full, reading from the server pauses (backpressure), so a large transaction is never held whole in memory.' }),
    'max.batch.size': prop.int({ default: 2048, min: 1, group: 'Performance', doc: 'Most records one `poll` returns.' }),
    'poll.interval.ms': prop.int({ default: 500, min: 1, max: 1000, group: 'Performance', doc: 'How long `poll` waits for changes before returning an empty batch.' }),
    'errors.max.retries': prop.int({ default: -1, min: -1, group: 'Errors', doc: 'Reconnection attempts after the binlog connection is lost (server restart, `KILL` of the dump thread) before the task fails; -1 retries forever.' }),
    'retriable.restart.connector.wait.ms': prop.int({ default: 10_000, min: 100, group: 'Errors', doc: 'Longest wait between reconnection attempts (the wait doubles from 250 ms up to this).' }),
  },
  (values, issues) => {
    // Debezium refuses both lists at once: which one wins would be ambiguous.
    if (values['table.include.list'] && values['table.exclude.list']) issues.add('table.exclude.list', 'table.include.list and table.exclude.list cannot both be set');
    if (values['database.include.list'] && values['database.exclude.list']) issues.add('database.exclude.list', 'database.include.list and database.exclude.list cannot both be set');
    if (values['column.include.list'] && values['column.exclude.list']) issues.add('column.exclude.list', 'column.include.list and column.exclude.list cannot both be set');
    // Debezium's read.only mode takes its watermarks from GTID sets; accepting it here and
    // writing to the signal table anyway would surprise a user who set it for a read-only replica
    if (values['read.only']) issues.add('read.only', 'read-only incremental snapshots (watermarks from GTID sets) are not supported; remove read.only (incremental snapshots then write their watermarks to signal.data.collection)');
    checkChunkQueue(values, issues);
    // a certificate check without trusted certificates would accept nothing
    if ((values['database.ssl.mode'] === 'verify_ca' || values['database.ssl.mode'] === 'verify_identity') && !values['database.ssl.truststore']) {
      issues.add('database.ssl.truststore', `is required with database.ssl.mode=${values['database.ssl.mode']}`);
    }
  },
);

export type MySqlConfig = ConfigOf<typeof mysqlConfigSpec.properties>;

/** The replica id the binlog connection uses (see `database.server.id`). */
export function replicaServerId(config: MySqlConfig): number {
  if (config['database.server.id'] > 0) return config['database.server.id'];
  let hash = 0;
  for (const c of config['topic.prefix']) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return 5400 + (hash % 1000);
}
