/**
 * Decimals as Kafka Connect puts them on the wire: the unscaled value as big-endian two's
 * complement bytes (Java's BigInteger.toByteArray), the scale living in the schema. In memory a
 * decimal is its exact text ("-12.50"); these helpers convert between the two without floats.
 */

const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** The unscaled integer of a decimal text at `scale`; throws when the text has more precision. */
export function unscaledOf(text: string, scale: number): bigint {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`"${text}" is not a decimal number`);
  let digits = m[2] + (m[3] ?? '');
  let fraction = (m[3] ?? '').length - Number(m[4] ?? 0);
  if (fraction < 0) {
    digits += '0'.repeat(-fraction);
    fraction = 0;
  }
  if (fraction > scale) {
    const dropped = digits.slice(digits.length - (fraction - scale));
    if (!/^0*$/.test(dropped)) throw new RangeError(`${text} has more than ${scale} decimal places`);
    digits = digits.slice(0, digits.length - (fraction - scale));
  } else {
    digits += '0'.repeat(scale - fraction);
  }
  const unscaled = BigInt(digits === '' ? '0' : digits);
  return m[1] === '-' ? -unscaled : unscaled;
}

/** The decimal text of an unscaled integer at `scale`, with exactly `scale` decimal places. */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return (negative ? '-' : '') + digits + '0'.repeat(-scale);
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/** Minimal big-endian two's complement bytes of an integer. */
export function twosComplementBytes(n: bigint): Uint8Array {
  const magnitudeBits = (n < 0n ? -n - 1n : n).toString(2).length;
  const length = Math.floor(magnitudeBits / 8) + 1;
  let v = n < 0n ? (1n << BigInt(8 * length)) + n : n;
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function fromTwosComplementBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return bytes[0] & 0x80 ? v - (1n << BigInt(8 * bytes.length)) : v;
}
