import { isJsonObject, JsonNumber, parseExactJson, type JsonNode } from '../converters/exact-json.js';

/**
 * The JSON of Kafka Connect's internal topics, byte for byte as its worker writes it: the
 * JsonConverter with `schemas.enable=false`, whose serializer is Jackson's ObjectMapper. Bytes
 * matter here, not just meaning: an offsets record's key is compared as bytes by compaction and
 * hashed by the partitioner, so a key written with other spacing or escapes is another key.
 *
 * What Jackson writes (checked against Kafka Connect 4.4.0, integration-tests/fixtures/kafka-connect):
 * - no whitespace; members in insertion order;
 * - strings: `"` and `\` escaped, \b \t \n \f \r as two-character escapes, other characters below
 *   U+0020 as `\u00XX` with upper-case hex, and characters outside the Basic Multilingual Plane as
 *   two `\uXXXX` surrogate escapes (upper-case hex); everything else (é, U+2028, DEL, `/`) as UTF-8;
 * - integers as digits; doubles as Java's `Double.toString` (`0.25`, `2.0`, `1.0E10`, `1.0E-5`).
 *
 * In JavaScript an integral number cannot say whether Java had a long or a double: integral
 * numbers are written as longs (what offsets and counts are). Integers beyond 2^53 read as bigint.
 */
export type InternalJson = null | boolean | number | bigint | string | readonly InternalJson[] | { readonly [key: string]: InternalJson };

const SHORT_ESCAPES: Record<number, string> = { 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r', 0x22: '\\"', 0x5c: '\\\\' };

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

/** A JSON string literal as Jackson writes it. */
export function jacksonString(value: string): string {
  let out = '"';
  let runStart = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    let escape: string | undefined;
    if (code < 0x20 || code === 0x22 || code === 0x5c) escape = SHORT_ESCAPES[code] ?? `\\u${hex4(code)}`;
    else if (code >= 0xd800 && code <= 0xdfff) escape = `\\u${hex4(code)}`;
    if (escape === undefined) continue;
    out += value.slice(runStart, i) + escape;
    runStart = i + 1;
  }
  return out + value.slice(runStart) + '"';
}

/** Java's `Double.toString` for a finite double (JavaScript's shortest digits, Java's layout). */
export function javaDoubleString(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON form`);
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  // computerized scientific notation: one digit before the point, at least one after, E exponent
  const [mantissa, exponent] = value.toExponential().split('e');
  const digits = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${digits}E${Number(exponent)}`;
}

function write(value: InternalJson): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string': return jacksonString(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'bigint': return value.toString();
    case 'number':
      if (Object.is(value, -0)) return '-0.0';
      if (Number.isSafeInteger(value)) return String(value);
      // an integral double beyond 2^53 that fits a long is still a long's digits, not 1e+21
      if (Number.isInteger(value) && Math.abs(value) < 2 ** 63) return BigInt(value).toString();
      return javaDoubleString(value);
    default: break;
  }
  if (Array.isArray(value)) return `[${value.map(write).join(',')}]`;
  const members = Object.entries(value as Record<string, InternalJson>).filter(([, v]) => v !== undefined);
  return `{${members.map(([k, v]) => `${jacksonString(k)}:${write(v)}`).join(',')}}`;
}

/** The bytes Kafka Connect's internal JsonConverter writes for `value`. */
export function encodeInternalJson(value: InternalJson): Buffer {
  return Buffer.from(write(value), 'utf8');
}

function fromNode(node: JsonNode): InternalJson {
  if (node instanceof JsonNumber) {
    if (!node.isInteger) return Number(node.text);
    const n = Number(node.text);
    return Number.isSafeInteger(n) ? n : BigInt(node.text);
  }
  if (Array.isArray(node)) return node.map(fromNode);
  if (isJsonObject(node)) {
    const out: Record<string, InternalJson> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '__proto__') Object.defineProperty(out, k, { value: fromNode(v), enumerable: true, writable: true, configurable: true });
      else out[k] = fromNode(v);
    }
    return out;
  }
  return node;
}

/** Reads internal-topic JSON; throws SyntaxError on malformed text. */
export function decodeInternalJson(bytes: Uint8Array | string): InternalJson {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return fromNode(parseExactJson(text));
}

export function isInternalJsonObject(value: InternalJson | undefined): value is { readonly [key: string]: InternalJson } {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}
