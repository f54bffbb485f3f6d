import type pg from 'pg';
import { connect, sqlState } from './pg-connection.js';
import type { PostgresConfig } from './postgres-config-spec.js';
import { invalidPatterns } from './table-filter.js';

/** Node's codes for a certificate chain that does not lead to a trusted CA */
const CERTIFICATE_ERRORS = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE']);

/**
 * Checks beyond the spec, each problem reported against the property that fixes it:
 * connectivity (host/port, user/password, database, TLS mode and trusted CA), `wal_level=logical` and free replication
 * slots (reported on `database.hostname`: they are server settings), the REPLICATION privilege
 * (`database.user`), the slot's plugin and database (`slot.name`) and the publication
 * (`publication.name` / `publication.autocreate.mode`). Never throws.
 */
export async function validatePostgres(config: PostgresConfig): Promise<Record<string, string[]>> {
  const problems: Record<string, string[]> = {};
  const add = (property: string, message: string) => (problems[property] ??= []).push(message);
  for (const name of ['schema.include.list', 'schema.exclude.list', 'table.include.list', 'table.exclude.list', 'column.include.list', 'column.exclude.list'] as const) {
    for (const p of invalidPatterns(config[name])) add(name, p);
  }
  let client: pg.Client;
  try {
    client = await connect(config, 'tributary-validate');
  } catch (error) {
    const message = (error as Error).message;
    const state = sqlState(error);
    const tlsCode = (error as { code?: unknown }).code;
    if ((error as { path?: unknown }).path !== undefined && (error as { path?: unknown }).path === config['database.sslrootcert']) {
      add('database.sslrootcert', `Cannot read the CA file: ${message}`);
    } else if (tlsCode === 'CERT_HAS_EXPIRED' || tlsCode === 'CERT_NOT_YET_VALID') {
      add('database.hostname', `The server's certificate is outside its validity period: ${message}`);
    } else if (typeof tlsCode === 'string' && CERTIFICATE_ERRORS.has(tlsCode)) {
      add('database.sslrootcert', `The server's certificate is not trusted (database.sslmode=${config['database.sslmode']}): ${message}. Point database.sslrootcert at the CA that signed it.`);
    } else if (tlsCode === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      add('database.hostname', `The server's certificate does not name ${config['database.hostname']} (database.sslmode=verify-full checks the host name): ${message}`);
    } else if (/does not support SSL/i.test(message)) {
      add('database.sslmode', `The server does not accept TLS connections; use database.sslmode=disable or enable ssl on the server: ${message}`);
    } else if (state === '28000' && /no encryption|SSL off/.test(message)) {
      add('database.sslmode', `The server accepts this connection only over TLS; set database.sslmode=require, verify-ca or verify-full: ${message}`);
    } else if (state === '28P01') add('database.password', `Password authentication failed for user "${config['database.user']}": ${message}`);
    else if (state === '28000') add('database.user', `The server refused user "${config['database.user']}": ${message}`);
    else if (state === '3D000') add('database.dbname', `Database "${config['database.dbname']}" does not exist: ${message}`);
    else add('database.hostname', `Cannot connect to ${config['database.hostname']}:${config['database.port']}: ${message}`);
    return problems;
  }
  try {
    const { rows: [settings] } = await client.query<{ wal_level: string; max_slots: number; used_slots: number; replication: boolean; superuser: boolean; version: number }>(
      `SELECT current_setting('wal_level') AS wal_level,
              current_setting('max_replication_slots')::int AS max_slots,
              (SELECT count(*)::int FROM pg_replication_slots) AS used_slots,
              r.rolreplication AS replication, r.rolsuper AS superuser,
              current_setting('server_version_num')::int AS version
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    if (settings.version < 100000) add('database.hostname', `PostgreSQL ${settings.version} has no pgoutput; version 10 or later is needed.`);
    if (settings.wal_level !== 'logical') add('database.hostname', `The server's wal_level is "${settings.wal_level}"; logical decoding needs wal_level=logical (set it in postgresql.conf and restart the server).`);
    if (!settings.replication && !settings.superuser) add('database.user', `User "${config['database.user']}" lacks the REPLICATION attribute: ALTER ROLE ${config['database.user']} WITH REPLICATION.`);
    const { rows: slots } = await client.query<{ plugin: string | null; database: string | null }>('SELECT plugin, database FROM pg_replication_slots WHERE slot_name = $1', [config['slot.name']]);
    if (slots.length === 0 && settings.used_slots >= settings.max_slots) {
      add('slot.name', `Slot "${config['slot.name']}" does not exist and all ${settings.max_slots} replication slots are in use: raise max_replication_slots or drop an unused slot.`);
    } else if (slots.length > 0 && (slots[0].plugin !== 'pgoutput' || slots[0].database !== config['database.dbname'])) {
      add('slot.name', `Slot "${config['slot.name']}" exists for plugin ${slots[0].plugin} on database ${slots[0].database}; it must be a pgoutput slot on ${config['database.dbname']}. Choose another slot.name or drop it.`);
    }
    const { rows: pubs } = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [config['publication.name']]);
    const mode = config['publication.autocreate.mode'];
    if (pubs.length === 0 && mode === 'disabled') add('publication.name', `Publication "${config['publication.name']}" does not exist and publication.autocreate.mode=disabled: create it or enable autocreation.`);
    if (pubs.length === 0 && mode === 'all_tables' && !settings.superuser) add('publication.autocreate.mode', `Creating publication "${config['publication.name']}" FOR ALL TABLES needs a superuser; use publication.autocreate.mode=filtered or create the publication yourself.`);
  } catch (error) {
    add('database.hostname', `Could not inspect the server: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  return problems;
}
