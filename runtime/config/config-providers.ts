import { readFileSync } from 'node:fs';
import { TributaryError } from '../../plugins/api/index.js';
import { parseProperties } from './properties-format.js';

const REFERENCE = /\$\{(env|file):([^}]*)\}/g;

/**
 * Resolves Kafka Connect config-provider references: `${env:NAME}` (an environment variable) and
 * `${file:/path/to/file.properties:key}` (a key in a properties file; `${file:/path}` alone is the
 * whole file, trimmed). Stored configs keep the references; values are resolved only when a
 * connector is validated or started, so secrets never reach the config store or the REST API.
 * Every unresolvable reference is reported, keyed by property.
 */
export function resolveConfigProviders(config: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env): { config: Record<string, string>; errors: Record<string, string[]> } {
  const out: Record<string, string> = {};
  const errors: Record<string, string[]> = {};
  const fileCache = new Map<string, Record<string, string> | string>();
  for (const [key, value] of Object.entries(config)) {
    out[key] = value.replace(REFERENCE, (whole, provider: string, ref: string) => {
      try {
        return provider === 'env' ? fromEnv(ref, env) : fromFile(ref, fileCache);
      } catch (error) {
        (errors[key] ??= []).push(`${whole}: ${(error as Error).message}`);
        return whole;
      }
    });
  }
  return { config: out, errors };
}

export function hasProviderReference(value: string): boolean {
  REFERENCE.lastIndex = 0;
  const found = REFERENCE.test(value);
  REFERENCE.lastIndex = 0;
  return found;
}

function fromEnv(name: string, env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (value === undefined) throw new Error(`environment variable ${name} is not set`);
  return value;
}

function fromFile(ref: string, cache: Map<string, Record<string, string> | string>): string {
  // The key follows the last colon, unless that colon belongs to the path (Windows drive or none).
  const colon = ref.lastIndexOf(':');
  const path = colon > 0 ? ref.slice(0, colon) : ref;
  const key = colon > 0 ? ref.slice(colon + 1) : undefined;
  if (key === undefined) {
    if (!cache.has(`raw:${path}`)) cache.set(`raw:${path}`, readFileSync(path, 'utf8').trim());
    return cache.get(`raw:${path}`) as string;
  }
  if (!cache.has(path)) {
    try {
      cache.set(path, parseProperties(readFileSync(path, 'utf8')));
    } catch (cause) {
      throw new Error(`cannot read ${path}: ${(cause as Error).message}`);
    }
  }
  const props = cache.get(path) as Record<string, string>;
  if (!(key in props)) throw new Error(`${path} has no key "${key}"`);
  return props[key];
}

export function providerError(errors: Record<string, string[]>): TributaryError {
  const details = Object.entries(errors).flatMap(([k, v]) => v.map((m) => `${k}: ${m}`));
  return new TributaryError('config.provider_failed', `Config references could not be resolved: ${details.join('; ')}`, { details });
}
