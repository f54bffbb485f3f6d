/**
 * Oracle's temporal text in the session's NLS formats (set by `nls-session.ts`) turned into
 * Debezium's values. Dates are proleptic Gregorian from year 1 on (BC dates are refused).
 *
 * - DATE 'YYYY-MM-DD HH24:MI:SS', TIMESTAMP 'YYYY-MM-DD HH24:MI:SS.FF9' (any fraction length),
 *   TIMESTAMP WITH TIME ZONE with ' +HH:MM' (or a region LogMiner could not resolve: refused);
 * - INTERVAL YEAR TO MONTH '+YY-MM', DAY TO SECOND '+DD HH:MI:SS.FF'.
 */
export interface LocalDateTime {
  readonly epochSeconds: number;
  /** 0..999_999_999 */
  readonly nanos: number;
  /** minutes east of UTC, or null without a zone */
  readonly offsetMinutes: number | null;
  /** the fraction digits as written */
  readonly fraction: string;
}

const TIMESTAMP = /^\s*(\d{1,4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{0,9}))?)?\s*(?:([+-])(\d{1,2}):(\d{2})|(UTC|GMT|Z))?\s*$/i;

export function parseTimestamp(text: string): LocalDateTime {
  return parseCanonical(text) ?? parseLoose(text);
}

const digit = (text: string, i: number) => text.charCodeAt(i) - 48;
const two = (text: string, i: number) => digit(text, i) * 10 + digit(text, i + 1);

/**
 * The session's own forms, read without a regular expression (the hot path: two temporal
 * columns per row cost a third of a row's parsing with the regex): 'YYYY-MM-DD HH:MI:SS' with an
 * optional fraction and ' ±HH:MM'. Null for anything else, which `parseLoose` reads.
 */
function parseCanonical(text: string): LocalDateTime | null {
  const n = text.length;
  if (n < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  const year = two(text, 0) * 100 + two(text, 2);
  const [month, day, hour, minute, second] = [two(text, 5), two(text, 8), two(text, 11), two(text, 14), two(text, 17)];
  if (!(year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59)) return null;
  let i = 19;
  let fraction = '';
  if (text.charCodeAt(i) === 46) {
    const from = ++i;
    while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    fraction = text.slice(from, i);
    if (fraction.length > 9) return null;
  }
  let offsetMinutes: number | null = null;
  if (i < n) {
    if (text.charCodeAt(i) !== 32 || n - i !== 7 || text.charCodeAt(i + 4) !== 58) return null;
    const sign = text.charCodeAt(i + 1);
    if (sign !== 43 && sign !== 45) return null;
    offsetMinutes = (sign === 45 ? -1 : 1) * (two(text, i + 2) * 60 + two(text, i + 5));
  }
  const nanos = fraction.length === 0 ? 0 : Number(fraction) * 10 ** (9 - fraction.length);
  return { epochSeconds: daysFromCivil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second, nanos, offsetMinutes, fraction };
}

/** days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil) */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function parseLoose(text: string): LocalDateTime {
  const m = TIMESTAMP.exec(text);
  if (!m) throw new RangeError(`"${text}" is not a timestamp in the session's NLS format`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', sign, oh, om, utc] = m;
  const offsetMinutes = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : utc ? 0 : null;
  const nanos = fraction.length === 0 ? 0 : Number(fraction.padEnd(9, '0'));
  return { epochSeconds: daysFromCivil(Number(y), Number(mo), Number(d)) * 86_400 + Number(h) * 3_600 + Number(mi) * 60 + Number(s), nanos, offsetMinutes, fraction };
}

/** milliseconds since the epoch of the wall-clock time (a zone, if any, ignored) */
export function wallClockMillis(t: LocalDateTime): number {
  return t.epochSeconds * 1000 + Math.floor(t.nanos / 1_000_000);
}

export function wallClockMicros(t: LocalDateTime): number {
  return t.epochSeconds * 1_000_000 + Math.floor(t.nanos / 1000);
}

export function wallClockNanos(t: LocalDateTime): bigint {
  return BigInt(t.epochSeconds) * 1_000_000_000n + BigInt(t.nanos);
}

/**
 * ISO-8601 with the offset, as Debezium's ZonedTimestamp (ISO_OFFSET_DATE_TIME: the fraction
 * without trailing zeros, `Z` for UTC). `inUtc` shifts to UTC first (TIMESTAMP WITH LOCAL TIME ZONE).
 */
export function zonedText(t: LocalDateTime, inUtc = false): string {
  const offset = t.offsetMinutes ?? 0;
  const seconds = inUtc ? t.epochSeconds - offset * 60 : t.epochSeconds;
  const shown = inUtc ? 0 : offset;
  const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
  const year = new Date(seconds * 1000).getUTCFullYear();
  const datePart = year > 9999 ? `+${iso}` : iso;
  const fraction = t.nanos === 0 ? '' : `.${String(t.nanos).padStart(9, '0').replace(/0+$/, '')}`;
  const zone = shown === 0 ? 'Z' : `${shown < 0 ? '-' : '+'}${String(Math.floor(Math.abs(shown) / 60)).padStart(2, '0')}:${String(Math.abs(shown) % 60).padStart(2, '0')}`;
  return `${datePart}${fraction}${zone}`;
}

/** Debezium's MicroDuration month: 365.25 / 12 days */
const DAYS_PER_MONTH = 365.25 / 12;
const MICROS_PER_DAY = 86_400_000_000;

/** INTERVAL YEAR TO MONTH '+02-03' as Debezium's MicroDuration (µs, a month = 30.4375 days) */
export function yearToMonthMicros(text: string): number {
  const m = /^\s*([+-])?(\d+)-(\d+)\s*$/.exec(text);
  if (!m) throw new RangeError(`"${text}" is not an INTERVAL YEAR TO MONTH`);
  const months = Number(m[2]) * 12 + Number(m[3]);
  return (m[1] === '-' ? -1 : 1) * Math.round(months * DAYS_PER_MONTH * MICROS_PER_DAY);
}

/** INTERVAL DAY TO SECOND '+01 02:03:04.500000' as microseconds */
export function dayToSecondMicros(text: string): number {
  const m = /^\s*([+-])?(\d+) (\d+):(\d+):(\d+)(?:\.(\d+))?\s*$/.exec(text);
  if (!m) throw new RangeError(`"${text}" is not an INTERVAL DAY TO SECOND`);
  const micros = Number((m[6] ?? '').padEnd(6, '0').slice(0, 6));
  const total = ((Number(m[2]) * 24 + Number(m[3])) * 60 + Number(m[4])) * 60 + Number(m[5]);
  return (m[1] === '-' ? -1 : 1) * (total * 1_000_000 + micros);
}
