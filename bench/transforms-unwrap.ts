/**
 * Throughput of ExtractNewRecordState (Debezium unwrap) on 1M change events, printed as records
 * per second. Not a pass/fail test: run with `node --import tsx bench/transforms-unwrap.ts`.
 * Records come from a pool of 10,000 distinct events (inserts, updates, deletes) sharing one
 * envelope schema, as the events of one table do.
 */
import { commonSourceFields, envelopeSchema, Schemas, type Op, type SourceRecord } from '../plugins/api/index.js';
import { buildTransformChain } from '../runtime/transforms/transform-chain.js';

const TOTAL = 1_000_000;
const POOL = 10_000;
const topic = 'bench.public.orders';
const schema = envelopeSchema(
  topic,
  [
    Schemas.field('id', Schemas.int64()),
    Schemas.field('customer', Schemas.string({ optional: true })),
    Schemas.field('total', Schemas.decimal(10, 2, { optional: true })),
    Schemas.field('status', Schemas.string({ optional: true })),
    Schemas.field('created_at', Schemas.microTimestamp({ optional: true })),
  ],
  Schemas.struct([...commonSourceFields, Schemas.field('lsn', Schemas.int64({ optional: true }))], { name: 'io.debezium.connector.postgresql.Source' }),
);

function pool(): SourceRecord[] {
  const out: SourceRecord[] = [];
  for (let i = 0; i < POOL; i++) {
    const op: Op = i % 10 === 9 ? 'd' : i % 3 === 0 ? 'u' : 'c';
    const row = { id: i, customer: `customer-${i % 97}`, total: `${i}.50`, status: 'NEW', created_at: 1_700_000_000_000_000 + i };
    out.push({
      topic,
      keySchema: null,
      key: { id: i },
      valueSchema: schema,
      value: {
        before: op === 'c' ? null : row,
        after: op === 'd' ? null : { ...row, status: 'PAID' },
        source: { version: '0.1.0', connector: 'postgresql', name: 'bench', ts_ms: 1_700_000_000_000, snapshot: 'false', db: 'shop', schema: 'public', table: 'orders', lsn: 1000 + i },
        op,
        ts_ms: 1_700_000_000_100,
      },
      timestamp: 1_700_000_000_000,
      sourcePartition: { server: 'bench' },
      sourceOffset: { lsn: 1000 + i },
      position: String(i).padStart(20, '0'),
      id: `bench-${i}`,
    });
  }
  return out;
}

function run(label: string, config: Record<string, string>, records: readonly SourceRecord[]): void {
  const { chain, errors } = buildTransformChain(config);
  if (Object.keys(errors).length > 0) throw new Error(JSON.stringify(errors));
  let kept = 0;
  for (let i = 0; i < 200_000; i++) if (chain.apply(records[i % POOL]) !== null) kept++; // warm-up
  kept = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < TOTAL; i++) if (chain.apply(records[i % POOL]) !== null) kept++;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = Math.round(TOTAL / seconds);
  console.log(`${label.padEnd(48)} ${TOTAL.toLocaleString('en')} records in ${(seconds * 1000).toFixed(0)} ms = ${rate.toLocaleString('en')} records/s (${kept.toLocaleString('en')} kept)`);
}

const records = pool();
const unwrap = { transforms: 'unwrap', 'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState' };
run('unwrap (defaults: drop deletes)', unwrap, records);
run('unwrap rewrite + add.fields=op,table,lsn,source.ts_ms', { ...unwrap, 'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite', 'transforms.unwrap.add.fields': 'op,table,lsn,source.ts_ms' }, records);
run('unwrap + add.headers=op + RegexRouter', {
  ...unwrap,
  transforms: 'unwrap,route',
  'transforms.unwrap.add.headers': 'op',
  'transforms.route.type': 'RegexRouter',
  'transforms.route.regex': 'bench\\.public\\.(.*)',
  'transforms.route.replacement': 'lake.$1',
}, records);
