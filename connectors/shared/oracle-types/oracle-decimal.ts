/**
 * Exact decimal arithmetic on Oracle's NUMBER text ('-12.5', '.5', '1E+10'): an unscaled
 * bigint and a scale, never a double.
 */
export interface ExactDecimal {
  readonly unscaled: bigint;
  readonly scale: number;
}

export function parseDecimal(text: string): ExactDecimal {
  let t = text.trim();
  let exponent = 0;
  const e = t.search(/[eE]/);
  if (e >= 0) {
    exponent = Number(t.slice(e + 1));
    t = t.slice(0, e);
  }
  const negative = t.startsWith('-');
  if (negative || t.startsWith('+')) t = t.slice(1);
  const dot = t.indexOf('.');
  const whole = dot < 0 ? t : t.slice(0, dot);
  const fraction = dot < 0 ? '' : t.slice(dot + 1);
  const digits = (whole + fraction).replace(/^0+(?=\d)/, '') || '0';
  if (!/^\d+$/.test(digits) || !Number.isInteger(exponent)) throw new RangeError(`"${text}" is not a number`);
  let unscaled = BigInt(digits);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { unscaled: negative ? -unscaled : unscaled, scale };
}

/** The decimal's text with exactly `scale` fraction digits (a smaller own scale is padded; a larger one is kept). */
export function formatDecimal(d: ExactDecimal, scale = d.scale): string {
  let unscaled = d.unscaled;
  let own = d.scale;
  if (own < scale) {
    unscaled *= 10n ** BigInt(scale - own);
    own = scale;
  }
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(own + 1, '0');
  const text = own === 0 ? digits : `${digits.slice(0, digits.length - own)}.${digits.slice(digits.length - own)}`;
  return negative ? `-${text}` : text;
}

/** Java's BigInteger.toByteArray: minimal two's-complement big-endian bytes (VariableScaleDecimal's `value`). */
export function twosComplementBytes(n: bigint): Buffer {
  // the magnitude's bits plus a sign bit, in whole bytes
  const magnitude = n < 0n ? -n - 1n : n;
  const bits = (magnitude === 0n ? 0 : magnitude.toString(2).length) + 1;
  const bytes = Math.ceil(bits / 8);
  const value = n < 0n ? (1n << BigInt(bytes * 8)) + n : n;
  return Buffer.from(value.toString(16).padStart(bytes * 2, '0'), 'hex');
}
