import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../plugins/api/index.js';
import { ChunkQueuePool, type ChunkBounds } from '../plugins/cdc/index.js';
import { BinlogPosition } from '../connectors/source/mysql/binlog-position.js';
import { mysqlChunkReader } from '../connectors/source/mysql/chunk-reader.js';
import { MySqlChunks, type BinlogPoint, type MySqlChunkTable } from '../connectors/source/mysql/incremental-chunks.js';
import { connect } from '../connectors/source/mysql/mysql-connection.js';
import { mysqlConfigSpec, type MySqlConfig } from '../connectors/source/mysql/mysql-config-spec.js';
import { mysqlTableFilter } from '../connectors/source/mysql/mysql-table-filter.js';
import { recordSettings } from '../connectors/source/mysql/record-settings.js';
import { mysqlTestConfig } from '../connectors/source/mysql/test/task-driver.js';
import { TYPE_COLUMNS, typeInsertSql, typeTableSql } from '../connectors/source/mysql/test/type-cases.js';
import { sharedMariaDb, type MariaDbServer } from './harness/mariadb-server.js';
import { startRedis, type RedisServer } from './harness/redis-server.js';

/**
 * The MySQL chunk codec on what the real server gives: the type table (every type the source
 * maps, edge values and NULLs) and a table of doubles and floats, read by MySqlChunks.readChunk
 * on the source's own connection options, then carried as a chunk reader does it — through the
 * codec, and through the chunk queue on a private Redis (a reader's MySqlChunks of its own): the
 * rows, key texts, window keys and the records built from them equal those read directly.
 */
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const metrics = { setGauge() {}, observe() {}, incCounter() {} };
const bits = (x: number) => Buffer.from(new Float64Array([x]).buffer).toString('hex');
const point: BinlogPoint = { txStart: new BinlogPosition('mariadb-bin.000001', 4), event: 0, row: 0, file: 'mariadb-bin.000001', pos: 4, gtid: null, gtids: null, tsMs: 1_700_000_000_000 };

let server: MariaDbServer;
let redis: RedisServer;
before(async () => { [server, redis] = await Promise.all([sharedMariaDb(), startRedis()]); });
after(async () => { await redis?.close(); });

function chunksOf(config: MySqlConfig): MySqlChunks {
  return new MySqlChunks({ settings: recordSettings(config, 'mariadb', 1), filter: mysqlTableFilter(config), mapping: config, signalTable: null, connect: () => connect(config), signal: new AbortController().signal });
}

async function tableOf(chunks: MySqlChunks, name: string): Promise<MySqlChunkTable> {
  const described = await chunks.describe(name);
  assert.ok('table' in described, JSON.stringify(described));
  return described.table;
}

describe('MySQL chunk codec on MariaDB', () => {
  it('every type of the type table, and doubles bit for bit, come back exactly: through the codec and through the chunk queue', async () => {
    const db = await server.createDatabase('chunkcodec');
    await server.query(db, typeTableSql('types'));
    await server.query(db, typeInsertSql('types', 1));
    await server.query(db, 'CREATE TABLE doubles (id INT PRIMARY KEY, d DOUBLE, f FLOAT, dp DOUBLE(20,10))');
    const doubles = [0.1, 1 / 3, -2.5e-300, 2.2250738585072014e-308, 1.7976931348623157e308, 123456789.98765432, -0.0000123, 2 ** 53 + 2, 0];
    for (const [i, d] of doubles.entries()) await server.query(db, 'INSERT INTO doubles VALUES (?, ?, ?, ?)', [i + 1, d, d > 3e38 || (d !== 0 && Math.abs(d) < 1e-38) ? null : d, Math.abs(d) < 1e9 ? d : null]);
    await server.query(db, 'INSERT INTO doubles VALUES (100, -0e0, -0e0, NULL)');
    const config = parseConfig(mysqlConfigSpec, mysqlTestConfig(server.port, db)).value as MySqlConfig;
    const coordinator = chunksOf(config);
    const queue = { url: redis.url, name: 'chunks-codec-test', leaseMs: 2000, chunkSize: 1000, maxRowsPerSecond: 0 };
    const pool = new ChunkQueuePool({ ...queue, codec: coordinator.codec, metricPrefix: 'mysql', logger: silent, metrics });
    const reader = mysqlChunkReader({ config, flavour: 'mariadb', connectorName: 'codec', taskId: 1, logger: silent, metrics, signal: new AbortController().signal, connect: () => connect(config) }, queue);
    reader.start();
    try {
      for (const name of [`${db}.types`, `${db}.doubles`]) {
        const table = await tableOf(coordinator, name);
        const all: ChunkBounds = { after: null, upTo: (await coordinator.maxKey(table, null))!, limit: null, condition: null };
        const direct = await coordinator.readChunk(table, all);
        assert.ok(direct.length >= 3, name);
        const decoded = coordinator.codec.decode(table, coordinator.codec.encode(direct.map((r) => r.row)));
        assert.deepStrictEqual(decoded, direct, `${name}: through the codec`);
        // two ranges: the first row, and the rest
        const [first, second] = await pool.readRanges(table, [{ ...all, limit: 1 }, { ...all, after: direct[0].row.keyTexts }], `w-${name}`);
        const queued = [...first, ...second];
        assert.deepStrictEqual(queued, direct, `${name}: through the chunk queue`);
        // the records task 0 builds from them are the same
        const build = coordinator.chunkRecords(table, point);
        const offset = coordinator.pointOf(point).offset;
        // (their envelopes' ts_ms is the clock's: compared are the key and the row)
        const records = (rows: typeof direct) => rows.map((r, i) => build(r.row.values, String(i), offset)).map((rec) => ({ key: rec.key, after: (rec.value as { after: unknown }).after, id: rec.id }));
        assert.deepStrictEqual(records(queued), records(direct), `${name}: records`);
        if (name.endsWith('.types')) {
          assert.deepEqual(TYPE_COLUMNS.map((c) => c.column).filter((c) => !(c in queued[0].row.values)), [], 'every type column read');
          for (const c of ['bn', 'vb', 'bl', 'b1', 'b10', 'b64', 'g']) assert.ok(Buffer.isBuffer(queued[0].row.values[c]), `${c} as a Buffer`);
          assert.equal(queued[0].row.values.biu, '18446744073709551615');
          assert.equal(queued[0].row.values.dc, '12345678901234567890.0123456789');
          assert.equal(queued[2].row.values.js, null);
        } else {
          const byId = new Map(queued.map((r) => [r.row.values.id as number, r.row.values]));
          for (const [i, d] of doubles.entries()) assert.equal(bits(byId.get(i + 1)!.d as number), bits(d), `double ${d}`);
          // MariaDB stores -0e0 as 0 (mysql2 reads "0"): the codec carries what the server gives (-0 itself: the unit test)
          assert.equal(bits(byId.get(100)!.d as number), bits(direct.find((r) => r.row.values.id === 100)!.row.values.d as number), 'the server\'s -0e0 as read');
        }
      }
    } finally {
      await reader.close();
      await pool.close();
      await coordinator.release();
    }
  });
});
