import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeLogLevel } from './logger-admin.js';
import { booleanQuery, configFromJson, listQuery, objectBody, taskIdParam } from './request-body.js';
import { offsetsBody } from './routes/connector-offsets-routes.js';
import { samePlugin } from './routes/connector-plugins-routes.js';

describe('request bodies and parameters', () => {
  it('configFromJson turns numbers and booleans into strings and lists every nested value', () => {
    assert.deepEqual(configFromJson({ a: 'x', b: 1, c: 2.5, d: true }, 'config'), { a: 'x', b: '1', c: '2.5', d: 'true' });
    assert.throws(() => configFromJson({ a: { x: 1 }, b: [1], c: null }, 'config'), (e: Error) => /"a".*an object.*"b".*an array.*"c".*null/.test(e.message));
    assert.deepEqual(configFromJson({ a: null }, 'patch', { allowNull: true }), { a: null });
    assert.throws(() => configFromJson([], 'config'), { code: 'rest.bad_request' });
  });

  it('a "__proto__" key stays a plain property', () => {
    const config = configFromJson(JSON.parse('{"__proto__": "x", "a": "b"}'), 'config');
    assert.equal(Object.getPrototypeOf(config), Object.prototype);
    assert.equal(Object.hasOwn(config, '__proto__'), true);
  });

  it('objectBody distinguishes a missing body from a wrong one', () => {
    assert.throws(() => objectBody(undefined, 'X'), { message: 'Request body is missing; expected X.' });
    assert.throws(() => objectBody(null, 'X'), { message: 'Request body must be X, not null.' });
    assert.throws(() => objectBody('s', 'X'), { message: 'Request body must be X, not a string.' });
    assert.deepEqual(objectBody({ a: 1 }, 'X'), { a: 1 });
  });

  it('reads query flags and lists', () => {
    assert.equal(booleanQuery(undefined, 'f', false), false);
    assert.equal(booleanQuery('TRUE', 'f', false), true);
    assert.equal(booleanQuery('false', 'f', true), false);
    assert.equal(booleanQuery('', 'f', true), true);
    assert.equal(booleanQuery(['false', 'true'], 'f', false), true);
    assert.throws(() => booleanQuery('yes', 'f', false), { code: 'rest.bad_request' });
    assert.deepEqual(listQuery(['status', 'info,status ']), ['status', 'info', 'status']);
    assert.deepEqual(listQuery(undefined), []);
  });

  it('task ids are non-negative integers; anything else names no task', () => {
    assert.equal(taskIdParam('c', '0'), 0);
    assert.equal(taskIdParam('c', '12'), 12);
    for (const bad of ['-1', '1.5', 'abc', '1e3', '99999999999']) assert.throws(() => taskIdParam('c', bad), { code: 'task.not_found' });
  });

  it('offsetsBody lists every malformed entry', () => {
    const ok = offsetsBody({ offsets: [{ partition: { a: 1 }, offset: { b: 2 } }, { partition: { a: 2 }, offset: null }] });
    assert.equal(ok.offsets.length, 2);
    assert.throws(() => offsetsBody({ offsets: [] }), { code: 'offsets.invalid' });
    assert.throws(() => offsetsBody({ offsets: [1, { partition: 'p', offset: 3 }, { partition: {} }] }), (e: Error) =>
      /offsets\[0\].*offsets\[1\]\.partition.*offsets\[1\]\.offset.*offsets\[2\]\.offset/.test(e.message),
    );
  });
});

describe('samePlugin', () => {
  it('without a resolver, compares simple class names without Connector suffixes', () => {
    assert.equal(samePlugin('io.tributary.connect.datagen.DatagenConnector', 'datagen'), true);
    assert.equal(samePlugin('io.tributary.connect.stdout.StdoutSinkConnector', 'stdout'), true);
    assert.equal(samePlugin('Datagen', 'datagen'), true);
    assert.equal(samePlugin('stdout', 'datagen'), false);
  });

  it('with a resolver, compares the plugins they resolve to', () => {
    const resolve = (c: string) => ({ 'io.confluent.connect.s3.S3SinkConnector': 'files', files: 'files', datagen: 'datagen' })[c];
    assert.equal(samePlugin('io.confluent.connect.s3.S3SinkConnector', 'files', resolve), true);
    assert.equal(samePlugin('datagen', 'files', resolve), false);
    assert.equal(samePlugin('unknown', 'files', resolve), false);
    assert.equal(samePlugin('datagen', 'unknown', resolve), true);
  });
});

describe('normalizeLogLevel', () => {
  it('accepts log4j and pino spellings in any case', () => {
    assert.equal(normalizeLogLevel('debug'), 'DEBUG');
    assert.equal(normalizeLogLevel(' Warn '), 'WARN');
    assert.equal(normalizeLogLevel('silent'), 'OFF');
    assert.equal(normalizeLogLevel('loud'), undefined);
  });
});
