import type { TaskMetrics } from '../../../plugins/api/index.js';

/**
 * The files sink's own metrics (the runtime adds connector and task labels): files opened and
 * closed, bytes and records made durable, storage retries, and the end-to-end latency from the
 * source commit time of a file's oldest record to the moment the file became visible.
 */
export class SinkMetrics {
  readonly #metrics: TaskMetrics;
  readonly #prefix: string;

  constructor(metrics: TaskMetrics, prefix = 'files_sink') {
    this.#metrics = metrics;
    this.#prefix = prefix;
  }

  fileOpened(topic: string): void {
    this.#metrics.incCounter(`${this.#prefix}_files_opened_total`, 'Files opened.', 1, { topic });
  }

  fileClosed(topic: string, bytes: number, records: number, latencyMs: number): void {
    this.#metrics.incCounter(`${this.#prefix}_files_closed_total`, 'Files completed and made visible.', 1, { topic });
    this.#metrics.incCounter(`${this.#prefix}_bytes_written_total`, 'Bytes in completed files.', bytes, { topic });
    this.#metrics.incCounter(`${this.#prefix}_records_written_total`, 'Records in completed files.', records, { topic });
    this.#metrics.observe(`${this.#prefix}_e2e_latency_seconds`, 'Seconds from the source commit of a file\'s oldest record to the file becoming visible.', Math.max(0, latencyMs) / 1000, { topic });
  }

  uploadRetry(): void {
    this.#metrics.incCounter(`${this.#prefix}_upload_retries_total`, 'Storage calls retried after a transient failure.', 1);
  }

  openFiles(count: number): void {
    this.#metrics.setGauge(`${this.#prefix}_open_files`, 'Files currently open.', count);
  }
}
