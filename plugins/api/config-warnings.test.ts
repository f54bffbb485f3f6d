import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineConfigSpec, mergeSpecs, prop, reportErrors, reportWarnings, validationReport } from './config-spec.js';
import { editDistance, suggestPropertyName, unknownPropertyWarnings } from './config-warnings.js';
import { debeziumRenamedProperties } from './renamed-properties.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and swaps of neighbours as one edit each', () => {
    assert.equal(editDistance('flush.size', 'flush.size'), 0);
    assert.equal(editDistance('table.include.lst', 'table.include.list'), 1);
    assert.equal(editDistance('snapshot.mdoe', 'snapshot.mode'), 1, 'a swap of neighbours is one edit');
    assert.equal(editDistance('flush.szie', 'flush.size'), 1);
    assert.equal(editDistance('topics', 'topic'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
  });
});

describe('suggestPropertyName', () => {
  const known = ['table.include.list', 'table.exclude.list', 'snapshot.mode', 'snapshot.fetch.size', 'flush.size', 'topics', 'topics.regex', 'name', 'tasks.max'];

  it('finds the property a typo was meant to be', () => {
    assert.equal(suggestPropertyName('table.include.lst', known), 'table.include.list');
    assert.equal(suggestPropertyName('snapshot.mdoe', known), 'snapshot.mode');
    assert.equal(suggestPropertyName('flush.szie', known), 'flush.size');
    assert.equal(suggestPropertyName('tasks.mx', known), 'tasks.max');
    assert.equal(suggestPropertyName('nmae', known), 'name');
  });

  it('sees through case, separators and camelCase', () => {
    assert.equal(suggestPropertyName('Table.Include.List', known), 'table.include.list');
    assert.equal(suggestPropertyName('table_include_list', known), 'table.include.list');
    assert.equal(suggestPropertyName('tableIncludeList', known), 'table.include.list');
    assert.equal(suggestPropertyName('flush-size', known), 'flush.size');
  });

  it('suggests nothing when no property is close, rather than a far-fetched one', () => {
    assert.equal(suggestPropertyName('database.history.kafka.topic', known), undefined);
    assert.equal(suggestPropertyName('ab', known), undefined);
    assert.equal(suggestPropertyName('topic.prefix', ['tasks.max', 'name']), undefined);
  });

  it('prefers the closest, then the one sharing the longest start', () => {
    assert.equal(suggestPropertyName('topic', known), 'topics');
    assert.equal(suggestPropertyName('table.exclude.lst', known), 'table.exclude.list');
  });
});

