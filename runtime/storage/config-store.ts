import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError, type RawConfig } from '../../plugins/api/index.js';
import type { TargetState } from '../herder/herder.js';
import { removeIfExists, writeFileAtomic } from './atomic-file.js';
import type { ConfigBackingStore, ConfigChange } from './config-backing-store.js';

/**
 * Where a connector came from, which decides what a restart does with it (docs/operations.md,
 * "Connectors from the command line and from REST"): the command line is the source of truth for
 * the connectors it names, REST-created ones are kept until deleted.
 */
export type ConnectorOrigin =
  /** named on the command line; `file` is the absolute path of its config file, when it had one */
  | { type: 'command-line'; file?: string }
  | { type: 'rest' };

export interface StoredConnector {
  name: string;
  /** absent in state dirs written before origins were recorded: started as if created over REST */
  origin?: ConnectorOrigin;
  targetState: TargetState;
  config: Record<string, string>;
}

/**
 * The standalone ConfigBackingStore: every connector's config, target state and origin, one JSON
 * file per connector in `<state.dir>/connectors/`, written atomically, so they survive a worker
 * restart. Task configs are kept in memory, as connect-standalone does: a standalone worker
 * recomputes them at every start. Configs keep `${provider:...}` references unresolved: secrets
 * never reach the disk through here.
 */
export class FileConfigStore implements ConfigBackingStore {
  readonly #dir: string | undefined;
  #connectors = new Map<string, StoredConnector>();
  readonly #taskConfigs = new Map<string, RawConfig[]>();
  readonly #listeners = new Set<(change: ConfigChange) => void>();

  constructor(stateDir: string | undefined) {
    this.#dir = stateDir ? join(stateDir, 'connectors') : undefined;
    if (this.#dir) mkdirSync(this.#dir, { recursive: true });
  }

  /** the folder the configs live in (for log lines), or undefined when nothing is kept */
  get location(): string | undefined {
    return this.#dir;
  }

  async start(): Promise<void> {
    this.#connectors = new Map(this.#readAll().map((c) => [c.name, c]));
  }

  async stop(): Promise<void> {}

  connectors(): StoredConnector[] {
    return [...this.#connectors.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  taskConfigs(name: string): RawConfig[] | undefined {
    return this.#taskConfigs.get(name);
  }

  async putTaskConfigs(name: string, configs: readonly RawConfig[]): Promise<void> {
    this.#taskConfigs.set(name, [...configs]);
    this.#emit({ kind: 'tasks', name });
  }

  onChange(listener: (change: ConfigChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(change: ConfigChange): void {
    for (const listener of this.#listeners) listener(change);
  }

  #readAll(): StoredConnector[] {
    if (!this.#dir) return [];
    return readdirSync(this.#dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => {
        const path = join(this.#dir!, f);
        let stored: StoredConnector;
        try {
          stored = JSON.parse(readFileSync(path, 'utf8')) as StoredConnector;
        } catch (cause) {
          throw new TributaryError('config.invalid', `The stored connector config ${path} is unreadable (${(cause as Error).message}); fix or remove it and start again.`, { cause });
        }
        if (!isOrigin(stored.origin)) {
          throw new TributaryError('config.invalid', `The stored connector config ${path} has an unknown "origin" (${JSON.stringify(stored.origin)}); expected {"type": "rest"} or {"type": "command-line", "file": "..."}. Fix or remove it and start again.`);
        }
        return stored;
      });
  }

  async putConnector(connector: StoredConnector): Promise<void> {
    if (this.#dir) await writeFileAtomic(this.#file(connector.name), JSON.stringify(connector, null, 2) + '\n');
    this.#connectors.set(connector.name, connector);
    this.#emit({ kind: 'connector', name: connector.name });
  }

  async removeConnector(name: string): Promise<void> {
    if (this.#dir) await removeIfExists(this.#file(name));
    this.#connectors.delete(name);
    this.#taskConfigs.delete(name);
    this.#emit({ kind: 'removed', name });
  }

  #file(name: string): string {
    return join(this.#dir!, `${encodeURIComponent(name)}.json`);
  }
}

function isOrigin(value: unknown): value is ConnectorOrigin | undefined {
  if (value === undefined) return true;
  if (typeof value !== 'object' || value === null) return false;
  const origin = value as { type?: unknown; file?: unknown };
  if (origin.type === 'rest') return true;
  return origin.type === 'command-line' && (origin.file === undefined || typeof origin.file === 'string');
}

export function toStringMap(config: RawConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));
}
