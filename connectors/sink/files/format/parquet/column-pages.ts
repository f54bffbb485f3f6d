import type { PackedColumn } from '../offload/column-batch.js';
import { ByteSink } from './byte-sink.js';
import { ColumnStatistics } from './column-statistics.js';
import type { ColumnChunkMeta } from './file-footer.js';
import { Encoding, PageType } from './parquet-enums.js';
import { encodePlain } from './plain-values.js';
import { encodeRleHybrid } from './rle-hybrid.js';
import { CompactWriter } from './thrift-compact.js';

/** Compresses one page body (the file's codec; identity for UNCOMPRESSED); the result may be a view its next call reuses. */
export type PageCompressor = (input: Uint8Array) => Uint8Array;

/** One top-level leaf column as the encoder sees it (chosen at schema time, see columnar-support.ts). */
export interface LeafColumn {
  readonly name: string;
  /** parquet.thrift Type */
  readonly physical: number;
  readonly kind: PackedColumn['kind'];
  readonly optional: boolean;
  /** FIXED_LEN_BYTE_ARRAY: the values' length (0 otherwise) */
  readonly typeLength: number;
  /** INT32 physical values packed as int64 (decimals of up to 9 digits) */
  readonly int32Of64: boolean;
  readonly statistics: boolean;
}

/**
 * The pages of one column chunk: each batch of packed values becomes one DATA_PAGE (v1) —
 * definition levels (optional columns: RLE/bit-packed hybrid, bit width 1, behind their 4-byte
 * length), then the PLAIN values — compressed with the file's codec behind its Thrift page
 * header. Compressed pages are kept until the row group is written out, so a row group costs its
 * compressed size, not its packed one.
 */
export class ColumnChunkEncoder {
  readonly #column: LeafColumn;
  readonly #codec: number;
  readonly #compress: PageCompressor;
  readonly #stats: ColumnStatistics;
  /** scratch for one page body, reused */
  readonly #page = new ByteSink(1 << 16);
  readonly #header = new CompactWriter(64);
  /** the chunk's compressed pages, headers included */
  readonly #chunk = new ByteSink(1 << 16);
  #values = 0;
  #uncompressed = 0;

  constructor(column: LeafColumn, codec: number, compress: PageCompressor) {
    this.#column = column;
    this.#codec = codec;
    this.#compress = compress;
    this.#stats = new ColumnStatistics(column.kind, column.int32Of64, column.statistics);
  }

  /** bytes buffered for the row group so far (compressed) */
  get bufferedBytes(): number {
    return this.#chunk.length;
  }

  addPage(c: PackedColumn, rows: number): void {
    if (rows === 0) return;
    const page = this.#page;
    page.reset();
    if (this.#column.optional) {
      if (!c.present) throw new TypeError(`column ${this.#column.name}: an optional column needs its presence array`);
      // the levels' length goes in front: reserve it, fill it in once known
      page.uint32(0);
      encodeRleHybrid(c.present, rows, 1, page);
      page.view.setUint32(0, page.length - 4, true);
    }
    encodePlain(c, rows, this.#column.int32Of64, page);
    this.#stats.add(c, rows);
    const body = page.written();
    const compressed = this.#compress(body);
    const header = this.#header;
    header.reset();
    header.begin()
      .i32(1, PageType.DATA_PAGE)
      .i32(2, body.length)
      .i32(3, compressed.length)
      .struct(5)
      .i32(1, rows)
      .i32(2, Encoding.PLAIN)
      .i32(3, Encoding.RLE)
      .i32(4, Encoding.RLE)
      .end()
      .end();
    this.#chunk.append(header.view());
    this.#chunk.append(compressed);
    this.#values += rows;
    this.#uncompressed += header.length + body.length;
  }

  /**
   * Copies the chunk's pages into `into` at `at` (which is file offset `fileOffset`), returns
   * what the footer says of them, and starts the next chunk empty.
   */
  writeTo(into: Uint8Array, at: number, fileOffset: number): ColumnChunkMeta {
    into.set(this.#chunk.written(), at);
    const meta: ColumnChunkMeta = {
      physical: this.#column.physical,
      path: [this.#column.name],
      encodings: this.#column.optional ? [Encoding.PLAIN, Encoding.RLE] : [Encoding.PLAIN],
      codec: this.#codec,
      numValues: this.#values,
      uncompressedBytes: this.#uncompressed,
      compressedBytes: this.#chunk.length,
      dataPageOffset: fileOffset,
      statistics: this.#stats.result(),
    };
    this.#chunk.reset();
    this.#stats.reset();
    this.#values = 0;
    this.#uncompressed = 0;
    return meta;
  }
}
