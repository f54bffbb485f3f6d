import { defineConfigSpec, prop, type ConfigOf } from '../../../plugins/api/index.js';

/**
 * The files sink's properties. Names follow Confluent's S3 sink (`topics.dir`, `flush.size`,
 * `rotate.interval.ms`, `path.format`, `s3.bucket.name`, `s3.part.size`, ...) so its users find
 * what they know; `store.url` is ours and covers local disk and S3 in one property.
 */
export const formatClassAliases: Readonly<Record<string, 'parquet' | 'json' | 'csv'>> = {
  'io.confluent.connect.s3.format.parquet.ParquetFormat': 'parquet',
  'io.confluent.connect.s3.format.json.JsonFormat': 'json',
  'io.confluent.connect.storage.format.parquet.ParquetFormat': 'parquet',
  'io.confluent.connect.storage.format.json.JsonFormat': 'json',
  'io.confluent.connect.hdfs.parquet.ParquetFormat': 'parquet',
  'io.confluent.connect.hdfs.json.JsonFormat': 'json',
};

export const storeProperties = {
  'store.url': prop.string({
    doc: 'Where files land: file:///absolute/path for local disk, or s3://bucket/prefix. When unset, s3.bucket.name is used.',
    pattern: /^(file:\/\/\/|s3:\/\/[^/]+)/,
    patternHint: 'must start with file:/// or s3://<bucket>',
    importance: 'high',
    group: 'Storage',
  }),
  's3.bucket.name': prop.string({ doc: 'The S3 bucket, as in the Confluent S3 sink (when store.url is unset).', importance: 'high', group: 'Storage' }),
  's3.region': prop.string({ doc: 'The S3 region.', default: 'us-east-1', group: 'Storage' }),
  's3.endpoint': prop.string({ doc: 'Endpoint of an S3-compatible server (MinIO, s3rver); implies path-style access unless s3.path.style.access=false.', group: 'Storage' }),
  's3.path.style.access': prop.boolean({ doc: 'Use path-style addressing (bucket in the path). Defaults to true when s3.endpoint is set.', group: 'Storage' }),
  'aws.access.key.id': prop.string({ doc: 'Access key; when unset, the default AWS credential chain is used.', group: 'Storage' }),
  'aws.secret.access.key': prop.password({ doc: 'Secret key for aws.access.key.id.', group: 'Storage' }),
  's3.part.size': prop.long({ doc: 'Multipart upload part size in bytes; a file is streamed to S3 one part at a time.', default: 25 * 1024 * 1024, min: 5 * 1024 * 1024, max: 5 * 1024 * 1024 * 1024, group: 'Storage' }),
  'store.retry.attempts': prop.int({ doc: 'Attempts per storage call (write, upload part, complete, rename) before the task fails; the defaults wait 23 to 46 s in all.', default: 10, min: 3, group: 'Storage' }),
  'store.retry.backoff.ms': prop.long({ doc: 'First retry delay; it doubles up to store.retry.backoff.max.ms, each wait between half and all of it (jitter).', default: 250, min: 1, group: 'Storage' }),
  'store.retry.backoff.max.ms': prop.long({ doc: 'Largest delay between two storage attempts.', default: 10_000, min: 1, group: 'Storage' }),
  'topics.dir': prop.string({ doc: 'Top-level directory (key prefix) under the store root.', default: 'topics', group: 'Storage' }),
} as const;

export const rotationProperties = {
  'flush.size': prop.long({ doc: 'Close a file after this many records (0 = no limit).', default: 0, min: 0, group: 'Rotation' }),
  'rotate.size.bytes': prop.long({ doc: 'Close a file once it holds this many bytes (written size, after compression).', default: 1024 * 1024 * 1024, min: 1, group: 'Rotation' }),
  'rotate.interval.ms': prop.long({ doc: 'Close a file when a record arrives whose timestamp is this far past the file\'s first record (record time, deterministic); an idle file is also closed once wall-clock time passes that point. 0 disables.', default: 3_600_000, min: 0, group: 'Rotation' }),
  'rotate.schedule.interval.ms': prop.long({ doc: 'Close every open file at wall-clock boundaries of this interval in `timezone` (not deterministic: see README). 0 disables.', default: 0, min: 0, group: 'Rotation' }),
} as const;

