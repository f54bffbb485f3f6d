/**
 * Parsers for PostgreSQL's text output (what pgoutput sends and what the snapshot reads), written
 * so that no value passes through a float or a JS Date: timestamps keep their microseconds and
 * dates outside Date's range still convert. The sessions run with DateStyle=ISO, TimeZone=UTC,
 * IntervalStyle=iso_8601, bytea_output=hex, lc_monetary=C, extra_float_digits=3.
 */
const MICROS_PER_DAY = 86_400_000_000n;

/** int64 values are a number while exact and a bigint beyond 2^53, as the record API allows. */
export function int64Value(value: bigint): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/** int8 text → number while exact (the usual case, without a BigInt), else bigint. */
export function parseInt64(text: string): number | bigint {
  // up to 15 digits always fits in 2^53
  if (text.length <= 15) return Number(text);
  return int64Value(BigInt(text));
}

/** Days from 1970-01-01 to a proleptic Gregorian date (no Date object, so any year works). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const DATE = /^(\d{4,})-(\d\d)-(\d\d)( BC)?$/;

/** `2024-02-29` → days since the epoch; ±infinity map to the int32 extremes. */
export function parseDate(text: string): number {
  if (text === 'infinity') return 2_147_483_647;
  if (text === '-infinity') return -2_147_483_648;
  const m = DATE.exec(text);
  if (!m) throw new Error(`unexpected date text: ${text}`);
  const year = m[4] ? 1 - Number(m[1]) : Number(m[1]);
  return daysFromCivil(year, Number(m[2]), Number(m[3]));
}

/** `13:45:01.123456` → microseconds since midnight. */
export function parseTimeMicros(text: string): bigint {
  const m = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new Error(`unexpected time text: ${text}`);
  const fraction = BigInt((m[4] ?? '').padEnd(6, '0'));
  return ((BigInt(m[1]) * 60n + BigInt(m[2])) * 60n + BigInt(m[3])) * 1_000_000n + fraction;
}

/** `2024-01-02 03:04:05.678901` (no zone) → microseconds since the epoch. */
export function parseTimestampMicros(text: string): bigint {
  if (text === 'infinity') return 9_223_372_036_854_775_807n;
  if (text === '-infinity') return -9_223_372_036_854_775_808n;
  const bc = text.endsWith(' BC');
  const body = bc ? text.slice(0, -3) : text;
  const space = body.indexOf(' ');
  const days = parseDate(body.slice(0, space) + (bc ? ' BC' : ''));
  return BigInt(days) * MICROS_PER_DAY + parseTimeMicros(body.slice(space + 1));
}

/** `2024-01-02 03:04:05.6789+00` → `2024-01-02T03:04:05.6789Z` (ISO-8601 with offset, the instant unchanged). */
export function toIsoTimestamp(text: string): string {
  // the common case under TimeZone=UTC, without a regular expression
  if (text.length >= 22 && text.endsWith('+00') && text[10] === ' ' && text.charCodeAt(0) !== 45) return text.slice(0, 10) + 'T' + text.slice(11, -3) + 'Z';
  if (text === 'infinity' || text === '-infinity') return text;
  const m = /^(.+ \d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::?\d\d){0,2})( BC)?$/.exec(text);
  if (!m) throw new Error(`unexpected timestamptz text: ${text}`);
  const local = m[1].replace(' ', 'T');
  const bc = m[3] ? ' BC' : '';
  return local + isoOffset(m[2]) + bc;
}

function isoOffset(offset: string): string {
  const [h, mi = '00', s] = offset.slice(1).split(':');
  if (Number(h) === 0 && Number(mi) === 0 && !s) return 'Z';
  return `${offset[0]}${h.padStart(2, '0')}:${mi}${s ? ':' + s : ''}`;
}

/** `10:00:00.5+02` → `08:00:00.5Z`: Debezium's ZonedTime is normalised to UTC. */
export function toUtcTime(text: string): string {
  const m = /^(\d\d):(\d\d):(\d\d)(\.\d+)?([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?$/.exec(text);
  if (!m) throw new Error(`unexpected timetz text: ${text}`);
  const sign = m[5] === '+' ? 1 : -1;
  const offsetSeconds = sign * (Number(m[6]) * 3600 + Number(m[7] ?? 0) * 60 + Number(m[8] ?? 0));
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  const utc = (((local - offsetSeconds) % 86_400) + 86_400) % 86_400;
  const hh = String(Math.floor(utc / 3600)).padStart(2, '0');
  const mm = String(Math.floor((utc % 3600) / 60)).padStart(2, '0');
  const ss = String(utc % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}${m[4] ?? ''}Z`;
}

/** `\x0a0b` → bytes. */
export function parseBytea(text: string): Buffer {
  if (!text.startsWith('\\x')) throw new Error('bytea text must be hex (bytea_output=hex)');
  return Buffer.from(text.slice(2), 'hex');
}

/** `-$1,234.56` (lc_monetary=C) → `-1234.56`: digits only, never through a float. */
export function parseMoney(text: string): string {
  const negative = text.includes('-') || text.startsWith('(');
  const digits = text.replace(/[^0-9.]/g, '');
  return negative ? '-' + digits : digits;
}

/**
 * A one-dimensional array literal `{1,NULL,"a \"b\""}` → its element texts (null for NULL).
 * Nested arrays come back as nested lists of texts.
 */
export function parseArrayText(text: string, delimiter = ','): unknown[] {
  let i = 0;
  if (text[0] === '[') i = text.indexOf('=') + 1; // explicit bounds: [0:2]={...}
  const parse = (): unknown[] => {
    const out: unknown[] = [];
    i++; // '{'
    if (text[i] === '}') { i++; return out; }
    for (;;) {
      if (text[i] === '{') out.push(parse());
      else if (text[i] === '"') {
        let value = '';
        i++;
        while (text[i] !== '"') {
          if (text[i] === '\\') i++;
          value += text[i++];
        }
        i++;
        out.push(value);
      } else {
        let end = i;
        while (text[end] !== delimiter && text[end] !== '}') end++;
        const raw = text.slice(i, end).trim();
        out.push(raw === 'NULL' ? null : raw);
        i = end;
      }
      if (text[i] === delimiter) { i++; continue; }
      i++; // '}'
      return out;
    }
  };
  return parse();
}

/** hstore text `"a"=>"1", "b"=>NULL` → a plain object (null values kept). */
export function parseHstore(text: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  let i = 0;
  const readQuoted = (): string => {
    let value = '';
    i++; // opening quote
    while (text[i] !== '"') {
      if (text[i] === '\\') i++;
      value += text[i++];
    }
    i++;
    return value;
  };
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (i >= text.length) break;
    const key = readQuoted();
    i += 2; // =>
    if (text.startsWith('NULL', i)) {
      out[key] = null;
      i += 4;
    } else out[key] = readQuoted();
  }
  return out;
}
