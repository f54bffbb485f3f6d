import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Schema, SourceRecord } from '../plugins/api/index.js';
import { JsonConverter } from '../runtime/converters/json-converter.js';
import { TaskDriver, testConfig } from '../connectors/source/postgres/test/task-driver.js';
import { EDGE_ARRAYS, EDGE_ROWS, edgeColumnNames, edgeInsertSql, edgeTableSql } from '../connectors/source/postgres/test/edge-value-cases.js';
import { comparable } from './harness/comparable.js';
import { DebeziumCapture, debeziumPostgresProperties, type DebeziumEvent } from './harness/debezium-embedded.js';
import { sharedPostgres, type PostgresServer } from './harness/postgres-server.js';
import { tempDir } from './harness/temp.js';

/**
 * Real Debezium 3.6.1 (embedded engine, Kafka Connect's JsonConverter) and Tributary's postgres
 * source capture the same table of edge values (±infinity, years beyond 9999, BC, 24:00:00, NaN,
 * huge intervals) under every value mode, in the snapshot and in the stream, and every column's
 * schema (name, type, version, parameters) and value must agree. Where Tributary deliberately
 * differs, DEVIATIONS pins both values and says why (the postgres README lists them). Also
 * topic names of tables whose names Kafka does not allow (issue 9 item 16).
 */
const MODE_SETS: Record<string, Record<string, string>> = {
  defaults: {},
  adaptive_time_microseconds: { 'time.precision.mode': 'adaptive_time_microseconds' },
  connect: { 'time.precision.mode': 'connect' },
  isostring: { 'time.precision.mode': 'isostring' },
  microseconds: { 'time.precision.mode': 'microseconds' },
  nanoseconds: { 'time.precision.mode': 'nanoseconds' },
  double_string: { 'decimal.handling.mode': 'double', 'interval.handling.mode': 'string' },
  string_numeric: { 'decimal.handling.mode': 'string', 'interval.handling.mode': 'numeric' },
};
const ALL = Object.keys(MODE_SETS);
const INT_DATES = ALL.filter((m) => m !== 'isostring');
/** mode sets in which an unconstrained `timestamp` (precision 6) is a MicroTimestamp */
const MICRO_TIMESTAMPS = ['defaults', 'adaptive_time_microseconds', 'microseconds', 'double_string', 'string_numeric'];

type Phase = 'snapshot' | 'stream';

/** A documented difference: Debezium's value (pinned, so a Debezium change is noticed) and Tributary's. */
interface Deviation {
  readonly column: string;
  /** row numbers 1..8 of the edge table */
  readonly rows: readonly number[];
  readonly modes: readonly string[];
  readonly phase?: Phase;
  /** one value per row */
  readonly debezium: readonly unknown[];
  readonly tributary: readonly unknown[];
  readonly why: string;
}