export const filesSinkSpec = defineConfigSpec(
  {
    topics: prop.list({ doc: 'Topics to consume (or use topics.regex).', group: 'Common' }),
    'topics.regex': prop.string({ doc: 'A regular expression selecting the topics to consume.', group: 'Common' }),
    ...storeProperties,
    format: prop.enum(['parquet', 'json', 'csv'], { doc: 'File format.', default: 'parquet', caseInsensitive: true, importance: 'high', group: 'Format' }),
    'format.class': prop.string({ doc: 'Confluent format class name (ParquetFormat, JsonFormat); overrides format when set.', group: 'Format' }),
    'value.layout': prop.enum(['flat', 'envelope'], { doc: 'flat: the after-image (before-image for deletes) plus __op, __deleted, __source_ts_ms, __source_pos, __topic; envelope: before, after, source, op, ts_ms plus __source_pos and __topic.', default: 'flat', group: 'Format' }),
    'parquet.codec': prop.enum(['snappy', 'zstd', 'gzip', 'none'], { doc: 'Parquet compression codec.', default: 'snappy', caseInsensitive: true, group: 'Format' }),
    'parquet.encoder': prop.enum(['tributary', 'hyparquet'], { doc: 'Which encoder writes Parquet files: `tributary`, the sink\'s own columnar encoder (pages straight from typed column buffers, PLAIN or dictionary-encoded; about twice as fast), for every file whose columns are all top-level scalars — booleans, integers, floats, decimals of up to 18 digits, dates, times, timestamps, strings, JSON, bytes, UUIDs; a file with a list, map, struct or wider decimal column is written by hyparquet-writer instead, chosen when the file opens. `hyparquet`: hyparquet-writer for every file (it also keeps min/max statistics of strings). Both write the same schema and logical types; DuckDB and hyparquet read both.', default: 'tributary', caseInsensitive: true, group: 'Format' }),
    'format.encoder.thread': prop.boolean({ doc: 'Encode and compress files in a worker thread of the task (one per task), so that encoding runs on another core beside the task\'s own work: Parquet rows cross to it converted, in columnar batches (at most one row group per file in flight beside the one it gathers), JSON and CSV rows as they are (at most 8 MiB of text per file in flight); that bound is the backpressure that keeps memory bounded. Off by default: the thread and what is in flight add 15 to 50 MiB of peak RSS, which the 1 GiB file acceptance test (worker under 300 MB) has no room for; turn it on where a core is free and memory allows.', default: false, group: 'Format' }),
    'parquet.row.group.size': prop.string({ doc: 'Row group size: a row count (100000) or an estimated uncompressed size (64MiB, 32MB). Row groups are written out as they fill.', default: '4MiB', pattern: /^\d+\s*([kKmMgG]i?[bB])?$/, patternHint: 'must be a row count or a size such as 64MiB', group: 'Format' }),
    'json.compression': prop.enum(['none', 'gzip'], { doc: 'Compression of JSON files (gzip adds .gz to the name).', default: 'none', caseInsensitive: true, group: 'Format' }),
    'json.decimal.format': prop.enum(['NUMERIC', 'BASE64'], { doc: 'Decimals as exact JSON numbers (NUMERIC) or as strings (BASE64 is accepted for Confluent compatibility and writes strings).', default: 'NUMERIC', group: 'Format' }),
    'csv.delimiter': prop.string({ doc: 'CSV field delimiter (one character).', default: ',', pattern: /^[^\r\n"]$/s, patternHint: 'must be one character other than a quote or newline', group: 'Format' }),
    'csv.null.value': prop.string({ doc: 'Text written for null in CSV (empty by default; note that an empty string is then written as "").', default: '', group: 'Format' }),
    'csv.header': prop.boolean({ doc: 'Write a header row.', default: true, group: 'Format' }),
    ...rotationProperties,
    partitioner: prop.enum(['default', 'time', 'field'], { doc: 'default: by topic and partition; time: by record time with path.format; field: by the values of partition.field.name.', default: 'default', caseInsensitive: true, group: 'Partitioning' }),
    'partitioner.class': prop.string({ doc: 'Confluent partitioner class name (DefaultPartitioner, TimeBasedPartitioner, FieldPartitioner, HourlyPartitioner, DailyPartitioner); overrides partitioner when set.', group: 'Partitioning' }),
    'path.format': prop.string({ doc: "Directory pattern of the time partitioner, Joda-style: YYYY, MM, dd (DD is taken as day of month), HH, mm, ss, literals in single quotes, e.g. 'dt'=YYYY-MM-dd/'hr'=HH.", default: "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", group: 'Partitioning' }),
    'partition.duration.ms': prop.long({ doc: 'Time partitioner bucket length; record time is floored to it (in timezone) before formatting. 0 = no flooring.', default: 0, min: 0, group: 'Partitioning' }),
    timezone: prop.string({ doc: 'IANA time zone for path.format and rotate.schedule.interval.ms.', default: 'UTC', group: 'Partitioning' }),
    locale: prop.string({ doc: 'Accepted for Confluent compatibility; paths are always numeric.', default: 'en-US', importance: 'low', group: 'Partitioning' }),
    'timestamp.extractor': prop.enum(['Record', 'RecordField', 'Wallclock'], { doc: 'Time used by the time partitioner and rotate.interval.ms: the record timestamp (database commit time), a field of the row (timestamp.field), or the wall clock (not deterministic).', default: 'Record', caseInsensitive: true, group: 'Partitioning' }),
    'timestamp.field': prop.string({ doc: 'Row field holding the time for timestamp.extractor=RecordField (epoch ms, Debezium timestamp types or ISO-8601 text).', group: 'Partitioning' }),
    'partition.field.name': prop.list({ doc: 'Row fields whose values name the directory for partitioner=field.', group: 'Partitioning' }),
    'behavior.on.null.values': prop.enum(['ignore', 'fail'], { doc: 'Tombstones (null values): skip them, or fail the task.', default: 'ignore', caseInsensitive: true, group: 'Common' }),
  },
  (v, issues, raw) => {
    // Exactly one way to name the destination, so the task never guesses where files go.
    if (!v['store.url'] && !v['s3.bucket.name']) issues.add('store.url', 'Set store.url (file:///path or s3://bucket/prefix) or s3.bucket.name.');
    if (!v.topics?.length && !v['topics.regex']) issues.add('topics', 'Set topics or topics.regex.');
    if (v['format.class'] && !resolveFormat(v['format.class'], v.format)) issues.add('format.class', `Unknown format class ${v['format.class']}.`);
    if (v['partitioner.class'] && !resolvePartitioner(v['partitioner.class'], v.partitioner)) issues.add('partitioner.class', `Unknown partitioner class ${v['partitioner.class']}.`);
    const partitioner = resolvePartitioner(v['partitioner.class'], v.partitioner);
    if (partitioner === 'field' && !v['partition.field.name']?.length) issues.add('partition.field.name', 'partitioner=field needs partition.field.name.');
    if (v['timestamp.extractor'] === 'RecordField' && !v['timestamp.field']) issues.add('timestamp.field', 'timestamp.extractor=RecordField needs timestamp.field.');
    if (!isTimeZone(v.timezone)) issues.add('timezone', `Unknown time zone ${v.timezone}.`);
    if (v['aws.access.key.id'] && !raw['aws.secret.access.key']) issues.add('aws.secret.access.key', 'aws.access.key.id needs aws.secret.access.key.');
  },
);

export type FilesSinkConfig = ConfigOf<typeof filesSinkSpec.properties>;

export function resolveFormat(formatClass: string | undefined, format: 'parquet' | 'json' | 'csv'): 'parquet' | 'json' | 'csv' | undefined {
  if (!formatClass) return format;
  if (formatClassAliases[formatClass]) return formatClassAliases[formatClass];
  const last = formatClass.split('.').pop()!.toLowerCase().replace(/format$/, '');
  return last === 'parquet' || last === 'json' || last === 'csv' ? last : undefined;
}

export type PartitionerKind = 'default' | 'time' | 'field' | 'hourly' | 'daily';

export function resolvePartitioner(partitionerClass: string | undefined, partitioner: 'default' | 'time' | 'field'): PartitionerKind | undefined {
  if (!partitionerClass) return partitioner;
  const last = partitionerClass.split('.').pop()!.toLowerCase().replace(/partitioner$/, '');
  const known: Record<string, PartitionerKind> = { default: 'default', timebased: 'time', time: 'time', field: 'field', hourly: 'hourly', daily: 'daily' };
  return known[last];
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses `parquet.row.group.size`: a bare number is rows, a suffixed one bytes. */
export function parseRowGroupSize(text: string): { rows?: number; bytes?: number } {
  const m = /^(\d+)\s*([kKmMgG])?(i?)([bB])?$/.exec(text.trim());
  if (!m) throw new Error(`bad parquet.row.group.size ${text}`);
  const n = Number(m[1]);
  if (!m[2]) return m[4] ? { bytes: n } : { rows: n };
  const base = m[3] ? 1024 : 1000;
  const power = { k: 1, m: 2, g: 3 }[m[2].toLowerCase() as 'k' | 'm' | 'g'];
  return { bytes: n * base ** power };
}
