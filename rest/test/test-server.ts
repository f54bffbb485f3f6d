import { Registry } from 'prom-client';
import type { Herder } from '../../runtime/herder/herder.js';
import type { RestAppOptions } from '../app.js';
import { startRestServer, type RestServer } from '../server.js';
import { FakeHerder } from './fake-herder.js';
import { FakeLoggerAdmin } from './fake-logger-admin.js';
import { silentLogger } from './silent-logger.js';

/** A REST server on a free loopback port over a FakeHerder (or the given herder). */
export async function startTestServer(options: Partial<RestAppOptions> & { herder?: Herder } = {}): Promise<{ server: RestServer; url: string; herder: Herder; close(): Promise<void> }> {
  const herder = options.herder ?? new FakeHerder();
  const server = await startRestServer({
    listeners: 'http://127.0.0.1:0',
    metrics: new Registry(),
    loggers: new FakeLoggerAdmin(),
    version: '0.1.0-test',
    logger: silentLogger,
    ...options,
    herder,
  });
  return {
    server,
    url: server.urls[0]!,
    herder,
    close: async () => {
      if (herder instanceof FakeHerder) herder.close();
      await server.close();
    },
  };
}
