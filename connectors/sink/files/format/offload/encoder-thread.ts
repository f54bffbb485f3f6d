import { parentPort } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { zstdCompress } from '../zstd-compressor.js';
import { unpackColumn } from './column-batch.js';
import type { EncoderReply, EncoderRequest, ParquetFileSpec } from './encoder-protocol.js';

/**
 * The encoder thread's entry: Parquet encoding and compression of the files of one sink task,
 * off the task's thread. Batches of one file are gathered into a row group and encoded when the
 * batch that ends it arrives; the encoded bytes go back with the reply (transferred), and the
 * task writes them to storage, so storage, retries and durability stay on the task's side.
 */
const CODECS = { snappy: 'SNAPPY', zstd: 'ZSTD', gzip: 'GZIP', none: 'UNCOMPRESSED' } as const;
const compressors = { ZSTD: zstdCompress, GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)) };

/** hyparquet-writer's byte writer whose row groups are taken out as separate chunks. */
class ChunkedByteWriter extends ByteWriter {
  readonly chunks: Uint8Array[] = [];

  constructor() {
    super(1 << 20);
  }

  flush(): void {
    if (this.index === 0) return;
    this.chunks.push(new Uint8Array(this.buffer, 0, this.index));
    const next = Math.max(1 << 20, Math.ceil(this.index * 1.25));
    this.buffer = new ArrayBuffer(next);
    this.view = new DataView(this.buffer);
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }

  take(): Uint8Array[] {
    return this.chunks.splice(0);
  }
}

class ParquetFileEncoder {
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

  batch(batch: { rows: number; columns: readonly import('./column-batch.js').PackedColumn[]; endRowGroup: boolean }): Uint8Array[] {
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
  }
}

const files = new Map<number, ParquetFileEncoder>();

function handle(request: EncoderRequest): Uint8Array[] {
  switch (request.type) {
    case 'open':
      files.set(request.file, new ParquetFileEncoder(request.spec));
      return [];
    case 'batch':
      return encoderOf(request.file).batch(request.batch);
    case 'finish': {
      const chunks = encoderOf(request.file).finish();
      files.delete(request.file);
      return chunks;
    }
    case 'abort':
      files.delete(request.file);
      return [];
  }
}

function encoderOf(file: number): ParquetFileEncoder {
  const encoder = files.get(file);
  if (!encoder) throw new Error(`encoder thread: no open file ${file}`);
  return encoder;
}

parentPort!.on('message', (request: EncoderRequest) => {
  let reply: EncoderReply;
  try {
    const chunks = handle(request);
    reply = { type: 'done', file: request.file, chunks };
    if (request.type === 'abort') return;
    parentPort!.postMessage(reply, chunks.map((c) => c.buffer as ArrayBuffer));
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    files.delete(request.file);
    reply = { type: 'failed', file: request.file, message: e.message, stack: e.stack ?? e.message };
    parentPort!.postMessage(reply);
  }
});
