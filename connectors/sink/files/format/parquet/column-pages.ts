import type { PackedColumn } from '../offload/column-batch.js';
import { ByteDictionary } from './byte-dictionary.js';
import { ByteSink } from './byte-sink.js';
import { ColumnStatistics } from './column-statistics.js';
import type { ColumnChunkMeta } from './file-footer.js';
import { Encoding, PageType } from './parquet-enums.js';
import { encodePlain } from './plain-values.js';
import { bitWidthOf, encodeRleHybrid } from './rle-hybrid.js';
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
 * Dictionary encoding of a BYTE_ARRAY chunk is kept only while it pays: the first page tries it
 * and gives it up when more than this share of its values are distinct (positions, ids, free
 * text); a chunk whose dictionary outgrows the limits below goes on with PLAIN pages.
 */
const DICTIONARY_DISTINCT_SHARE = 0.5;
const DICTIONARY_MAX_ENTRIES = 1 << 16;
const DICTIONARY_MAX_BYTES = 1 << 20;

/**
 * The pages of one column chunk: each batch of packed values becomes one DATA_PAGE (v1) —
 * definition levels (optional columns: RLE/bit-packed hybrid, bit width 1, behind their 4-byte
 * length), then the values — compressed with the file's codec behind its Thrift page header.
 * Values are PLAIN, or for strings and byte values of few distinct values RLE_DICTIONARY
 * indices into a dictionary page written in front of the chunk's data pages. Compressed pages
 * are kept until the row group is written out, so a row group costs its compressed size, not
 * its packed one.
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
  /** BYTE_ARRAY chunks: `trial` until the first page decides, `dictionary` while it pays, else `plain` */
  #mode: 'trial' | 'dictionary' | 'plain';
  readonly #dictionary: ByteDictionary | undefined;
  #indices = new Int32Array(0);
  /** the compressed dictionary page, header included, once sealed */
  readonly #dictionaryPage = new ByteSink(1 << 10);
  #dictionaryUncompressed = 0;
  #usedPlain = false;

  constructor(column: LeafColumn, codec: number, compress: PageCompressor) {
    this.#column = column;
    this.#codec = codec;
    this.#compress = compress;
    this.#stats = new ColumnStatistics(column.kind, column.int32Of64, column.statistics);
    this.#dictionary = column.kind === 'bytes' ? new ByteDictionary() : undefined;
    this.#mode = this.#dictionary ? 'trial' : 'plain';
  }

  /** bytes buffered for the row group so far (compressed) */
  get bufferedBytes(): number {
    return this.#chunk.length + (this.#mode === 'dictionary' ? this.#dictionary!.plain.length : 0);
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
    const levels = page.length;
    const dictionary = this.#mode !== 'plain' && this.#dictionaryIndices(c, rows, page);
    if (!dictionary) {
      page.length = levels;
      encodePlain(c, rows, this.#column.int32Of64, page);
      this.#usedPlain = true;
    }
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
      .i32(2, dictionary ? Encoding.RLE_DICTIONARY : Encoding.PLAIN)
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
   * Dictionary indices of the page's non-null values behind their bit width (RLE_DICTIONARY),
   * appended to `page`; false (nothing appended) when the chunk is, or now turns, PLAIN.
   */
  #dictionaryIndices(c: PackedColumn, rows: number, page: ByteSink): boolean {
    const dictionary = this.#dictionary!;
    const bytes = c.values as Uint8Array;
    const offsets = c.offsets!;
    const present = c.present;
    if (this.#indices.length < rows) this.#indices = new Int32Array(Math.max(rows, this.#indices.length * 2));
    const indices = this.#indices;
    const trial = this.#mode === 'trial';
    let n = 0;
    for (let i = 0; i < rows; i++) {
      if (present && !present[i]) continue;
      indices[n++] = dictionary.indexOf(bytes, offsets[i], offsets[i + 1]);
      // a trial gives up as soon as the dictionary is too large (long unique values are not all
      // hashed and kept); the share of distinct values is judged over the whole page, as a few
      // hundred values of a column of a thousand names look distinct too
      if (trial && (n & 63) === 0 && dictionary.plain.length > DICTIONARY_MAX_BYTES) return this.#giveUp();
    }
    if (trial) {
      if (n > 16 && dictionary.size > n * DICTIONARY_DISTINCT_SHARE) return this.#giveUp();
      this.#mode = 'dictionary';
    }
    // this page's indices are all in the dictionary; pages after an outgrown one are PLAIN
    if (dictionary.size > DICTIONARY_MAX_ENTRIES || dictionary.plain.length > DICTIONARY_MAX_BYTES) this.#mode = 'plain';
    const width = Math.max(1, bitWidthOf(dictionary.size - 1));
    page.byte(width);
    encodeRleHybrid(indices, n, width, page);
    return true;
  }

  #giveUp(): false {
    this.#dictionary!.reset();
    this.#mode = 'plain';
    return false;
  }

  /** compresses the dictionary page (when the chunk has one): called once the chunk's last page is in */
  #seal(): void {
    const dictionary = this.#dictionary;
    this.#dictionaryPage.reset();
    this.#dictionaryUncompressed = 0;
    if (!dictionary || dictionary.size === 0) return;
    const body = dictionary.plain.written();
    const compressed = this.#compress(body);
    const header = this.#header;
    header.reset();
    header.begin()
      .i32(1, PageType.DICTIONARY_PAGE)
      .i32(2, body.length)
      .i32(3, compressed.length)
      .struct(7)
      .i32(1, dictionary.size)
      .i32(2, Encoding.PLAIN)
      .end()
      .end();
    this.#dictionaryPage.append(header.view());
    this.#dictionaryPage.append(compressed);
    this.#dictionaryUncompressed = header.length + body.length;
  }

  /** the chunk's size as writeTo will write it (seals the dictionary page) */
  sealedBytes(): number {
    this.#seal();
    return this.#dictionaryPage.length + this.#chunk.length;
  }

  /**
   * Copies the chunk's pages (the dictionary page first) into `into` at `at` (which is file
   * offset `fileOffset`), returns what the footer says of them, and starts the next chunk empty.
   * `sealedBytes` must have been called since the last page was added.
   */
  writeTo(into: Uint8Array, at: number, fileOffset: number): ColumnChunkMeta {
    const dictionaryBytes = this.#dictionaryPage.length;
    into.set(this.#dictionaryPage.written(), at);
    into.set(this.#chunk.written(), at + dictionaryBytes);
    const encodings: number[] = [];
    if (dictionaryBytes > 0 || this.#usedPlain) encodings.push(Encoding.PLAIN);
    if (this.#column.optional || dictionaryBytes > 0) encodings.push(Encoding.RLE);
    if (dictionaryBytes > 0) encodings.push(Encoding.RLE_DICTIONARY);
    const meta: ColumnChunkMeta = {
      physical: this.#column.physical,
      path: [this.#column.name],
      encodings,
      codec: this.#codec,
      numValues: this.#values,
      uncompressedBytes: this.#dictionaryUncompressed + this.#uncompressed,
      compressedBytes: dictionaryBytes + this.#chunk.length,
      dataPageOffset: fileOffset + dictionaryBytes,
      ...(dictionaryBytes > 0 ? { dictionaryPageOffset: fileOffset } : {}),
      statistics: this.#stats.result(),
    };
    this.#chunk.reset();
    this.#stats.reset();
    this.#dictionary?.reset();
    this.#dictionaryPage.reset();
    this.#dictionaryUncompressed = 0;
    this.#mode = this.#dictionary ? 'trial' : 'plain';
    this.#usedPlain = false;
    this.#values = 0;
    this.#uncompressed = 0;
    return meta;
  }
}
