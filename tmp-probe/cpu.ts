import { datagenOptions, datagenRecords } from '../connectors/sink/files/test/sink-fixtures.js';
import { startSinkTask } from '../connectors/sink/clickhouse/test/task-driver.js';
import { startClickHouse } from '../integration-tests/harness/clickhouse-server.js';
const server = await startClickHouse();
const opts = datagenOptions('t', { ops: (process.env.OPS ?? 'insert') as 'insert' });
const database = await server.createDatabase('bench');
const { task } = await startSinkTask(server.url, database, { 'insert.mode': process.env.MODE ?? 'append', 'batch.size': '100000', 'linger.ms': '1000', compression: process.env.GZ ?? 'false' });
const N = Number(process.env.N ?? 500000);
let cpu = 0;
for (let i = 1; i <= N; i += 5000) { const recs = datagenRecords(i, i + 4999, opts, 1); const a = process.cpuUsage(); await task.put(recs); const d = process.cpuUsage(a); cpu += d.user + d.system; }
await task.flush();
console.log(process.env.MODE ?? 'append', 'gz', process.env.GZ ?? 'false', 'put cpu µs/row', (cpu / N).toFixed(2), '→ rows/s per core', Math.round(N / (cpu / 1e6)));
await task.stop();
await server.remove();
