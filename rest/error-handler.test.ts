import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TributaryError } from '../plugins/api/index.js';
import { errorBody, toTributaryError } from './error-handler.js';

describe('error mapping', () => {
  it('maps a TributaryError by its registered HTTP status', () => {
    assert.deepEqual(errorBody(new TributaryError('connector.not_found', 'Connector x not found')), { error_code: 404, message: 'Connector x not found', code: 'connector.not_found' });
    assert.equal(errorBody(new TributaryError('connector.exists', 'exists')).error_code, 409);
    assert.equal(errorBody(new TributaryError('worker.starting', 'starting')).error_code, 503);
  });

  it('adds details the message does not already contain', () => {
    const error = new TributaryError('config.invalid', 'Invalid:\na: bad', { details: ['a: bad', 'b: worse'] });
    assert.equal(errorBody(error).message, 'Invalid:\na: bad\nb: worse');
  });

  it('maps exposed client errors and never echoes a body', () => {
    const parse = Object.assign(new SyntaxError('Unexpected token g in "garbage secret"'), { status: 400, expose: true, type: 'entity.parse.failed' });
    assert.deepEqual(errorBody(toTributaryError(parse)!), { error_code: 400, message: 'Request body is not valid JSON.', code: 'rest.bad_request' });
    const big = Object.assign(new Error('request entity too large'), { status: 413, expose: true, type: 'entity.too.large', limit: 10 });
    assert.equal(toTributaryError(big)!.code, 'rest.payload_too_large');
    const uri = Object.assign(new URIError("Failed to decode param '%E0'"), { status: 400 });
    assert.equal(toTributaryError(uri)!.code, 'rest.bad_request');
  });

  it('leaves anything else to the generic 500', () => {
    assert.equal(toTributaryError(new Error('boom')), undefined);
    assert.equal(toTributaryError(Object.assign(new Error('S3 said 403'), { statusCode: 403 })), undefined);
    assert.equal(toTributaryError(Object.assign(new Error('server side'), { status: 502, expose: false })), undefined);
    assert.equal(toTributaryError('a string'), undefined);
    assert.equal(toTributaryError(null), undefined);
  });
});
