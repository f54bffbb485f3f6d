import { after, before } from 'node:test';
import { DuckDbReader } from './duckdb-reader.js';
import { startS3Server, type S3Server } from './s3-server.js';

/**
 * The services a lake test reads and writes through: one s3rver and one DuckDB for the whole test
 * file, started before its tests and stopped after them (each test uses its own bucket).
 */
export function useLakeServices(): { readonly s3: S3Server; readonly db: DuckDbReader } {
  const services = {} as { s3: S3Server; db: DuckDbReader };
  before(async () => {
    services.s3 = await startS3Server();
    services.db = await DuckDbReader.open();
  });
  after(async () => {
    services.db?.close();
    await services.s3?.stop();
  });
  return services;
}
