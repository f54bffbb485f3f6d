import { connect as tcpConnect } from 'node:net';
import { invalidPatterns } from '../../../plugins/cdc/index.js';
import { captureModeOf, defaultSchema, type OceanBaseConfig } from './oceanbase-config-spec.js';
import type { OceanBaseDeps } from './oceanbase-source-task.js';
import { oceanbaseTableFilter } from './table-cache.js';
import { mysqlDialect, oracleDialect } from './trigger/trigger-dialect.js';

/** `4.2.1.0` ≥ `4.2.1`: numeric, part by part */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** the version in ODP's `SHOW PROXYINFO BINARY` answer (`... 4.2.1.0 ...`), or null */
export function odpVersionOf(rows: readonly Record<string, unknown>[]): string | null {
  for (const r of rows) {
    const m = /(\d+\.\d+\.\d+(?:\.\d+)?)/.exec(Object.values(r).map(String).join(' '));
    if (m) return m[1];
  }
  return null;
}

/**
 * Checks beyond the spec, per capture mode, each problem on the property that fixes it; never
 * throws. MySQL mode: an OceanBase tenant behind ODP of at least `binlog.service.min.odp.version`
 * with the Binlog Service on (`SHOW MASTER STATUS` answers a file). Log Proxy: the port accepts a
 * connection (the handshake itself is not tried here). Trigger mode: the change table and every
 * table's triggers exist unless `trigger.install=true`.
 */
export async function validateOceanBase(config: OceanBaseConfig, deps: OceanBaseDeps): Promise<Record<string, string[]>> {
  const problems: Record<string, string[]> = {};
  const add = (p: string, m: string) => (problems[p] ??= []).push(m);
  for (const name of ['schema.include.list', 'table.include.list', 'table.exclude.list'] as const) for (const p of invalidPatterns(config[name])) add(name, p);
  const capture = captureModeOf(config);
  if (capture === 'logproxy') {
    const reachable = await canConnect(config['logproxy.host']!, config['logproxy.port'], config['connect.timeout.ms']);
    if (reachable !== true) add('logproxy.host', `Cannot reach Log Proxy at ${config['logproxy.host']}:${config['logproxy.port']}: ${reachable}`);
  }
  let client;
  try {
    client = await deps.sql(config);
  } catch (error) {
    const message = (error as Error).message;
    add(/denied|password/i.test(message) ? 'database.password' : 'database.hostname', `Cannot connect to OceanBase at ${config['database.hostname']}:${config['database.port']}: ${message}`);
    return problems;
  }
  try {
    if (capture === 'binlog') {
      const version = String((await client.query('SELECT VERSION() AS V')).rows[0]?.V ?? '');
      if (!/oceanbase/i.test(version)) add('database.hostname', `The server says it is "${version}", not OceanBase: for a plain MySQL server use connector.class=mysql.`);
      const odp = await client.query('SHOW PROXYINFO BINARY').then((r) => odpVersionOf(r.rows)).catch(() => null);
      const min = config['binlog.service.min.odp.version'];
      if (odp === null) add('database.hostname', 'Could not read the ODP version (SHOW PROXYINFO BINARY): the Binlog Service is reached through ODP (obproxy), not an OBServer\'s SQL port.');
      else if (!versionAtLeast(odp, min)) add('database.hostname', `ODP ${odp} is older than ${min}, the lowest version with the Binlog Service (binlog.service.min.odp.version).`);
      const status = await client.query('SHOW MASTER STATUS').catch((e: Error) => ({ rows: [] as Record<string, unknown>[], error: e }));
      if (status.rows.length === 0) add('database.tenant', `The Binlog Service is not enabled for tenant ${config['database.tenant']} (SHOW MASTER STATUS returned no binlog file): create a binlog instance for the tenant (obbinlog / OCP) first.`);
    } else if (capture === 'trigger' && !config['trigger.install']) {
      const dialect = config['database.compatibility.mode'] === 'oracle' ? oracleDialect : mysqlDialect;
      const schema = defaultSchema(config);
      const exists = dialect.changeTableExistsSql(schema, config['trigger.change.table']);
      if ((await client.query(exists.sql, exists.params)).rows.length === 0) add('trigger.install', `The change table ${schema}.${config['trigger.change.table']} does not exist: run the install script (docs/oceanbase-to-lake.md) or set trigger.install=true.`);
      const filter = oceanbaseTableFilter(config);
      const catalog = deps.catalog(config, async () => client!);
      for (const t of await catalog.tables()) {
        if (!filter.includesTable(t.owner, t.name) || t.name.toUpperCase() === config['trigger.change.table'].toUpperCase()) continue;
        const shape = await catalog.describe(t.owner, t.name);
        if (!shape) continue;
        const q = dialect.triggersSql(t.owner, t.name);
        const present = new Set((await client.query(q.sql, q.params)).rows.map((r) => String(r.NAME)));
        const missing = dialect.triggerNames(shape).filter((n) => !present.has(n));
        if (missing.length > 0) add('trigger.install', `Table ${t.owner}.${t.name} lacks trigger(s) ${missing.join(', ')}: run the install script or set trigger.install=true.`);
      }
    }
  } catch (error) {
    add('database.hostname', `Could not inspect the tenant: ${(error as Error).message}`);
  } finally {
    await client.close().catch(() => undefined);
  }
  return problems;
}

function canConnect(host: string, port: number, timeoutMs: number): Promise<true | string> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host, port });
    const timer = setTimeout(() => { s.destroy(); resolve(`no answer within ${timeoutMs} ms`); }, timeoutMs);
    s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve(true); });
    s.once('error', (e) => { clearTimeout(timer); resolve(e.message); });
  });
}
