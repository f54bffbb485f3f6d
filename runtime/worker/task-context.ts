import type { ConnectRecord, Logger, RawConfig, TaskMetrics } from '../../plugins/api/index.js';
import type { Bus } from '../bus/bus.js';
import type { ErrorPolicy } from '../errors/error-policy.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';

/** What a running task's runner needs from the worker; built once per task start. */
export interface TaskRuntime {
  readonly connector: string;
  readonly taskId: number;
  readonly rawConfig: RawConfig;
  readonly parsedConfig: unknown;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
  readonly taskMetrics: TaskMetrics;
  readonly bus: Bus;
  readonly errors: ErrorPolicy;
  readonly transforms: { readonly isEmpty: boolean; apply<R extends ConnectRecord>(record: R): R | null };
  /** the dead-letter topic, or '' for none */
  readonly deadLetterTopic: string;
  readonly deadLetterHeaders: boolean;
  readonly labels: { connector: string; task: string };
}

export { sleep } from '../../plugins/cdc/abortable-sleep.js';

/** A promise with its resolve exposed: pause/resume and commit requests use it. */
export class Gate {
  #open = true;
  #waiters: (() => void)[] = [];
  get isOpen(): boolean {
    return this.#open;
  }
  close(): void {
    this.#open = false;
  }
  open(): void {
    this.#open = true;
    for (const w of this.#waiters.splice(0)) w();
  }
  /** Waits until open or the signal aborts. */
  wait(signal: AbortSignal): Promise<void> {
    if (this.#open || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => resolve();
      this.#waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** What a task reported it is working around (reportDegraded), for its status. */
export class DegradedState {
  #error: unknown = null;
  #since = 0;
  /** called when the task becomes degraded, recovers, or reports another error */
  onChange: () => void = () => {};

  report(error: unknown): void {
    if (error === null || error === undefined) {
      if (this.#error === null) return;
      this.#error = null;
    } else {
      if (this.#error === null) this.#since = Date.now();
      this.#error = error;
    }
    this.onChange();
  }

  /** the error and since when (ms), or null when the task is healthy */
  get current(): { error: unknown; since: number } | null {
    return this.#error === null ? null : { error: this.#error, since: this.#since };
  }
}
