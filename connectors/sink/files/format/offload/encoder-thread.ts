import { parentPort } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { OutputFile } from '../../storage/storage.js';
import type { RecordWriter } from '../record-writer.js';
import { unpackColumn, type ColumnBatch } from './column-batch.js';
import type { LeafColumn } from '../parquet/column-pages.js';
import { ColumnarFileEncoder } from '../parquet/columnar-file-encoder.js';
import { columnarLeaves, footerElements } from '../parquet/columnar-support.js';
import { pageCompressor } from '../parquet/page-compressors.js';
import type { EncoderReply, EncoderRequest, FileSpec, ParquetFileSpec, TextFileSpec } from './encoder-protocol.js';

/**
 * The encoder thread's entry: encoding and compression of the files of one sink task, off the
 * task's thread. Parquet batches of one file are gathered into a row group and encoded when the
 * batch that ends it arrives; JSON and CSV rows go through the format's own writer. The encoded
 * bytes go back with the reply (transferred), and the task writes them to storage, so storage,
 * retries and durability stay on the task's side. Requests are handled one at a time, in order.
 */
const CODECS = { snappy: 'SNAPPY', zstd: 'ZSTD', gzip: 'GZIP', none: 'UNCOMPRESSED' } as const;
const compressors: Record<string, (input: Uint8Array) => Uint8Array> = { GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)) };

/**
 * What a file needs is loaded when the first such file opens: the thread's resident memory is
 * part of the worker's (the 1 GiB file test allows it little), and a Parquet thread needs
 * neither the text writers (with the plugin API behind them) nor zstd unless asked.
 */
async function prepare(spec: FileSpec): Promise<void> {
  if (spec.format === 'parquet' && spec.codec === 'zstd' && !compressors.ZSTD) compressors.ZSTD = (await import('../zstd-compressor.js')).zstdCompress;
}

/**
 * hyparquet-writer's byte writer whose row groups are taken out as chunks: each an exact-size
 * copy (what is transferred to the task), while the writer keeps its own buffer for the next.
 */
class ChunkedByteWriter extends ByteWriter {
  readonly chunks: Uint8Array[] = [];

  constructor() {
    super(1 << 20);
  }

  flush(): void {
    if (this.index === 0) return;
    this.chunks.push(new Uint8Array(this.buffer.slice(0, this.index)));
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }

  take(): Uint8Array[] {
    return this.chunks.splice(0);
  }
}

interface FileEncoder {
  batch(batch: ColumnBatch): Uint8Array[];
  rows(rows: readonly (readonly unknown[])[]): Promise<Uint8Array[]>;
  /** the writer's estimate of the file's size so far (text files), after the last request */
  readonly estimatedBytes?: number;
  finish(): Uint8Array[] | Promise<Uint8Array[]>;
}

/**
 * A Parquet file through Tributary's columnar encoder: each batch's packed columns become one
 * page per column as they arrive (no values unpacked), and the row group's bytes go back when
 * the batch that ends it is encoded.
 */
class ColumnarParquetFileEncoder implements FileEncoder {
  readonly #encoder: ColumnarFileEncoder;

  constructor(spec: ParquetFileSpec, leaves: LeafColumn[]) {
    const { codec, compress } = pageCompressor(spec.codec, compressors.ZSTD);
    this.#encoder = new ColumnarFileEncoder({ elements: footerElements(spec.elements), leaves, codec, compress, createdBy: spec.createdBy, keyValues: spec.kvMetadata });
  }

  rows(): Promise<Uint8Array[]> {
    throw new Error('encoder thread: a Parquet file takes column batches');
  }

  batch(batch: ColumnBatch): Uint8Array[] {
    this.#encoder.addBatch(batch.columns, batch.rows);
    if (!batch.endRowGroup) return [];
    const group = this.#encoder.endRowGroup();
    return group ? [group] : [];
  }

  finish(): Uint8Array[] {
    return this.#encoder.finish();
  }
}

class ParquetFileEncoder implements FileEncoder {
  readonly #spec: ParquetFileSpec;
  readonly #bytes = new ChunkedByteWriter();
  readonly #writer: ParquetWriter;
  #columns: unknown[][];
  #rows = 0;

  constructor(spec: ParquetFileSpec) {
    this.#spec = spec;
    this.#columns = spec.names.map(() => []);
    this.#writer = new ParquetWriter({ writer: this.#bytes, schema: spec.elements, codec: CODECS[spec.codec], compressors, createdBy: spec.createdBy, kvMetadata: spec.kvMetadata });
  }

  rows(): Promise<Uint8Array[]> {
    throw new Error('encoder thread: a Parquet file takes column batches');
  }

  batch(batch: ColumnBatch): Uint8Array[] {
    for (let i = 0; i < batch.columns.length; i++) {
      const values = unpackColumn(batch.columns[i], batch.rows);
      const column = this.#columns[i];
      if (column.length === 0) this.#columns[i] = values;
      else for (const v of values) column.push(v);
    }
    this.#rows += batch.rows;
    if (batch.endRowGroup) this.#rowGroup();
    return this.#bytes.take();
  }

