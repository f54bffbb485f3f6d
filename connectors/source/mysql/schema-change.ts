import { Schemas, type Schema, type SourceRecord } from '../../../plugins/api/index.js';
import { sourceSchemaOf, type ConnectorFlavour } from './source-info.js';

function schemasFor(flavour: ConnectorFlavour): { key: Schema; value: Schema } {
  const key = Schemas.struct([Schemas.field('databaseName', Schemas.string())], { name: `io.debezium.connector.${flavour}.SchemaChangeKey`, version: 1 });
  const value = Schemas.struct([
    Schemas.field('source', sourceSchemaOf(flavour)),
    Schemas.field('ts_ms', Schemas.int64()),
    Schemas.field('databaseName', Schemas.string({ optional: true })),
    Schemas.field('schemaName', Schemas.string({ optional: true })),
    Schemas.field('ddl', Schemas.string({ optional: true })),
    Schemas.field('tableChanges', Schemas.array(Schemas.struct([
      Schemas.field('type', Schemas.string()),
      Schemas.field('id', Schemas.string()),
    ], { name: 'io.debezium.connector.schema.Change' }))),
  ], { name: `io.debezium.connector.${flavour}.SchemaChangeValue`, version: 1 });
  return { key, value };
}

const schemaChangeSchemas: Record<ConnectorFlavour, { key: Schema; value: Schema }> = { mysql: schemasFor('mysql'), mariadb: schemasFor('mariadb') };

/** What a DDL statement did, as far as the source needs it: the table it names and the kind of change. */
export interface DdlSummary {
  readonly kind: 'CREATE' | 'ALTER' | 'DROP' | 'RENAME' | 'TRUNCATE' | 'OTHER';
  /** tables it names, `db.table` (unqualified names take the statement's database) */
  readonly tables: readonly string[];
}

const IDENT = '(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)';
const NAME = `(${IDENT}(?:\\s*\\.\\s*${IDENT})?)`;

function unquote(part: string): string {
  const p = part.trim();
  return p.startsWith('`') ? p.slice(1, -1).replace(/``/g, '`') : p;
}

function qualified(name: string, db: string): string {
  const parts = name.match(new RegExp(IDENT, 'g')) ?? [name];
  return parts.length > 1 ? `${unquote(parts[0])}.${unquote(parts[1])}` : `${db}.${unquote(parts[0])}`;
}

/**
 * The table a DDL statement is about, by pattern rather than a full parser: Tributary needs no
 * schema history (table shapes come from the binlog's table metadata), only the table names that
 * schema-change events and TRUNCATE records carry. A statement it does not recognise is still
 * emitted, with no table.
 */
export function summarizeDdl(statement: string, db: string): DdlSummary {
  const sql = statement.replace(/\/\*[\s\S]*?\*\//g, ' ').trim();
  const m = (re: string) => new RegExp(re, 'i').exec(sql);
  let r: RegExpExecArray | null;
  if ((r = m(`^TRUNCATE\\s+(?:TABLE\\s+)?${NAME}`))) return { kind: 'TRUNCATE', tables: [qualified(r[1], db)] };
  if ((r = m(`^CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:TEMPORARY\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?${NAME}`))) return { kind: 'CREATE', tables: [qualified(r[1], db)] };
  if ((r = m(`^ALTER\\s+(?:ONLINE\\s+|IGNORE\\s+)*TABLE\\s+(?:IF\\s+EXISTS\\s+)?${NAME}`))) return { kind: 'ALTER', tables: [qualified(r[1], db)] };
  if ((r = m(`^DROP\\s+(?:TEMPORARY\\s+)?TABLE\\s+(?:IF\\s+EXISTS\\s+)?([\\s\\S]+?)(?:\\s+(?:RESTRICT|CASCADE))?\\s*$`))) {
    return { kind: 'DROP', tables: (r[1].match(new RegExp(NAME, 'g')) ?? []).map((n) => qualified(n, db)) };
  }
  if ((r = m(`^RENAME\\s+TABLES?\\s+([\\s\\S]+)$`))) {
    return { kind: 'RENAME', tables: r[1].split(',').flatMap((pair) => pair.split(/\s+TO\s+/i)).map((n) => qualified(n.trim(), db)) };
  }
  return { kind: 'OTHER', tables: [] };
}

/** Debezium's schema-change event on the `<topic.prefix>` topic. */
export function schemaChangeRecord(base: Omit<SourceRecord, 'topic' | 'keySchema' | 'key' | 'valueSchema' | 'value'>, flavour: ConnectorFlavour, topic: string, db: string, ddl: string, summary: DdlSummary, source: Record<string, unknown>): SourceRecord {
  const schemas = schemaChangeSchemas[flavour];
  return {
    ...base,
    topic,
    keySchema: schemas.key,
    key: { databaseName: db },
    valueSchema: schemas.value,
    value: {
      source, ts_ms: Date.now(), databaseName: db, schemaName: null, ddl,
      tableChanges: summary.tables.map((id) => ({ type: summary.kind === 'CREATE' ? 'CREATE' : summary.kind === 'DROP' ? 'DROP' : 'ALTER', id: `"${id.replace('.', '"."')}"` })),
    },
  };
}
