import type { Partitioner } from './partitioner.js';
import { ZonedClock } from './zoned-clock.js';

type Token = { literal: string } | { field: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second'; width: number };

/**
 * Confluent's TimeBasedPartitioner: the record time, floored to `partition.duration.ms` in the
 * configured zone, formatted with a Joda-style `path.format`. Supported letters: Y/y year, M
 * month, d/D day of month (D is taken as day of month because `YYYY-MM-DD` is how people write
 * it), H hour, m minute, s second; text in single quotes is literal ('' is a quote).
 */
export class TimePartitioner implements Partitioner {
  readonly #tokens: Token[];
  readonly #clock: ZonedClock;
  readonly #durationMs: number;

  constructor(pathFormat: string, timezone: string, durationMs: number) {
    this.#tokens = parsePathFormat(pathFormat);
    this.#clock = new ZonedClock(timezone);
    this.#durationMs = durationMs;
  }

  encodePartition(_record: unknown, timestampMs: number): string {
    const t = this.#durationMs > 0 ? this.#clock.floor(timestampMs, this.#durationMs) : timestampMs;
    const parts = this.#clock.parts(t);
    let out = '';
    for (const token of this.#tokens) out += 'literal' in token ? token.literal : String(parts[token.field]).padStart(token.width, '0');
    return out;
  }
}

const LETTERS: Record<string, 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second'> = {
  Y: 'year', y: 'year', M: 'month', d: 'day', D: 'day', H: 'hour', m: 'minute', s: 'second',
};

export function parsePathFormat(format: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c === "'") {
      let literal = '';
      i++;
      for (;;) {
        if (i >= format.length) throw new Error(`unterminated quote in path.format ${format}`);
        if (format[i] === "'") {
          if (format[i + 1] === "'") { literal += "'"; i += 2; continue; }
          i++;
          break;
        }
        literal += format[i++];
      }
      tokens.push({ literal: literal || "'" });
    } else if (LETTERS[c]) {
      let width = 0;
      while (format[i] === c) { width++; i++; }
      tokens.push({ field: LETTERS[c], width: LETTERS[c] === 'year' ? Math.max(width, 4) : width });
    } else if (/[A-Za-z]/.test(c)) {
      throw new Error(`unsupported letter ${c} in path.format ${format}: quote literal text with '...'`);
    } else {
      tokens.push({ literal: c });
      i++;
    }
  }
  return tokens;
}
