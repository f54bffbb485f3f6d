import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { parseListener, startRestServer } from './server.js';
import { FakeHerder } from './test/fake-herder.js';
import { FakeLoggerAdmin } from './test/fake-logger-admin.js';
import { silentLogger } from './test/silent-logger.js';

const base = () => ({ herder: new FakeHerder(), metrics: new Registry(), loggers: new FakeLoggerAdmin(), version: '0.1.0', logger: silentLogger });

describe('parseListener', () => {
  it('reads Kafka Connect listener strings', () => {
    assert.deepEqual(parseListener('http://127.0.0.1:8083'), { host: '127.0.0.1', port: 8083 });
    assert.deepEqual(parseListener(' HTTP://localhost:0/ '), { host: 'localhost', port: 0 });
    assert.deepEqual(parseListener('http://:8083'), { host: undefined, port: 8083 });
    assert.deepEqual(parseListener('http://[::1]:8083'), { host: '::1', port: 8083 });
  });

  it('refuses what it cannot serve, saying why', () => {
    assert.throws(() => parseListener('https://0.0.0.0:8443'), { code: 'worker.config_invalid', message: /only http listeners/ });
    assert.throws(() => parseListener('127.0.0.1:8083'), { code: 'worker.config_invalid' });
    assert.throws(() => parseListener('http://host'), { code: 'worker.config_invalid' });
    assert.throws(() => parseListener('http://host:70000'), { code: 'worker.config_invalid' });
  });
});

describe('startRestServer', () => {
  it('serves the same API on every listener and stops on close()', async () => {
    const options = base();
    const server = await startRestServer({ ...options, listeners: ['http://127.0.0.1:0', 'http://127.0.0.1:0'] });
    assert.equal(server.urls.length, 2);
    assert.notEqual(server.urls[0], server.urls[1]);
    for (const url of server.urls) {
      const res = await fetch(`${url}/`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { version: string }).version, '0.1.0');
    }
    // An idle keep-alive connection must not hold close() up.
    await server.close();
    await server.close();
    await assert.rejects(fetch(`${server.urls[0]}/`));
    options.herder.close();
  });

  it('accepts a comma-separated listener string', async () => {
    const server = await startRestServer({ ...base(), listeners: 'http://127.0.0.1:0, http://127.0.0.1:0' });
    assert.equal(server.urls.length, 2);
    await server.close();
  });

  it('fails with worker.config_invalid when a port is taken, and releases the ports it opened', async () => {
    const first = await startRestServer({ ...base(), listeners: 'http://127.0.0.1:0' });
    const taken = first.urls[0]!;
    await assert.rejects(startRestServer({ ...base(), listeners: ['http://127.0.0.1:0', taken] }), { code: 'worker.config_invalid', message: /could not start/ });
    await first.close();
    await assert.rejects(startRestServer({ ...base(), listeners: [] }), { code: 'worker.config_invalid' });
  });
});
