import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError, type RawConfig } from '../../plugins/api/index.js';
import type { TargetState } from '../herder/herder.js';
import { removeIfExists, writeFileAtomic } from './atomic-file.js';

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
 * Every connector's config, target state and origin, one JSON file per connector in
 * `<state.dir>/connectors/`, written atomically, so they survive a worker restart. Configs keep
 * `${provider:...}` references unresolved: secrets never reach the disk through here.
 */
export class FileConfigStore {
  readonly #dir: string | undefined;

  constructor(stateDir: string | undefined) {
    this.#dir = stateDir ? join(stateDir, 'connectors') : undefined;
    if (this.#dir) mkdirSync(this.#dir, { recursive: true });
  }

  /** the folder the configs live in (for log lines), or undefined when nothing is kept */
  get directory(): string | undefined {
    return this.#dir;
  }

  loadAll(): StoredConnector[] {
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

  async put(connector: StoredConnector): Promise<void> {
    if (!this.#dir) return;
    await writeFileAtomic(this.#file(connector.name), JSON.stringify(connector, null, 2) + '\n');
  }

  async remove(name: string): Promise<void> {
    if (!this.#dir) return;
    await removeIfExists(this.#file(name));
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
