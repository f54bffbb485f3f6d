import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TributaryError, type RawConfig } from '../../plugins/api/index.js';
import type { TargetState } from '../herder/herder.js';
import { removeIfExists, writeFileAtomic } from './atomic-file.js';

export interface StoredConnector {
  name: string;
  config: Record<string, string>;
  targetState: TargetState;
}

/**
 * Connector configs and target states created over REST, one JSON file per connector in
 * `<state.dir>/connectors/`, written atomically, so they survive a worker restart. Configs keep
 * `${provider:...}` references unresolved: secrets never reach the disk through here.
 */
export class FileConfigStore {
  readonly #dir: string | undefined;

  constructor(stateDir: string | undefined) {
    this.#dir = stateDir ? join(stateDir, 'connectors') : undefined;
    if (this.#dir) mkdirSync(this.#dir, { recursive: true });
  }

  loadAll(): StoredConnector[] {
    if (!this.#dir) return [];
    return readdirSync(this.#dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => {
        const path = join(this.#dir!, f);
        try {
          return JSON.parse(readFileSync(path, 'utf8')) as StoredConnector;
        } catch (cause) {
          throw new TributaryError('config.invalid', `The stored connector config ${path} is unreadable (${(cause as Error).message}); fix or remove it and start again.`, { cause });
        }
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

export function toStringMap(config: RawConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));
}
