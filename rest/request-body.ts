import type { Request } from 'express';
import { TributaryError } from '../plugins/api/index.js';

/**
 * Checks on request bodies and parameters. Everything that arrives here is untrusted JSON: each
 * function either returns a value of the promised shape or throws `rest.bad_request` saying what
 * was expected, so the herder never sees a malformed argument.
 */
export type JsonObject = Record<string, unknown>;

function bad(message: string): TributaryError {
  return new TributaryError('rest.bad_request', message);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The request body as a JSON object; `expected` names the shape for the error message. */
export function objectBody(body: unknown, expected: string): JsonObject {
  if (body === undefined) throw bad(`Request body is missing; expected ${expected}.`);
  if (!isJsonObject(body)) throw bad(`Request body must be ${expected}, not ${kind(body)}.`);
  return body;
}

/**
 * A connector config as Kafka Connect accepts it: a flat object of strings. Numbers and booleans
 * are turned into their string form (Kafka Connect's JSON mapper does the same); nested values
 * cannot be flat properties and are refused. Every bad property is listed, not just the first.
 */
export function configFromJson(value: unknown, where: string): Record<string, string>;
export function configFromJson(value: unknown, where: string, options: { allowNull: true }): Record<string, string | null>;
export function configFromJson(value: unknown, where: string, options: { allowNull?: boolean } = {}): Record<string, string | null> {
  if (!isJsonObject(value)) throw bad(`${where} must be a JSON object of string properties, not ${kind(value)}.`);
  const problems: string[] = [];
  const entries: [string, string | null][] = [];
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') entries.push([key, v]);
    else if (typeof v === 'number' || typeof v === 'boolean') entries.push([key, String(v)]);
    else if (v === null && options.allowNull) entries.push([key, null]);
    else problems.push(`property "${key}" must be a string, number or boolean, not ${kind(v)}`);
  }
  if (problems.length > 0) throw bad(`${where} is invalid: ${problems.join('; ')}.`);
  // fromEntries defines own properties, so a "__proto__" key stays a plain (refusable) property.
  return Object.fromEntries(entries);
}

/** A query flag such as `?includeTasks=true`; absent means `fallback`. */
export function booleanQuery(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const text = Array.isArray(value) ? value[value.length - 1] : value;
  if (typeof text === 'string') {
    const lower = text.trim().toLowerCase();
    if (lower === '') return fallback;
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  throw bad(`Query parameter "${name}" must be true or false.`);
}

/** Every value of a repeatable query parameter (`?expand=status&expand=info`). */
export function listQuery(value: unknown): string[] {
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  return values.filter((v): v is string => typeof v === 'string').flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/** A task id path segment; anything but a non-negative integer names no task. */
export function taskIdParam(connector: string, value: string): number {
  const id = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (Number.isNaN(id)) throw new TributaryError('task.not_found', `Connector ${connector} has no task "${value}"; task ids are integers from 0.`);
  return id;
}

/** A named path segment, already URL-decoded by the router. */
export function pathParam(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string') throw new TributaryError('rest.not_found', `No REST resource at ${req.method} ${req.path}.`);
  return value;
}
