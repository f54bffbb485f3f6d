import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { TributaryError } from '../plugins/api/index.js';
import { parseListener, type Listener } from '../runtime/config/listeners.js';
import { createRestApp, type RestAppOptions } from './app.js';

export { parseListener, type Listener };

export interface RestServerOptions extends RestAppOptions {
  /**
   * Kafka Connect's `listeners`: `http://host:port` entries (a list or one comma-separated
   * string). An empty host listens on every interface; port 0 takes a free port.
   */
  listeners: string | readonly string[];
  /** how long close() lets requests in flight finish before cutting connections; default 5 s */
  closeTimeoutMs?: number;
}

export interface RestServer {
  /** one URL a client can call per listener, with the port actually bound */
  readonly urls: readonly string[];
  readonly app: Express;
  close(): Promise<void>;
}

function listenerList(listeners: string | readonly string[]): Listener[] {
  const texts = (typeof listeners === 'string' ? listeners.split(',') : [...listeners]).map((l) => l.trim()).filter((l) => l !== '');
  if (texts.length === 0) throw new TributaryError('worker.config_invalid', 'At least one REST listener is needed (listeners=http://host:port).', { configPath: 'listeners' });
  return texts.map(parseListener);
}

/** The URL a client on this machine uses to reach a listener. */
function clientUrl(listener: Listener, bound: AddressInfo): string {
  const wildcard = listener.host === undefined || listener.host === '0.0.0.0' || listener.host === '::';
  const host = wildcard ? (listener.host === '0.0.0.0' ? '127.0.0.1' : 'localhost') : listener.host!;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound.port}`;
}

function listen(server: Server, listener: Listener): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listener.port, listener.host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: Server, timeoutMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Starts one HTTP server per listener, all serving the same app. */
export async function startRestServer(options: RestServerOptions): Promise<RestServer> {
  const listeners = listenerList(options.listeners);
  const app = createRestApp(options);
  const timeoutMs = options.closeTimeoutMs ?? 5000;
  const servers: Server[] = [];
  const urls: string[] = [];
  const closeAll = () => Promise.all(servers.map((s) => closeServer(s, timeoutMs))).then(() => undefined);
  for (const listener of listeners) {
    const server = createServer(app);
    servers.push(server);
    try {
      urls.push(clientUrl(listener, await listen(server, listener)));
    } catch (cause) {
      await closeAll();
      const where = `${listener.host ?? '*'}:${listener.port}`;
      throw new TributaryError('worker.config_invalid', `REST listener ${where} could not start: ${(cause as Error).message}`, { configPath: 'listeners', cause });
    }
  }
  let closing: Promise<void> | undefined;
  return { urls, app, close: () => (closing ??= closeAll()) };
}
