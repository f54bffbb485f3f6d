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
  return BigInt(start === 1 ? -units : units);
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a decimal: ${n}`);
  const text = String(n);
  if (!/e/i.test(text)) return text;
  return n.toFixed(20).replace(/0+$/, '');
}

const ISO = /^(\d{4,})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** An ISO-8601 instant ("2026-01-01T10:00:00.123456+02:00") as microseconds since the epoch. */
export function zonedTimestampToMicros(text: string): bigint {
  const fast = isoMillisUtc(text);
  if (fast !== undefined) return BigInt(fast * 1000);
  const m = ISO.exec(text.trim());
  if (!m) throw new RangeError(`not an ISO-8601 timestamp: ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    throw new RangeError(`not an ISO-8601 timestamp: ${JSON.stringify(text)}`);
  }
  const seconds = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  let offsetSeconds = 0;
  if (zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    offsetSeconds = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 3600 + Number(z[3] ?? 0) * 60);
  }
  const micros = BigInt(frac.padEnd(6, '0').slice(0, 6));
  return BigInt(seconds - offsetSeconds) * 1_000_000n + micros;
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
function isoMillisUtc(text: string): number | undefined {
  if (text.length !== 24 || text.charCodeAt(23) !== 90 || text.charCodeAt(19) !== 46 || text.charCodeAt(10) !== 84) return undefined;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const month = digit(text, 5, 2);
  const day = digit(text, 8, 2);
  const hour = digit(text, 11, 2);
  const minute = digit(text, 14, 2);
  const second = digit(text, 17, 2);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60)) return undefined;
  const ms = Date.UTC(digit(text, 0, 4), month - 1, day, hour, minute, second, digit(text, 20, 3));
  return Number.isNaN(ms) ? undefined : ms;
}

/** Epoch milliseconds of a value used as a time (record field or partition time). */
export function timeOfValue(value: unknown, logicalName?: string): number | undefined {
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
