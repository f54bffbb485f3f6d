import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TributaryError } from '../../plugins/api/index.js';
import { envNameOf, loadWorkerConfig } from './worker-config.js';

function invalidDetails(fileProps: Record<string, string>, env: Record<string, string> = {}): string[] {
  try {
    loadWorkerConfig(fileProps, env);
  } catch (e) {
    assert.ok(e instanceof TributaryError);
    assert.equal(e.code, 'worker.config_invalid');
    assert.equal(e.message, `The worker configuration is invalid:\n${e.details.map((d) => `  - ${d}`).join('\n')}`);
    return [...e.details];
  }
  assert.fail('expected worker.config_invalid');
}

describe('loadWorkerConfig', () => {
  it('applies the defaults, with the offset file under state.dir', () => {
    const { config, raw, unknown } = loadWorkerConfig({}, {});
    assert.deepEqual(config, {
      'state.dir': '.tributary',
      'offset.storage.file.filename': join('.tributary', 'connect.offsets'),
      'offset.flush.interval.ms': 60000,
      'offset.flush.timeout.ms': 5000,
      listeners: ['http://127.0.0.1:8083'],
      'rest.port': undefined,
      'rest.host.name': undefined,
      'rest.advertised.host.name': undefined,
      'rest.advertised.port': undefined,
      'rest.advertised.listener': undefined,
      'rest.enabled': true,
      'rest.auth.type': 'none',
      'rest.auth.basic.users': undefined,
      'rest.auth.bearer.token': undefined,
      'rest.max.body.bytes': 1048576,
      'plugin.path': [],
      'task.shutdown.graceful.timeout.ms': 10000,
      'bus.buffer.batches': 16,
      'worker.id': undefined,
      'key.converter': undefined,
      'value.converter': undefined,
      'bootstrap.servers': [],
      'group.id': undefined,
      'topic.tracking.enable': true,
      'topic.tracking.allow.reset': true,
      'log.level': 'info',
    });
    assert.deepEqual(raw, {});
    assert.deepEqual(unknown, []);
  });

  it('puts the default offset file under a configured state.dir and keeps an explicit one', () => {
    assert.equal(loadWorkerConfig({ 'state.dir': '/var/lib/tributary' }, {}).config['offset.storage.file.filename'], '/var/lib/tributary/connect.offsets');
    assert.equal(loadWorkerConfig({ 'state.dir': '/s', 'offset.storage.file.filename': '/o/offsets' }, {}).config['offset.storage.file.filename'], '/o/offsets');
  });

  it('lets TRIBUTARY_* environment variables override file properties', () => {
    const { config, raw } = loadWorkerConfig(
      { 'offset.flush.interval.ms': '1000', 'plugin.path': '/a' },
      { TRIBUTARY_OFFSET_FLUSH_INTERVAL_MS: '250', TRIBUTARY_PLUGIN_PATH: '/b,/c', TRIBUTARY_STATE_DIR: '/state', TRIBUTARY_LOG_LEVEL: 'debug', UNRELATED: 'x' },
    );
    assert.equal(config['offset.flush.interval.ms'], 250);
    assert.deepEqual(config['plugin.path'], ['/b', '/c']);
    assert.equal(config['state.dir'], '/state');
    assert.equal(config['offset.storage.file.filename'], '/state/connect.offsets');
    assert.equal(config['log.level'], 'debug');
    assert.equal(raw['offset.flush.interval.ms'], '250');
    assert.equal('UNRELATED' in raw, false);
  });

  it('names environment variables after properties', () => {
    assert.equal(envNameOf('offset.flush.interval.ms'), 'TRIBUTARY_OFFSET_FLUSH_INTERVAL_MS');
    assert.equal(envNameOf('rest.auth.basic.users'), 'TRIBUTARY_REST_AUTH_BASIC_USERS');
    assert.equal(envNameOf('task.shutdown-graceful'), 'TRIBUTARY_TASK_SHUTDOWN_GRACEFUL');
  });

  it('resolves config providers in worker properties', () => {
    const { config } = loadWorkerConfig({ 'rest.auth.type': 'bearer', 'rest.auth.bearer.token': '${env:TOKEN}' }, { TOKEN: 't0k' });
    assert.equal(config['rest.auth.bearer.token'], 't0k');
  });

  it('lists an unresolvable reference as a problem', () => {
    assert.deepEqual(invalidDetails({ 'worker.id': '${env:MISSING}' }), ['worker.id: ${env:MISSING}: environment variable MISSING is not set']);
  });

  it('lists every problem of an invalid config in one error', () => {
    const details = invalidDetails({ listeners: 'ftp://example', 'offset.flush.interval.ms': 'soon', 'rest.auth.type': 'basic' });
    assert.deepEqual(details.sort(), [
      'listeners: Listener "ftp://example" is not of the form http://host:port.',
      'offset.flush.interval.ms: Invalid value "soon" for configuration offset.flush.interval.ms: must be an integer',
      'rest.auth.basic.users: rest.auth.type=basic needs rest.auth.basic.users',
    ]);
  });

  it('lists several property problems and cross-field problems of a config', () => {
    assert.deepEqual(invalidDetails({ 'rest.port': '70000', 'bus.buffer.batches': '0', 'log.level': 'loud' }), [
      'rest.port: Invalid value "70000" for configuration rest.port: must be at most 65535',
      'log.level: Invalid value "loud" for configuration log.level: must be one of: trace, debug, info, warn, error, fatal, silent',
      'bus.buffer.batches: Invalid value "0" for configuration bus.buffer.batches: must be at least 1',
    ]);
    assert.deepEqual(invalidDetails({ listeners: 'http://a:1,localhost:8083', 'rest.auth.type': 'bearer' }), [
      'rest.auth.bearer.token: rest.auth.type=bearer needs rest.auth.bearer.token',
      'listeners: Listener "localhost:8083" is not of the form http://host:port.',
    ]);
  });

  it('accepts listeners with a host name, an IPv4 or a bracketed IPv6 address', () => {
    const { config } = loadWorkerConfig({ listeners: 'http://0.0.0.0:0, http://localhost:8083/, http://[::1]:8083' }, {});
    assert.deepEqual(config.listeners, ['http://0.0.0.0:0', 'http://localhost:8083/', 'http://[::1]:8083']);
  });

  it('refuses at load time the listeners the REST server cannot serve (https, no port)', () => {
    assert.deepEqual(invalidDetails({ listeners: 'https://example.com:8443' }).length, 1);
    assert.deepEqual(invalidDetails({ listeners: 'http://example.com' }).length, 1);
  });

  it("reads Kafka Connect's rest.advertised.* (the listener is a scheme, in any case) and refuses values it cannot use", () => {
    const { config } = loadWorkerConfig({ 'rest.advertised.host.name': 'connect.example.com', 'rest.advertised.port': '443', 'rest.advertised.listener': 'HTTPS' }, {});
    assert.deepEqual([config['rest.advertised.host.name'], config['rest.advertised.port'], config['rest.advertised.listener']], ['connect.example.com', 443, 'https']);
    const details = invalidDetails({ 'rest.advertised.port': '0', 'rest.advertised.listener': 'ftp' });
    assert.ok(details.some((d) => d.startsWith('rest.advertised.port: ')), details.join('\n'));
    assert.ok(details.some((d) => d.startsWith('rest.advertised.listener: ')), details.join('\n'));
  });

  it('turns the rest.port shorthand into the listener', () => {
    assert.deepEqual(loadWorkerConfig({ 'rest.port': '9000' }, {}).config.listeners, ['http://127.0.0.1:9000']);
    assert.deepEqual(loadWorkerConfig({}, { TRIBUTARY_REST_PORT: '0' }).config.listeners, ['http://127.0.0.1:0']);
    assert.deepEqual(loadWorkerConfig({ 'rest.host.name': '0.0.0.0', 'rest.port': '8084' }, {}).config.listeners, ['http://0.0.0.0:8084']);
  });

  it('rest.port overrides only the port of listeners, rest.host.name only the host', () => {
    assert.deepEqual(loadWorkerConfig({ listeners: 'http://0.0.0.0:8083', 'rest.port': '9000' }, {}).config.listeners, ['http://0.0.0.0:9000']);
    assert.deepEqual(loadWorkerConfig({ listeners: 'http://127.0.0.1:9999', 'rest.host.name': '0.0.0.0' }, {}).config.listeners, ['http://0.0.0.0:9999']);
  });

  it('reports unknown file properties, tolerating Kafka Connect client and provider prefixes', () => {
    const { unknown } = loadWorkerConfig({ 'foo.bar': '1', 'consumer.max.poll.records': '5', 'producer.acks': 'all', 'config.providers': 'file', 'config.providers.file.class': 'x', 'state.dir': '/s' }, {});
    assert.deepEqual(unknown, ['foo.bar']);
  });
});
