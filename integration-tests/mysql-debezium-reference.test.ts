import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Schema, SourceRecord } from '../plugins/api/index.js';
import { JsonConverter } from '../runtime/converters/json-converter.js';
import { MySqlTaskDriver, mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { TYPE_COLUMNS, typeInsertSql, typeTableSql } from '../connectors/source/mysql/test/type-cases.js';
import { comparable } from './harness/comparable.js';
import { DebeziumCapture, type DebeziumEvent } from './harness/debezium-embedded.js';
import { MARIADB_PASSWORD, MARIADB_USER, startMariaDb, type MariaDbServer } from './harness/mariadb-server.js';
import { tempDir } from './harness/temp.js';

/**
 * Real Debezium 3.6.1 (its MySQL connector, embedded, Kafka Connect's JsonConverter) and
 * Tributary's mysql source capture the same private MariaDB: a table with a column of every type
 * the source maps (edge values and NULLs), snapshotted and then streamed (insert, update, delete,
 * primary-key change), and a second table for updates and deletes. Every event must agree field
 * by field: topic, key and its schema, op, before, after, the value schema (envelope, row and
 * source block), and the source fields that name the change (connector, name, db, table,
 * snapshot, server_id, file, pos, row, gtid, thread, query). Where Tributary deliberately
 * differs, DEVIATIONS pins both values and says why (the mysql README lists them).
 *
 * Maven Central serves no debezium-connector-mariadb 3.6.1.Final jar, so Debezium's MySQL
 * connector reads the MariaDB. It takes any server whose VERSION() starts above 8.3 for MySQL
 * 8.4 (and then asks SHOW BINARY LOG STATUS, which MariaDB 10.11 lacks): the server presents
 * itself as `8.0.99-MariaDB-…` (`--version`), which both sides still recognise as MariaDB.
 */
const SERVER_VERSION = '5.7.19-MariaDB-10.11-debezium-reference';
const PREFIX = 'ref';


let server: MariaDbServer & { remove(): Promise<void> };
before(async () => { server = await startMariaDb([`--version=${SERVER_VERSION}`]); });
after(async () => { await server?.remove(); });

const converter = new JsonConverter();

interface Captured {
  readonly topic: string;
  readonly keySchema: Schema | null;
  readonly key: unknown;
  readonly valueSchema: Schema | null;
  readonly value: Envelope | null;
}

interface Envelope {
  op: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: Record<string, unknown>;
}

function fromDebezium(e: DebeziumEvent): Captured {
  const key = converter.toConnectData(e.topic, e.key === null ? null : Buffer.from(e.key));
  const value = converter.toConnectData(e.topic, e.value === null ? null : Buffer.from(e.value));
  return { topic: e.topic, keySchema: key.schema, key: key.value, valueSchema: value.schema, value: value.value as Envelope | null };
}

function fromTributary(r: SourceRecord): Captured {
  return { topic: r.topic, keySchema: r.keySchema ?? null, key: r.key, valueSchema: r.valueSchema ?? null, value: r.value as Envelope | null };
}

/** The parts of a schema that must agree (docs and defaults left out). */
function shape(s: Schema | null | undefined): unknown {
  if (!s) return null;
  return {
    type: s.type, optional: s.optional, name: s.name, version: s.version, parameters: s.parameters,
    items: shape(s.items), fields: s.fields?.map((f) => ({ field: f.name, ...(shape(f.schema) as object) })),
  };
}

/** The fields of a struct schema's shape by name, so differences are reported per field. */
function fieldShapes(s: Schema | null | undefined): Map<string, string> {
  return new Map((s?.fields ?? []).map((f) => [f.name, JSON.stringify(shape(f.schema))]));
}

/** source fields that say where the change comes from; the rest (version, times) differ by nature */
const SOURCE_FIELDS = ['connector', 'name', 'db', 'table', 'snapshot', 'server_id', 'file', 'pos', 'row', 'gtid', 'thread', 'query'];

/** A documented difference: where it shows, Debezium's value (pinned, so a Debezium change is noticed), Tributary's, and why. */
interface Deviation {
  /** `source.<field>`, `after.<column>`, `schema.<column>` (the row schema), `schema.source.<field>` */
  readonly path: string;
  /** which events: `r` (snapshot), `c`/`u`/`d` (stream); all when absent */
  readonly ops?: readonly string[];
  /** the events of these primary keys (`id`) only; all when absent */
  readonly ids?: readonly number[];
  /** in these mode sets only; all when absent */
  readonly modes?: readonly string[];
  readonly debezium: unknown;
  readonly tributary: unknown;
  readonly why: string;
}

const STREAM = ['c', 'u', 'd'];

const DEVIATIONS: readonly Deviation[] = [
  {
    path: 'source.gtid', ops: STREAM, debezium: null, tributary: 'a MariaDB GTID',
    why: 'MariaDB GTIDs (domain-server-sequence): Debezium\'s MySQL connector reads only MySQL\'s uuid:n GTIDs and leaves MariaDB\'s out (its MariaDB connector, not on Maven Central in 3.6.1, reports them as Tributary does)',
  },
  {
    path: 'source.query', ops: STREAM, debezium: null, tributary: 'the statement',
    why: 'include.query on MariaDB: the statement comes in ANNOTATE_ROWS events, which Debezium\'s MySQL connector does not ask the server for (MySQL\'s Rows_query events need binlog_rows_query_log_events); Tributary asks for them',
  },
  {
    path: 'after.ts3', ops: ['r'], ids: [2], debezium: '2000-01-01T00:00:00Z', tributary: '2000-01-01T00:00:00.000Z',
    why: 'a TIMESTAMP(3) whose fraction is zero: Debezium\'s snapshot (JDBC) drops the fraction digits, its stream writes the column\'s 3; Tributary writes the column\'s digits in both',
  },
];

/** the value modes each engine pair runs with (Debezium's property names and values) */
const MODE_SETS: Record<string, Record<string, string>> = {
  defaults: {},
  strings: { 'decimal.handling.mode': 'string', 'bigint.unsigned.handling.mode': 'precise', 'binary.handling.mode': 'base64', 'time.precision.mode': 'connect' },
  doubles: { 'decimal.handling.mode': 'double', 'binary.handling.mode': 'hex' },
};
const MODES = Object.keys(MODE_SETS);

test('MariaDB types, snapshot and stream, in three value-mode sets: Tributary emits what Debezium 3.6.1\'s MySQL connector emits (or a documented deviation)', { timeout: 600_000 }, async (t) => {
  const db = await server.createDatabase('dbzref');
  await server.query(db, typeTableSql('types'));
  await server.query(db, typeInsertSql('types', 1));
  await server.query(db, 'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20), qty INT NOT NULL DEFAULT 0)');
  await server.query(db, "INSERT INTO items VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3)");
  const dir = tempDir('mysql-dbz-ref');
  t.after(() => dir.remove());
  const engines: Record<string, Record<string, string>> = {};
  const drivers: Record<string, MySqlTaskDriver> = {};
  for (const [index, mode] of MODES.entries()) {
    // one topic prefix per engine: Debezium registers its JMX metrics under it
    const common = { 'topic.prefix': `${PREFIX}_${mode}`, 'database.include.list': db, 'include.schema.changes': 'false', 'include.query': 'true', ...MODE_SETS[mode] };
    engines[mode] = {
      'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
      'offset.storage': 'org.apache.kafka.connect.storage.FileOffsetBackingStore',
      'offset.storage.file.filename': join(dir.path, `${mode}.offsets`),
      'offset.flush.interval.ms': '1000',
      'schema.history.internal': 'io.debezium.storage.file.history.FileSchemaHistory',
      'schema.history.internal.file.filename': join(dir.path, `${mode}.schema-history`),
      'database.hostname': '127.0.0.1', 'database.port': String(server.port), 'database.user': MARIADB_USER, 'database.password': MARIADB_PASSWORD,
      'database.server.id': String(5501 + index), 'database.ssl.mode': 'disabled',
      ...common,
    };
    drivers[mode] = new MySqlTaskDriver(mysqlTestConfig(server.port, db, common));
  }
  const snapshotRows = 6;
  // 3 inserts, 1 update, 1 update, 1 delete, delete + create, 2 inserts
  const streamed = 10;
  const isData = (topic: string, mode: string) => topic.startsWith(`${PREFIX}_${mode}.`);
  const enough = (n: number) => (events: DebeziumEvent[]) => MODES.every((m) => events.filter((e) => e.engine === m && e.value !== null && isData(e.topic, m)).length >= n);
  const ourEnough = (m: string, n: number) => (rs: SourceRecord[]) => rs.filter((r) => r.value !== null && isData(r.topic, m)).length >= n;
  const capture = DebeziumCapture.start(dir.path, engines, 'mysql');
  try {
    await Promise.all([
      capture.waitFor(enough(snapshotRows), 300_000, 'Debezium\'s snapshots'),
      ...MODES.map(async (m) => { await drivers[m].start(); await drivers[m].pollUntil(ourEnough(m, snapshotRows), 120_000, `Tributary's snapshot (${m})`); }),
    ]);
    await server.query(db, typeInsertSql('types', 101));
    await server.query(db, 'UPDATE types SET ti = ti DIV 2, vc = \'changed\', js = \'{"k": 1}\' WHERE id = 101');
    await server.query(db, "UPDATE items SET name = 'uno', qty = qty + 10 WHERE id = 1");
    await server.query(db, 'DELETE FROM items WHERE id = 2');
    await server.query(db, 'UPDATE items SET id = 30 WHERE id = 3');
    await server.query(db, "INSERT INTO items VALUES (4, 'four', 4), (5, 'five', 5)");
    await Promise.all([
      capture.waitFor(enough(snapshotRows + streamed), 120_000, 'Debezium\'s streams'),
      ...MODES.map((m) => drivers[m].pollUntil(ourEnough(m, snapshotRows + streamed), 60_000, `Tributary's stream (${m})`)),
    ]);
    // tombstones follow the deletes a moment later on both sides
    await new Promise((r) => setTimeout(r, 2000));
    for (const m of MODES) await drivers[m].pollOnce();
  } finally {
    await capture.stop();
    for (const d of Object.values(drivers)) await d.stop();
  }

  const problems: string[] = [];
  const used = new Set<Deviation>();
  const label = (c: Captured) => (c.value === null ? 'tombstone' : c.value.op);
  let id = 0;
  let mode = '';
  const check = (where: string, path: string, op: string, d: unknown, o: unknown) => {
    const deviation = DEVIATIONS.find((x) => x.path === path && (x.ops === undefined || x.ops.includes(op)) && (x.ids === undefined || x.ids.includes(id)) && (x.modes === undefined || x.modes.includes(mode)));
    if (deviation) {
      used.add(deviation);
      // a deviation names Tributary's value exactly, or what kind it is ('a MariaDB GTID', 'the statement')
      const tributary = deviation.tributary === 'a MariaDB GTID' && typeof o === 'string' && /^\d+-\d+-\d+$/.test(o) ? o
        : deviation.tributary === 'the statement' && typeof o === 'string' && /^(INSERT|UPDATE|DELETE)\b/.test(o) ? o : deviation.tributary;
      const want = JSON.stringify({ debezium: comparable(deviation.debezium), tributary: comparable(tributary) });
      const got = JSON.stringify({ debezium: comparable(d), tributary: comparable(o) });
      if (got !== want) problems.push(`${mode} ${where} ${path} (deviation "${deviation.why.slice(0, 50)}…"): got ${got}, pinned ${want}`);
    } else if (JSON.stringify(comparable(d)) !== JSON.stringify(comparable(o))) {
      problems.push(`${mode} ${where} ${path}: Debezium ${JSON.stringify(comparable(d))}, Tributary ${JSON.stringify(comparable(o))}`);
    }
  };
  for (mode of MODES) {
    const prefix = `${PREFIX}_${mode}`;
    const dbz = capture.eventsOf(mode).filter((e) => isData(e.topic, mode)).map(fromDebezium);
    const ours = drivers[mode].records.filter((r) => isData(r.topic, mode)).map(fromTributary);
    for (const topic of [`${prefix}.${db}.types`, `${prefix}.${db}.items`]) {
      const d = dbz.filter((e) => e.topic === topic);
      const o = ours.filter((e) => e.topic === topic);
      assert.deepEqual(o.map((e) => `${label(e)} ${JSON.stringify(comparable(e.key))}`), d.map((e) => `${label(e)} ${JSON.stringify(comparable(e.key))}`), `${mode} ${topic}: the same events in the same order`);
      const firstStreamed = d.findIndex((e) => e.value !== null && e.value.op !== 'r');
      for (let i = 0; i < d.length; i++) {
        const [de, oe] = [d[i], o[i]];
        const op = label(de);
        const where = `${topic.split('.').pop()} #${i} ${op} ${JSON.stringify(comparable(de.key))}`;
        id = Number((de.key as { id: number }).id);
        if (i === 0 || op === 'tombstone') check(where, 'keySchema', op, JSON.stringify(shape(de.keySchema)), JSON.stringify(shape(oe.keySchema)));
        if (de.value === null || oe.value === null) continue;
        if (i === 0 || i === firstStreamed) {
          // the value schema, part by part: envelope fields, row columns, source fields
          const [ds, os] = [de.valueSchema!, oe.valueSchema!];
          check(where, 'schema.envelope', op, JSON.stringify({ ...(shape(ds) as object), fields: ds.fields?.map((f) => f.name) }), JSON.stringify({ ...(shape(os) as object), fields: os.fields?.map((f) => f.name) }));
          for (const part of ['after', 'source', 'transaction', 'op', 'ts_ms', 'ts_us', 'ts_ns']) {
            const [dp, opart] = [ds.fields?.find((f) => f.name === part)?.schema, os.fields?.find((f) => f.name === part)?.schema];
            if (part === 'after' || part === 'source') {
              check(where, `schema.${part}.fields`, op, dp?.fields?.map((f) => f.name), opart?.fields?.map((f) => f.name));
              check(where, `schema.${part}.struct`, op, JSON.stringify({ ...(shape(dp) as object), fields: undefined }), JSON.stringify({ ...(shape(opart) as object), fields: undefined }));
              const [df, of] = [fieldShapes(dp), fieldShapes(opart)];
              for (const [name, fs] of df) check(where, `schema.${part}.${name}`, op, fs, of.get(name) ?? null);
            } else {
              check(where, `schema.${part}`, op, JSON.stringify(shape(dp)), JSON.stringify(shape(opart)));
            }
          }
          check(where, 'schema.before', op, JSON.stringify(shape(ds.fields?.find((f) => f.name === 'before')?.schema)), JSON.stringify(shape(os.fields?.find((f) => f.name === 'before')?.schema)));
        }
        check(where, 'key', op, de.key, oe.key);
        for (const image of ['before', 'after'] as const) {
          const [di, oi] = [de.value[image], oe.value[image]];
          if (di === null || oi === null) {
            check(where, image, op, di, oi);
            continue;
          }
          check(where, `${image}.columns`, op, Object.keys(di), Object.keys(oi));
          // a before-image's column deviates as the after-image's does
          for (const column of Object.keys(di)) check(where, `after.${column}`, op, di[column], oi[column]);
        }
        for (const field of SOURCE_FIELDS) check(where, `source.${field}`, op, de.value.source[field], oe.value.source[field]);
      }
    }
  }
  for (const d of DEVIATIONS) if (!used.has(d)) problems.push(`deviation never seen: ${d.path} (${d.why.slice(0, 60)}…)`);
  assert.ok(TYPE_COLUMNS.length > 30);
  assert.deepEqual(problems, [], `${problems.length} differences:\n${problems.join('\n')}`);
});
