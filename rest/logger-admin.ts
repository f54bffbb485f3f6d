/**
 * What `/admin/loggers` needs from the logging runtime (KIP-495). The runtime implements it over
 * its pino loggers; the REST layer validates levels before calling, so an implementation only
 * ever receives one of LOG_LEVELS.
 */
export interface LoggerAdmin {
  /**
   * Every known logger with its effective level: the root logger under "root", and every name
   * ever passed to setLevel. `last_modified` is when setLevel last changed it (epoch ms), or null.
   */
  levels(): Record<string, { level: string; last_modified: number | null }>;
  /**
   * Sets the level of `name` and of every logger below it (dotted names, as log4j does; "root"
   * means all). A name not known yet is created, as log4j does. `level` is one of LOG_LEVELS.
   * Returns the names whose level was set, `name` included, sorted.
   */
  setLevel(name: string, level: string): string[];
}

/** log4j's level names, which Kafka Connect users send; pino's `silent` is spelled OFF. */
export const LOG_LEVELS = ['OFF', 'FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const ALIASES: Record<string, LogLevel> = { SILENT: 'OFF', WARNING: 'WARN', ALL: 'TRACE' };

/** The canonical level for what a user typed (any case, pino or log4j spelling), or undefined. */
export function normalizeLogLevel(level: string): LogLevel | undefined {
  const upper = level.trim().toUpperCase();
  return (LOG_LEVELS as readonly string[]).includes(upper) ? (upper as LogLevel) : ALIASES[upper];
}
