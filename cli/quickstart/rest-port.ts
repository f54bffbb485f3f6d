import { createServer } from 'node:net';
import { SetupProblem } from './source-preflight.js';

/** The REST port from `--port`: an integer 0–65535 (0 = any free port). */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new SetupProblem(`--port ${text} is not a port number: use 0–65535 (0 picks a free one)`);
  return port;
}

/**
 * Fails with one line when the REST port cannot be listened on, before anything starts (the
 * embedded database included); the worker's own listen may still lose a race, and the same
 * message covers that (portProblem).
 */
export async function ensurePortFree(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) => reject(portProblem(port, error) ?? error));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

/** The one-line problem for a listen error, or undefined when it is something else. */
export function portProblem(port: number, error: unknown): SetupProblem | undefined {
  let code: unknown;
  // the worker wraps the listen error (worker.config_invalid, with the system error as cause)
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 3; e = e.cause as typeof e, depth++) {
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') code = e.code;
  }
  if (code === 'EADDRINUSE') return new SetupProblem(`port ${port} is in use (another Tributary or Kafka Connect worker?): choose another REST port with --port <n>, or --port 0 for any free one`);
  if (code === 'EACCES') return new SetupProblem(`port ${port} needs privileges to listen on: choose one above 1023 with --port <n>`);
  return undefined;
}
