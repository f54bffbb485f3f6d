/**
 * Parsers for PostgreSQL's text output (what pgoutput sends and what the snapshot reads), written
 * so that no value passes through a float: int64 and money stay exact. Temporal text is read in
 * pg-temporal-text.ts. The sessions run with DateStyle=ISO, TimeZone=UTC, IntervalStyle=iso_8601,
 * bytea_output=hex, lc_monetary=C, extra_float_digits=3.
 */

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
