import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import datagen from '../connectors/source/datagen/index.js';
import stdout from '../connectors/sink/stdout/index.js';
import { defineConfigSpec, defineConnector, TributaryError, type Connector } from './api/index.js';
import { PluginRegistry } from './registry.js';

function source(name: string, aliases: string[] = []): Connector {
  return defineConnector({
    name,
    aliases,
    kind: 'source',
    version: '1.0.0',
    apiVersion: 1,
    description: 'test',
    configSpec: defineConfigSpec({}),
    taskConfigs: (_c, raw) => [raw],
    createTask: () => ({ start: async () => {}, poll: async () => [], stop: async () => {} }),
  });
}

function isCode(code: string) {
  return (e: unknown) => e instanceof TributaryError && e.code === code;
}

/** A plugin module: a default export of connector object literals with apiVersion 1. */
function pluginModule(...names: string[]): string {
  const literal = (n: string) =>
    `{ name: ${JSON.stringify(n)}, kind: 'sink', version: '0.0.1', apiVersion: 1, description: 'fixture', configSpec: { properties: {} }, taskConfigs: (c, raw) => [raw], createTask: () => ({ start: async () => {}, put: async () => {}, stop: async () => {} }) }`;
  return names.length === 1 ? `export default ${literal(names[0])};\n` : `export default [${names.map(literal).join(', ')}];\n`;
}

describe('PluginRegistry.resolve', () => {
  const registry = new PluginRegistry([datagen, stdout, source('postgres', ['io.debezium.connector.postgresql.PostgresConnector'])]);

  it('finds a connector by short name, in any case and with surrounding spaces', () => {
    assert.equal(registry.resolve('datagen'), datagen);
    assert.equal(registry.resolve(' DataGen '), datagen);
  });

  it('finds a connector by alias, case-insensitively', () => {
    assert.equal(registry.resolve('org.apache.kafka.connect.file.FileStreamSinkConnector'), stdout);
    assert.equal(registry.resolve('IO.DEBEZIUM.CONNECTOR.POSTGRESQL.POSTGRESCONNECTOR').name, 'postgres');
  });

  it('finds a connector by the last segment of a class name, without a Connector suffix', () => {
    assert.equal(registry.resolve('com.example.PostgresConnector').name, 'postgres');
    assert.equal(registry.resolve('DatagenConnector'), datagen);
    assert.equal(registry.resolve('some.vendor.Stdout'), stdout);
  });

  it('refuses an unknown class with plugin.not_found naming what is available', () => {
    assert.throws(() => registry.resolve('io.confluent.connect.s3.S3SinkConnector'), (e: unknown) => {
      assert.ok(e instanceof TributaryError);
      assert.equal(e.code, 'plugin.not_found');
      assert.equal(e.httpStatus, 404);
      assert.equal(e.configPath, 'connector.class');
      assert.match(e.message, /io\.confluent\.connect\.s3\.S3SinkConnector, available connectors are: datagen, stdout, postgres$/);
      return true;
    });
    assert.equal(registry.find('nothing'), undefined);
  });

  it('lists connectors in registration order', () => {
    assert.deepEqual(registry.list().map((c) => c.name), ['datagen', 'stdout', 'postgres']);
  });
});

describe('PluginRegistry.register', () => {
  it('refuses a name claimed twice with plugin.duplicate', () => {
    const registry = new PluginRegistry([source('alpha')]);
    assert.throws(() => registry.register(source('ALPHA')), isCode('plugin.duplicate'));
    assert.throws(() => registry.register(source('beta', ['Alpha'])), (e: unknown) => isCode('plugin.duplicate')(e) && /already taken by connector "alpha"/.test((e as Error).message));
    assert.throws(() => new PluginRegistry([source('a', ['x.Y']), source('b', ['X.y'])]), isCode('plugin.duplicate'));
  });

  it('leaves nothing behind when a registration fails on a later alias', () => {
    const registry = new PluginRegistry([source('taken')]);
    assert.throws(() => registry.register(source('fresh', ['other.FreshConnector', 'TAKEN'])), isCode('plugin.duplicate'));
    assert.deepEqual(registry.list().map((c) => c.name), ['taken']);
    assert.equal(registry.find('fresh'), undefined, 'the refused plugin does not resolve');
    assert.equal(registry.find('other.FreshConnector'), undefined);
    registry.register(source('fresh'));
    assert.equal(registry.resolve('fresh').name, 'fresh', 'the name is still free');
  });

  it('refuses aliases that are not an array of strings as plugin.invalid', () => {
    const registry = new PluginRegistry();
    const stringAliases = { ...source('x'), aliases: 'io.x.XConnector' } as unknown as Connector;
    assert.throws(() => registry.register(stringAliases), (e: unknown) => {
      assert.ok(e instanceof TributaryError);
      assert.equal(e.code, 'plugin.invalid');
      assert.ok(e.details.some((d) => /aliases/.test(d)), e.details.join('; '));
      return true;
    });
    assert.equal(registry.find('i'), undefined, 'no alias per character');
  });

  it('refuses a malformed plugin with plugin.invalid listing every problem', () => {
    const registry = new PluginRegistry();
    const broken = { ...source('broken'), apiVersion: 2, createTask: undefined } as unknown as Connector;
    assert.throws(() => registry.register(broken, '/plugins/broken.mjs'), (e: unknown) => {
      assert.ok(e instanceof TributaryError);
      assert.equal(e.code, 'plugin.invalid');
      assert.deepEqual(e.details, ['apiVersion 2 is not supported (this runtime implements 1)', 'createTask is not a function']);
      assert.match(e.message, /^Plugin from \/plugins\/broken\.mjs does not implement the connector API: apiVersion 2 .*; createTask is not a function$/);
      return true;
    });
    assert.throws(() => registry.register({} as Connector), (e: unknown) => {
      assert.ok(e instanceof TributaryError);
      assert.deepEqual(e.details, [
        'name is missing',
        'kind must be "source" or "sink"',
        'apiVersion undefined is not supported (this runtime implements 1)',
        'version is missing',
        'configSpec is missing',
        'taskConfigs is not a function',
        'createTask is not a function',
      ]);
      return true;
    });
    assert.throws(() => registry.register(undefined as unknown as Connector), isCode('plugin.invalid'));
    assert.deepEqual(registry.list(), [], 'nothing half-registered');
  });
});

