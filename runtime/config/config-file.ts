import { readFileSync } from 'node:fs';
import { TributaryError } from '../../plugins/api/index.js';
import { parseProperties } from './properties-format.js';

/**
 * Reads a config file: `.json` (a flat object, or Kafka Connect's `{name, config}` REST body)
 * or `.properties`. Scalar JSON values become strings; nested ones are refused.
 */
export function readConfigFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new TributaryError('config.invalid', `Cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  if (!path.endsWith('.json')) return parseProperties(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new TributaryError('config.invalid', `Config file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TributaryError('config.invalid', `Config file ${path} must hold a JSON object.`);
  const body = json as Record<string, unknown>;
  if (typeof body.config === 'object' && body.config !== null) {
    return stringifyValues({ ...(body.config as Record<string, unknown>), ...(typeof body.name === 'string' ? { name: body.name } : {}) }, path);
  }
  return stringifyValues(body, path);
}

export function stringifyValues(config: Record<string, unknown>, origin: string): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') problems.push(`${k}: nested values are not allowed; properties are flat strings`);
    else out[k] = String(v);
  }
  if (problems.length > 0) throw new TributaryError('config.invalid', `Invalid config in ${origin}: ${problems.join('; ')}`, { details: problems });
  return out;
}
