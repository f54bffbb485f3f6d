import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TributaryError } from '../../plugins/api/index.js';
import { hasProviderReference, providerError, resolveConfigProviders } from './config-providers.js';

const secrets = fileURLToPath(new URL('./test/fixtures/secrets.properties', import.meta.url));
const token = fileURLToPath(new URL('./test/fixtures/token.txt', import.meta.url));
const missing = fileURLToPath(new URL('./test/fixtures/no-such-file.properties', import.meta.url));

describe('resolveConfigProviders', () => {
  it('resolves ${env:NAME} from the given environment', () => {
    const { config, errors } = resolveConfigProviders({ 'database.user': '${env:PGUSER}' }, { PGUSER: 'replicator' });
    assert.deepEqual(config, { 'database.user': 'replicator' });
    assert.deepEqual(errors, {});
  });

  it('resolves ${file:/path:key} from a properties file', () => {
    const { config, errors } = resolveConfigProviders({ pw: `\${file:${secrets}:db.password}`, user: `\${file:${secrets}:db.user}`, e: `\${file:${secrets}:empty}` }, {});
    assert.deepEqual(config, { pw: 's3cr=t', user: 'reader', e: '' });
    assert.deepEqual(errors, {});
  });

  it('resolves ${file:/path} to the whole file, trimmed', () => {
    assert.deepEqual(resolveConfigProviders({ token: `\${file:${token}}` }, {}).config, { token: 'tok-en' });
  });

  it('resolves several references in one value and keeps the text around them', () => {
    const { config } = resolveConfigProviders({ url: `postgres://\${env:U}:\${file:${secrets}:db.password}@\${env:H}/db` }, { U: 'u', H: 'host' });
    assert.deepEqual(config, { url: 'postgres://u:s3cr=t@host/db' });
  });

  it('leaves values without references untouched', () => {
    const input = { a: 'plain', b: '$notref', c: '${unknown:X}', d: '{env:X}', e: '' };
    const { config, errors } = resolveConfigProviders(input, {});
    assert.deepEqual(config, input);
    assert.deepEqual(errors, {});
  });

  it('reports every unresolvable reference keyed by property, keeping the reference text', () => {
    const { config, errors } = resolveConfigProviders(
      {
        a: '${env:NOPE}',
        b: `\${file:${missing}:k}`,
        c: `\${file:${secrets}:no.such.key}`,
        d: `x\${env:NOPE}y\${env:ALSO_NOPE}`,
        e: `\${file:${missing}}`,
        ok: '${env:YES}',
      },
      { YES: '1' },
    );
    assert.deepEqual(Object.keys(errors).sort(), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(errors.a, ['${env:NOPE}: environment variable NOPE is not set']);
    assert.equal(errors.b.length, 1);
    assert.ok(errors.b[0].startsWith(`\${file:${missing}:k}: cannot read ${missing}:`), errors.b[0]);
    assert.deepEqual(errors.c, [`\${file:${secrets}:no.such.key}: ${secrets} has no key "no.such.key"`]);
    assert.deepEqual(errors.d, ['${env:NOPE}: environment variable NOPE is not set', '${env:ALSO_NOPE}: environment variable ALSO_NOPE is not set']);
    assert.equal(errors.e.length, 1);
    assert.match(errors.e[0], /ENOENT/);
    assert.equal(config.a, '${env:NOPE}');
    assert.equal(config.d, 'x${env:NOPE}y${env:ALSO_NOPE}');
    assert.equal(config.ok, '1');
  });

  it('does not change the input config', () => {
    const input = { a: '${env:X}' };
    resolveConfigProviders(input, { X: 'y' });
    assert.deepEqual(input, { a: '${env:X}' });
  });
});

describe('hasProviderReference', () => {
  it('spots references, repeatedly (no regex state leaks between calls)', () => {
    for (let i = 0; i < 3; i++) {
      assert.equal(hasProviderReference('${env:X}'), true);
      assert.equal(hasProviderReference(`pre \${file:${secrets}:k} post`), true);
      assert.equal(hasProviderReference('plain'), false);
    }
  });
});

describe('providerError', () => {
  it('lists every problem as property: message', () => {
    const e = providerError({ a: ['m1', 'm2'], b: ['m3'] });
    assert.ok(e instanceof TributaryError);
    assert.equal(e.code, 'config.provider_failed');
    assert.deepEqual(e.details, ['a: m1', 'a: m2', 'b: m3']);
    assert.equal(e.message, 'Config references could not be resolved: a: m1; a: m2; b: m3');
  });
});
