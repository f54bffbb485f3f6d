import { describeError, TributaryError } from '../plugins/api/index.js';

/** Exit codes of the worker commands: 2 for a config an operator must fix, 1 for anything else. */
export function exitOnStartFailure(error: unknown): never {
  process.stderr.write(`tributary: ${error instanceof TributaryError ? error.message : describeError(error)}\n`);
  process.exit(error instanceof TributaryError && error.code === 'worker.config_invalid' ? 2 : 1);
}

/**
 * SIGTERM/SIGINT stop the worker gracefully (last commit, tasks stopped) within the shutdown
 * timeout plus a margin; a second signal exits at once.
 */
export function stopOnSignals(worker: { stop(): Promise<void> }, gracefulTimeoutMs: number): void {
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) process.exit(130);
    process.stderr.write(`tributary: ${signal} received, stopping gracefully\n`);
    const deadline = setTimeout(() => {
      process.stderr.write('tributary: graceful stop timed out; exiting\n');
      process.exit(1);
    }, gracefulTimeoutMs + 5000);
    deadline.unref();
    worker.stop().then(() => process.exit(0), (error: unknown) => {
      process.stderr.write(`tributary: stop failed: ${describeError(error)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
