import assert from 'node:assert/strict';
import { test } from 'node:test';
import { incrementalText } from './progress-display.js';

test('the live line shows an incremental snapshot: table, chunks, rows, rate, ETA, paused, tables left', () => {
  const running = {
    id: 's1', state: 'running' as const, collections: ['public.items', 'public.orders'], tablesDone: [], rows: 2998, rowsPerSecond: 15218.4, etaSeconds: 0.4,
    current: { table: 'public.items', chunks: 12, chunksTotal: 80, rows: 2998, estimatedRows: 19986, rowsPerSecond: 15218.4, etaSeconds: 0.4 },
  };
  assert.equal(incrementalText(running), 'incremental snapshot public.items chunk 12/80 (+1 table), 2998 rows at 15218 rows/s, ETA 1 s');
  assert.equal(incrementalText({ ...running, state: 'paused', collections: ['public.items'], etaSeconds: null, current: { ...running.current, chunksTotal: null } }),
    'incremental snapshot (paused) public.items chunk 12, 2998 rows at 15218 rows/s');
});
