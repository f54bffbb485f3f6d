import { defineConfigSpec, prop, type ConfigOf } from '../../../plugins/api/index.js';

/**
 * Every property of the PostgreSQL source, with Debezium's names so a Debezium Postgres
 * connector config works as it is. The README's properties table is generated from this spec.
 */
export const postgresConfigSpec = defineConfigSpec(
  {
    'topic.prefix': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'Logical name of the source server: prefix of every topic (`<topic.prefix>.<schema>.<table>`, characters outside `A-Za-z0-9._-` replaced by `_` as Debezium does) and the key of the stored offsets.', pattern: /^[A-Za-z0-9_.-]+$/, patternHint: 'must contain only letters, digits, ".", "_" and "-"' }),
    'database.hostname': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'Host name or IP address of the PostgreSQL server.' }),
    'database.port': prop.int({ default: 5432, min: 1, max: 65535, importance: 'high', group: 'Connection', doc: 'Port of the PostgreSQL server.' }),
    'database.user': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'User to connect as; needs the REPLICATION attribute (or superuser), SELECT on the captured tables, and CREATE on the database when the publication is created automatically.' }),
    'database.password': prop.password({ default: '', importance: 'high', group: 'Connection', doc: 'Password of `database.user`; use a config provider (`${env:PGPASSWORD}`) rather than the plain value.' }),
    'database.dbname': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'Database to capture changes from.' }),
    'database.sslmode': prop.enum(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const, { default: 'disable', group: 'Connection', doc: 'TLS to the server. `require` encrypts without checking the certificate, `verify-ca` and `verify-full` check it against `database.sslrootcert` (and the host name). The Node client cannot fall back from TLS to plain, so `allow` and `prefer` connect without TLS.' }),
    'database.sslrootcert': prop.string({ group: 'Connection', doc: 'Path of a PEM file with the CA certificates that `verify-ca`/`verify-full` trust.' }),
    'plugin.name': prop.enum(['pgoutput'] as const, { default: 'pgoutput', group: 'Replication', doc: 'Logical decoding output plugin; `pgoutput`, built into PostgreSQL 10+, is the only one supported.' }),
    'slot.name': prop.string({ default: 'tributary', group: 'Replication', pattern: /^[a-z0-9_]{1,63}$/, patternHint: 'must be 1-63 lower-case letters, digits or underscores (a PostgreSQL replication slot name)', doc: 'Name of the logical replication slot; created when missing.' }),
    'slot.drop.on.stop': prop.boolean({ default: false, group: 'Replication', doc: 'Drop the slot when the task stops normally. Only for tests and one-off runs: the next start cannot resume and snapshots again.' }),
    'publication.name': prop.string({ default: 'dbz_publication', group: 'Replication', doc: 'Name of the publication that pgoutput streams.' }),
    'publication.autocreate.mode': prop.enum(['all_tables', 'filtered', 'disabled'] as const, { default: 'all_tables', group: 'Replication', doc: 'When the publication is missing: `all_tables` creates it `FOR ALL TABLES` (tables created later are captured; needs superuser), `filtered` creates it for the tables the include/exclude lists select (and updates it at start), `disabled` expects it to exist.' }),
    'status.update.interval.ms': prop.int({ default: 10_000, min: 100, group: 'Replication', doc: 'How often a standby status update (the last committed LSN as flush position) is sent even when nothing changed, so the server does not time the connection out.' }),
    'schema.include.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole schema names; only matching schemas are captured.' }),
    'schema.exclude.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole schema names; matching schemas are not captured.' }),
    'table.include.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `schema.table` identifiers (case-insensitive, as Debezium does); only matching tables are captured.' }),
    'table.exclude.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `schema.table` identifiers; matching tables are not captured.' }),
    'column.include.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `schema.table.column` names; only matching columns appear in change values (key columns stay in the key).' }),
    'column.exclude.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `schema.table.column` names; matching columns are left out of change values.' }),
    'snapshot.mode': prop.enum(['initial', 'no_data', 'always', 'initial_only', 'when_needed'] as const, { default: 'initial', caseInsensitive: true, aliases: { never: 'no_data', exported: 'initial' }, group: 'Snapshot', doc: '`initial` snapshots the tables once, then streams; `no_data` only streams; `always` snapshots at every start; `initial_only` snapshots and stops producing; `when_needed` snapshots when there is no usable offset or the slot was lost. Debezium\'s deprecated `never` (= `no_data`) and `exported` (= `initial`, which always reads inside the slot\'s exported snapshot here) are accepted.' }),
    'snapshot.fetch.size': prop.int({ default: 10_240, min: 1, group: 'Snapshot', doc: 'Rows read per primary-key chunk during the snapshot.' }),
    'incremental.snapshot.chunk.size': prop.int({ default: 1024, min: 1, group: 'Snapshot', doc: 'Rows read per chunk by an incremental snapshot (an `execute-snapshot` signal). Each chunk is read between two watermarks written to the WAL; rows the stream changes meanwhile are emitted as those changes instead.' }),
    'signal.data.collection': prop.string({ group: 'Snapshot', pattern: /^[^.]+\.[^.]+$/, patternHint: 'must be <schema>.<table>', doc: 'Debezium\'s signal table, `<schema>.<table>` with text columns `id`, `type`, `data`: a row inserted there is a signal (`execute-snapshot` with `{"data-collections": ["public.t"], "type": "incremental"}`, `stop-snapshot`, `pause-snapshot`, `resume-snapshot`, `log`), read from the stream in commit order. It must be in the publication (`all_tables` includes it). Signals over REST (`POST /connectors/{name}/snapshots`) need no table.' }),
    'signal.enabled.channels': prop.list({ default: ['source'], group: 'Snapshot', doc: 'Debezium\'s signal channels. `source` (the signal table) is read; REST signals are always taken. `kafka`, `jmx` and `file` are not supported and are warned about.' }),
    'max.queue.size': prop.int({ default: 8192, min: 1, group: 'Performance', doc: 'Change events buffered between the replication stream and `poll`; when full, reading from the server pauses (backpressure), so large transactions are never held whole in memory.' }),
    'max.batch.size': prop.int({ default: 2048, min: 1, group: 'Performance', doc: 'Most records one `poll` returns.' }),
    'poll.interval.ms': prop.int({ default: 500, min: 1, max: 1000, group: 'Performance', doc: 'How long `poll` waits for changes before returning an empty batch.' }),
    'heartbeat.interval.ms': prop.int({ default: 0, min: 0, group: 'Heartbeat', doc: 'When above 0, a heartbeat record carrying the server\'s current WAL position is emitted this often while the captured tables are idle, so its offset gets committed and `confirmed_flush_lsn` advances (WAL is released). 0 disables.' }),
    'heartbeat.action.query': prop.string({ group: 'Heartbeat', doc: 'SQL run on the source database at every heartbeat (for example an upsert into a heartbeat table) so that a database whose own tables are idle still produces WAL the slot can move past.' }),
    'heartbeat.topics.prefix': prop.string({ default: '__debezium-heartbeat', group: 'Heartbeat', doc: 'Heartbeat records go to `<heartbeat.topics.prefix>.<topic.prefix>`.' }),
    'tombstones.on.delete': prop.boolean({ default: true, group: 'Events', doc: 'Follow each delete with a tombstone (same key, null value) so compacted topics can drop the key.' }),
    'unavailable.value.placeholder': prop.string({ default: '__debezium_unavailable_value', group: 'Events', doc: 'Value given to unchanged TOASTed columns that the server did not send (text-like columns; other types get null). Such columns are also listed in the record header `tributary.unavailable.columns`.' }),
    'decimal.handling.mode': prop.enum(['precise', 'string', 'double'] as const, { default: 'precise', caseInsensitive: true, group: 'Events', doc: 'As Debezium: `precise` maps numeric(p,s) and money to the Decimal logical type (the exact decimal) and unconstrained `numeric` to Debezium\'s VariableScaleDecimal struct (NaN and ±Infinity, which neither holds, become null); `string` gives the exact decimal text (NaN as `NAN`, ±Infinity as `POSITIVE_INFINITY`/`NEGATIVE_INFINITY`); `double` gives a float64, inexact beyond 15-17 digits.' }),
    'time.precision.mode': prop.enum(['adaptive', 'adaptive_time_microseconds', 'connect', 'isostring', 'microseconds', 'nanoseconds'] as const, { default: 'adaptive', caseInsensitive: true, group: 'Events', doc: 'As Debezium: how date, time and timestamp columns are represented. `adaptive` follows the column precision (time/timestamp(0-3) in milliseconds as io.debezium.time.Time/Timestamp, otherwise microseconds as MicroTime/MicroTimestamp); `adaptive_time_microseconds` likewise but time always MicroTime; `microseconds` always MicroTime/MicroTimestamp; `nanoseconds` NanoTime/NanoTimestamp (timestamps outside 1677-2262 become null, as in Debezium); `connect` Kafka Connect\'s Date/Time/Timestamp (milliseconds); `isostring` ISO-8601 text in UTC (IsoDate/IsoTime/IsoTimestamp). timestamptz is always a ZonedTimestamp and timetz a ZonedTime.' }),
    'interval.handling.mode': prop.enum(['numeric', 'string'] as const, { default: 'numeric', caseInsensitive: true, group: 'Events', doc: 'As Debezium: `numeric` gives io.debezium.time.MicroDuration, int64 microseconds with a month counted as 30.4375 days (inexact: a month has no fixed length); `string` gives io.debezium.time.Interval, the exact ISO-8601 duration `P<y>Y<m>M<d>DT<h>H<m>M<s>S`.' }),
    'errors.max.retries': prop.int({ default: -1, min: -1, group: 'Errors', doc: 'Reconnection attempts after the server connection is lost before the task fails; -1 retries forever.' }),
    'retriable.restart.connector.wait.ms': prop.int({ default: 10_000, min: 100, group: 'Errors', doc: 'Longest wait between reconnection attempts (the wait doubles from 250 ms up to this, with jitter).' }),
  },
  (values, issues) => {
    // Debezium refuses both lists at once: which one wins would be ambiguous.
    if (values['table.include.list'] && values['table.exclude.list']) issues.add('table.exclude.list', 'table.include.list and table.exclude.list cannot both be set');
    if (values['schema.include.list'] && values['schema.exclude.list']) issues.add('schema.exclude.list', 'schema.include.list and schema.exclude.list cannot both be set');
    if (values['column.include.list'] && values['column.exclude.list']) issues.add('column.exclude.list', 'column.include.list and column.exclude.list cannot both be set');
    // an SSL check without trusted certificates would accept nothing
    if ((values['database.sslmode'] === 'verify-ca' || values['database.sslmode'] === 'verify-full') && !values['database.sslrootcert']) {
      issues.add('database.sslrootcert', `is required with database.sslmode=${values['database.sslmode']}`);
    }
  },
);

export type PostgresConfig = ConfigOf<typeof postgresConfigSpec.properties>;