describe('unknownPropertyWarnings', () => {
  const framework = defineConfigSpec(
    { name: prop.string({ doc: 'n', required: true }), 'connector.class': prop.className({ doc: 'c', required: true }), 'tasks.max': prop.int({ doc: 't', default: 1 }) },
    undefined,
    { accepted: ['key.converter.', 'value.converter.', 'consumer.override.', 'config.action.reload'], renamed: debeziumRenamedProperties },
  );
  const source = defineConfigSpec({
    'topic.prefix': prop.string({ doc: 'p', required: true }),
    'table.include.list': prop.list({ doc: 'i' }),
    'snapshot.mode': prop.enum(['initial', 'no_data'] as const, { doc: 'm', default: 'initial' }),
  });
  const spec = mergeSpecs(framework, source);

  it('warns about each unknown property, in the order of the config, with a suggestion', () => {
    const warnings = unknownPropertyWarnings(spec, { name: 'pg', 'snapshot.mdoe': 'no_data', 'table.include.lst': 'public.orders', 'topic.prefix': 'shop', 'completely.unrelated': 'x' });
    assert.deepEqual(warnings, [
      { name: 'snapshot.mdoe', suggestion: 'snapshot.mode', message: 'Unknown property "snapshot.mdoe" is ignored; did you mean "snapshot.mode"?' },
      { name: 'table.include.lst', suggestion: 'table.include.list', message: 'Unknown property "table.include.lst" is ignored; did you mean "table.include.list"?' },
      { name: 'completely.unrelated', message: 'Unknown property "completely.unrelated" is ignored: neither the connector nor the framework defines it.' },
    ]);
  });

  it('names the successor of a renamed property, and says when the config sets both', () => {
    const warnings = unknownPropertyWarnings(spec, { 'database.server.name': 'shop', 'table.whitelist': 'public.orders', 'table.include.list': 'public.items' });
    assert.deepEqual(warnings, [
      { name: 'database.server.name', suggestion: 'topic.prefix', message: 'Property "database.server.name" is ignored: it was renamed to "topic.prefix".' },
      { name: 'table.whitelist', suggestion: 'table.include.list', message: 'Property "table.whitelist" is ignored: it was renamed to "table.include.list", which this config also sets.' },
    ]);
  });

  it('does not name a successor the connector does not have', () => {
    // a sink has no table.include.list: "renamed to" would send the user to another dead end
    const [warning] = unknownPropertyWarnings(framework, { 'table.whitelist': 'public.orders' });
    assert.equal(warning.suggestion, undefined);
    assert.doesNotMatch(warning.message, /renamed/);
  });

  it('accepts the properties of other components, by name or by prefix, and catches typos in the prefix', () => {
    const raw = { 'key.converter.schemas.enable': 'false', 'value.converter.schema.registry.url': 'http://r', 'consumer.override.max.poll.records': '10', 'config.action.reload': 'none' };
    assert.deepEqual(unknownPropertyWarnings(spec, raw), []);
    const [typo] = unknownPropertyWarnings(spec, { 'key.convertor.schemas.enable': 'false' });
    assert.equal(typo.suggestion, 'key.converter.schemas.enable');
  });

  it('is empty for a config of declared properties only', () => {
    assert.deepEqual(unknownPropertyWarnings(spec, { name: 'pg', 'connector.class': 'postgres', 'topic.prefix': 'shop', 'snapshot.mode': 'initial' }), []);
  });
});

describe('validationReport with unknown properties', () => {
  const spec = defineConfigSpec({ 'flush.size': prop.int({ doc: 'Records per file.', required: true, min: 1 }), 'aws.secret.access.key': prop.password({ doc: 'Secret.' }) });

  it('lists warnings apart from errors: a valid config with a typo stays valid', () => {
    const report = validationReport('files', spec, { 'flush.size': '100', 'flush.szie': '10' });
    assert.equal(report.error_count, 0);
    assert.deepEqual(reportErrors(report), []);
    assert.deepEqual(report.warnings, [{ name: 'flush.szie', suggestion: 'flush.size', message: 'Unknown property "flush.szie" is ignored; did you mean "flush.size"?' }]);
    assert.deepEqual(reportWarnings(report), ['flush.szie: Unknown property "flush.szie" is ignored; did you mean "flush.size"?']);
  });

  it('gives each unknown property a Kafka Connect config entry, without errors, in its own group', () => {
    const report = validationReport('files', spec, { 'flush.szie': '10' });
    assert.equal(report.error_count, 1, 'flush.size is still missing');
    const entry = report.configs.find((c) => c.definition.name === 'flush.szie')!;
    assert.deepEqual(entry, {
      definition: { name: 'flush.szie', type: 'STRING', required: false, default_value: null, importance: 'LOW', documentation: 'Unknown property "flush.szie" is ignored; did you mean "flush.size"?', group: 'Unknown properties', width: 'NONE', display_name: 'flush.szie', dependents: [], order: 3 },
      value: { name: 'flush.szie', value: '10', recommended_values: [], errors: [], visible: true },
    });
    assert.ok(report.groups.includes('Unknown properties'));
  });

  it('hides the value of an unknown property that looks like a secret or is close to a password property', () => {
    const report = validationReport('files', spec, { 'flush.size': '1', 'aws.secret.acess.key': 'hunter2', 'api.token': 'tok3n', 'my.pass': 'pw' });
    assert.equal(report.warnings.length, 3);
    assert.ok(!JSON.stringify(report).includes('hunter2'));
    assert.ok(!JSON.stringify(report).includes('tok3n'));
    assert.ok(!JSON.stringify(report).includes('"pw"'));
  });

  it('takes the warnings its caller computed against a wider spec', () => {
    const report = validationReport('files', spec, { 'flush.size': '1', 'transforms.x.type': 'y' }, {}, []);
    assert.deepEqual(report.warnings, []);
    assert.equal(report.configs.length, 2);
  });
});
