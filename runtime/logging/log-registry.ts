import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import { describeError, TributaryError } from '../../plugins/api/index.js';

const LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * Named loggers over one pino root, so `/admin/loggers` can change the level of `runtime`,
 * `connectors.<name>` or `root` at run time, and every line carries its context (connector,
 * task). A level set on a name applies to it and every name below it (`connectors` covers
 * `connectors.pg`), as Kafka Connect's logger hierarchy does. An error logged as `err` is
 * written as its trace, with a TributaryError's code lifted to a `code` field (errorFields).
 */
export class LogRegistry {
  readonly root: PinoLogger;
  readonly #loggers = new Map<string, PinoLogger>();
  readonly #levels = new Map<string, { level: string; last_modified: number | null }>();

  constructor(options: { level?: string; destination?: NodeJS.WritableStream } = {}) {
    const level = (options.level ?? process.env.TRIBUTARY_LOG_LEVEL ?? 'info') as LevelWithSilent;
    this.root = pino(
      { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, formatters: { log: errorFields } },
      (options.destination ?? pino.destination(2)) as pino.DestinationStream,
    );
    this.#levels.set('root', { level, last_modified: null });
  }

  /** The logger for a dotted name, with bindings added to every line. */
  get(name: string, bindings: Record<string, unknown> = {}): PinoLogger {
    const key = `${name}|${JSON.stringify(bindings)}`;
    let logger = this.#loggers.get(key);
    if (!logger) {
      logger = this.root.child({ logger: name, ...bindings });
      logger.level = this.#effectiveLevel(name);
      this.#loggers.set(key, logger);
    }
    return logger;
  }

  /** Every known logger with its effective level, in log4j's spelling as Kafka Connect shows it. */
  levels(): Record<string, { level: string; last_modified: number | null }> {
    const out: Record<string, { level: string; last_modified: number | null }> = {};
    const names = new Set([...this.#levels.keys(), ...[...this.#loggers.keys()].map((k) => k.slice(0, k.indexOf('|')))]);
    for (const name of [...names].sort()) out[name] = { level: toLog4j(this.#effectiveLevel(name)), last_modified: this.#levels.get(name)?.last_modified ?? null };
    return out;
  }

  /** Sets the level of `name` and everything below it; returns the affected names. */
  setLevel(name: string, level: string): string[] {
    const normalized = level.toUpperCase() === 'OFF' ? 'silent' : level.toLowerCase();
    if (!LEVELS.includes(normalized)) throw new RangeError(`Invalid log level "${level}"; use one of ${LEVELS.join(', ')}`);
    this.#levels.set(name, { level: normalized, last_modified: Date.now() });
    const affected = new Set<string>();
    for (const [key, logger] of this.#loggers) {
      const loggerName = key.slice(0, key.indexOf('|'));
      if (name === 'root' || loggerName === name || loggerName.startsWith(`${name}.`)) {
        logger.level = this.#effectiveLevel(loggerName);
        affected.add(loggerName);
      }
    }
    if (name === 'root') this.root.level = normalized;
    affected.add(name);
    return [...affected].sort();
  }

  #effectiveLevel(name: string): string {
    for (let n = name; n !== ''; n = n.includes('.') ? n.slice(0, n.lastIndexOf('.')) : '') {
      const set = this.#levels.get(n);
      if (set) return set.level;
    }
    return this.#levels.get('root')!.level;
  }
}

function toLog4j(level: string): string {
  return level === 'silent' ? 'OFF' : level.toUpperCase();
}

/**
 * One rule for every line that reports an error, wherever it is logged: `err` holding a thrown
 * value becomes its trace (describeError), and a TributaryError's code becomes the line's `code`
 * (docs/errors.md), so alerts can match on codes rather than messages. A `code` the caller set
 * and an `err` that is already text are left as they are.
 */
export function errorFields(line: Record<string, unknown>): Record<string, unknown> {
  const err = line.err;
  if (!(err instanceof Error)) return line;
  const code = line.code ?? (err instanceof TributaryError ? err.code : undefined);
  return { ...line, err: describeError(err), ...(code === undefined ? {} : { code }) };
}
