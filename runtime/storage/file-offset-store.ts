import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TributaryError, type Logger, type SourceOffset, type SourcePartition } from '../../plugins/api/index.js';
import { boundThrough } from '../bus/durable-bound.js';
import { partitionKey } from '../bus/published-batch.js';
import { syncDirectory, writeAndSync } from './atomic-file.js';
import type { DurableBound } from '../bus/durable-bound.js';
import type { OffsetBackingStore, OffsetChange, SinkBoundStore, SourceOffsetEntry } from './offset-store.js';

/** What one write changes: source offsets, connectors reset, and sink connectors' bounds. */
interface FileChanges {
  source?: readonly OffsetChange[];
  resetSources?: readonly string[];
  sinkPositions?: ReadonlyMap<string, ReadonlyMap<string, DurableBound> | null>;
}

const FORMAT = 'tributary-offsets';
const GENERATIONS = 3;

interface Body {
  /** Kafka Connect's key form `["<connector>",{partition}]` → offset */
  source: Record<string, SourceOffset>;
  /** sink connector → `topic\u0000source` → durable bound (version 2; version 1 kept positions) */
  sink: Record<string, Record<string, string>>;
}

/**
 * Version 2 stores a sink's durable state as exclusive bounds (runtime/bus/durable-bound.ts);
 * version 1 stored the last durable position, which reads as the bound just above it.
 */
const VERSION = 2;

interface FileContent {
  format: typeof FORMAT;
  version: 1 | 2;
  generation: number;
  checksum: string;
  body: Body;
}

/**
 * The standalone offset store: `offset.storage.file.filename`, written atomically (temp, fsync,
 * rename) with the last three generations kept as `<file>.1` and `<file>.2`. Each generation
 * carries a checksum; a corrupt newest generation falls back to the newest readable one with a
 * warning, and nothing readable at all is an error (never a silent restart from scratch).
 * With no filename it keeps offsets in memory only (tests, `validate`).
 */
export class FileOffsetStore implements OffsetBackingStore, SinkBoundStore {
  readonly #path: string | undefined;
  readonly #logger: Logger;
  #body: Body = { source: {}, sink: {} };
  #generation = 0;
  #writing: Promise<void> = Promise.resolve();

  constructor(path: string | undefined, logger: Logger) {
    this.#path = path;
    this.#logger = logger;
  }

