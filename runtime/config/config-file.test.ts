import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TributaryError } from '../../plugins/api/index.js';
import { readConfigFile, stringifyValues } from './config-file.js';

const fixture = (name: string) => fileURLToPath(new URL(`./test/fixtures/${name}`, import.meta.url));

function configInvalid(pattern: RegExp) {
  return (e: unknown) => e instanceof TributaryError && e.code === 'config.invalid' && pattern.test(e.message);
}

describe('readConfigFile', () => {
  it('reads a flat JSON object, turning scalars into strings and dropping nulls', () => {
    assert.deepEqual(readConfigFile(fixture('flat.json')), { name: 'orders-source', 'connector.class': 'datagen', 'tasks.max': '2', 'print.key': 'true' });
  });

  it("reads Kafka Connect's {name, config} REST body", () => {
    assert.deepEqual(readConfigFile(fixture('rest-body.json')), { 'connector.class': 'stdout', topics: 'orders', 'consumer.max.poll.records': '500', name: 'orders-sink' });
  });

  it('refuses nested values, naming every one', () => {
    assert.throws(() => readConfigFile(fixture('nested.json')), (e: unknown) => {
      assert.ok(e instanceof TributaryError);
      assert.equal(e.code, 'config.invalid');
      assert.deepEqual(e.details, ['transforms: nested values are not allowed; properties are flat strings', 'topics: nested values are not allowed; properties are flat strings']);
      return true;
    });
  });

  it('reads a .properties file, leaving provider references unresolved', () => {
    assert.deepEqual(readConfigFile(fixture('connector.properties')), {
      name: 'orders-source',
      'connector.class': 'io.tributary.connect.datagen.DatagenConnector',
      'tasks.max': '1',
      topic: 'orders',
      'database.password': '${file:/etc/secrets.properties:db.password}',
    });
  });

  it('refuses unreadable files, invalid JSON and non-object JSON with config.invalid', () => {
    assert.throws(() => readConfigFile(fixture('missing.json')), configInvalid(/^Cannot read config file .*missing\.json/));
    assert.throws(() => readConfigFile(fixture('broken.json')), configInvalid(/is not valid JSON/));
    assert.throws(() => readConfigFile(fixture('array.json')), configInvalid(/must hold a JSON object/));
  });
});

describe('stringifyValues', () => {
  it('names the origin in its error', () => {
    assert.throws(() => stringifyValues({ a: { b: 1 } }, 'PUT /connectors/x/config'), configInvalid(/^Invalid config in PUT \/connectors\/x\/config: a: nested/));
    assert.deepEqual(stringifyValues({ a: 1, b: false, c: 'x', d: undefined }, 'o'), { a: '1', b: 'false', c: 'x' });
  });
});
