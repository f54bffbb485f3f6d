import { TributaryError, type Logger, type Schema } from '../../../plugins/api/index.js';
import type { ClickHouseConnection } from './clickhouse-connection.js';
import { baseType, parseType, typeText, type ChType } from './clickhouse-types.js';
import { addColumnSql, createTableSql, latestViewSql, modifyColumnSql, type ColumnDef, type InsertMode, type TableLayout } from './table-ddl.js';
import { buildPlan, planProblems, type TablePlan } from './table-plan.js';
import { columnTypeFor, timestampUnit, widenedType } from './type-mapping.js';

export interface TableRequest {
  readonly table: string;
  readonly topic: string;
  readonly mode: InsertMode;
  readonly schema: Schema;
  readonly keys: readonly string[];
}

export interface TableOptions {
  readonly database: string;
  readonly autoCreate: boolean;
  readonly autoEvolve: boolean;
  readonly partitionBy?: string;
  readonly orderBy?: readonly string[];
}

/**
 * Makes a table fit a record schema and plans its inserts: describes it, creates it
 * (`auto.create`), adds or widens columns (`auto.evolve`), and otherwise fails with every
 * mismatch listed, naming column and types.
 */
export class TableManager {
  constructor(readonly connection: ClickHouseConnection, readonly options: TableOptions, readonly logger: Logger) {}

  async prepare(req: TableRequest): Promise<TablePlan> {
    const { database } = this.options;
    let columns = await this.#describe(req.table);
    if (!columns) {
      if (!this.options.autoCreate) {
        throw new TributaryError('sink.write_failed', `Table ${database}.${req.table} (for topic ${req.topic}) does not exist. Create it, or set auto.create=true.`);
      }
      const layout = this.#layout(req);
      await this.connection.command(createTableSql(layout, this.connection.features));
      if (req.mode === 'upsert') await this.#latestView(req.table);
      this.logger.info({ table: `${database}.${req.table}`, mode: req.mode }, 'created ClickHouse table');
      columns = (await this.#describe(req.table))!;
    } else if (this.options.autoEvolve && (await this.#evolve(req, columns))) {
      columns = (await this.#describe(req.table))!;
      if (req.mode === 'upsert') await this.#latestView(req.table);
    }
    const input = { mode: req.mode, schema: req.schema, keys: req.keys, table: columns, features: this.connection.features };
    const problems = planProblems(input);
    if (problems.length > 0) {
      throw new TributaryError('sink.write_failed', `Table ${database}.${req.table} does not fit the records of topic ${req.topic} (${problems.length} problem${problems.length > 1 ? 's' : ''}): ${problems.join('; ')}`, { details: problems });
    }
    return buildPlan(input);
  }

  async #describe(table: string): Promise<Map<string, ChType> | null> {
    const rows = await this.connection.describe(this.options.database, table);
    if (!rows) return null;
    // MATERIALIZED and ALIAS columns cannot be written
    return new Map(rows.filter((r) => r.defaultKind !== 'MATERIALIZED' && r.defaultKind !== 'ALIAS').map((r) => [r.name, parseType(r.type)]));
  }

  async #latestView(table: string): Promise<void> {
    for (const sql of latestViewSql(this.options.database, table)) await this.connection.command(sql);
  }

  /** adds missing columns and widens narrower ones; true when it changed the table */
  async #evolve(req: TableRequest, columns: Map<string, ChType>): Promise<boolean> {
    const features = this.connection.features;
    let changed = false;
    for (const f of req.schema.fields ?? []) {
      const have = columns.get(f.name);
      if (!have) {
        const def: ColumnDef = { name: f.name, type: columnTypeFor({ ...f.schema, optional: true }, features) };
        await this.connection.command(addColumnSql(this.options.database, req.table, def));
        this.logger.info({ table: req.table, column: f.name, type: typeText(def.type) }, 'added column');
        changed = true;
        continue;
      }
      if (req.keys.includes(f.name)) continue;
      const target = widenedType(f.schema, have, features);
      if (target && typeText(target) !== typeText(have)) {
        await this.connection.command(modifyColumnSql(this.options.database, req.table, { name: f.name, type: target }));
        this.logger.info({ table: req.table, column: f.name, from: typeText(have), to: typeText(target) }, 'widened column');
        changed = true;
      }
    }
    return changed;
  }

  #layout(req: TableRequest): TableLayout {
    const features = this.connection.features;
    const columns = (req.schema.fields ?? []).map((f) => ({ name: f.name, type: req.keys.includes(f.name) ? baseType(columnTypeFor(f.schema, features)) : columnTypeFor(f.schema, features) }));
    let partitionBy: TableLayout['partitionBy'];
    if (req.mode === 'append' && this.options.partitionBy) {
      const field = req.schema.fields?.find((f) => f.name === this.options.partitionBy);
      if (!field) throw new TributaryError('sink.write_failed', `partition.by names ${this.options.partitionBy}, which records of topic ${req.topic} do not have`);
      const unit = timestampUnit(field.schema);
      const t = baseType(columnTypeFor(field.schema, features));
      // timestamps kept as Int64 counts (servers without DateTime64) are divided down to seconds
      const divisor = t.kind === 'int' ? (unit === 'micros' ? 1_000_000 : unit === 'nanos' ? 1_000_000_000 : 1000) : undefined;
      partitionBy = { column: field.name, ...(divisor ? { secondsDivisor: divisor } : {}) };
    }
    return { database: this.options.database, table: req.table, mode: req.mode, columns, keys: req.keys, orderBy: this.options.orderBy, partitionBy };
  }
}
