import type { OracleConfig } from './oracle-config-spec.js';
import { OracleDbSession } from './oracledb-session.js';
import { RecordingSession } from './recording-session.js';
import type { SqlSession } from './sql-session.js';

/** Opens one database session for the connector (tests pass a fake or a replaying one). */
export type SessionFactory = (config: OracleConfig) => Promise<SqlSession>;

/** The real sessions: oracledb Thin, wrapped in a recorder when `session.record.file` is set. */
export const oracleDbSessions: SessionFactory = async (config) => {
  const session = await OracleDbSession.connect(config);
  const file = config['session.record.file'];
  return file ? new RecordingSession(session, file) : session;
};
