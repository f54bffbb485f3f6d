/**
 * ClickHouse column types as values: parsed from what `system.columns` prints and printed back
 * in the same form, so a type the sink would create compares equal to one it reads.
 */
export type IntName = 'Int8' | 'Int16' | 'Int32' | 'Int64' | 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64';

export type ChType =
  | { readonly kind: 'int'; readonly name: IntName }
  | { readonly kind: 'float'; readonly bits: 32 | 64 }
  | { readonly kind: 'bool' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'date' }
  | { readonly kind: 'date32' }
  | { readonly kind: 'datetime'; readonly zone?: string }
  | { readonly kind: 'datetime64'; readonly precision: number; readonly zone?: string }
  | { readonly kind: 'string' }
  | { readonly kind: 'fixed'; readonly length: number }
  | { readonly kind: 'uuid' }
  | { readonly kind: 'nullable'; readonly inner: ChType }
  | { readonly kind: 'array'; readonly inner: ChType }
  | { readonly kind: 'lowcardinality'; readonly inner: ChType }
  | { readonly kind: 'other'; readonly text: string };

export const INT_RANGES: Readonly<Record<IntName, readonly [bigint, bigint]>> = {
  Int8: [-128n, 127n], Int16: [-32768n, 32767n], Int32: [-(2n ** 31n), 2n ** 31n - 1n], Int64: [-(2n ** 63n), 2n ** 63n - 1n],
  UInt8: [0n, 255n], UInt16: [0n, 65535n], UInt32: [0n, 2n ** 32n - 1n], UInt64: [0n, 2n ** 64n - 1n],
};

export const ch = {
  int: (name: IntName): ChType => ({ kind: 'int', name }),
  float: (bits: 32 | 64): ChType => ({ kind: 'float', bits }),
  decimal: (precision: number, scale: number): ChType => ({ kind: 'decimal', precision, scale }),
  string: { kind: 'string' } as ChType,
  uuid: { kind: 'uuid' } as ChType,
  bool: { kind: 'bool' } as ChType,
  date: { kind: 'date' } as ChType,
  date32: { kind: 'date32' } as ChType,
  datetime64: (precision: number, zone = 'UTC'): ChType => ({ kind: 'datetime64', precision, zone }),
  nullable: (inner: ChType): ChType => (inner.kind === 'nullable' ? inner : { kind: 'nullable', inner }),
  array: (inner: ChType): ChType => ({ kind: 'array', inner }),
} as const;

export function typeText(t: ChType): string {
  switch (t.kind) {
    case 'int': return t.name;
    case 'float': return `Float${t.bits}`;
    case 'bool': return 'Bool';
    case 'decimal': return `Decimal(${t.precision}, ${t.scale})`;
    case 'date': return 'Date';
    case 'date32': return 'Date32';
    case 'datetime': return t.zone ? `DateTime('${t.zone}')` : 'DateTime';
    case 'datetime64': return t.zone ? `DateTime64(${t.precision}, '${t.zone}')` : `DateTime64(${t.precision})`;
    case 'string': return 'String';
    case 'fixed': return `FixedString(${t.length})`;
    case 'uuid': return 'UUID';
    case 'nullable': return `Nullable(${typeText(t.inner)})`;
    case 'array': return `Array(${typeText(t.inner)})`;
    case 'lowcardinality': return `LowCardinality(${typeText(t.inner)})`;
    case 'other': return t.text;
  }
}

/** Parses a type as ClickHouse prints it; anything the sink cannot write is `other`. */
export function parseType(text: string): ChType {
  const s = text.trim();
  const wrapped = /^(Nullable|Array|LowCardinality)\((.*)\)$/s.exec(s);
  if (wrapped) {
    const inner = parseType(wrapped[2]);
    if (wrapped[1] === 'Nullable') return { kind: 'nullable', inner };
    if (wrapped[1] === 'Array') return { kind: 'array', inner };
    return { kind: 'lowcardinality', inner };
  }
  if (/^U?Int(8|16|32|64)$/.test(s)) return { kind: 'int', name: s as IntName };
  if (s === 'Float32' || s === 'Float64') return { kind: 'float', bits: s === 'Float32' ? 32 : 64 };
  if (s === 'Bool' || s === 'Boolean') return { kind: 'bool' };
  if (s === 'String') return { kind: 'string' };
  if (s === 'UUID') return { kind: 'uuid' };
  if (s === 'Date') return { kind: 'date' };
  if (s === 'Date32') return { kind: 'date32' };
  let m = /^Decimal\((\d+),\s*(\d+)\)$/.exec(s);
  if (m) return { kind: 'decimal', precision: Number(m[1]), scale: Number(m[2]) };
  m = /^Decimal(32|64|128|256)\((\d+)\)$/.exec(s);
  if (m) return { kind: 'decimal', precision: { 32: 9, 64: 18, 128: 38, 256: 76 }[m[1] as '32'], scale: Number(m[2]) };
  m = /^FixedString\((\d+)\)$/.exec(s);
  if (m) return { kind: 'fixed', length: Number(m[1]) };
  m = /^DateTime(?:\('([^']*)'\))?$/.exec(s);
  if (m) return { kind: 'datetime', ...(m[1] ? { zone: m[1] } : {}) };
  m = /^DateTime64\((\d+)(?:,\s*'([^']*)')?\)$/.exec(s);
  if (m) return { kind: 'datetime64', precision: Number(m[1]), ...(m[2] ? { zone: m[2] } : {}) };
  return { kind: 'other', text: s };
}

/** The type under Nullable and LowCardinality (RowBinary writes LowCardinality as its inner type). */
export function baseType(t: ChType): ChType {
  return t.kind === 'nullable' || t.kind === 'lowcardinality' ? baseType(t.inner) : t;
}

export function isNullable(t: ChType): boolean {
  return t.kind === 'nullable' || (t.kind === 'lowcardinality' && isNullable(t.inner));
}

/** A name quoted for ClickHouse SQL: backticks, with backslash and backtick escaped. */
export function quoteName(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}
