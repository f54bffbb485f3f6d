/**
 * Ctrl-C (SIGINT) and SIGTERM while the quickstart runs. The first asks for a graceful stop
 * (drain the last changes, complete the files, commit, stop PostgreSQL); the second hurries it:
 * no more waiting for the last changes (the next run reads them from the slot), but files are
 * still completed and offsets committed; the third exits at once. PostgreSQL is stopped on every
 * path: by the stop sequence, or by the exit hook the command installs.
 */
export class StopRequests {
  readonly requested: Promise<void>;
  readonly hurried: Promise<void>;
  #count = 0;
  #request!: () => void;
  #hurry!: () => void;

  constructor(say: (line: string) => void, exitNow: () => void) {
    this.requested = new Promise((r) => (this.#request = r));
    this.hurried = new Promise((r) => (this.#hurry = r));
    const onSignal = () => {
      this.#count++;
      if (this.#count === 1) this.#request();
      else if (this.#count === 2) {
        say('stopping sooner: not waiting for the last changes (the next run reads them); still completing files and committing offsets. Ctrl-C again exits at once.');
        this.#hurry();
      } else {
        say('exiting now: PostgreSQL is stopping; files still open are redone by the next run.');
        exitNow();
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}

/**
 * The output going away (`| head -3`, or a `tee` that Ctrl-C ended first) must not kill the
 * quickstart halfway through its stop: write errors on stdout and stderr (EPIPE) are ignored,
 * and `closed()` tells whether stdout is gone, so the summary can go to stderr instead.
 */
export function tolerateClosedOutput(): { stdoutClosed(): boolean } {
  let stdoutClosed = false;
  process.stdout.on('error', () => (stdoutClosed = true));
  process.stderr.on('error', () => {});
  return { stdoutClosed: () => stdoutClosed || process.stdout.destroyed };
}

/**
 * Where the worker's JSON logs go: stderr, through a stream that drops what cannot be written
 * (pino's own destination would throw on a closed pipe).
 */
export function forgivingStderr(): NodeJS.WritableStream {
  return {
    write: (chunk: string | Uint8Array) => {
      if (!process.stderr.destroyed) process.stderr.write(chunk);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
}
