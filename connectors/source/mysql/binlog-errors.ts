import { RetriableError, TributaryError } from '../../../plugins/api/index.js';

/**
 * What a binlog connection failure means. The server's replication errors come as error 1236
 * (ER_MASTER_FATAL_ERROR_READING_BINLOG) with the reason in the message; MariaDB adds 1945/1955
 * for a GTID position it cannot serve.
 */
export function classifyBinlogError(error: unknown, position: string): Error {
  const e = error as { errno?: number; code?: string; message?: string };
  const message = e?.message ?? String(error);
  if (/Could not find first log file|purged|binary logs containing GTIDs that the slave requires have been purged|Could not find GTID state/i.test(message) || e?.errno === 1945 || e?.errno === 1955) {
    return new TributaryError('source.position_lost', `The server no longer has the binlog at ${position} (${message}): the changes since the stored offset are lost. ` +
      'To recover: set snapshot.mode=when_needed (or delete the connector\'s offsets) and restart; a new snapshot is taken. Keep binlogs longer (binlog_expire_logs_seconds / expire_logs_days) than the connector may be down.', { cause: error });
  }
  if (/same server_uuid\/server_id|same server_id|A slave with the same/i.test(message)) {
    return new TributaryError('source.setup_required', `Another replica uses this connector's server id (${message}): give database.server.id a value unique among the server's replicas.`, { configPath: 'database.server.id', cause: error });
  }
  if (e?.errno === 1227 || e?.errno === 1045 || /Access denied/i.test(message)) {
    return new TributaryError('source.setup_required', `The server refused the binlog connection: ${message}. The user needs REPLICATION SLAVE and REPLICATION CLIENT.`, { configPath: 'database.user', cause: error });
  }
  return new RetriableError('source.connection_lost', `Binlog connection lost at ${position}: ${message}`, { cause: error });
}
