import { RetriableError, TributaryError } from '../../../plugins/api/index.js';
import { oracleErrorOf } from './sql-session.js';

/** A log file LogMiner needs is missing or not yet readable: the window is mined again after a pause. */
const LOG_NOT_READY = new Set(['ORA-01291', 'ORA-00310', 'ORA-00308', 'ORA-01284', 'ORA-00367']);
/** The connection is gone: reconnect and resume from the last queued offset. */
const CONNECTION_LOST = new Set(['ORA-03113', 'ORA-03114', 'ORA-03135', 'ORA-12170', 'ORA-12541', 'ORA-12537', 'ORA-01033', 'ORA-01089', 'ORA-01034', 'NJS-500', 'NJS-501', 'NJS-503', 'NJS-510', 'NJS-521', 'DPY-4011', 'DPI-1080']);

/** ORA-01555 (snapshot too old) and ORA-08181 (not a valid SCN): a flashback query's SCN is out of the undo's reach. */
export function isSnapshotTooOld(error: unknown): boolean {
  const { code } = oracleErrorOf(error);
  return code === 'ORA-01555' || code === 'ORA-08181';
}

export function isLogNotReady(error: unknown): boolean {
  const { code } = oracleErrorOf(error);
  return code !== null && LOG_NOT_READY.has(code);
}

export function isConnectionLost(error: unknown): boolean {
  const { code, message } = oracleErrorOf(error);
  return (code !== null && CONNECTION_LOST.has(code)) || /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up/i.test(message);
}

/**
 * The task-level error for a failure while mining: typed errors pass; missing logs and lost
 * connections are retriable; anything else fails the task with the Oracle message.
 */
export function miningError(error: unknown): TributaryError {
  if (error instanceof TributaryError) return error;
  const { message } = oracleErrorOf(error);
  if (isLogNotReady(error)) return new RetriableError('source.unavailable', `LogMiner could not read a log file it needs (${message}); the window is mined again.`, { cause: error });
  if (isConnectionLost(error)) return new RetriableError('source.connection_lost', `The Oracle connection was lost: ${message}`, { cause: error });
  return new TributaryError('internal', `LogMiner failed: ${message}`, { cause: error });
}
