import { defineConfigSpec, prop, type ConfigOf } from '../../../plugins/api/index.js';

/**
 * The ClickHouse sink's properties. Connection and routing names are those of ClickHouse's own
 * Kafka Connect sink (`hostname`, `port`, `database`, `username`, `password`, `ssl`,
 * `topic2TableMap`, `tableRefreshInterval`), so its users find what they know; table management
 * follows the JDBC sink (`auto.create`, `auto.evolve`, `table.name.format`, `insert.mode`).
 */
export const clickhouseSinkSpec = defineConfigSpec(
  {
    topics: prop.list({ doc: 'Topics to consume (or use topics.regex).', group: 'Common' }),
    'topics.regex': prop.string({ doc: 'A regular expression selecting the topics to consume.', group: 'Common' }),
    hostname: prop.string({ doc: 'ClickHouse server host name.', required: true, importance: 'high', group: 'Connection' }),
    port: prop.int({ doc: 'ClickHouse HTTP(S) port.', default: 8123, min: 1, max: 65535, importance: 'high', group: 'Connection' }),
    database: prop.string({ doc: 'The database the tables are in.', default: 'default', importance: 'high', group: 'Connection' }),
    username: prop.string({ doc: 'ClickHouse user.', default: 'default', group: 'Connection' }),
    password: prop.password({ doc: 'Password of username.', default: '', group: 'Connection' }),
    ssl: prop.boolean({ doc: 'Connect over HTTPS.', default: false, group: 'Connection' }),
    timeoutSeconds: prop.int({ doc: 'Timeout of one request to ClickHouse, in seconds.', default: 30, min: 1, group: 'Connection' }),
    topic2TableMap: prop.string({ doc: 'Explicit topic to table names: topic1=table1,topic2=table2. Overrides table.name.format for those topics.', default: '', pattern: /^(\s*[^=,\s]+\s*=\s*[^=,\s]+\s*)(,\s*[^=,\s]+\s*=\s*[^=,\s]+\s*)*$|^$/, patternHint: 'must be topic=table pairs separated by commas', group: 'Tables' }),
    'table.name.format': prop.string({ doc: 'Table name for a topic: ${topic} is the whole topic name, ${table} its last dot-separated part (the source table). Characters other than letters, digits and _ become _.', default: '${table}', group: 'Tables' }),
    tableRefreshInterval: prop.long({ doc: 'How often, in seconds, the sink reads the table structures again (to notice columns added by others); 0 reads a table structure only when its first record arrives and after the sink DDL.', default: 0, min: 0, group: 'Tables' }),
    'auto.create': prop.boolean({ doc: 'Create missing tables from the record schema (upsert: ReplacingMergeTree on the key; append: ReplacingMergeTree on the record id).', default: false, importance: 'high', group: 'Tables' }),
    'auto.evolve': prop.boolean({ doc: 'Add columns that records have and the table lacks (ALTER TABLE ... ADD COLUMN), and make columns Nullable when records turn optional.', default: false, importance: 'high', group: 'Tables' }),
    'insert.mode': prop.enum(['upsert', 'append'], { doc: 'upsert: a table per key holding the latest state (versions from the source position, a _deleted flag); append: every event once (deduplicated by record id). Records without a key always append.', default: 'upsert', caseInsensitive: true, importance: 'high', group: 'Tables' }),
    'primary.key.fields': prop.list({ doc: 'Key columns in upsert mode; default: the fields of the record key.', group: 'Tables' }),
    'partition.by': prop.string({ doc: 'Append mode, auto-created tables: the field whose day partitions the table (PARTITION BY toYYYYMMDD); default: none.', group: 'Tables' }),
    'order.by': prop.list({ doc: 'Append mode, auto-created tables: leading ORDER BY columns before the record id.', group: 'Tables' }),
    // at most ClickHouse's max_insert_block_size: one insert is then one block, atomic
    'batch.size': prop.int({ doc: 'Send an insert once a table has this many rows buffered (at most 1000000, so that one insert is one block ClickHouse writes atomically).', default: 100_000, min: 1, max: 1_000_000, group: 'Batching' }),
    'batch.bytes': prop.long({ doc: 'Send an insert once a table has this many bytes (RowBinary, uncompressed) buffered.', default: 32 * 1024 * 1024, min: 1024, group: 'Batching' }),
    'linger.ms': prop.long({ doc: 'Send an insert once its first row has waited this long.', default: 500, min: 0, group: 'Batching' }),
    'max.in.flight.inserts': prop.int({ doc: 'Inserts of one table in flight at once. Append batches go side by side; an upsert batch waits for any in flight that shares a key with it, so two versions of a key always land in order.', default: 2, min: 1, max: 16, group: 'Batching' }),
    'buffer.memory': prop.long({ doc: 'Bytes of encoded rows a task buffers and has in flight before put waits for ClickHouse.', default: 128 * 1024 * 1024, min: 1024 * 1024, group: 'Batching' }),
    // off by default: on 2 cores the CPU, not the link, bounds rows/s, and gzip halved them (README)
    compression: prop.boolean({ doc: 'Compress insert bodies (gzip level 1, off the main thread). Worth it when the network, not the CPU, is the bottleneck.', default: false, group: 'Batching' }),
    'behavior.on.null.values': prop.enum(['ignore', 'fail'], { doc: 'Tombstones (null values): skip them (the delete event carries the deletion), or fail the task.', default: 'ignore', caseInsensitive: true, group: 'Common' }),
  },
  (v, issues) => {
    if (!v.topics?.length && !v['topics.regex']) issues.add('topics', 'Set topics or topics.regex.');
    // the key must be a column of the sorting key of a fresh table; only one way to name it
    if (v['partition.by'] !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v['partition.by'])) issues.add('partition.by', 'must be a column name');
    for (const c of v['order.by'] ?? []) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(c)) issues.add('order.by', `${c} is not a column name`);
    if (!/\$\{(topic|table)\}/.test(v['table.name.format'])) issues.add('table.name.format', 'must contain ${topic} or ${table}');
  },
);

export type ClickHouseSinkConfig = ConfigOf<typeof clickhouseSinkSpec.properties>;

/** `topic2TableMap` as a map. */
export function topicTableMap(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of text.split(',')) {
    const [topic, table] = pair.split('=').map((s) => s.trim());
    if (topic && table) out.set(topic, table);
  }
  return out;
}

/** The table a topic lands in. */
export function tableNameFor(topic: string, config: Pick<ClickHouseSinkConfig, 'topic2TableMap' | 'table.name.format'>): string {
  const mapped = topicTableMap(config.topic2TableMap).get(topic);
  if (mapped) return mapped;
  const last = topic.split('.').pop() ?? topic;
  return config['table.name.format'].replaceAll('${topic}', topic).replaceAll('${table}', last).replace(/[^A-Za-z0-9_]/g, '_');
}