const DEVIATIONS: readonly Deviation[] = [
  {
    column: 'ts', rows: [4], modes: MICRO_TIMESTAMPS, debezium: [-9223372036853775810n], tributary: [9223372036854775807n],
    why: '294276-12-31 23:59:59.999999 is beyond int64 microseconds: Debezium saturates the seconds, adds the fraction and wraps to a negative number; Tributary saturates at the int64 maximum',
  },
  {
    column: 'ts3', rows: [4], modes: ['microseconds'], debezium: [-9223372036853776809n], tributary: [9223372036854775807n],
    why: 'the same overflow as above, for timestamp(3) in microseconds mode',
  },
  {
    column: 'd', rows: [1, 2], modes: INT_DATES, phase: 'stream', debezium: [-2147472692, -2147472691], tributary: [2147483647, -2147483647],
    why: 'date ±infinity: Debezium streams pgjdbc\'s infinity dates (-5877611-06-21/22, so +infinity sorts before -infinity and before every real date) and snapshots other values again; Tributary gives ±(2^31-1) days, which sort right and which Parquet readers such as DuckDB show as ±infinity',
  },
  {
    column: 'd', rows: [1, 2], modes: INT_DATES, phase: 'snapshot', debezium: [-622191234, -625821272], tributary: [2147483647, -2147483647],
    why: 'date ±infinity in Debezium\'s snapshot (JDBC): yet other values',
  },
  {
    column: 'd', rows: [4, 5], modes: INT_DATES, phase: 'snapshot', debezium: [1002552, -718798], tributary: [-2440588, -719163],
    why: 'BC dates in Debezium\'s snapshot (JDBC) lose their era (4714-11-24 BC becomes AD 4714); its stream and Tributary give the proleptic ISO date',
  },
  {
    column: 'd', rows: [1, 2], modes: ['isostring'], phase: 'stream', debezium: ['-5877611-06-21Z', '-5877611-06-22Z'], tributary: ['infinity', '-infinity'],
    why: 'date ±infinity as IsoDate: the text of the dates above in Debezium; Tributary writes infinity and -infinity, as ZonedTimestamp does',
  },
  {
    column: 'd', rows: [1, 2, 4, 5], modes: ['isostring'], phase: 'snapshot', debezium: ['+292278994-08-16Z', '+292269055-12-02Z', '4714-11-24Z', '0001-12-31Z'], tributary: ['infinity', '-infinity', '-4713-11-24Z', '0000-12-31Z'],
    why: 'IsoDate in Debezium\'s snapshot: the JDBC values above',
  },
  {
    column: 't', rows: [1], modes: ['isostring'], debezium: ['00:00:00Z'], tributary: ['24:00:00Z'],
    why: 'time 24:00:00 (the end of the day) as IsoTime: Debezium wraps it to the start of the day; Tributary keeps it, as every numeric time mode does in Debezium too (86400000000 µs)',
  },
  {
    column: 't3', rows: [1], modes: ['isostring'], debezium: ['00:00:00Z'], tributary: ['24:00:00Z'],
    why: 'as above, for time(3)',
  },
  {
    column: 'ttz', rows: [1, 7], modes: ALL, debezium: ['00:00:00Z', '00:00:00Z'], tributary: ['24:00:00Z', '24:00:00Z'],
    why: 'timetz whose UTC time is 24:00:00 (24:00:00+00, 23:00:00-01): Debezium wraps it to 00:00:00Z, a time PostgreSQL orders at the other end of the day; Tributary keeps 24:00:00Z',
  },
];

let server: PostgresServer;
before(async () => { server = await sharedPostgres(); });

const converter = new JsonConverter();
const TABLE = 'edge';
const ODD_TABLES = ['Mixed Case', 'ünï-cødé.x$y'];

interface Captured {
  readonly topic: string;
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema | null;
  readonly value: { op: string; after: Record<string, unknown> } | null;
}

function fromDebezium(e: DebeziumEvent): Captured {
  const key = converter.toConnectData(e.topic, e.key === null ? null : Buffer.from(e.key));
  const value = converter.toConnectData(e.topic, e.value === null ? null : Buffer.from(e.value));
  return { topic: e.topic, keySchema: key.schema, valueSchema: value.schema, value: value.value as Captured['value'] };
}

function fromTributary(r: SourceRecord): Captured {
  return { topic: r.topic, keySchema: r.keySchema ?? null, valueSchema: r.valueSchema ?? null, value: r.value as Captured['value'] };
}

/** The parts of a schema that must agree (docs and defaults left out). */
function shape(s: Schema | undefined): unknown {
  if (!s) return undefined;
  return {
    type: s.type, optional: s.optional, name: s.name, version: s.version, parameters: s.parameters,
    items: shape(s.items), fields: s.fields?.map((f) => ({ field: f.name, ...(shape(f.schema) as object) })),
  };
}

function rowFields(c: Captured): Map<string, Schema> {
  const after = c.valueSchema?.fields?.find((f) => f.name === 'after')?.schema;
  return new Map((after?.fields ?? []).map((f) => [f.name, f.schema]));
}

/** The edge-table events of one capture by phase and row number (1..8). */
function edgeRows(events: Captured[]): Map<string, Captured> {
  const rows = new Map<string, Captured>();
  for (const e of events) {
    if (!e.topic.endsWith(`.public.${TABLE}`) || e.value === null) continue;
    const id = Number(e.value.after.id);
    const phase: Phase = e.value.op === 'r' ? 'snapshot' : 'stream';
    rows.set(`${phase}:${id > 100 ? id - 100 : id}`, e);
  }
  return rows;
}

