import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from './sql-text.js';

/**
 * How a topic's files lay out a change (see the files sink's `value.layout`): `flat` rows are the
 * after-image (before-image for a delete) with `__op` and `__source_pos`; `envelope` rows keep
 * Debezium's `before`/`after`/`op`; `rows` carry no change type (e.g. after an unwrap transform
 * without `add.fields=op`), so every row is simply a row.
 */
export type RowLayout = 'flat' | 'envelope' | 'rows';

/** The files sink's own columns in the flat layout; every other column is a table column. */
export const FLAT_METADATA_COLUMNS: readonly string[] = ['__op', '__deleted', '__source_ts_ms', '__source_pos', '__topic'];

/** The footer key the files sink writes the record key's field names under (a JSON array). */
const KEY_FIELDS_METADATA = 'tributary.key.fields';

export interface LakeTopic {
  readonly topic: string;
  /** a read_parquet(...) call over every Parquet file of the topic */
  readonly scan: string;
  readonly fileCount: number;
  readonly layout: RowLayout;
  /** the table's columns, in file order (the sink's metadata columns left out) */
  readonly columns: readonly string[];
  /**
   * the record key's fields from the newest file's footer: `[]` for a keyless table, null when
   * the files do not say (written before the footer existed, or a non-struct key)
   */
  readonly keyFields: readonly string[] | null;
}

export interface LakeCatalog {
  readonly topics: readonly LakeTopic[];
  /** topic folders left out, with the reason */
  readonly skipped: readonly string[];
}

/** Every topic folder under `<root>/<topicsDir>/` that holds Parquet files, described from the files. */
export async function readCatalog(connection: DuckDBConnection, root: string, topicsDir: string): Promise<LakeCatalog> {
  const base = join(root, topicsDir);
  let folders: string[];
  try {
    folders = readdirSync(base, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    folders = [];
  }
  const topics: LakeTopic[] = [];
  const skipped: string[] = [];
  for (const folder of folders) {
    const files = parquetFiles(join(base, folder));
    const topic = decodeSegment(folder);
    if (files.length === 0) {
      skipped.push(`${topic}: no Parquet files (this command reads Parquet; JSON and CSV files can be read with DuckDB's read_json / read_csv)`);
      continue;
    }
    topics.push(await describeTopic(connection, topic, files));
  }
  return { topics, skipped };
}

async function describeTopic(connection: DuckDBConnection, topic: string, files: string[]): Promise<LakeTopic> {
  const scan = `read_parquet([${files.map(quoteLiteral).join(', ')}], union_by_name = true, hive_partitioning = false)`;
  const names = await columnNames(connection, `SELECT * FROM ${scan}`);
  const has = (n: string) => names.includes(n);
  const layout: RowLayout = has('__op') && has('__source_pos') ? 'flat' : has('op') && has('after') && has('before') && has('__source_pos') ? 'envelope' : 'rows';
  const columns = layout === 'flat'
    ? names.filter((n) => !FLAT_METADATA_COLUMNS.includes(n))
    : layout === 'envelope' ? await columnNames(connection, `SELECT unnest(after) FROM ${scan}`) : names;
  const declared = await keyFieldsOf(connection, files[files.length - 1]);
  const keyFields = declared && declared.every((k) => columns.includes(k)) ? declared : null;
  return { topic, scan, fileCount: files.length, layout, columns, keyFields };
}

async function columnNames(connection: DuckDBConnection, query: string): Promise<string[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE ${query}`);
  return reader.getRowObjectsJson().map((r) => String(r.column_name));
}

async function keyFieldsOf(connection: DuckDBConnection, file: string): Promise<string[] | null> {
  const reader = await connection.runAndReadAll(`SELECT decode(value) AS value FROM parquet_kv_metadata(${quoteLiteral(file)}) WHERE decode(key) = ${quoteLiteral(KEY_FIELDS_METADATA)}`);
  const value = reader.getRowObjectsJson()[0]?.value;
  if (typeof value !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((k) => typeof k === 'string') ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * The Parquet files under a topic folder, in log order: a name starts with the topic, the bus
 * partition and the zero-padded position of its first record, so names sort as the log does.
 */
function parquetFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.parquet')) out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out.sort((a, b) => (basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0));
}

/** The inverse of the files sink's folder escaping: `~` and two hex digits per UTF-8 byte. */
export function decodeSegment(name: string): string {
  if (!name.includes('~')) return name;
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const hex = name.slice(i + 1, i + 3);
    if (name[i] === '~' && /^[0-9a-f]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(name[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
