/**
 * Exact conversions of Debezium value representations (see plugins/api/schema.ts) to the
 * physical values of file formats. No float ever carries a decimal or a microsecond.
 */

/** "-12.5" with scale 2 → -1250n. Rejects values needing more digits than the scale or precision. */
export function decimalToUnscaled(value: string | number | bigint, scale: number, precision?: number): bigint {
  if (typeof value === 'bigint') return value * 10n ** BigInt(scale);
  if (typeof value === 'string') {
    const fast = plainDecimal(value, scale, precision);
    if (fast !== undefined) return fast;
  }
  const text = typeof value === 'number' ? numberText(value) : value.trim();
  const m = /^([-+]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`not a decimal: ${JSON.stringify(value)}`);
  let fraction = m[3] ?? '';
  if (fraction.length > scale) {
    if (!/^0*$/.test(fraction.slice(scale))) throw new RangeError(`decimal ${text} has more than ${scale} fraction digits`);
    fraction = fraction.slice(0, scale);
  }
  const digits = (m[2] + fraction.padEnd(scale, '0')).replace(/^0+(?=\d)/, '');
  if (precision !== undefined && digits.replace(/^0+/, '').length > precision) throw new RangeError(`decimal ${text} exceeds precision ${precision}`);
  const unscaled = BigInt(digits || '0');
  return m[1] === '-' ? -unscaled : unscaled;
}

/**
 * The common case without regular expressions: "-123.45" with exactly `scale` fraction digits
 * and at most 15 digits in all, which a double holds exactly, so one BigInt is made per value.
 */
function plainDecimal(text: string, scale: number, precision?: number): bigint | undefined {
  const units = plainDecimalUnits(text, scale, precision);
  return units === undefined ? undefined : BigInt(units);
}

/**
 * The unscaled value of a decimal exactly, as a number when the common text form allows it (see
 * plainDecimalUnits), else as a bigint: for writers that take either, so the common case
 * allocates no BigInt.
 */
export function decimalToUnscaledExact(value: string | number | bigint, scale: number, precision?: number): number | bigint {
  if (typeof value === 'string') {
    const units = plainDecimalUnits(value, scale, precision);
    if (units !== undefined) return units;
  }
  return decimalToUnscaled(value, scale, precision);
}

