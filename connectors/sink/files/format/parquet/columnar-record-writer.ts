import type { KeyValue, SchemaElement } from 'hyparquet';
import type { OutputFile } from '../../storage/storage.js';
import { ColumnPacker, fitsKind } from '../offload/column-batch.js';
import type { ParquetOptions } from '../parquet-record-writer.js';
import type { Converter } from '../parquet-schema.js';
import type { RecordWriter } from '../record-writer.js';
import { zstdCompress } from '../zstd-compressor.js';
import type { LeafColumn } from './column-pages.js';
import { ColumnarFileEncoder } from './columnar-file-encoder.js';
import { pageCompressor } from './page-compressors.js';

/** rows per page: enough to amortise a page header and a compressor call, small enough to stay in cache */
export const PAGE_ROWS = 8192;
/** ... and at most about this many packed bytes (wide rows, long strings) */
export const PAGE_BYTES = 1 << 20;

export interface ColumnarWriterParts {
  /** the footer's schema (footerElements) */
  readonly elements: SchemaElement[];
  readonly converters: Converter[];
  readonly leaves: LeafColumn[];
  readonly keyValues?: KeyValue[];
}

/**
 * Parquet on the task's thread through Tributary's columnar encoder (ColumnarFileEncoder): each
 * row is converted exactly as the hyparquet-writer path converts it — the whole row first, so a
 * bad value throws from `write` with nothing of the row kept — then packed into typed column
 * buffers (the encoder thread's packers); every PAGE_ROWS rows the buffers become one page per
 * column, compressed at once, and a full row group goes to the output. Memory is the compressed
 * row group plus one page of packed values.
 */
export class ColumnarRecordWriter implements RecordWriter {
  readonly #out: OutputFile;
  readonly #converters: Converter[];
  readonly #leaves: LeafColumn[];
  readonly #packers: ColumnPacker[];
  readonly #fixed: number[];
  readonly #scratch: unknown[];
  readonly #encoder: ColumnarFileEncoder;
  readonly #maxRows: number;
  readonly #maxBytes: number;
  #pageRows = 0;
  #pageBytes = 0;
  #groupRows = 0;
  #groupBytes = 0;

  constructor(out: OutputFile, parts: ColumnarWriterParts, options: ParquetOptions) {
    this.#out = out;
    this.#converters = parts.converters;
    this.#leaves = parts.leaves;
    this.#fixed = parts.leaves.map((l) => l.typeLength);
    this.#packers = parts.leaves.map((leaf, i) => new ColumnPacker(leaf.kind, leaf.optional, this.#fixed[i]));
    this.#scratch = new Array<unknown>(parts.leaves.length);
    this.#maxRows = options.rowGroupRows ?? Number.MAX_SAFE_INTEGER;
    this.#maxBytes = options.rowGroupBytes ?? Number.MAX_SAFE_INTEGER;
    const { codec, compress } = pageCompressor(options.codec, zstdCompress);
    this.#encoder = new ColumnarFileEncoder({ elements: parts.elements, leaves: parts.leaves, codec, compress, createdBy: options.createdBy, keyValues: parts.keyValues });
  }

  get estimatedBytes(): number {
    return this.#out.bytesWritten + this.#encoder.bufferedBytes + this.#pageBytes / 4;
  }

  write(values: readonly unknown[]): void | Promise<void> {
    const n = this.#converters.length;
    const row = this.#scratch;
    let size = 0;
    // convert and check the whole row first: a bad value then leaves the buffered rows untouched
    for (let i = 0; i < n; i++) {
      const v = this.#converters[i](values[i]);
      if (!fitsKind(this.#leaves[i].kind, v, this.#fixed[i])) throw new TypeError(`column ${this.#leaves[i].name}: a ${typeof v} does not fit its Parquet type`);
      row[i] = v;
      size += typeof v === 'string' ? v.length + 4 : v instanceof Uint8Array ? v.length + 4 : 8;
    }
    for (let i = 0; i < n; i++) this.#packers[i].push(row[i]);
    this.#pageRows++;
    this.#pageBytes += size;
    this.#groupRows++;
    this.#groupBytes += size;
    if (this.#groupRows >= this.#maxRows || this.#groupBytes >= this.#maxBytes) return this.#endRowGroup();
    if (this.#pageRows >= PAGE_ROWS || this.#pageBytes >= PAGE_BYTES) this.#page();
  }

  async finish(): Promise<void> {
    this.#page();
    for (const chunk of this.#encoder.finish()) await this.#out.write(chunk);
  }

  #page(): void {
    if (this.#pageRows === 0) return;
    const rows = this.#pageRows;
    // views of the packers' buffers: the page is encoded (and compressed) before the next push
    this.#encoder.addBatch(this.#packers.map((p) => p.view()), rows);
    this.#pageRows = 0;
    this.#pageBytes = 0;
  }

  #endRowGroup(): Promise<void> | undefined {
    this.#page();
    this.#groupRows = 0;
    this.#groupBytes = 0;
    const bytes = this.#encoder.endRowGroup();
    return bytes ? this.#out.write(bytes) : undefined;
  }
}