function deviationFor(column: string, row: number, mode: string, phase: Phase): { d: Deviation; i: number } | undefined {
  for (const d of DEVIATIONS) {
    const i = d.rows.indexOf(row);
    if (d.column === column && i >= 0 && d.modes.includes(mode) && (d.phase === undefined || d.phase === phase)) return { d, i };
  }
  return undefined;
}

test('PostgreSQL edge values in every value mode, and topic names: Tributary emits what Debezium 3.6.1 emits (or a documented deviation)', { timeout: 600_000 }, async (t) => {
  const db = await server.createDatabase('dbzref');
  await server.query(db, `${edgeTableSql(TABLE)}; ${edgeInsertSql(TABLE, 1)}`);
  for (const [i, name] of ODD_TABLES.entries()) await server.query(db, `CREATE TABLE "${name}" (id int PRIMARY KEY, v text); INSERT INTO "${name}" VALUES (${i + 1}, 'x')`);
  const dir = tempDir('dbz-ref');
  const prefixOf = (mode: string) => (mode === 'defaults' ? 'quickstart' : `ref_${mode}`);
  const engines: Record<string, Record<string, string>> = {};
  const drivers: Record<string, TaskDriver> = {};
  for (const [mode, props] of Object.entries(MODE_SETS)) {
    // one topic prefix per engine: Debezium registers its JMX metrics under it
    const common = { 'topic.prefix': prefixOf(mode), 'table.include.list': 'public\\..*', ...props };
    engines[mode] = debeziumPostgresProperties(server, db, mode, dir.path, common);
    // slots dropped at the end: the shared server has 40, and this test alone takes 16 at once
    drivers[mode] = new TaskDriver(testConfig(server.port, db, { ...common, 'slot.name': `trib_${mode}`, 'publication.name': `trib_pub_${mode}`, 'slot.drop.on.stop': 'true' }));
  }
  const perCapture = EDGE_ROWS + ODD_TABLES.length;
  const capture = DebeziumCapture.start(dir.path, engines);
  try {
    const enough = (n: number) => (events: DebeziumEvent[]) => ALL.every((m) => events.filter((e) => e.engine === m && e.value !== null).length >= n);
    await Promise.all([
      capture.waitFor(enough(perCapture), 300_000, 'Debezium snapshots'),
      ...ALL.map(async (m) => { await drivers[m].start(); await drivers[m].pollUntil((rs) => rs.filter((r) => r.value !== null).length >= perCapture, 120_000, `Tributary snapshot (${m})`); }),
    ]);
    await server.query(db, `${edgeInsertSql(TABLE, 101)}; INSERT INTO "Mixed Case" VALUES (102, 'y')`);
    await Promise.all([
      capture.waitFor(enough(perCapture + EDGE_ROWS + 1), 120_000, 'Debezium stream'),
      ...ALL.map((m) => drivers[m].pollUntil((rs) => rs.filter((r) => r.value !== null).length >= perCapture + EDGE_ROWS + 1, 60_000, `Tributary stream (${m})`)),
    ]);
  } finally {
    await capture.stop();
    for (const d of Object.values(drivers)) await d.stop().catch(() => undefined);
  }
  t.after(() => dir.remove());

  const problems: string[] = [];
  const used = new Set<Deviation>();
  for (const mode of ALL) {
    const dbz = edgeRows(capture.eventsOf(mode).map(fromDebezium));
    const ours = edgeRows(drivers[mode].records.map(fromTributary));
    for (const phase of ['snapshot', 'stream'] as const) {
      for (let row = 1; row <= EDGE_ROWS; row++) {
        const d = dbz.get(`${phase}:${row}`);
        const o = ours.get(`${phase}:${row}`);
        assert.ok(d && o, `${mode} ${phase} row ${row}: captured by both`);
        if (phase === 'snapshot' && row === 1) {
          assert.equal(o.topic, d.topic, `${mode}: topic`);
          assert.equal(o.keySchema?.name, d.keySchema?.name, `${mode}: key schema name`);
        }
        const dFields = rowFields(d);
        const oFields = rowFields(o);
        for (const column of edgeColumnNames()) {
          const where = `${mode} ${phase} row ${row} ${column}`;
          if (row === 1 && phase === 'snapshot') {
            try {
              assert.deepEqual(shape(oFields.get(column)), shape(dFields.get(column)));
            } catch {
              problems.push(`${mode} ${column} schema: Debezium ${JSON.stringify(shape(dFields.get(column)))}, Tributary ${JSON.stringify(shape(oFields.get(column)))}`);
            }
          }
          const dv = comparable(d.value!.after[column]);
          const ov = comparable(o.value!.after[column]);
          const scalar = EDGE_ARRAYS[column];
          if (scalar !== undefined) {
            // array elements convert as the scalar column of the same row does; Debezium's array
            // path (pgjdbc's array parsing) differs for some of these values: reported, not pinned
            const expected = [comparable(o.value!.after[scalar])];
            if (JSON.stringify(ov) !== JSON.stringify(expected)) problems.push(`${where}: Tributary ${JSON.stringify(ov)}, its scalar column gives ${JSON.stringify(expected)}`);
            if (JSON.stringify(dv) !== JSON.stringify(ov)) t.diagnostic(`Debezium array ${where}: ${JSON.stringify(dv)} (Tributary ${JSON.stringify(ov)})`);
            continue;
          }
          const deviation = deviationFor(column, row, mode, phase);
          if (deviation) {
            used.add(deviation.d);
            const want = { debezium: comparable(deviation.d.debezium[deviation.i]), tributary: comparable(deviation.d.tributary[deviation.i]) };
            if (JSON.stringify({ debezium: dv, tributary: ov }) !== JSON.stringify(want)) problems.push(`${where} (deviation "${deviation.d.why.slice(0, 40)}…"): Debezium ${JSON.stringify(dv)}, Tributary ${JSON.stringify(ov)}, pinned ${JSON.stringify(want)}`);
          } else if (JSON.stringify(dv) !== JSON.stringify(ov)) {
            problems.push(`${where}: Debezium ${JSON.stringify(dv)}, Tributary ${JSON.stringify(ov)}`);
          }
        }
      }
    }
  }
  for (const d of DEVIATIONS) if (!used.has(d)) problems.push(`deviation never seen: ${d.column} rows ${d.rows} (${d.why.slice(0, 60)}…)`);
  assert.deepEqual(problems, [], `${problems.length} differences:\n${problems.join('\n')}`);

  // item 16: Kafka's topic characters; the rest become '_' (Debezium logs a warning per table)
  for (const name of ODD_TABLES) {
    const dbzTopics = new Set(capture.eventsOf('defaults').filter((e) => e.value !== null && JSON.parse(e.value).payload.source.table === name).map((e) => e.topic));
    const ourRecords = drivers.defaults.records.filter((r) => r.value !== null && (r.value as { source: { table: string } }).source.table === name);
    assert.equal(dbzTopics.size, 1, `Debezium: one topic for "${name}"`);
    assert.deepEqual([...new Set(ourRecords.map((r) => r.topic))], [...dbzTopics], `topic of "${name}"`);
    const dbzEvent = capture.eventsOf('defaults').find((e) => e.topic === [...dbzTopics][0])!;
    assert.equal(ourRecords[0].keySchema?.name, converter.toConnectData(dbzEvent.topic, Buffer.from(dbzEvent.key!)).schema?.name, `key schema name of "${name}"`);
    assert.equal(ourRecords[0].valueSchema?.name, converter.toConnectData(dbzEvent.topic, Buffer.from(dbzEvent.value!)).schema?.name, `value schema name of "${name}"`);
    assert.match(capture.log, new RegExp(`WARN io\\.debezium\\.schema\\.AbstractTopicNamingStrategy - Topic 'quickstart\\.public\\.${name.replace(/[.$]/g, '\\$&')}' name isn't a valid topic name, replacing it with '${[...dbzTopics][0].replace(/[.$]/g, '\\$&')}'`));
    assert.equal(drivers.defaults.logs.filter((l) => l.startsWith('warn') && l.includes(`quickstart.public.${name}`)).length, 1, `one warning for "${name}"`);
  }
  assert.deepEqual(ODD_TABLES.map((name) => drivers.defaults.records.find((r) => (r.value as { source?: { table: string } } | null)?.source?.table === name)?.topic), ['quickstart.public.Mixed_Case', 'quickstart.public._n_-c_d_.x_y']);
});
