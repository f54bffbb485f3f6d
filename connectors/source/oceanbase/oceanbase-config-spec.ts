import { defineConfigSpec, prop, type ConfigOf } from '../../../plugins/api/index.js';

/**
 * Every property of the OceanBase source. Connection, filter and event properties keep Debezium's
 * names; the Log Proxy ones follow Flink CDC's OceanBase connector (`logproxy.host`,
 * `rootserver.list`) so a user of either finds them. The README's properties table is generated
 * from this spec.
 */
export const oceanbaseConfigSpec = defineConfigSpec(
  {
    'topic.prefix': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'Logical name of the source: prefix of every topic (`<topic.prefix>.<schema>.<table>`) and the key of the stored offsets.', pattern: /^[A-Za-z0-9_.-]+$/, patternHint: 'must contain only letters, digits, ".", "_" and "-"' }),
    'database.compatibility.mode': prop.enum(['oracle', 'mysql'] as const, { required: true, caseInsensitive: true, importance: 'high', group: 'Connection', doc: 'The tenant\'s compatibility mode. `mysql`: the MySQL binlog source reads the tenant\'s Binlog Service through ODP. `oracle`: one of the three `capture.mode`s (Oracle mode exists in OceanBase Enterprise Edition and OceanBase Cloud only).' }),
    'capture.mode': prop.enum(['logproxy', 'trigger', 'query', 'binlog'] as const, { caseInsensitive: true, importance: 'high', group: 'Connection', doc: 'How an Oracle-mode tenant is captured: `logproxy` (Log Proxy CDC mode; EXPERIMENTAL, never run against a real Log Proxy), `trigger` (triggers writing a change table: complete capture without Enterprise components), `query` (incremental queries by ORA_ROWSCN or a timestamp/incrementing pair: no before-images, deletes only by key-set diffing). MySQL mode takes `binlog` (the default there) or `trigger`.' }),
    'database.hostname': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'Host of the OceanBase Database Proxy (ODP/obproxy) or of an OBServer\'s SQL port.' }),
    'database.port': prop.int({ default: 2881, min: 1, max: 65535, importance: 'high', group: 'Connection', doc: 'SQL port (2881 for an OBServer, 2883 for ODP).' }),
    'database.user': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'User name without tenant or cluster (`database.tenant` and `database.cluster` are appended as `user@tenant#cluster`).' }),
    'database.password': prop.password({ default: '', importance: 'high', group: 'Connection', doc: 'Password of `database.user`; use a config provider (`${env:OB_PASSWORD}`).' }),
    'database.tenant': prop.string({ required: true, importance: 'high', group: 'Connection', doc: 'The tenant holding the captured tables.' }),
    'database.user.tenant.suffix': prop.boolean({ default: true, group: 'Connection', doc: 'Append `@tenant#cluster` to `database.user` when logging in, as OBServers and ODP expect. False: log in as `database.user` as given (a full `user@tenant#cluster` written there, or a MySQL-compatible server without tenants, such as the MariaDB the trigger protocol is tested on).' }),
    'database.cluster': prop.string({ group: 'Connection', doc: 'The cluster name, needed when connecting through ODP to a multi-cluster proxy (`user@tenant#cluster`).' }),
    'database.dbname': prop.string({ group: 'Connection', doc: 'Schema (Oracle mode: the owner) to connect to; also `source.db`. Defaults to the upper-case user in Oracle mode.' }),
    'connect.timeout.ms': prop.int({ default: 10_000, min: 100, group: 'Connection', doc: 'How long connecting may take before it fails.' }),
    'schema.include.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole schema (owner) names, case-insensitively.' }),
    'table.include.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `schema.table` identifiers (case-insensitive); only matching tables are captured. Required for `trigger` and `query` modes (every captured table gets triggers or queries).' }),
    'table.exclude.list': prop.list({ group: 'Filters', doc: 'Comma-separated regular expressions matched against whole `schema.table` identifiers; matching tables are not captured.' }),
    'snapshot.mode': prop.enum(['initial', 'no_data'] as const, { default: 'initial', caseInsensitive: true, aliases: { never: 'no_data', schema_only: 'no_data' }, group: 'Snapshot', doc: '`initial` reads the tables once in one consistent read (Oracle mode: `AS OF SCN`, bounded by `undo_retention`; MySQL-mode triggers: a transaction WITH CONSISTENT SNAPSHOT), then captures changes (query and trigger modes; Log Proxy mode has no snapshot: use `no_data` there); `no_data` only captures changes from now on.' }),
    'tombstones.on.delete': prop.boolean({ default: true, group: 'Events', doc: 'Follow each delete with a tombstone (same key, null value).' }),
    'decimal.handling.mode': prop.enum(['precise', 'string', 'double'] as const, { default: 'precise', caseInsensitive: true, group: 'Events', doc: 'As Debezium\'s Oracle connector: NUMBER(p,s) as Decimal, NUMBER(p,0) as int8..int64, NUMBER without scale as VariableScaleDecimal (`precise`); exact text (`string`); float64 (`double`).' }),
    'time.precision.mode': prop.enum(['adaptive', 'connect'] as const, { default: 'adaptive', caseInsensitive: true, group: 'Events', doc: 'As Debezium\'s Oracle connector: DATE and TIMESTAMP(0-3) as Timestamp (ms), TIMESTAMP(4-6) as MicroTimestamp, TIMESTAMP(7-9) as NanoTimestamp (`adaptive`), or Kafka Connect\'s Timestamp (`connect`).' }),
    'logproxy.host': prop.string({ group: 'Log Proxy', doc: '`capture.mode=logproxy`: host of OceanBase Log Proxy (oblogproxy, CDC mode).' }),
    'logproxy.port': prop.int({ default: 2983, min: 1, max: 65535, group: 'Log Proxy', doc: 'Port of Log Proxy.' }),
    'rootserver.list': prop.string({ group: 'Log Proxy', doc: 'The cluster\'s root servers (`ip:rpc_port:sql_port;...`), sent to Log Proxy as `rootserver_list`; or set `config.url`.' }),
    'config.url': prop.string({ group: 'Log Proxy', doc: 'The cluster\'s config URL (OCP), sent to Log Proxy as `cluster_url` instead of `rootserver.list`.' }),
    'logproxy.user': prop.string({ group: 'Log Proxy', doc: 'The sys-tenant user Log Proxy reads the clog as (`cluster_user`); defaults to `database.user`.' }),
    'logproxy.password': prop.password({ default: '', group: 'Log Proxy', doc: 'Password of `logproxy.user`; sent as its SHA-1 hex hash (`cluster_password`), as oblogclient does. Empty: `database.password`.' }),
    'logproxy.client.id': prop.string({ group: 'Log Proxy', doc: 'Client id of the Log Proxy stream; defaults to `tributary-<topic.prefix>`.' }),
    'logproxy.idle.timeout.ms': prop.int({ default: 15_000, min: 500, group: 'Log Proxy', doc: 'With nothing (not even a heartbeat) from Log Proxy for this long, the stream is reconnected from the checkpoint.' }),
    'logproxy.record.raw.dir': prop.string({ group: 'Diagnostics', doc: 'When set, the decompressed bytes of every record batch Log Proxy sends are appended to `<dir>/logproxy-<timestamp>.bin` (framed by their length), so traffic from a real Log Proxy can be contributed as a fixture. It holds table data: scrub it before sharing.' }),
    'trigger.change.table': prop.string({ default: 'TRIBUTARY_CHANGES', group: 'Trigger', doc: '`capture.mode=trigger`: the change table the triggers write to (in `database.dbname`).' }),
    'trigger.install': prop.boolean({ default: false, group: 'Trigger', doc: 'Whether the connector installs the change table and the triggers itself at start. False: run the script `tributary` prints (`validate` names what is missing) and review it first.' }),
    'query.cursor': prop.enum(['ora_rowscn', 'timestamp_incrementing'] as const, { default: 'ora_rowscn', caseInsensitive: true, group: 'Query', doc: '`capture.mode=query`: read rows whose ORA_ROWSCN (the commit version; equal for every row of a transaction) is above the cursor, or rows past a user-chosen (timestamp, incrementing) column pair.' }),
    'query.timestamp.column': prop.string({ group: 'Query', doc: 'The timestamp column of `query.cursor=timestamp_incrementing` (set by the application on every write).' }),
    'query.incrementing.column': prop.string({ group: 'Query', doc: 'The strictly increasing column of `query.cursor=timestamp_incrementing` (breaks ties among equal timestamps).' }),
    'query.delete.detection': prop.boolean({ default: false, group: 'Query', doc: 'Detect deletes by diffing the key sets of two flashback points (`AS OF SCN`); costs a key scan of every captured table per interval.' }),
    'query.delete.detection.interval.ms': prop.long({ default: 60_000, min: 0, group: 'Query', doc: 'How often the key sets are diffed.' }),
    'binlog.service.min.odp.version': prop.string({ default: '4.2.1', group: 'MySQL mode', doc: 'The lowest ODP version `validate` accepts for the Binlog Service (our reading of OceanBase\'s documentation; lower it if your release notes say otherwise).' }),
    'database.server.id': prop.long({ default: 0, min: 0, max: 4_294_967_295, group: 'MySQL mode', doc: 'MySQL mode: the replica server id for the binlog dump (0: derived from `topic.prefix`).' }),
    'heartbeat.interval.ms': prop.int({ default: 10_000, min: 0, group: 'Connection', doc: 'How often the SQL connection is checked with a heartbeat query (`SELECT 1 FROM DUAL`; a failed one makes the connection reopen), and, in logproxy mode, how often a heartbeat record carrying Log Proxy\'s checkpoint as offset is emitted while the captured tables are idle. Trigger and query modes read every `poll.interval.ms` anyway. 0 disables.' }),
    'heartbeat.topics.prefix': prop.string({ default: '__debezium-heartbeat', group: 'Connection', doc: 'Heartbeat records go to `<heartbeat.topics.prefix>.<topic.prefix>`.' }),
    'reconnect.backoff.initial.ms': prop.int({ default: 250, min: 10, group: 'Connection', doc: 'First wait before reconnecting after the connection dropped; it doubles up to `reconnect.backoff.max.ms`.' }),
    'reconnect.backoff.max.ms': prop.int({ default: 8_000, min: 10, max: 30_000, group: 'Connection', doc: 'Longest wait between reconnection attempts; at most 30 s so a drop is healed within 30 s of the source coming back.' }),
    'handoff.retry.attempts': prop.int({ default: 3, min: 0, group: 'Errors', doc: 'How often a refused hand-off is retried before the task fails; the seed pipeline\'s "3 retries". Covers both hand-offs: the runtime\'s, of each batch of records to the bus or Kafka (a broker unreachable, a timeout, too few in-sync replicas; `tributary_source_handoff_retries_total`, then `source.handoff_failed`), and the connector\'s own after a commit, the trigger change-table cleanup (`tributary_oceanbase_handoff_retries_total`). The same property of every source connector, where it defaults to 0.' }),
    'handoff.retry.interval.ms': prop.int({ default: 2_000, min: 0, group: 'Errors', doc: 'Wait before each hand-off retry ("2 s apart"). Each retry is logged at warn with its number and counted.' }),
    'max.queue.size': prop.int({ default: 8192, min: 1, group: 'Performance', doc: 'Change events buffered between the reader and `poll`; when full, reading pauses.' }),
    'max.batch.size': prop.int({ default: 2048, min: 1, group: 'Performance', doc: 'Most records one `poll` returns (also the rows one change-table or incremental query reads).' }),
    'poll.interval.ms': prop.int({ default: 500, min: 1, max: 5000, group: 'Performance', doc: 'How long `poll` waits for changes, and how long trigger and query modes wait between two reads when idle (well inside the 5 s capture budget).' }),
  },
  (values, issues) => {
    const mode = values['database.compatibility.mode'];
    const capture = values['capture.mode'];
    // the binlog path exists only for MySQL-mode tenants, the three others only for Oracle mode
    if (mode === 'mysql' && capture !== undefined && capture !== 'binlog' && capture !== 'trigger') issues.add('capture.mode', `MySQL-mode tenants are captured through the Binlog Service (capture.mode=binlog, the default) or with triggers (capture.mode=trigger); ${capture} is for Oracle mode`);
    // the Log Proxy reader starts from now: it has no snapshot of its own
    if (capture === 'logproxy' && values['snapshot.mode'] === 'initial') issues.add('snapshot.mode', 'capture.mode=logproxy does not snapshot the tables (not implemented): set snapshot.mode=no_data to capture changes from now on, or take the initial copy with capture.mode=query or trigger first');
    if (mode === 'oracle' && capture === undefined) issues.add('capture.mode', 'Missing required configuration "capture.mode" for database.compatibility.mode=oracle: logproxy, trigger or query');
    if (mode === 'oracle' && capture === 'binlog') issues.add('capture.mode', 'Oracle-mode tenants have no Binlog Service: use logproxy, trigger or query');
    if (capture === 'logproxy' && !values['logproxy.host']) issues.add('logproxy.host', 'Missing required configuration "logproxy.host" for capture.mode=logproxy');
    if (capture === 'logproxy' && !values['rootserver.list'] && !values['config.url']) issues.add('rootserver.list', 'Log Proxy needs rootserver.list or config.url to find the cluster');
    // triggers and incremental queries are per table: capturing "every table" would install or run them everywhere
    if ((capture === 'trigger' || capture === 'query') && !values['table.include.list']) issues.add('table.include.list', `capture.mode=${capture} needs an explicit table.include.list`);
    if (capture === 'query' && values['query.cursor'] === 'timestamp_incrementing' && (!values['query.timestamp.column'] || !values['query.incrementing.column'])) {
      issues.add('query.timestamp.column', 'query.cursor=timestamp_incrementing needs query.timestamp.column and query.incrementing.column');
    }
    if (values['table.include.list'] && values['table.exclude.list']) issues.add('table.exclude.list', 'table.include.list and table.exclude.list cannot both be set');
    if (values['reconnect.backoff.initial.ms'] > values['reconnect.backoff.max.ms']) issues.add('reconnect.backoff.initial.ms', `must not exceed reconnect.backoff.max.ms (${values['reconnect.backoff.max.ms']})`);
  },
);

export type OceanBaseConfig = ConfigOf<typeof oceanbaseConfigSpec.properties>;
export type CaptureMode = 'logproxy' | 'trigger' | 'query' | 'binlog';

/** the capture mode in effect: MySQL mode reads the binlog unless trigger mode is asked for */
export function captureModeOf(config: OceanBaseConfig): CaptureMode {
  if (config['database.compatibility.mode'] === 'mysql') return config['capture.mode'] === 'trigger' ? 'trigger' : 'binlog';
  return config['capture.mode'] ?? 'query';
}

/** `user@tenant#cluster`, the login OceanBase (and ODP) expects */
export function loginUser(config: OceanBaseConfig): string {
  if (!config['database.user.tenant.suffix']) return config['database.user'];
  const cluster = config['database.cluster'] ? `#${config['database.cluster']}` : '';
  return `${config['database.user']}@${config['database.tenant']}${cluster}`;
}

/** the schema captured tables live in by default (`source.db`) */
export function defaultSchema(config: OceanBaseConfig): string {
  return config['database.dbname'] ?? (config['database.compatibility.mode'] === 'oracle' ? config['database.user'].toUpperCase() : config['database.user']);
}