  finish(): Uint8Array[] {
    this.#rowGroup();
    // as ParquetRecordWriter: the JSON converted type is set for the footer only, or
    // hyparquet-writer would JSON-encode the (already exact) JSON text a second time
    for (const e of this.#spec.elements) if (e.logical_type?.type === 'JSON') e.converted_type = 'JSON';
    void this.#writer.finish();
    return this.#bytes.take();
  }

  #rowGroup(): void {
    if (this.#rows === 0) return;
    const noStats = new Set(this.#spec.noStatistics);
    const columnData = this.#spec.names.map((name, i) => ({ name, data: this.#columns[i] as never[], statistics: !noStats.has(name) }));
    const rows = this.#rows;
    this.#columns = this.#spec.names.map(() => []);
    this.#rows = 0;
    void this.#writer.write({ columnData, rowGroupSize: rows });
    unpinStatistics(this.#writer.row_groups.at(-1));
  }
}

/** An OutputFile that keeps what is written, for the reply. */
class CollectedOutput implements OutputFile {
  readonly path = 'encoder-thread';
  bytesWritten = 0;
  #chunks: Uint8Array[] = [];

  write(chunk: Uint8Array): Promise<void> {
    // always a copy: the chunk may be a view of a buffer its writer reuses (zlib's output,
    // Node's pool) and must not be detached by the transfer (Buffer#slice would be a view)
    this.#chunks.push(Uint8Array.prototype.slice.call(chunk));
    this.bytesWritten += chunk.byteLength;
    return Promise.resolve();
  }

  take(): Uint8Array[] {
    const chunks = this.#chunks;
    this.#chunks = [];
    return chunks;
  }

  commit(): Promise<void> {
    return Promise.resolve();
  }

  abort(): Promise<void> {
    return Promise.resolve();
  }
}

/** JSON or CSV through the format's own writer (the same text, byte for byte, as on the task's thread). */
class TextFileEncoder implements FileEncoder {
  readonly #out: CollectedOutput;
  readonly #writer: RecordWriter;

  static async open(spec: TextFileSpec): Promise<TextFileEncoder> {
    const out = new CollectedOutput();
    const writer = spec.format === 'json'
      ? new (await import('../json-record-writer.js')).JsonRecordWriter(out, spec.schema, spec.options)
      : new (await import('../csv-record-writer.js')).CsvRecordWriter(out, spec.schema, spec.options);
    return new TextFileEncoder(out, writer);
  }

  get estimatedBytes(): number {
    return this.#writer.estimatedBytes;
  }

  private constructor(out: CollectedOutput, writer: RecordWriter) {
    this.#out = out;
    this.#writer = writer;
  }

  batch(): Uint8Array[] {
    throw new Error('encoder thread: a text file takes rows');
  }

  async rows(rows: readonly (readonly unknown[])[]): Promise<Uint8Array[]> {
    for (const row of rows) {
      const pending = this.#writer.write(row);
      if (pending) await pending;
    }
    return this.#out.take();
  }

  async finish(): Promise<Uint8Array[]> {
    await this.#writer.finish();
    return this.#out.take();
  }
}

/**
 * The min/max statistics hyparquet-writer keeps for the footer are the column's own values: here
 * views of a whole batch's buffer, which would keep every batch of the file alive until its end
 * (measured: 1.3 GiB of RSS for a 1 GiB file). They are copied out once the row group is written.
 */
function unpinStatistics(group: { columns: { meta_data?: { statistics?: object } }[] } | undefined): void {
  for (const column of group?.columns ?? []) {
    const stats = column.meta_data?.statistics as Record<string, unknown> | undefined;
    if (!stats) continue;
    for (const key of Object.keys(stats)) {
      const v = stats[key];
      if (v instanceof Uint8Array) stats[key] = Uint8Array.prototype.slice.call(v);
    }
  }
}

const files = new Map<number, FileEncoder>();

async function open(spec: FileSpec): Promise<FileEncoder> {
  await prepare(spec);
  if (spec.format !== 'parquet') return TextFileEncoder.open(spec);
  const leaves = spec.encoder === 'tributary' ? columnarLeaves(spec.elements, spec.noStatistics) : undefined;
  return leaves ? new ColumnarParquetFileEncoder(spec, leaves) : new ParquetFileEncoder(spec);
}

async function handle(request: EncoderRequest): Promise<Uint8Array[]> {
  switch (request.type) {
    case 'open':
      files.set(request.file, await open(request.spec));
      return [];
    case 'batch':
      return encoderOf(request.file).batch(request.batch);
    case 'rows':
      return encoderOf(request.file).rows(request.rows);
    case 'finish': {
      const chunks = await encoderOf(request.file).finish();
      files.delete(request.file);
      return chunks;
    }
    case 'abort':
      files.delete(request.file);
      return [];
  }
}

function encoderOf(file: number): FileEncoder {
  const encoder = files.get(file);
  if (!encoder) throw new Error(`encoder thread: no open file ${file}`);
  return encoder;
}

async function answer(request: EncoderRequest): Promise<void> {
  let reply: EncoderReply;
  try {
    const chunks = await handle(request);
    if (request.type === 'abort') return;
    reply = { type: 'done', file: request.file, chunks, estimatedBytes: files.get(request.file)?.estimatedBytes };
    parentPort!.postMessage(reply, [...new Set(chunks.map((c) => c.buffer as ArrayBuffer))]);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    files.delete(request.file);
    reply = { type: 'failed', file: request.file, message: e.message, stack: e.stack ?? e.message };
    parentPort!.postMessage(reply);
  }
}

// one request at a time: a text writer may await (gzip), and replies must keep request order
let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (request: EncoderRequest) => {
  queue = queue.then(() => answer(request));
});
