import { TributaryError, type RawConfig } from '../../plugins/api/index.js';
import type { ConnectorOrigin, StoredConnector } from '../storage/config-store.js';

/** A connector named at start-up: its config and, when it was read from one, its file's absolute path. */
export interface StartupConnector {
  config: RawConfig;
  file?: string;
}

/** What a standalone start does with each connector (docs/operations.md, "Connectors from the command line and from REST"). */
export interface StartupPlan {
  /** this command line's connectors, created or replaced from their config, each with the stored record of its name */
  given: { name: string; config: RawConfig; origin: ConnectorOrigin; previous?: StoredConnector }[];
  /** stored connectors started as they are: created over REST, or of unknown origin */
  kept: StoredConnector[];
  /** stored command-line connectors this command line does not name: not started, their config removed */
  dropped: StoredConnector[];
}

/**
 * As with connect-standalone, the command line is the source of truth for the connectors it
 * names: a name on it wins over a stored connector of that name (keeping its target state, so a
 * pause survives a restart), and a connector of an earlier command line that it does not name is
 * dropped. REST-created connectors are kept. A stored connector with no origin (written before
 * origins were recorded) is kept too: losing a REST-created connector silently is worse than
 * starting one an old command line gave, and the start-up log names it for the operator.
 */
export function planStartup(stored: readonly StoredConnector[], given: readonly StartupConnector[]): StartupPlan {
  const named = new Map<string, StartupConnector>();
  for (const g of given) {
    const name = g.config.name;
    if (!name) throw new TributaryError('config.invalid', `The connector config ${g.file ?? 'given at start-up'} has no "name" property.`, { configPath: 'name' });
    const twice = named.get(name);
    if (twice) {
      throw new TributaryError('config.invalid', `Connector ${name} is given twice at start-up (${twice.file ?? 'a config'} and ${g.file ?? 'a config'}); give each connector once.`, { configPath: 'name' });
    }
    named.set(name, g);
  }
  const byName = new Map(stored.map((s) => [s.name, s]));
  return {
    given: [...named].map(([name, g]) => ({
      name,
      config: g.config,
      origin: { type: 'command-line', ...(g.file !== undefined ? { file: g.file } : {}) },
      previous: byName.get(name),
    })),
    kept: stored.filter((s) => !named.has(s.name) && s.origin?.type !== 'command-line'),
    dropped: stored.filter((s) => !named.has(s.name) && s.origin?.type === 'command-line'),
  };
}

/** The config file of a command-line connector that was read from one. */
export function fileOf(origin: ConnectorOrigin | undefined): string | undefined {
  return origin?.type === 'command-line' ? origin.file : undefined;
}

/** `command-line` | `rest` | `unknown` (stored before origins were recorded), for log fields. */
export function originType(origin: ConnectorOrigin | undefined): ConnectorOrigin['type'] | 'unknown' {
  return origin?.type ?? 'unknown';
}

/** Where a connector came from, in words: its file, or the config folder and how it got there. */
export function describeOrigin(origin: ConnectorOrigin | undefined, configDir: string | undefined): string {
  if (origin?.type === 'command-line') return origin.file ? `${origin.file} (command line)` : 'the start-up configs';
  const where = configDir ?? 'memory';
  return origin?.type === 'rest' ? `${where} (created over REST)` : `${where} (origin not recorded; kept as if created over REST)`;
}

/** The one start-up line: each connector, where it came from and its target state. */
export function startupSummary(connectors: readonly StoredConnector[], configDir: string | undefined): { fields: Record<string, unknown>; message: string } {
  const list = connectors.map((c) => ({
    name: c.name,
    from: originType(c.origin),
    ...(fileOf(c.origin) !== undefined ? { file: fileOf(c.origin) } : {}),
    targetState: c.targetState,
  }));
  const words = connectors.map((c) => `${c.name} from ${describeOrigin(c.origin, configDir)}, ${c.targetState}`);
  return { fields: { connectors: list }, message: connectors.length === 0 ? 'no connectors to start' : `loaded ${connectors.length} connector(s): ${words.join('; ')}` };
}

export function droppedMessage(connector: StoredConnector): string {
  const file = fileOf(connector.origin);
  const from = file !== undefined ? ` (${file})` : '';
  return `connector ${connector.name} is not started: it was given on an earlier command line${from} and is not on this one, so its stored config is removed. Its offsets stay in the offset file: naming it on the command line again resumes from them`;
}

export function replacedRestMessage(name: string, file: string | undefined): string {
  return `connector ${name}, created over REST, is replaced by ${file ?? 'the config given at start-up'}: a connector named on the command line takes its config from there`;
}

export function unknownOriginMessage(name: string, configDir: string | undefined): string {
  return `connector ${name} in ${configDir ?? 'the state dir'} has no recorded origin (stored by an earlier version): it is started as if created over REST. If it came from an earlier command line and is not wanted, delete it (DELETE /connectors/${encodeURIComponent(name)})`;
}

/** Said when REST changes or deletes a command-line connector: the file wins at the next start. */
export function commandLineNote(origin: ConnectorOrigin | undefined, change: 'reconfigured' | 'deleted'): string | undefined {
  if (origin?.type !== 'command-line') return undefined;
  const from = origin.file ?? 'the start-up configs';
  return change === 'reconfigured'
    ? `connector reconfigured over REST until the next start: it comes from ${from} on the command line, whose config replaces this one when the worker starts again`
    : `connector deleted until the next start: it comes from ${from} on the command line, and is created again from it if the worker starts with it`;
}
