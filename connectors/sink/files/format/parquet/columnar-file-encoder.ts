import type { KeyValue, SchemaElement } from 'hyparquet';
import type { PackedColumn } from '../offload/column-batch.js';
import { ColumnChunkEncoder, type LeafColumn, type PageCompressor } from './column-pages.js';
import { encodeFileMetaData, type RowGroupMeta } from './file-footer.js';

const MAGIC = Uint8Array.of(0x50, 0x41, 0x52, 0x31); // "PAR1"

export interface ColumnarFileOptions {
  /** the flattened schema, root first (parquet-schema.ts), written into the footer as it is */
  readonly elements: readonly SchemaElement[];
  /** the top-level leaves, from columnarLeaves */
  readonly leaves: readonly LeafColumn[];
  /** parquet.thrift CompressionCodec */
  readonly codec: number;
  readonly compress: PageCompressor;
  readonly createdBy: string;
  readonly keyValues?: readonly KeyValue[];
}

/**
 * A Parquet file encoded from packed column batches (column-batch.ts) without a value object in
 * between: `addBatch` turns each column of a batch into a page, `endRowGroup` returns the row
 * group's bytes (the file's magic in front of the first), `finish` the footer. The caller owns
 * where the bytes go and in which order (they are meant to be appended as returned).
 */
export class ColumnarFileEncoder {
  readonly #options: ColumnarFileOptions;
  readonly #chunks: ColumnChunkEncoder[];
  readonly #rowGroups: RowGroupMeta[] = [];
  #offset = 0;
  #groupRows = 0;

  constructor(options: ColumnarFileOptions) {
    this.#options = options;
    this.#chunks = options.leaves.map((leaf) => new ColumnChunkEncoder(leaf, options.codec, options.compress));
  }

  /** the compressed bytes of the row group being gathered */
  get bufferedBytes(): number {
    let n = 0;
    for (const c of this.#chunks) n += c.bufferedBytes;
    return n;
  }

  /** bytes returned so far */
  get writtenBytes(): number {
    return this.#offset;
  }

  addBatch(columns: readonly PackedColumn[], rows: number): void {
    if (columns.length !== this.#chunks.length) throw new TypeError(`columnar encoder: ${columns.length} columns in a batch of a file with ${this.#chunks.length}`);
    for (let i = 0; i < columns.length; i++) this.#chunks[i].addPage(columns[i], rows);
    this.#groupRows += rows;
  }

  /** the row group's bytes, or undefined when no row was added since the last one */
  endRowGroup(): Uint8Array | undefined {
    if (this.#groupRows === 0) return undefined;
    const head = this.#offset === 0 ? MAGIC.length : 0;
    let size = head;
    for (const c of this.#chunks) size += c.sealedBytes();
    const out = new Uint8Array(size);
    if (head) out.set(MAGIC);
    let at = head;
    const start = this.#offset + head;
    const columns = this.#chunks.map((chunk) => {
      const before = at;
      const meta = chunk.writeTo(out, at, this.#offset + at);
      at = before + meta.compressedBytes;
      return meta;
    });
    this.#rowGroups.push({ rows: this.#groupRows, fileOffset: start, columns });
    this.#offset += out.length;
    this.#groupRows = 0;
    return out;
  }

  /** the last row group (if rows are pending) and the footer: the file's remaining bytes */
  finish(): Uint8Array[] {
    const last = this.endRowGroup();
    const head = this.#offset === 0 ? MAGIC : undefined;
    const meta = encodeFileMetaData({ schema: this.#options.elements, rowGroups: this.#rowGroups, keyValues: this.#options.keyValues, createdBy: this.#options.createdBy });
    const footer = new Uint8Array((head ? 4 : 0) + meta.length + 8);
    let at = 0;
    if (head) {
      footer.set(head);
      at = 4;
    }
    footer.set(meta, at);
    new DataView(footer.buffer).setUint32(at + meta.length, meta.length, true);
    footer.set(MAGIC, at + meta.length + 4);
    this.#offset += footer.length;
    return last ? [last, footer] : [footer];
  }
}
