import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { goldenShape } from '../test/golden-shape.js';
import { installScript, mysqlDialect, oracleDialect } from './trigger-dialect.js';

const fixture = (name: string) => readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url), 'utf8');

/**
 * The install scripts, pinned: the MySQL dialect's also runs for real against MariaDB
 * (integration-tests/oceanbase-trigger-mariadb.test.ts); the Oracle-mode one has never met an
 * OceanBase server, so this golden text is what a reviewer checks it against.
 */
describe('trigger install scripts', () => {
  test('Oracle mode: sequence (NOCACHE ORDER), change table, one compound row trigger writing TO_CHAR images as JSON', () => {
    assert.equal(installScript(oracleDialect, 'INVENTORY', 'TRIBUTARY_CHANGES', [goldenShape]), fixture('oracle-trigger-install.sql'));
  });

  test('MySQL dialect: AUTO_INCREMENT change table, three AFTER triggers', () => {
    assert.equal(installScript(mysqlDialect, 'inventory', 'TRIBUTARY_CHANGES', [goldenShape]), fixture('mysql-trigger-install.sql'));
  });

  test('the change table is read in sequence order, after the cursor, bounded', () => {
    assert.equal(oracleDialect.readSql('INVENTORY', 'TRIBUTARY_CHANGES', 100),
      'SELECT "SEQ", "TABLE_SCHEMA", "TABLE_NAME", "OP", "BEFORE_IMAGE", "AFTER_IMAGE", "TX_ID", TO_CHAR("CHANGED_AT" AT TIME ZONE \'UTC\', \'YYYY-MM-DD HH24:MI:SS.FF6\') AS "CHANGED_AT" FROM "INVENTORY"."TRIBUTARY_CHANGES" WHERE "SEQ" > ? ORDER BY "SEQ" FETCH FIRST 100 ROWS ONLY');
    assert.equal(oracleDialect.deleteSql('INVENTORY', 'TRIBUTARY_CHANGES', 3), 'DELETE FROM "INVENTORY"."TRIBUTARY_CHANGES" WHERE "SEQ" IN (?, ?, ?)');
  });
});
