import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { EMPTY_LOB, parseRedo, UNSUPPORTED, type RedoValue } from './redo-parser.js';

interface GoldenCase {
  name: string;
  sql: string;
  expected?: { op: string; owner: string; table: string; new: Record<string, unknown>; old: Record<string, unknown> };
  error?: string;
}

/** our own fixtures in LogMiner's SQL_REDO formats (NO_ROWID_IN_STMT), with the values each must give */
const corpus = JSON.parse(readFileSync(new URL('./test/fixtures/sql-redo-golden.json', import.meta.url), 'utf8')) as GoldenCase[];

const asJson = (v: RedoValue) => (v === UNSUPPORTED ? { $: 'UNSUPPORTED' } : v === EMPTY_LOB ? { $: 'EMPTY_LOB' } : v);
const zip = (names: readonly string[], values: readonly RedoValue[]) => Object.fromEntries(names.map((n, i) => [n, asJson(values[i])]));

describe('SQL_REDO parser: golden corpus', () => {
  for (const c of corpus) {
    test(c.name, () => {
      if (c.error) {
        assert.throws(() => parseRedo(c.sql), (e: Error) => e.name === 'RedoParseError' && e.message.includes(c.error!));
        return;
      }
      const p = parseRedo(c.sql);
      assert.deepEqual({ op: p.op, owner: p.owner, table: p.table, new: zip(p.newColumns, p.newValues), old: zip(p.oldColumns, p.oldValues) }, c.expected);
    });
  }

  test('a CSF-sized statement (pieces joined) parses whole', () => {
    const long = 'x'.repeat(9_000);
    const sql = `insert into "HR"."L"("ID","T") values ('1',${Array.from({ length: 9 }, (_, i) => `'${long.slice(i * 1000, (i + 1) * 1000)}'`).join(' || ')});`;
    assert.equal(parseRedo(sql).newValues[1], long);
  });
});
