import { TributaryError } from '../../../plugins/api/index.js';
import { sqlState } from './pg-connection.js';

/** A lost slot or publication cannot be fixed by reconnecting: the task fails and says what to do. */
export function classifyStreamError(error: unknown, slot: string, publication: string): TributaryError | null {
  if (error instanceof TributaryError && !error.retriable) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (sqlState(error) === '42704' && /replication slot/.test(message)) {
    return new TributaryError('source.position_lost', `Replication slot "${slot}" no longer exists, so changes since the last committed offset are lost. ` +
      'To recover: set snapshot.mode=when_needed (or delete the connector\'s offsets) and restart the connector; it creates the slot again and takes a new snapshot.', { cause: error });
  }
  if (/publication .* does not exist/.test(message)) {
    return new TributaryError('source.setup_required', `Publication "${publication}" was removed while streaming: ${message}. ` +
      `Recreate it (CREATE PUBLICATION ${publication} FOR ALL TABLES, or FOR TABLE ...) and restart the task; changes made while it was missing cannot be decoded, so if the task keeps failing recreate the slot too (snapshot.mode=when_needed).`, { cause: error });
  }
  return null;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);

/** Connection exceptions (SQLSTATE class 08), shutdowns (SQLSTATE starting 57P), socket errors and pg's own "terminated". */
export function isConnectionFailure(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined && (state.startsWith('08') || state.startsWith('57P') || NETWORK_CODES.has(state))) return true;
  return error instanceof Error && /Connection terminated|connection error|not queryable|timeout expired|ended the replication stream/i.test(error.message);
}

/**
 * Worth reconnecting for: a lost connection, the slot still held by the walsender of a killed
 * session (55006), the server out of connections for a moment (53300). Anything else (a message
 * that cannot be decoded, a failed catalog query) would fail again on replay: the task fails.
 */
export function isRetriableStreamError(error: unknown): boolean {
  const state = sqlState(error);
  return isConnectionFailure(error) || state === '55006' || state === '53300';
}
