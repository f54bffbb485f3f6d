import type { OutputFile } from '../../storage/storage.js';
import type { Encoded } from './encoder-protocol.js';

/**
 * The task side of one file's encoded bytes: replies of the encoder thread are written to the
 * output in the order their requests were sent, one write at a time, and what is in flight (sent
 * but not yet written) is bounded — `track` returns a promise to wait on once over the limit,
 * which is the backpressure that keeps memory bounded. A failure (the thread, or the output after
 * its retries) is kept and returned by every later call, so it fails the task, never a record.
 */
export class OrderedOutput {
  readonly #out: OutputFile;
  readonly #limitBytes: number;
  #tail: Promise<void> = Promise.resolve();
  readonly #links: Promise<void>[] = [];
  #inFlightBytes = 0;
  #error: unknown;
  /** text files: the thread writer's estimatedBytes after the last reply, and what was sent up to it */
  #repliedEstimate = 0;
  #repliedBytes = 0;

  constructor(out: OutputFile, limitBytes: number) {
    this.#out = out;
    this.#limitBytes = limitBytes;
  }

  get failure(): unknown {
    return this.#error;
  }

  /** estimated bytes sent to the thread and not yet written */
  get inFlightBytes(): number {
    return this.#inFlightBytes;
  }

  /** Appends a reply (with the estimated bytes its request carried) to the in-order writes. */
  track(reply: Promise<Encoded>, bytes: number): void | Promise<void> {
    this.#inFlightBytes += bytes;
    const link = this.#tail.then(async () => {
      const encoded = await reply;
      for (const chunk of encoded.chunks) await this.#out.write(chunk);
      if (encoded.estimatedBytes !== undefined) {
        this.#repliedEstimate = encoded.estimatedBytes;
        this.#repliedBytes += bytes;
      }
      this.#inFlightBytes -= bytes;
      this.#links.shift();
    });
    // kept and reported by the next call, never left unhandled
    link.catch((error: unknown) => (this.#error ??= error));
    reply.catch(() => undefined);
    this.#tail = link;
    this.#links.push(link);
    if (this.#inFlightBytes > this.#limitBytes) return this.#drain();
  }

  /**
   * The file's size once everything sent so far and `pending` more estimated bytes are written,
   * for writers whose thread reports its own estimate (text): the thread's figure, plus the
   * bytes not yet replied scaled by how the estimates compared with it so far (which also
   * follows gzip's ratio).
   */
  estimatedSize(pending: number): number {
    const scale = this.#repliedBytes > 0 ? this.#repliedEstimate / this.#repliedBytes : 1;
    return Math.max(this.#repliedEstimate, this.#out.bytesWritten) + (this.#inFlightBytes + pending) * scale;
  }

  /** Resolves once every tracked reply is written. */
  drained(): Promise<void> {
    return this.#tail;
  }

  async #drain(): Promise<void> {
    while (this.#inFlightBytes > this.#limitBytes && this.#links.length > 0) await this.#links[0];
  }
}