/** plainDecimal's unscaled value as a number (at most 15 digits: exact in a double). */
function plainDecimalUnits(text: string, scale: number, precision?: number): number | undefined {
  const n = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  const start = i;
  let units = 0;
  let digits = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return undefined;
    units = units * 10 + (c - 48);
    digits++;
  }
  if (digits === 0 || (i < n ? n - i - 1 : 0) !== scale) return undefined;
  for (let j = i + 1; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c < 48 || c > 57) return undefined;
    units = units * 10 + (c - 48);
  }
  const total = digits + scale;
  if (total > 15) return undefined;
  if (precision !== undefined && total - (i - start === 1 && text.charCodeAt(start) === 48 ? 1 : 0) > precision) return undefined;
  return start === 1 ? -units : units;
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a decimal: ${n}`);
  const text = String(n);
  if (!/e/i.test(text)) return text;
  return n.toFixed(20).replace(/0+$/, '');
}

/**
 * ±infinity in a Parquet INT64 timestamp: ±(2^63 − 1), which DuckDB (and Spark as the extreme
 * instants) reads as ±infinity. Finite values are kept inside it (see clampFinite).
 */
export const INFINITE_TIMESTAMP = 9_223_372_036_854_775_807n;
const LATEST_FINITE = INFINITE_TIMESTAMP - 1n;

/**
 * A finite instant as a Parquet INT64 timestamp: outside the int64 range (PostgreSQL's
 * timestamps reach 294276 AD, int64 microseconds 294247 AD) it is clamped to the nearest
 * finite extreme, so only ±infinity reads as infinity.
 */
export function clampFinite(value: bigint): bigint {
  return value > LATEST_FINITE ? LATEST_FINITE : value < -LATEST_FINITE ? -LATEST_FINITE : value;
}

/** Debezium's ±infinity for PostgreSQL timestamps (pgjdbc's constants), in microseconds and milliseconds */
const DEBEZIUM_INFINITY_MICROS = 9_223_372_036_825_200_000n;
const DEBEZIUM_NEGATIVE_INFINITY_MICROS = -9_223_372_036_832_400_000n;
const DEBEZIUM_INFINITY_MILLIS = 9_223_372_036_825_200n;
const DEBEZIUM_NEGATIVE_INFINITY_MILLIS = -9_223_372_036_832_400n;

/**
 * A Debezium timestamp (MicroTimestamp, Timestamp / Connect Timestamp in milliseconds,
 * NanoTimestamp) as a Parquet INT64 timestamp in microseconds (nanoseconds for `nanos`):
 * Debezium's ±infinity constants become ±INFINITE_TIMESTAMP (DuckDB cannot even read the
 * negative one as a timestamp), other values are clamped to the finite range.
 */
export function debeziumTimestampToParquet(value: bigint, unit: 'millis' | 'micros' | 'nanos'): bigint {
  switch (unit) {
    case 'millis':
      if (value === DEBEZIUM_INFINITY_MILLIS) return INFINITE_TIMESTAMP;
      if (value === DEBEZIUM_NEGATIVE_INFINITY_MILLIS) return -INFINITE_TIMESTAMP;
      return clampFinite(value * 1000n);
    case 'micros':
      if (value === DEBEZIUM_INFINITY_MICROS) return INFINITE_TIMESTAMP;
      if (value === DEBEZIUM_NEGATIVE_INFINITY_MICROS) return -INFINITE_TIMESTAMP;
      return clampFinite(value);
    case 'nanos':
      // Debezium's nanosecond ±infinity are the int64 extremes themselves
      if (value >= INFINITE_TIMESTAMP) return INFINITE_TIMESTAMP;
      if (value <= -INFINITE_TIMESTAMP) return -INFINITE_TIMESTAMP;
      return value;
  }
}

/** Days from 1970-01-01 to a proleptic Gregorian date, any year (Date.UTC stops at 275760). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** The proleptic Gregorian date of a day number. */
function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (month <= 2 ? 1 : 0), month, doy - Math.floor((153 * mp + 2) / 5) + 1];
}

/** io.debezium.time.Date ±infinity from the postgres source: ±(2^31 − 1) days */
const INFINITE_DAYS = 2_147_483_647;

/**
 * Days since the epoch as an ISO date, with java.time's year signs (`+10000-01-01`,
 * `-4713-11-24`; 1 BC is year 0000); ±(2^31 − 1) days, the source's ±infinity, as `infinity`.
 */
export function daysToIsoDate(days: number): string {
  if (days >= INFINITE_DAYS) return 'infinity';
  if (days <= -INFINITE_DAYS) return '-infinity';
  const [year, month, day] = civilFromDays(days);
  const y = year > 9999 ? '+' + year : year < 0 ? '-' + String(-year).padStart(4, '0') : String(year).padStart(4, '0');
  return `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const ISO = /^([+-]?\d{4,})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * An ISO-8601 instant (`2026-01-01T10:00:00.123456+02:00`, Debezium's `+21016-11-04T06:51:30Z`
 * and `-4713-11-24T00:00:00Z`) as microseconds since the epoch, clamped to the finite int64
 * range; Debezium's ZonedTimestamp `infinity` / `-infinity` give ±INFINITE_TIMESTAMP.
 */
