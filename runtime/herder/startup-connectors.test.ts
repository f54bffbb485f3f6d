import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredConnector } from '../storage/config-store.js';
import { commandLineNote, planStartup, startupSummary } from './startup-connectors.js';

const stored = (name: string, origin: StoredConnector['origin'], targetState: StoredConnector['targetState'] = 'RUNNING'): StoredConnector => ({
  name, ...(origin ? { origin } : {}), targetState, config: { name, 'connector.class': 'datagen', topic: name },
});

describe('planStartup', () => {
  const state = [
    stored('old-cli', { type: 'command-line', file: '/etc/old.properties' }),
    stored('paused-cli', { type: 'command-line', file: '/etc/paused.properties' }, 'PAUSED'),
    stored('rest', { type: 'rest' }, 'STOPPED'),
    stored('legacy', undefined),
    stored('clash', { type: 'rest' }),
  ];

  it('keeps REST and unrecorded connectors, drops command-line ones not named again, and takes named ones from their files', () => {
    const plan = planStartup(state, [
      { config: { name: 'paused-cli', 'connector.class': 'datagen', topic: 'p' }, file: '/etc/paused.properties' },
      { config: { name: 'clash', 'connector.class': 'datagen', topic: 'c' }, file: '/etc/clash.properties' },
      { config: { name: 'new', 'connector.class': 'datagen', topic: 'n' } },
    ]);
    assert.deepEqual(plan.kept.map((s) => s.name), ['rest', 'legacy']);
    assert.deepEqual(plan.dropped.map((s) => s.name), ['old-cli']);
    assert.deepEqual(plan.given.map((g) => [g.name, g.origin, g.previous?.targetState, g.previous?.origin?.type]), [
      ['paused-cli', { type: 'command-line', file: '/etc/paused.properties' }, 'PAUSED', 'command-line'],
      ['clash', { type: 'command-line', file: '/etc/clash.properties' }, 'RUNNING', 'rest'],
      ['new', { type: 'command-line' }, undefined, undefined],
    ]);
  });

  it('without command-line connectors, only REST and unrecorded ones remain', () => {
    const plan = planStartup(state, []);
    assert.deepEqual(plan.kept.map((s) => s.name), ['rest', 'legacy', 'clash']);
    assert.deepEqual(plan.dropped.map((s) => s.name), ['old-cli', 'paused-cli']);
  });

  it('refuses a config without a name, and a name given twice, naming the files', () => {
    assert.throws(() => planStartup([], [{ config: { 'connector.class': 'datagen' }, file: '/etc/x.properties' }]), (e: Error & { code?: string }) => e.code === 'config.invalid' && /\/etc\/x\.properties has no "name"/.test(e.message));
    assert.throws(
      () => planStartup([], [{ config: { name: 'a' }, file: '/etc/a1.properties' }, { config: { name: 'a' }, file: '/etc/a2.properties' }]),
      (e: Error & { code?: string }) => e.code === 'config.invalid' && /a is given twice at start-up \(\/etc\/a1\.properties and \/etc\/a2\.properties\)/.test(e.message),
    );
  });
});

describe('startupSummary', () => {
  it('lists each connector with its origin and target state, in fields and in words', () => {
    const { fields, message } = startupSummary([stored('a', { type: 'command-line', file: '/etc/a.properties' }), stored('r', { type: 'rest' }, 'PAUSED'), stored('l', undefined)], '/var/lib/t/connectors');
    assert.deepEqual(fields.connectors, [
      { name: 'a', from: 'command-line', file: '/etc/a.properties', targetState: 'RUNNING' },
      { name: 'r', from: 'rest', targetState: 'PAUSED' },
      { name: 'l', from: 'unknown', targetState: 'RUNNING' },
    ]);
    assert.equal(message, 'loaded 3 connector(s): a from /etc/a.properties (command line), RUNNING; r from /var/lib/t/connectors (created over REST), PAUSED; l from /var/lib/t/connectors (origin not recorded; kept as if created over REST), RUNNING');
    assert.equal(startupSummary([], undefined).message, 'no connectors to start');
  });
});

describe('commandLineNote', () => {
  it('says that the file wins at the next start, only for command-line connectors', () => {
    assert.match(commandLineNote({ type: 'command-line', file: '/etc/a.properties' }, 'reconfigured')!, /until the next start: it comes from \/etc\/a\.properties/);
    assert.match(commandLineNote({ type: 'command-line', file: '/etc/a.properties' }, 'deleted')!, /created again from it/);
    assert.equal(commandLineNote({ type: 'rest' }, 'reconfigured'), undefined);
    assert.equal(commandLineNote(undefined, 'deleted'), undefined);
  });
});