describe('PluginRegistry.loadPluginPath', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tributary-plugins-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a single module file', async () => {
    const file = join(dir, 'single.mjs');
    writeFileSync(file, pluginModule('single-sink'));
    const registry = new PluginRegistry();
    await registry.loadPluginPath([file]);
    assert.equal(registry.resolve('single-sink').kind, 'sink');
  });

  it('loads every module of a folder, an array export and package subfolders, skipping tests and other files', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(join(folder, 'pkg', 'lib'), { recursive: true });
    mkdirSync(join(folder, 'indexed'));
    mkdirSync(join(folder, 'unrelated'));
    writeFileSync(join(folder, 'a.mjs'), pluginModule('a-sink'));
    writeFileSync(join(folder, 'b.mjs'), pluginModule('b-sink', 'c-sink'));
    writeFileSync(join(folder, 'a.test.mjs'), 'throw new Error("test files are not plugins");\n');
    writeFileSync(join(folder, 'README.md'), '# not a plugin\n');
    writeFileSync(join(folder, 'pkg', 'package.json'), JSON.stringify({ name: 'pkg', main: 'lib/main.mjs' }));
    writeFileSync(join(folder, 'pkg', 'lib', 'main.mjs'), pluginModule('pkg-sink'));
    writeFileSync(join(folder, 'indexed', 'index.mjs'), pluginModule('indexed-sink'));
    writeFileSync(join(folder, 'unrelated', 'other.mjs'), 'throw new Error("not an entry point");\n');
    const registry = new PluginRegistry();
    await registry.loadPluginPath([folder]);
    assert.deepEqual(registry.list().map((c) => c.name), ['a-sink', 'b-sink', 'c-sink', 'indexed-sink', 'pkg-sink']);
  });

  it('loads a package folder through its package.json main', async () => {
    const pkg = join(dir, 'package');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'tributary-plugin-x', main: 'dist/entry.mjs' }));
    writeFileSync(join(pkg, 'dist', 'entry.mjs'), pluginModule('package-sink'));
    writeFileSync(join(pkg, 'ignored.mjs'), 'throw new Error("only main is loaded");\n');
    const registry = new PluginRegistry();
    await registry.loadPluginPath([pkg]);
    assert.deepEqual(registry.list().map((c) => c.name), ['package-sink']);
  });

  it('refuses a missing path, a module that fails to load, and a module exporting no connector', async () => {
    const registry = new PluginRegistry();
    await assert.rejects(registry.loadPluginPath([join(dir, 'missing')]), (e: unknown) => isCode('plugin.invalid')(e) && (e as TributaryError).configPath === 'plugin.path');
    const throwing = join(dir, 'throwing.mjs');
    writeFileSync(throwing, 'throw new Error("boom at import");\n');
    await assert.rejects(registry.loadPluginPath([throwing]), (e: unknown) => isCode('plugin.invalid')(e) && /failed to load: boom at import/.test((e as Error).message));
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const notDefault = 1;\n');
    await assert.rejects(registry.loadPluginPath([empty]), (e: unknown) => isCode('plugin.invalid')(e) && (e as Error).message.includes(empty));
    const wrongVersion = join(dir, 'v2.mjs');
    writeFileSync(wrongVersion, pluginModule('v2-sink').replace('apiVersion: 1', 'apiVersion: 2'));
    await assert.rejects(registry.loadPluginPath([wrongVersion]), (e: unknown) => isCode('plugin.invalid')(e) && (e as TributaryError).details.some((d) => d.startsWith('apiVersion 2')));
  });

  it('refuses a plugin whose name a built-in already has', async () => {
    const clash = join(dir, 'clash.mjs');
    writeFileSync(clash, pluginModule('DATAGEN'));
    const registry = new PluginRegistry([datagen]);
    await assert.rejects(registry.loadPluginPath([clash]), isCode('plugin.duplicate'));
  });
});
