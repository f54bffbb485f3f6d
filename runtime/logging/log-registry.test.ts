import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TributaryError } from '../../plugins/api/index.js';
import { LogRegistry } from './log-registry.js';

/** A registry writing to memory; `lines()` are the parsed JSON log lines. */
function registry(level = 'info') {
  const chunks: string[] = [];
  const destination = { write: (chunk: string) => void chunks.push(chunk) } as unknown as NodeJS.WritableStream;
  const logs = new LogRegistry({ level, destination });
  const lines = () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logs, lines };
}

describe('LogRegistry', () => {
  it('gives named loggers that carry their name and bindings, cached per name and bindings', () => {
    const { logs, lines } = registry();
    const a = logs.get('connectors.pg', { connector: 'pg', task: 0 });
    assert.equal(logs.get('connectors.pg', { connector: 'pg', task: 0 }), a);
    assert.notEqual(logs.get('connectors.pg', { connector: 'pg', task: 1 }), a);
    a.info({ table: 'orders' }, 'snapshot started');
    const [line] = lines();
    assert.equal(line.logger, 'connectors.pg');
    assert.equal(line.connector, 'pg');
    assert.equal(line.task, 0);
    assert.equal(line.table, 'orders');
    assert.equal(line.msg, 'snapshot started');
    assert.equal(typeof line.time, 'string');
  });

  it('applies a level to a name and every name below it, not to siblings', () => {
    const { logs } = registry();
    const pg = logs.get('connectors.pg');
    const pgTask = logs.get('connectors.pg.task', { task: 0 });
    const pgx = logs.get('connectors.pgx');
    const runtime = logs.get('runtime');
    assert.deepEqual(logs.setLevel('connectors.pg', 'DEBUG'), ['connectors.pg', 'connectors.pg.task']);
    assert.equal(pg.level, 'debug');
    assert.equal(pgTask.level, 'debug');
    assert.equal(pgx.level, 'info', 'a name sharing a prefix is not below it');
    assert.equal(runtime.level, 'info');
    assert.equal(logs.get('connectors.pg.snapshot').level, 'debug', 'loggers made later inherit too');
  });

  it('lets the most specific level win, and root reach everything', () => {
    const { logs } = registry();
    const deep = logs.get('connectors.pg.task');
    const other = logs.get('runtime.worker');
    logs.setLevel('connectors', 'warn');
    logs.setLevel('connectors.pg', 'trace');
    assert.equal(deep.level, 'trace');
    assert.equal(logs.get('connectors.mysql').level, 'warn');
    const affected = logs.setLevel('root', 'error');
    assert.deepEqual(affected, ['connectors.mysql', 'connectors.pg.task', 'root', 'runtime.worker']);
    assert.equal(other.level, 'error');
    assert.equal(deep.level, 'trace', 'a level set on a closer name still applies');
    assert.equal(logs.root.level, 'error');
  });

  it('reports levels in log4j spelling with their modification time', () => {
    const { logs } = registry('warn');
    logs.get('runtime');
    const before = Date.now();
    logs.setLevel('connectors', 'OFF');
    const levels = logs.levels();
    assert.deepEqual(Object.keys(levels), ['connectors', 'root', 'runtime']);
    assert.deepEqual(levels.root, { level: 'WARN', last_modified: null });
    assert.deepEqual(levels.runtime, { level: 'WARN', last_modified: null });
    assert.equal(levels.connectors.level, 'OFF');
    assert.ok(levels.connectors.last_modified! >= before);
  });

  it('OFF silences a logger', () => {
    const { logs, lines } = registry();
    const quiet = logs.get('connectors.noisy');
    const loud = logs.get('connectors.other');
    logs.setLevel('connectors.noisy', 'off');
    assert.equal(quiet.level, 'silent');
    quiet.error('dropped');
    loud.error('kept');
    assert.deepEqual(lines().map((l) => l.msg), ['kept']);
  });

  it('drops lines below the level and keeps those at or above it', () => {
    const { logs, lines } = registry('info');
    const l = logs.get('runtime');
    l.debug('hidden');
    l.info('shown');
    logs.setLevel('runtime', 'debug');
    l.debug('now shown');
    assert.deepEqual(lines().map((x) => x.msg), ['shown', 'now shown']);
  });

  it('refuses an invalid level with a RangeError, changing nothing', () => {
    const { logs } = registry();
    const l = logs.get('runtime');
    assert.throws(() => logs.setLevel('runtime', 'verbose'), (e: unknown) => e instanceof RangeError && /Invalid log level "verbose"/.test(e.message));
    assert.equal(l.level, 'info');
    assert.equal(logs.levels().runtime.last_modified, null);
  });

  it('renders an error given as err as its trace, and the code of a TributaryError as a field of the line', () => {
    const { logs, lines } = registry();
    const l = logs.get('connectors.pg', { connector: 'pg', task: 0 });
    const lost = new TributaryError('source.connection_lost', 'PostgreSQL connection lost: server closed the connection', { cause: new Error('ECONNRESET') });
    l.warn({ err: lost, attempt: 2 }, 'replication connection lost; reconnecting');
    l.error(new TributaryError('sink.unavailable', 'S3 answered 503'));
    l.error({ err: new Error('plain bug') }, 'unexpected');
    l.info({ code: 'kept', err: 'already text' }, 'strings pass through');
    const [warn, bare, plain, text] = lines();
    assert.equal(warn.code, 'source.connection_lost');
    assert.equal(warn.attempt, 2);
    assert.equal(warn.connector, 'pg');
    assert.match(String(warn.err), /^source\.connection_lost: PostgreSQL connection lost: server closed the connection\n\s+at /);
    assert.match(String(warn.err), /\nCaused by: Error: ECONNRESET/);
    assert.equal(bare.code, 'sink.unavailable', 'an error passed alone is covered too');
    assert.equal(bare.msg, 'S3 answered 503');
    assert.equal(plain.code, undefined, 'only TributaryErrors have a code');
    assert.match(String(plain.err), /^Error: plain bug\n/);
    assert.equal(text.code, 'kept');
    assert.equal(text.err, 'already text');
  });
});
