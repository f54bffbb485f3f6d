import { Worker, type ResourceLimits, type WorkerOptions } from 'node:worker_threads';
import { TributaryError } from '../../../../../plugins/api/index.js';
import { transferList } from './column-batch.js';
import type { Encoded, EncoderReply, EncoderRequest } from './encoder-protocol.js';

type Pending = { resolve: (encoded: Encoded) => void; reject: (error: unknown) => void };

/**
 * The task side of one encoder thread, shared by the open files of one sink task. The thread
 * starts with the first file and is ended by `close` (the task's stop). Replies come back in
 * request order per file, so each file keeps a FIFO of what it waits for.
 *
 * A failure of the thread — an exception while encoding, an uncaught error, an exit — fails
 * every file waiting on it and every later request with `sink.encoder_failed`, carrying the
 * thread's stack trace: the task fails (its records replay from the committed offsets) rather
 * than write a file whose encoding is in doubt.
 */
export class EncoderThreadClient {
  #worker: Worker | undefined;
  #nextFile = 1;
  readonly #waiting = new Map<number, Pending[]>();
  #failure: TributaryError | undefined;
  #outstanding = 0;
  readonly #limits: ResourceLimits;

  /** @param limits the thread's V8 heap limits (see PARQUET_THREAD_LIMITS) */
  constructor(limits: ResourceLimits = {}) {
    this.#limits = limits;
  }

  /** A new file id (the thread learns of it with the `open` request). */
  newFile(): number {
    return this.#nextFile++;
  }

  get failure(): TributaryError | undefined {
    return this.#failure;
  }

  /** Sends a request; resolves with the encoded bytes of its reply. */
  request(request: Exclude<EncoderRequest, { type: 'abort' }>): Promise<Encoded> {
    if (this.#failure) return Promise.reject(this.#failure);
    const worker = this.#thread();
    return new Promise((resolve, reject) => {
      let queue = this.#waiting.get(request.file);
      if (!queue) this.#waiting.set(request.file, (queue = []));
      queue.push({ resolve, reject });
      // the thread keeps the process alive only while a reply is awaited
      if (this.#outstanding++ === 0) worker.ref();
      worker.postMessage(request, request.type === 'batch' ? transferList(request.batch) : []);
    });
  }

  /** Drops a file on the thread (no reply); what it still waits for is abandoned. */
  abort(file: number): void {
    this.#waiting.delete(file);
    if (this.#worker && !this.#failure) this.#worker.postMessage({ type: 'abort', file } satisfies EncoderRequest);
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#fail(new TributaryError('task.stopped', 'The files sink task stopped: its encoder thread was ended.'), false);
    if (worker) await worker.terminate();
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const [entry, options] = encoderThreadEntry();
    const worker = new Worker(entry, { ...options, resourceLimits: this.#limits });
    worker.on('message', (reply: EncoderReply) => this.#onReply(reply));
    worker.on('error', (error) => this.#fail(encoderFailed(error.message, error.stack ?? String(error), error)));
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#fail(encoderFailed(`exited with code ${code}`, `encoder thread exited with code ${code}`));
    });
    // an idle encoder thread must not keep the process alive (unref after the listeners, which ref it)
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #onReply(reply: EncoderReply): void {
    if (--this.#outstanding === 0) this.#worker?.unref();
    const pending = this.#waiting.get(reply.file)?.shift();
    if (reply.type === 'failed') {
      this.#fail(encoderFailed(reply.message, reply.stack));
      pending?.reject(this.#failure);
      return;
    }
    pending?.resolve(reply);
  }

  #fail(error: TributaryError, keep = true): void {
    if (keep) this.#failure ??= error;
    const waiting = [...this.#waiting.values()].flat();
    this.#waiting.clear();
    this.#outstanding = 0;
    for (const p of waiting) p.reject(this.#failure ?? error);
    if (keep && this.#worker) {
      const worker = this.#worker;
      this.#worker = undefined;
      void worker.terminate();
    }
  }
}

function encoderFailed(message: string, stack: string, cause?: unknown): TributaryError {
  return new TributaryError('sink.encoder_failed', `The files sink's encoder thread failed (${message}); the task fails and its records replay from the last committed offset. Thread trace:\n${stack}`, { cause });
}

/**
 * A Parquet thread's garbage is mostly large buffers and short-lived value arrays: a small young
 * generation keeps its resident memory low — the 1 GiB file test's worker peaked at 270 MiB with
 * 4 MB, 312 MiB with 8 or 16 MB (276 MiB without the thread) — for some more GC time in the
 * thread. (Not for JSON and CSV: their lines live until a 1 MiB chunk is full, and with 4 MB
 * they were promoted and collected again and again: 13.3 s of CPU for the JSON bench against
 * 7.9 s without the thread, in one loaded run.) The old generation is left
 * unlimited: a limit would kill the thread, and fail the task, on a large row group.
 */
export const PARQUET_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 4 };

/**
 * The thread's entry: the compiled .js beside this module, or — when the sources run through
 * tsx (tests, `TRIBUTARY_FROM_SOURCE`) — a one-line script that registers tsx's loader in the
 * thread first (a loader registered at run time is not inherited by worker threads).
 */
function encoderThreadEntry(): [URL | string, WorkerOptions] {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(`./encoder-thread.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return [entry, {}];
  const tsx = import.meta.resolve('tsx/esm/api');
  return [`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, { eval: true }];
}
