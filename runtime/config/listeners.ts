import { TributaryError } from '../../plugins/api/index.js';

/** A REST listener from Kafka Connect's `listeners` property: an empty host is every interface. */
export interface Listener {
  host: string | undefined;
  port: number;
}

const LISTENER = /^(\w+):\/\/(\[[0-9a-fA-F:.]*\]|[^:/[\]]*):(\d{1,5})\/?$/;

/**
 * Parses one listener; only plain HTTP is served (terminate TLS in front of the worker). Part of
 * the worker config, so that a listener the REST server would refuse is refused at load.
 */
export function parseListener(text: string): Listener {
  const match = LISTENER.exec(text.trim());
  if (!match) throw new TributaryError('worker.config_invalid', `Listener "${text}" is not of the form http://host:port.`, { configPath: 'listeners' });
  const [, scheme, rawHost, rawPort] = match;
  if (scheme!.toLowerCase() !== 'http') {
    throw new TributaryError('worker.config_invalid', `Listener "${text}" uses ${scheme}; only http listeners are supported (put a TLS-terminating proxy in front).`, { configPath: 'listeners' });
  }
  const port = Number(rawPort);
  if (port > 65535) throw new TributaryError('worker.config_invalid', `Listener "${text}" has port ${port}, above 65535.`, { configPath: 'listeners' });
  const host = rawHost!.replace(/^\[|\]$/g, '');
  return { host: host === '' ? undefined : host, port };
}
