import { once } from 'node:events';
import { Writable } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import type { OutputFile } from '../storage/storage.js';

const CHUNK_CHARS = 1 << 20;

/**
 * Text formats' buffer: lines collect into about 1 MiB of text, which is then encoded (and
 * gzipped as one stream when asked) into the output. Awaiting `append` gives backpressure.
 */
export class TextOutput {
  readonly #out: OutputFile;
  readonly #gzip: Gzip | undefined;
  readonly #drained: Promise<void> | undefined;
  #parts: string[] = [];
  #chars = 0;

  constructor(out: OutputFile, gzip: boolean) {
    this.#out = out;
    if (gzip) {
      this.#gzip = createGzip();
      const sink = new Writable({
        write: (chunk: Buffer, _encoding, callback) => void out.write(chunk).then(() => callback(), callback),
      });
      this.#gzip.pipe(sink);
      this.#drained = new Promise((resolve, reject) => {
        sink.on('finish', resolve);
        sink.on('error', reject);
        this.#gzip!.on('error', reject);
      });
      // an output failure surfaces through `finish`; this keeps it from being unhandled meanwhile
      this.#drained.catch(() => undefined);
    }
  }

  get bufferedBytes(): number {
    return this.#chars;
  }

  append(line: string): void | Promise<void> {
    this.#parts.push(line);
    this.#chars += line.length;
    if (this.#chars >= CHUNK_CHARS) return this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    const bytes = Buffer.from(this.#parts.join(''), 'utf8');
    this.#parts = [];
    this.#chars = 0;
    if (!this.#gzip) return this.#out.write(bytes);
    if (!this.#gzip.write(bytes)) await once(this.#gzip, 'drain');
  }

  async finish(): Promise<void> {
    await this.#flush();
    if (this.#gzip) {
      this.#gzip.end();
      await this.#drained;
    }
  }
}
