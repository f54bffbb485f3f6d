import { gzipSync } from 'node:zlib';
import type { SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { Schema } from '../../../../plugins/api/index.js';
import type { OutputFile } from '../storage/storage.js';
import { ColumnarRecordWriter } from './parquet/columnar-record-writer.js';
import { columnarLeaves, footerElements, jsonColumns } from './parquet/columnar-support.js';
import { parquetColumns, type Converter } from './parquet-schema.js';
import type { FileDescription, RecordWriter, RecordWriterFactory } from './record-writer.js';
import { zstdCompress } from './zstd-compressor.js';

export type ParquetCodec = 'snappy' | 'zstd' | 'gzip' | 'none';

/**
 * Which encoder writes Parquet files: Tributary's own columnar encoder (parquet/), for files
 * whose columns it covers (see columnarLeaves; other files fall back to hyparquet-writer), or
 * hyparquet-writer for every file.
 */
export type ParquetEncoderName = 'tributary' | 'hyparquet';

export interface ParquetOptions {
  readonly codec: ParquetCodec;
  /** a row group is written when it holds this many rows ... */
  readonly rowGroupRows?: number;
  /** ... or this many estimated uncompressed bytes, whichever comes first */
  readonly rowGroupBytes?: number;
  readonly createdBy: string;
  /** default `tributary` */
  readonly encoder?: ParquetEncoderName;
}

const CODECS = { snappy: 'SNAPPY', zstd: 'ZSTD', gzip: 'GZIP', none: 'UNCOMPRESSED' } as const;
const compressors = { ZSTD: zstdCompress, GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)) };

/** The footer key (Parquet key-value metadata) holding the record key's field names as a JSON array. */
export const KEY_FIELDS_METADATA = 'tributary.key.fields';

export function parquetWriterFactory(options: ParquetOptions): RecordWriterFactory {
  return { extension: 'parquet', open: (out, schema, description) => openParquetWriter(out, schema, options, description) };
}

/** The file's writer, chosen once from its schema: the columnar encoder where it covers every column. */
function openParquetWriter(out: OutputFile, schema: Schema, options: ParquetOptions, description?: FileDescription): RecordWriter {
  if (options.encoder !== 'hyparquet') {
    const { elements, converters } = parquetColumns(schema, { packed: true });
    const leaves = columnarLeaves(elements, jsonColumns(elements));
    if (leaves) return new ColumnarRecordWriter(out, { elements: footerElements(elements), converters, leaves, keyValues: keyValueMetadata(description) }, options);
  }
  return new ParquetRecordWriter(out, schema, options, description);
}

/** the footer's key-value metadata: the record key's field names */
export function keyValueMetadata(description?: FileDescription): { key: string; value: string }[] | undefined {
  return description?.keyFields ? [{ key: KEY_FIELDS_METADATA, value: JSON.stringify(description.keyFields) }] : undefined;
}

/**
 * Streams a Parquet file: rows are buffered column by column until a row group is full, then
 * that row group is encoded and handed to the output (one S3 part or a local write) before more
 * rows are taken. Memory is one row group plus one output part, whatever the file size.
 */
export class ParquetRecordWriter implements RecordWriter {
  readonly #out: OutputFile;
  readonly #converters: Converter[];
  readonly #names: string[];
  readonly #writer: ParquetWriter;
  readonly #bytes: StreamingByteWriter;
  readonly #maxRows: number;
  readonly #maxBytes: number;
  readonly #jsonElements: SchemaElement[];
  readonly #jsonColumns: Set<string>;
  #columns: unknown[][];
  /** one converted row, reused: converting into it first keeps a bad row out of the columns */
  readonly #scratch: unknown[];
  #rows = 0;
  #bufferedBytes = 0;

  constructor(out: OutputFile, schema: Schema, options: ParquetOptions, description?: FileDescription) {
    this.#out = out;
    const { elements, converters } = parquetColumns(schema);
    this.#converters = converters;
    this.#jsonElements = elements.filter((e) => e.logical_type?.type === 'JSON');
    this.#jsonColumns = new Set(this.#jsonElements.map((e) => e.name));
    this.#names = (schema.fields ?? []).map((f) => f.name);
    this.#columns = this.#names.map(() => []);
    this.#scratch = new Array<unknown>(this.#names.length);
    this.#maxRows = options.rowGroupRows ?? Number.MAX_SAFE_INTEGER;
    this.#maxBytes = options.rowGroupBytes ?? Number.MAX_SAFE_INTEGER;
    this.#bytes = new StreamingByteWriter(out);
    this.#writer = new ParquetWriter({
      writer: this.#bytes,
      schema: elements,
      codec: CODECS[options.codec],
      compressors,
      createdBy: options.createdBy,
      kvMetadata: keyValueMetadata(description),
    });
  }

  get estimatedBytes(): number {
    return this.#out.bytesWritten + this.#bytes.index + this.#bufferedBytes / 4;
  }

  write(values: readonly unknown[]): void | Promise<void> {
    const n = this.#converters.length;
    const row = this.#scratch;
    let size = 0;
    // convert the whole row first: a bad value then leaves the buffered row group untouched
    for (let i = 0; i < n; i++) {
      const v = this.#converters[i](values[i]);
      row[i] = v;
      size += typeof v === 'string' ? v.length + 4 : v instanceof Uint8Array ? v.length + 4 : 8;
    }
    for (let i = 0; i < n; i++) this.#columns[i].push(row[i]);
    this.#rows++;
    this.#bufferedBytes += size;
    if (this.#rows >= this.#maxRows || this.#bufferedBytes >= this.#maxBytes) return this.#flushRowGroup();
  }

  async #flushRowGroup(): Promise<void> {
    if (this.#rows === 0) return;
    // JSON documents make poor min/max statistics (kept whole, never truncated): skip them
    const columnData = this.#names.map((name, i) => ({ name, data: this.#columns[i] as never[], statistics: !this.#jsonColumns.has(name) }));
    const rows = this.#rows;
    this.#columns = this.#names.map(() => []);
    this.#rows = 0;
    this.#bufferedBytes = 0;
    await this.#writer.write({ columnData, rowGroupSize: rows });
  }

  async finish(): Promise<void> {
    await this.#flushRowGroup();
    // The JSON converted type goes into the footer only: set while encoding, it would make
    // hyparquet-writer JSON-encode our (already exact) JSON text a second time. Readers such
    // as DuckDB recognise JSON by the converted type.
    for (const e of this.#jsonElements) e.converted_type = 'JSON';
    await this.#writer.finish();
  }
}

/**
 * hyparquet-writer's byte writer, drained into the output after every row group (its `flush`
 * hook) and at the end, so encoded bytes never pile up in memory. The filled buffer itself is
 * handed over (no copy) and a new one, sized for a row group like the last, takes its place.
 */
class StreamingByteWriter extends ByteWriter {
  readonly #out: OutputFile;

  constructor(out: OutputFile) {
    super(1 << 20);
    this.#out = out;
  }

  flush(): Promise<void> {
    const chunk = new Uint8Array(this.buffer, 0, this.index);
    const next = Math.max(1 << 20, Math.ceil(this.index * 1.25));
    this.buffer = new ArrayBuffer(next);
    this.view = new DataView(this.buffer);
    this.index = 0;
    return this.#out.write(chunk);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}
