import type { LoggerAdmin } from '../logger-admin.js';

/** LoggerAdmin over a plain map, with log4j's hierarchy: a level set on `a` also applies to `a.b`. */
export class FakeLoggerAdmin implements LoggerAdmin {
  readonly #levels = new Map<string, { level: string; last_modified: number | null }>([
    ['root', { level: 'INFO', last_modified: null }],
    ['tributary.rest', { level: 'INFO', last_modified: null }],
    ['tributary.worker', { level: 'INFO', last_modified: null }],
  ]);

  levels(): Record<string, { level: string; last_modified: number | null }> {
    return Object.fromEntries([...this.#levels].map(([name, level]) => [name, { ...level }]));
  }

  setLevel(name: string, level: string): string[] {
    const now = Date.now();
    if (!this.#levels.has(name)) this.#levels.set(name, { level, last_modified: now });
    const affected = [...this.#levels.keys()].filter((n) => name === 'root' || n === name || n.startsWith(`${name}.`));
    for (const n of affected) this.#levels.set(n, { level, last_modified: now });
    return affected.sort();
  }
}