  async start(): Promise<void> {
    if (!this.#path) return;
    mkdirSync(dirname(this.#path), { recursive: true });
    const candidates = [this.#path, `${this.#path}.tmp`, ...Array.from({ length: GENERATIONS - 1 }, (_, i) => `${this.#path}.${i + 1}`)];
    const present = candidates.filter((p) => existsSync(p));
    if (present.length === 0) return;
    const readable: { path: string; content: FileContent }[] = [];
    const problems: string[] = [];
    for (const path of present) {
      try {
        readable.push({ path, content: parseGeneration(await readFile(path, 'utf8')) });
      } catch (error) {
        problems.push(`${path}: ${(error as Error).message}`);
      }
    }
    if (readable.length === 0) {
      throw new TributaryError('offsets.corrupt', `No generation of the offset file ${this.#path} is readable. Restore one from a backup, or move the files aside to start over (sources then follow their snapshot mode).`, { details: problems });
    }
    readable.sort((a, b) => b.content.generation - a.content.generation);
    const chosen = readable[0];
    const newest = present[0] === this.#path ? this.#path : undefined;
    if (problems.length > 0 && (newest === undefined || chosen.path !== newest)) {
      this.#logger.warn({ problems, using: chosen.path, generation: chosen.content.generation }, 'newest offset file generation is unreadable; resuming from an older generation');
    }
    this.#body = chosen.content.version === 1 ? upgradeV1(chosen.content.body) : chosen.content.body;
    this.#generation = chosen.content.generation;
  }

  async stop(): Promise<void> {
    await this.#writing.catch(() => undefined);
  }

  async get(connector: string, partition: SourcePartition): Promise<SourceOffset | null> {
    return this.#body.source[partitionKey(connector, partition)] ?? null;
  }

  async connectorOffsets(connector: string): Promise<SourceOffsetEntry[]> {
    const out: SourceOffsetEntry[] = [];
    for (const [key, offset] of Object.entries(this.#body.source)) {
      const [name, partition] = JSON.parse(key) as [string, SourcePartition];
      if (name === connector) out.push({ partition, offset });
    }
    return out;
  }

  sinkBounds(connector: string): Map<string, DurableBound> {
    return new Map(Object.entries(this.#body.sink[connector] ?? {}));
  }

  set(changes: readonly OffsetChange[], options: { reset?: readonly string[] } = {}): Promise<void> {
    return this.#commit({ source: changes, resetSources: options.reset });
  }

  setSinkBounds(bounds: ReadonlyMap<string, ReadonlyMap<string, DurableBound> | null>): Promise<void> {
    return this.#commit({ sinkPositions: bounds });
  }

  /**
   * Applies the changes and writes the whole state as the next generation. What readers see
   * changes only once the write succeeded (a failed PATCH changes nothing); writes are chained so
   * generations land in order even when commits overlap.
   */
  #commit(changes: FileChanges): Promise<void> {
    const source = { ...this.#body.source };
    for (const connector of changes.resetSources ?? []) {
      for (const key of Object.keys(source)) if ((JSON.parse(key) as [string])[0] === connector) delete source[key];
    }
    for (const c of changes.source ?? []) {
      const key = partitionKey(c.connector, c.partition);
      if (c.offset === null) delete source[key];
      else source[key] = c.offset;
    }
    // Through a Map: connector names are user input, and `sink[name] = …` with `__proto__` would
    // set the prototype instead of a property.
    const sinkMap = new Map(Object.entries(this.#body.sink));
    for (const [connector, positions] of changes.sinkPositions ?? []) {
      if (positions === null) sinkMap.delete(connector);
      else sinkMap.set(connector, Object.fromEntries(positions));
    }
    const sink = Object.fromEntries(sinkMap);
    const previous = this.#body;
    const body: Body = { source, sink };
    this.#body = body;
    const generation = ++this.#generation;
    this.#writing = this.#writing.catch(() => {}).then(() => this.#write(body, generation)).catch((error: unknown) => {
      // a later commit built on this body carries the change anyway; otherwise take it back
      if (this.#body === body) this.#body = previous;
      throw error;
    });
    return this.#writing;
  }

  async #write(body: Body, generation: number): Promise<void> {
    if (!this.#path) return;
    const content: FileContent = { format: FORMAT, version: VERSION, generation, checksum: checksum(body), body };
    const temp = `${this.#path}.tmp`;
    await writeAndSync(temp, JSON.stringify(content, null, 1) + '\n');
    for (let i = GENERATIONS - 1; i >= 1; i--) {
      const from = i === 1 ? this.#path : `${this.#path}.${i - 1}`;
      if (existsSync(from)) await rename(from, `${this.#path}.${i}`);
    }
    await rename(temp, this.#path);
    await syncDirectory(dirname(this.#path));
  }
}

function checksum(body: Body): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

function parseGeneration(text: string): FileContent {
  let parsed: FileContent;
  try {
    parsed = JSON.parse(text) as FileContent;
  } catch {
    throw new Error('not valid JSON (truncated or overwritten)');
  }
  if (parsed?.format !== FORMAT || (parsed.version !== 1 && parsed.version !== VERSION) || typeof parsed.generation !== 'number' || typeof parsed.body !== 'object') {
    throw new Error('not a Tributary offset file');
  }
  if (checksum(parsed.body) !== parsed.checksum) throw new Error('checksum mismatch (the content was altered or partly written)');
  return parsed;
}

function upgradeV1(body: Body): Body {
  const sink = new Map(Object.entries(body.sink).map(([connector, positions]) => [connector, Object.fromEntries(Object.entries(positions).map(([key, position]) => [key, boundThrough(position)]))]));
  return { source: body.source, sink: Object.fromEntries(sink) };
}
