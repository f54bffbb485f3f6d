import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { API_VERSION, type Connector } from './api/connector.js';
import { TributaryError } from './api/errors.js';

/**
 * The connector registry: the explicit list of built-ins plus whatever `plugin.path` names, all
 * through the same checks. A broken plugin or a name claimed twice fails start-up, not the first
 * request that happens to need it.
 */
export class PluginRegistry {
  readonly #byName = new Map<string, Connector>();
  readonly #connectors: Connector[] = [];

  constructor(connectors: readonly Connector[] = []) {
    for (const c of connectors) this.register(c);
  }

  register(connector: Connector, origin = 'built-in'): void {
    const problems = checkConnectorShape(connector);
    if (problems.length > 0) {
      throw new TributaryError('plugin.invalid', `Plugin from ${origin} does not implement the connector API: ${problems.join('; ')}`, { details: problems });
    }
    const names = [connector.name, ...(connector.aliases ?? [])];
    // Every name is checked before any is taken, so a refused plugin leaves nothing behind.
    for (const name of names) {
      const existing = this.#byName.get(name.toLowerCase());
      if (existing) throw new TributaryError('plugin.duplicate', `Plugin name "${name}" from ${origin} is already taken by connector "${existing.name}".`);
    }
    for (const name of names) this.#byName.set(name.toLowerCase(), connector);
    this.#connectors.push(connector);
  }

  /** Resolves `connector.class`: a short name, an alias, or a class name whose last segment matches. */
  resolve(connectorClass: string): Connector {
    const found = this.find(connectorClass);
    if (!found) {
      throw new TributaryError('plugin.not_found', `Failed to find any class that implements Connector and which name matches ${connectorClass}, available connectors are: ${this.#connectors.map((c) => c.name).join(', ')}`, { configPath: 'connector.class' });
    }
    return found;
  }

  find(connectorClass: string): Connector | undefined {
    const key = connectorClass.trim().toLowerCase();
    return this.#byName.get(key) ?? this.#byName.get(key.replace(/connector$/, '')) ?? this.#byName.get(key.split('.').pop()!.replace(/connector$/, ''));
  }

  list(): readonly Connector[] {
    return this.#connectors;
  }

  /**
   * Loads every plugin named by `plugin.path`: a module file, a package folder (its package.json
   * `main`, or index.js), or a folder whose entries are such files or packages. A module's default
   * export is a connector or an array of connectors.
   */
  async loadPluginPath(paths: readonly string[]): Promise<void> {
    for (const p of paths) {
      const root = resolve(p);
      if (!existsSync(root)) throw new TributaryError('plugin.invalid', `plugin.path entry ${root} does not exist.`, { configPath: 'plugin.path' });
      for (const entry of pluginEntries(root)) {
        let mod: { default?: unknown };
        try {
          mod = (await import(pathToFileURL(entry).href)) as { default?: unknown };
        } catch (cause) {
          throw new TributaryError('plugin.invalid', `Plugin ${entry} failed to load: ${(cause as Error).message}`, { cause });
        }
        const exported = Array.isArray(mod.default) ? mod.default : [mod.default];
        for (const c of exported) this.register(c as Connector, entry);
      }
    }
  }
}

function pluginEntries(root: string): string[] {
  if (statSync(root).isFile()) return [root];
  const main = packageMain(root);
  if (main) return [main];
  return readdirSync(root)
    .sort()
    .flatMap((name) => {
      const path = join(root, name);
      if (statSync(path).isDirectory()) return packageMain(path) ? [packageMain(path)!] : [];
      return /\.(m?js|ts)$/.test(name) && !name.endsWith('.d.ts') && !name.includes('.test.') ? [path] : [];
    });
}

function packageMain(dir: string): string | undefined {
  const pkg = join(dir, 'package.json');
  if (existsSync(pkg)) {
    const json = JSON.parse(readFileSync(pkg, 'utf8')) as { main?: string; exports?: string };
    return join(dir, typeof json.exports === 'string' ? json.exports : (json.main ?? 'index.js'));
  }
  for (const index of ['index.js', 'index.mjs', 'index.ts']) if (existsSync(join(dir, index))) return join(dir, index);
  return undefined;
}

function checkConnectorShape(c: unknown): string[] {
  if (typeof c !== 'object' || c === null) return ['default export is not a connector object (use defineConnector)'];
  const x = c as Partial<Connector>;
  const problems: string[] = [];
  if (typeof x.name !== 'string' || x.name === '') problems.push('name is missing');
  if (x.kind !== 'source' && x.kind !== 'sink') problems.push('kind must be "source" or "sink"');
  if (x.apiVersion !== API_VERSION) problems.push(`apiVersion ${String(x.apiVersion)} is not supported (this runtime implements ${API_VERSION})`);
  if (typeof x.version !== 'string') problems.push('version is missing');
  if (x.aliases !== undefined && (!Array.isArray(x.aliases) || x.aliases.some((a) => typeof a !== 'string' || a === ''))) problems.push('aliases must be an array of non-empty strings');
  if (typeof x.configSpec !== 'object' || x.configSpec === null || typeof x.configSpec.properties !== 'object') problems.push('configSpec is missing');
  if (typeof x.taskConfigs !== 'function') problems.push('taskConfigs is not a function');
  if (typeof x.createTask !== 'function') problems.push('createTask is not a function');
  return problems;
}
