/**
 * The text forms records carry most often (decimal text, ISO instants, UUIDs), read without
 * a BigInt, a regular expression or an allocation, for the compiled row encoders' fast paths.
 * Each returns NaN (or false) for any text outside its narrow form, and the encoder then takes
 * the exact general path (column-encoders.ts), which also words the errors; so these only
 * need to be right where they answer, and the unit tests hold them to the general path there.
 */

/*
 * Digit values of every UTF-16 code unit, -1 for the rest: one load per character, and one
 * sign test for a whole run of them (a negative value stays negative through | and <<).
 * Unrolled reads of fixed positions run several times faster here than a loop over a table
 * of positions.
 */
const DIGIT = new Int8Array(65536).fill(-1);
const HEX = new Int8Array(65536).fill(-1);
for (let i = 0; i < 10; i++) DIGIT[48 + i] = HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * "-123.45" as its unscaled integer for `scale`, when it has at most 15 digits (a double holds
 * those exactly) and no more fraction digits than the scale; otherwise NaN.
 */
export function decimalUnits(text: string, scale: number, precision: number): number {
  const n = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  const negative = i === 1;
  let units = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (fraction >= 0) return NaN;
      fraction = 0;
      continue;
    }
    const d = DIGIT[c];
    if (d < 0) return NaN;
    units = units * 10 + d;
    if (units > 0) digits++;
    if (fraction >= 0) fraction++;
  }
  if (fraction < 0) fraction = 0;
  if (fraction > scale || digits + scale - fraction > Math.min(15, precision) || n === (negative ? 1 : 0)) return NaN;
  units *= POW10[scale - fraction];
  return negative ? -units : units;
}

/** days before the first of each month in a common year */
const MONTH_START = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** leap years in 1 … y (proleptic Gregorian) */
const leapsThrough = (y: number) => Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400);
const LEAPS_BEFORE_1970 = leapsThrough(1969);

/**
 * "2026-01-01T10:00:00Z" with 0 to 6 fraction digits (`.123456`) as microseconds since the
 * epoch, when they fit a double exactly (years up to 2255); otherwise NaN (the general parser
 * then decides). A day past the month's end is refused, as the general parser refuses it; second
 * 60 is the next minute's 0.
 */
export function isoMicros(t: string): number {
  const n = t.length;
  if (n < 20 || n > 27 || n === 21 || t.charCodeAt(n - 1) !== 90) return NaN;
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 84 || t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58) return NaN;
  const y0 = DIGIT[t.charCodeAt(0)], y1 = DIGIT[t.charCodeAt(1)], y2 = DIGIT[t.charCodeAt(2)], y3 = DIGIT[t.charCodeAt(3)];
  const m0 = DIGIT[t.charCodeAt(5)], m1 = DIGIT[t.charCodeAt(6)], d0 = DIGIT[t.charCodeAt(8)], d1 = DIGIT[t.charCodeAt(9)];
  const h0 = DIGIT[t.charCodeAt(11)], h1 = DIGIT[t.charCodeAt(12)], i0 = DIGIT[t.charCodeAt(14)], i1 = DIGIT[t.charCodeAt(15)];
  const s0 = DIGIT[t.charCodeAt(17)], s1 = DIGIT[t.charCodeAt(18)];
  if ((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1 | h0 | h1 | i0 | i1 | s0 | s1) < 0) return NaN;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  const hour = h0 * 10 + h1;
  const minute = i0 * 10 + i1;
  const second = s0 * 10 + s1;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return NaN;
  const leap = (year & 3) === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > 28 && day > (month === 2 ? (leap ? 29 : 28) : MONTH_DAYS[month - 1])) return NaN;
  let fraction = 0;
  if (n > 20) {
    if (t.charCodeAt(19) !== 46) return NaN;
    for (let i = 20; i < n - 1; i++) {
      const d = DIGIT[t.charCodeAt(i)];
      if (d < 0) return NaN;
      fraction = fraction * 10 + d;
    }
    fraction *= POW10[27 - n];
  }
  const days = (year - 1970) * 365 + leapsThrough(year - 1) - LEAPS_BEFORE_1970 + MONTH_START[month - 1] + (leap && month > 2 ? 1 : 0) + day - 1;
  const micros = (days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000 + fraction;
  return Number.isSafeInteger(micros) ? micros : NaN;
}

/** the byte of two hex digits at t[j], negative when either is none */
const hexByte = (t: string, j: number) => (HEX[t.charCodeAt(j)] << 4) | HEX[t.charCodeAt(j + 1)];

/**
 * A UUID's RowBinary form written at `b[at]`: its two 64-bit halves, each little-endian (so
 * each half's bytes reversed). False when the text is no canonical 8-4-4-4-12 UUID (the 16
 * bytes may then hold anything: the caller has not counted them).
 */
export function uuidInto(b: Uint8Array, at: number, t: string): boolean {
  if (t.length !== 36 || t.charCodeAt(8) !== 45 || t.charCodeAt(13) !== 45 || t.charCodeAt(18) !== 45 || t.charCodeAt(23) !== 45) return false;
  const a0 = hexByte(t, 0), a1 = hexByte(t, 2), a2 = hexByte(t, 4), a3 = hexByte(t, 6), a4 = hexByte(t, 9), a5 = hexByte(t, 11), a6 = hexByte(t, 14), a7 = hexByte(t, 16);
  const b0 = hexByte(t, 19), b1 = hexByte(t, 21), b2 = hexByte(t, 24), b3 = hexByte(t, 26), b4 = hexByte(t, 28), b5 = hexByte(t, 30), b6 = hexByte(t, 32), b7 = hexByte(t, 34);
  if ((a0 | a1 | a2 | a3 | a4 | a5 | a6 | a7 | b0 | b1 | b2 | b3 | b4 | b5 | b6 | b7) < 0) return false;
  b[at] = a7; b[at + 1] = a6; b[at + 2] = a5; b[at + 3] = a4; b[at + 4] = a3; b[at + 5] = a2; b[at + 6] = a1; b[at + 7] = a0;
  b[at + 8] = b7; b[at + 9] = b6; b[at + 10] = b5; b[at + 11] = b4; b[at + 12] = b3; b[at + 13] = b2; b[at + 14] = b1; b[at + 15] = b0;
  return true;
}
