import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeError, ErrorCodes, isRetriable, RetriableError, TributaryError, type ErrorCode } from './errors.js';

describe('error codes', () => {
  it('map to their HTTP status', () => {
    const expected: [ErrorCode, number][] = [
      ['config.invalid', 400],
      ['connector.not_found', 404],
      ['connector.exists', 409],
      ['connector.rebalancing', 503],
      ['plugin.not_found', 404],
      ['plugin.duplicate', 500],
      ['offsets.corrupt', 500],
      ['source.unavailable', 503],
      ['rest.unauthorized', 401],
      ['rest.payload_too_large', 413],
      ['rest.method_not_allowed', 405],
      ['internal', 500],
    ];
    for (const [code, http] of expected) assert.equal(new TributaryError(code, 'm').httpStatus, http, code);
  });

  it('are dotted lower-case names with a valid status and a description', () => {
    for (const [code, info] of Object.entries(ErrorCodes)) {
      assert.match(code, /^[a-z]+(\.[a-z_]+)?$/, code);
      assert.ok(info.http >= 400 && info.http < 600, code);
      assert.ok(info.description.length > 0, code);
    }
  });
});

describe('TributaryError', () => {
  it('carries code, retriable flag from the code, config path, details and cause', () => {
    const cause = new Error('root');
    const e = new TributaryError('config.invalid', 'bad', { configPath: 'tasks.max', cause, details: ['a', 'b'] });
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'TributaryError');
    assert.equal(e.code, 'config.invalid');
    assert.equal(e.message, 'bad');
    assert.equal(e.retriable, false);
    assert.equal(e.configPath, 'tasks.max');
    assert.deepEqual(e.details, ['a', 'b']);
    assert.equal(e.cause, cause);
    assert.equal(new TributaryError('source.connection_lost', 'x').retriable, true);
    assert.equal(new TributaryError('source.connection_lost', 'x', { retriable: false }).retriable, false);
    assert.equal('cause' in new TributaryError('internal', 'x'), false, 'no cause property unless given');
  });

  it('RetriableError is retriable whatever its code says', () => {
    const e = new RetriableError('sink.write_failed', 'busy');
    assert.ok(e instanceof TributaryError);
    assert.equal(e.name, 'RetriableError');
    assert.equal(e.retriable, true);
    assert.equal(e.httpStatus, 500);
    assert.equal(isRetriable(e), true);
  });

  it('isRetriable is false for plain errors and non-retriable codes', () => {
    assert.equal(isRetriable(new Error('x')), false);
    assert.equal(isRetriable('x'), false);
    assert.equal(isRetriable(new TributaryError('task.failed', 'x')), false);
    assert.equal(isRetriable(new TributaryError('worker.stopping', 'x')), true);
  });
});

describe('describeError', () => {
  it('includes the message, details and the cause chain', () => {
    const root = new Error('ECONNREFUSED 127.0.0.1:5432');
    const middle = new TypeError('connect failed', { cause: root });
    const top = new TributaryError('source.unavailable', 'cannot reach postgres', { cause: middle, details: ['host: db', 'port: 5432'] });
    const text = describeError(top);
    const lines = text.split('\n');
    assert.equal(lines[0], 'source.unavailable: cannot reach postgres', 'a trace starts with the code');
    assert.ok(lines.includes('  - host: db'));
    assert.ok(lines.includes('  - port: 5432'));
    const caused = lines.filter((l) => l.startsWith('Caused by: '));
    assert.deepEqual(caused, ['Caused by: TypeError: connect failed', 'Caused by: Error: ECONNREFUSED 127.0.0.1:5432']);
    assert.ok(text.indexOf('  - port: 5432') < text.indexOf('Caused by: TypeError'), 'details come before causes');
  });

  it('puts the code first, then the details, the stack frames and the causes (their codes too)', () => {
    const root = new TributaryError('source.connection_lost', 'PostgreSQL connection lost: terminating connection due to administrator command');
    const top = new TributaryError('task.failed', 'Tolerance exceeded in error handler', { cause: root, details: ['stage: transformation'] });
    const lines = describeError(top).split('\n');
    assert.equal(lines[0], 'task.failed: Tolerance exceeded in error handler');
    assert.equal(lines[1], '  - stage: transformation');
    assert.match(lines[2], /^\s+at /, 'the stack frames follow, without repeating the message');
    assert.ok(!lines.some((l) => l.startsWith('TributaryError')), 'the class name is not the headline');
    assert.ok(lines.includes('Caused by: source.connection_lost: PostgreSQL connection lost: terminating connection due to administrator command'));
    const causeAt = lines.findIndex((l) => l.startsWith('Caused by: '));
    assert.match(lines[causeAt + 1], /^\s+at /, 'the cause keeps its frames');
  });

  it('keeps a multi-line message whole and the class name of errors without a code', () => {
    const multi = new TributaryError('config.invalid', 'The config is invalid:\ntopic: missing');
    assert.deepEqual(describeError(multi).split('\n').slice(0, 2), ['config.invalid: The config is invalid:', 'topic: missing']);
    const plain = new TypeError('x is not a function');
    assert.match(describeError(plain).split('\n')[0], /^TypeError: x is not a function$/);
  });

  it('describes non-Error values and non-Error causes', () => {
    assert.equal(describeError('plain'), 'plain');
    assert.equal(describeError(42), '42');
    const e = new Error('outer', { cause: { code: 'X' } });
    assert.match(describeError(e), /\nCaused by: \[object Object\]$/);
  });

  it('stops following a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const causes = describeError(a).split('\n').filter((l) => l.startsWith('Caused by: '));
    assert.equal(causes.length, 5);
  });
});