export function zonedTimestampToMicros(text: string): bigint {
  const fast = isoMicrosUtc(text);
  if (fast !== undefined) return BigInt(fast);
  if (text === 'infinity') return INFINITE_TIMESTAMP;
  if (text === '-infinity') return -INFINITE_TIMESTAMP;
  const m = ISO.exec(text.trim());
  if (!m) throw new RangeError(`not an ISO-8601 timestamp: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > daysInMonth(Number(y), Number(mo)) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    throw new RangeError(`not an ISO-8601 timestamp: ${JSON.stringify(text)}`);
  }
  let offsetSeconds = 0;
  if (zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    offsetSeconds = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 3600 + Number(z[3] ?? 0) * 60);
  }
  const seconds = daysFromCivil(Number(y), Number(mo), Number(d)) * 86_400 + Number(h) * 3600 + Number(mi) * 60 + Number(s) - offsetSeconds;
  return clampFinite(BigInt(seconds) * 1_000_000n + BigInt(frac.padEnd(6, '0').slice(0, 6)));
}

/** zonedTimestampToMicros as a number when the common form allows it exactly (see isoMicrosUtc), else a bigint. */
export function zonedTimestampToMicrosExact(text: string): number | bigint {
  return isoMicrosUtc(text) ?? zonedTimestampToMicros(text);
}

/**
 * "2026-01-01T00:00:00.123456Z" — UTC, 0 to 9 fraction digits, what the postgres source and
 * Date#toISOString write — as microseconds, without a regex; undefined for any other form, and
 * beyond the instants a double holds exactly in microseconds (about years 1685 to 2255).
 */
function isoMicrosUtc(text: string): number | undefined {
  const n = text.length;
  if (n < 20 || n > 30 || text.charCodeAt(n - 1) !== 90 || text.charCodeAt(10) !== 84) return undefined;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  let micros = 0;
  if (n > 20) {
    if (text.charCodeAt(19) !== 46 || n === 21) return undefined;
    const digits = n - 21;
    const frac = digit(text, 20, Math.min(digits, 6));
    const rest = digits > 6 ? digit(text, 26, digits - 6) : 0;
    if (Number.isNaN(frac) || Number.isNaN(rest)) return undefined;
    micros = digits >= 6 ? frac : frac * 10 ** (6 - digits);
  }
  const year = digit(text, 0, 4);
  const month = digit(text, 5, 2);
  const day = digit(text, 8, 2);
  const hour = digit(text, 11, 2);
  const minute = digit(text, 14, 2);
  const second = digit(text, 17, 2);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 60)) return undefined;
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
  const out = seconds * 1_000_000 + micros;
  return Number.isSafeInteger(out) ? out : undefined;
}

/** The exact decimal text of Debezium's VariableScaleDecimal struct `{scale, value}` (value: unscaled two's complement bytes). */
export function variableScaleDecimalText(value: unknown): string {
  const { scale, value: bytes } = value as { scale: number; value: Uint8Array | string };
  const raw = typeof bytes === 'string' ? Buffer.from(bytes, 'base64') : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let unscaled = raw.length === 0 ? 0n : BigInt('0x' + raw.toString('hex'));
  if (raw.length > 0 && raw[0] >= 0x80) unscaled -= 1n << BigInt(raw.length * 8);
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString();
  if (scale <= 0) return (unscaled < 0n ? '-' : '') + digits + '0'.repeat(-scale);
  const padded = digits.padStart(scale + 1, '0');
  return `${unscaled < 0n ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

const digit = (text: string, at: number, count: number): number => {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return v;
};

/** "2026-01-01T00:00:00.123Z" (what Date#toISOString and most producers write) without a regex. */
export function isoMillisUtc(text: string): number | undefined {
  if (text.length !== 24 || text.charCodeAt(23) !== 90 || text.charCodeAt(19) !== 46 || text.charCodeAt(10) !== 84) return undefined;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const month = digit(text, 5, 2);
  const day = digit(text, 8, 2);
  const hour = digit(text, 11, 2);
  const minute = digit(text, 14, 2);
  const second = digit(text, 17, 2);
  const year = digit(text, 0, 4);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 60)) return undefined;
  const millis = digit(text, 20, 3);
  if (Number.isNaN(year) || Number.isNaN(millis)) return undefined;
  // not Date.UTC: it reads years 0–99 as 1900–1999
  return (daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + millis;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** the range of a JS Date (±100 million days): partition paths are formatted through Intl */
const MAX_DATE_MS = 8.64e15;

/**
 * Epoch milliseconds of a value used as a time (record field or partition time); undefined when
 * there is none a partition path can show (±infinity, years beyond a JS Date's ±275760).
 */
export function timeOfValue(value: unknown, logicalName?: string): number | undefined {
  const ms = millisOfValue(value, logicalName);
  return ms !== undefined && Math.abs(ms) <= MAX_DATE_MS ? ms : undefined;
}

function millisOfValue(value: unknown, logicalName?: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    if (/^\d+$/.test(value)) return Number(value);
    try {
      return Number(zonedTimestampToMicros(value) / 1000n);
    } catch {
      const t = Date.parse(value);
      return Number.isNaN(t) ? undefined : t;
    }
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = Number(value);
    if (logicalName === 'io.debezium.time.Date' || logicalName === 'org.apache.kafka.connect.data.Date') return n * 86_400_000;
    if (logicalName === 'io.debezium.time.MicroTimestamp') return Math.floor(n / 1000);
    if (logicalName === 'io.debezium.time.NanoTimestamp') return Math.floor(n / 1_000_000);
    return n;
  }
  return undefined;
}
