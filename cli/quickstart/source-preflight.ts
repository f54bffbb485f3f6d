import type pg from 'pg';
import { connect, sqlState, type ConnectionSettings } from '../../connectors/source/postgres/pg-connection.js';
import { postgresConfigSpec } from '../../connectors/source/postgres/postgres-config-spec.js';
import { postgresTableFilter } from '../../connectors/source/postgres/table-filter.js';
import { parseConfig, TributaryError } from '../../plugins/api/index.js';
import { resolveConfigProviders } from '../../runtime/config/config-providers.js';
import type { DatabaseConnection } from './embedded-database.js';
import { planPublication } from './publication-plan.js';
import { PUBLICATION_NAME } from './pipeline-configs.js';
import { inspectTables, publicationState, userRights } from './table-inspection.js';

/** A problem the user fixes in the database or the command line; printed as one line, exit code 2. */
export class SetupProblem extends TributaryError {
  constructor(message: string) {
    super('source.setup_required', message);
  }
}

/** What the quickstart leaves on the user's database, for the exit notice and --drop-on-exit. */
export interface CaptureObjects {
  /** host:port/database, for messages */
  readonly where: string;
  readonly slot: string;
  readonly publication: string;
  /** the publication is the quickstart's (its own name, or it did not exist before): dropping it is ours to do */
  readonly publicationIsOurs: boolean;
  /** how to connect again (config-provider references resolved) */
  readonly settings: ConnectionSettings;
}

export interface SourcePlan {
  /** the connector config to run (config-provider references kept as written) */
  readonly config: Record<string, string>;
  readonly notices: readonly string[];
  readonly objects: CaptureObjects;
}

/** `postgres://user:password@host:port/database` → connection settings. */
export function parseSourceUrl(url: string): DatabaseConnection {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SetupProblem(`--source "${url}" is not a URL like postgres://user:password@host:5432/database`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new SetupProblem(`--source must be a postgres:// URL or a connector config file, not ${parsed.protocol}`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || 'postgres'),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
  };
}

/**
 * Checks what logical replication needs before anything starts, so the user gets one line that
 * names the setting and the fix instead of a failed task later: the connection, `wal_level`, the
 * REPLICATION privilege, and a publication that cannot break the application's writes
 * (planPublication). The quickstart picks the tables unless the config sets
 * publication.autocreate.mode; `origin` names where the config came from, for messages.
 */
export async function checkSource(raw: Record<string, string>, origin: string): Promise<SourcePlan> {
  const resolved = resolveConfigProviders(raw);
  const unresolved = Object.entries(resolved.errors).flatMap(([k, v]) => v.map((m) => `${k}: ${m}`));
  if (unresolved.length > 0) throw new SetupProblem(`${origin}: ${unresolved.join('; ')}`);
  const parsed = parseConfig(postgresConfigSpec, resolved.config);
  if (!parsed.ok) throw new SetupProblem(`${origin} is not a valid postgres source config: ${Object.entries(parsed.errors).map(([k, v]) => `${k}: ${v.join(' ')}`).join('; ')}`);
  const config = parsed.value;
  const where = `${config['database.hostname']}:${config['database.port']}/${config['database.dbname']}`;
  let client: pg.Client;
  try {
    client = await connect(config, 'tributary-quickstart');
  } catch (error) {
    throw new SetupProblem(`cannot connect to ${where} as ${config['database.user']}: ${(error as Error).message}`);
  }
  try {
    const wal = (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0].wal_level;
    if (wal !== 'logical') {
      throw new SetupProblem(`wal_level is "${wal}" but change data capture needs "logical": run ALTER SYSTEM SET wal_level = logical; and restart PostgreSQL`);
    }
    const rights = await userRights(client);
    if (!rights.replication) {
      throw new SetupProblem(`user "${rights.user}" lacks the REPLICATION privilege: run ALTER ROLE "${rights.user}" WITH REPLICATION; as a superuser`);
    }
    const publication = config['publication.name'];
    const existing = await publicationState(client, publication);
    const filter = postgresTableFilter(config);
    const mode = 'publication.autocreate.mode' in raw ? config['publication.autocreate.mode'] : 'choose';
    const plan = planPublication({
      tables: await inspectTables(client), rights, existing, publication, origin, mode,
      selects: (t) => filter.includesTable(t.schema, t.table),
      ownName: publication === PUBLICATION_NAME,
    });
    if (plan.problem) throw new SetupProblem(plan.problem);
    if (plan.replaceAllTables) await replacePublication(client, publication, plan.captured);
    const out: Record<string, string> = { ...raw };
    if (plan.mode) out['publication.autocreate.mode'] = plan.mode;
    const notices = [...plan.notices];
    const ownFilters = ['table.include.list', 'table.exclude.list'].some((k) => k in raw);
    if (plan.includeList && !(ownFilters && plan.complete)) {
      if (ownFilters) notices.push(`${origin}: its table.include.list/table.exclude.list are replaced by the tables above, the ones that can be published safely`);
      delete out['table.exclude.list'];
      out['table.include.list'] = plan.includeList.join(',');
    }
    return { config: out, notices, objects: { where, slot: config['slot.name'], publication, publicationIsOurs: publication === PUBLICATION_NAME || existing === null, settings: config } };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Swaps a FOR ALL TABLES publication for one naming `tables`, in one transaction: a replication
 * slot decodes with the publication of that name as of each change, so there is no moment
 * without one. (ALTER PUBLICATION cannot turn FOR ALL TABLES into a table list.)
 */
async function replacePublication(client: pg.Client, name: string, tables: readonly string[]): Promise<void> {
  const quoted = `"${name.replace(/"/g, '""')}"`;
  try {
    await client.query('BEGIN');
    await client.query(`DROP PUBLICATION ${quoted}`);
    await client.query(`CREATE PUBLICATION ${quoted} FOR TABLE ${tables.join(', ')}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new SetupProblem(`could not replace publication ${quoted} (${sqlState(error) ?? 'error'}: ${(error as Error).message}): run DROP PUBLICATION ${quoted}; as its owner or a superuser, then start again`);
  }
}
