import { LogicalName, type Schema } from './schema.js';

/**
 * Writes a record value as JSON text, exactly: int64 beyond 2^53 and decimals are written as JSON
 * number text (never through a float), bytes as base64 (as Kafka Connect's JsonConverter does).
 * With a schema the schema decides; without one the JS type does.
 */
export function toJsonText(value: unknown, schema?: Schema | null, options: { decimalAs?: 'number' | 'string' } = {}): string {
  return write(value, schema ?? undefined, options.decimalAs ?? 'number');
}

function write(value: unknown, schema: Schema | undefined, decimalAs: 'number' | 'string'): string {
  if (value === null || value === undefined) return 'null';
  if (schema?.name === LogicalName.Decimal && (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint')) {
    const text = String(value);
    return decimalAs === 'number' && /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(text) ? text : JSON.stringify(text);
  }
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return JSON.stringify(String(value));
  }
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return '[' + value.map((v) => write(v, schema?.items, decimalAs)).join(',') + ']';
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  if (schema?.type === 'struct' && schema.fields) {
    for (const f of schema.fields) parts.push(JSON.stringify(f.name) + ':' + write(obj[f.name], f.schema, decimalAs));
  } else {
    for (const [k, v] of Object.entries(obj)) if (v !== undefined) parts.push(JSON.stringify(k) + ':' + write(v, schema?.values, decimalAs));
  }
  return '{' + parts.join(',') + '}';
}

/**
 * The JSON-compatible tree of a value (bigint → number when safe, else string; bytes → base64),
 * for places that need an object rather than text, such as error context.
 */
export function toJsonCompatible(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonCompatible);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonCompatible(v);
    return out;
  }
  return value;
}
