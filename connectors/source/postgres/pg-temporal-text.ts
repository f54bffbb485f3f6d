/**
 * PostgreSQL's temporal text (DateStyle=ISO, TimeZone=UTC) read into exact parts, and the
 * ISO-8601 text Debezium writes, without a JS Date anywhere: PostgreSQL's range (4713 BC to
 * 294276 AD, and ±infinity) is far wider than Date's, and microseconds must survive.
 *
 * Years are proleptic ISO years: PostgreSQL's `N BC` is year `1 - N` (1 BC is year 0).
 */

/** `infinity` / `-infinity`, which date, timestamp and timestamptz accept */
export type PgInfinity = 'infinity' | '-infinity';

/** A date-time on the proleptic Gregorian calendar, in UTC for a timestamptz. */
export interface DateTimeParts {
  /** days since 1970-01-01 */
  readonly days: number;
  /** seconds since midnight, 0..86399 (86400 only for a time of 24:00:00) */
  readonly seconds: number;
  /** the fraction's digits as PostgreSQL printed them ('' for none, never trailing zeros) */
  readonly fraction: string;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (any year). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The proleptic Gregorian date of a day number: the inverse of daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: era * 400 + yoe + (month <= 2 ? 1 : 0), month, day };
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

/** An ISO year as java.time writes it: four digits, a sign beyond 9999 or before year 0. */
export function isoYear(year: number): string {
  if (year > 9999) return '+' + year;
  if (year < 0) return '-' + String(-year).padStart(4, '0');
  return String(year).padStart(4, '0');
}

/** `2024-02-29`, `+21016-11-04`, `-4713-11-24` for a day number. */
export function isoDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${isoYear(year)}-${pad2(month)}-${pad2(day)}`;
}

/** `HH:MM:SS` of seconds since midnight (24:00:00 for 86400). */
export function isoTimeOfDay(seconds: number): string {
  return `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor((seconds % 3600) / 60))}:${pad2(seconds % 60)}`;
}

const DATE = /^(\d{4,})-(\d\d)-(\d\d)( BC)?$/;

/** `2024-02-29`, `0044-03-15 BC` → days since the epoch, or the infinity it names. */
export function parseDateDays(text: string): number | PgInfinity {
  if (text === 'infinity' || text === '-infinity') return text;
  const m = DATE.exec(text);
  if (!m) throw new Error(`unexpected date text: ${text}`);
  const year = m[4] ? 1 - Number(m[1]) : Number(m[1]);
  return daysFromCivil(year, Number(m[2]), Number(m[3]));
}

const TIME = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/;

/** `13:45:01.1` → seconds since midnight and the fraction's digits. */
export function parseTimeOfDay(text: string): { seconds: number; fraction: string } {
  const m = TIME.exec(text);
  if (!m) throw new Error(`unexpected time text: ${text}`);
  return { seconds: (Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3]), fraction: m[4] ?? '' };
}

/** Microseconds of a fraction's digits (`5` → 500000). */
export function fractionMicros(fraction: string): number {
  return fraction === '' ? 0 : Number(fraction.padEnd(6, '0'));
}

const TIMESTAMP = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d{1,6})?)(?:([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?)?( BC)?$/;

/**
 * `2024-01-02 03:04:05.678901` (timestamp) or `... +05:30` / `... +00 BC` (timestamptz) → the
 * date-time, moved to UTC when the text has an offset.
 */
export function parseDateTime(text: string): DateTimeParts | PgInfinity {
  if (text === 'infinity' || text === '-infinity') return text;
  const m = TIMESTAMP.exec(text);
  if (!m) throw new Error(`unexpected timestamp text: ${text}`);
  let days = parseDateDays(m[7] ? `${m[1]} BC` : m[1]) as number;
  const time = parseTimeOfDay(m[2]);
  let seconds = time.seconds;
  if (m[3]) {
    const offset = (m[3] === '-' ? -1 : 1) * (Number(m[4]) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0));
    seconds -= offset;
    const carry = Math.floor(seconds / 86_400);
    days += carry;
    seconds -= carry * 86_400;
  }
  return { days, seconds, fraction: time.fraction };
}

const MICROS_PER_DAY = 86_400_000_000;
/** beyond this many days from 1970 a day's microseconds no longer fit a double exactly */
const SAFE_DAYS = 104_000;

/** Microseconds since the epoch: a number while exact, else a bigint (may exceed int64). */
export function epochMicros(parts: DateTimeParts): number | bigint {
  const ofDay = parts.seconds * 1_000_000 + fractionMicros(parts.fraction);
  if (parts.days > -SAFE_DAYS && parts.days < SAFE_DAYS) return parts.days * MICROS_PER_DAY + ofDay;
  return BigInt(parts.days) * BigInt(MICROS_PER_DAY) + BigInt(ofDay);
}

/**
 * `2024-01-02T03:04:05.500000Z`: ISO-8601 in UTC with a sign outside years 0000–9999 and the
 * fraction padded to `width` digits, as Debezium's ZonedTimestamp; width 0 writes the fraction
 * PostgreSQL gave (which is none at precision 0).
 */
export function isoDateTime(parts: DateTimeParts, width: number): string {
  let fraction = parts.fraction;
  if (width > 0) fraction = fraction.padEnd(width, '0');
  return `${isoDate(parts.days)}T${isoTimeOfDay(parts.seconds)}${fraction === '' ? '' : '.' + fraction}Z`;
}
