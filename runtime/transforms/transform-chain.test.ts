import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeSpecs, defineConfigSpec, prop, validationReport, type SourceRecord } from '../../plugins/api/index.js';
import { buildTransformChain, TransformError } from './transform-chain.js';
import { transformConfigDefinitions, transformConfigSpec } from './transform-config.js';
import { builtinTransformRegistry, createTransformRegistry, pluginClassName } from './transform-registry.js';
import { changeRecord, row, tombstone } from './test/change-events.js';

describe('transform registry', () => {
  it('resolves short names and class names case-insensitively', () => {
    const r = builtinTransformRegistry;
    assert.equal(r.findTransform('unwrap')!.name, 'ExtractNewRecordState');
    assert.equal(r.findTransform('IO.DEBEZIUM.TRANSFORMS.EXTRACTNEWRECORDSTATE')!.name, 'ExtractNewRecordState');
    assert.equal(r.findTransform('org.apache.kafka.connect.transforms.InsertField$Key')!.name, 'InsertField$Key');
    assert.equal(r.findTransform('InsertField')!.name, 'InsertField$Value');
    assert.equal(r.findPredicate('org.apache.kafka.connect.transforms.predicates.RecordIsTombstone')!.name, 'RecordIsTombstone');
    assert.equal(r.findTransform('NoSuchThing'), undefined);
    assert.equal(pluginClassName(r.findTransform('unwrap')!), 'io.debezium.transforms.ExtractNewRecordState');
  });

  it('refuses two plugins claiming one name', () => {
    const t = builtinTransformRegistry.findTransform('Filter')!;
    assert.throws(() => createTransformRegistry([t, { ...t, name: 'Other' }]), /both claim/);
  });
});

describe('buildTransformChain', () => {
  const config = {
    'connector.class': 'postgres',
    transforms: 'unwrap,route,dropAudit',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.unwrap.add.fields': 'op',
    'transforms.unwrap.drop.tombstones': 'false',
    'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
    'transforms.route.regex': 'shop\\.public\\.(.*)',
    'transforms.route.replacement': 'lake.$1',
    'transforms.route.predicate': 'notTombstone',
    'transforms.route.negate': 'true',
    'transforms.dropAudit.type': 'Filter',
    'transforms.dropAudit.predicate': 'isAudit',
    predicates: 'notTombstone,isAudit',
    'predicates.notTombstone.type': 'RecordIsTombstone',
    'predicates.isAudit.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
    'predicates.isAudit.pattern': 'lake\\.audit.*',
  };

  it('applies transformations in order, honouring predicates and negate, keeping record fields', () => {
    const { chain, errors } = buildTransformChain(config);
    assert.deepEqual(errors, {});
    assert.deepEqual(chain.aliases, ['unwrap', 'route', 'dropAudit']);
    const input = changeRecord('c', null, row(1));
    const out = chain.apply(input) as SourceRecord;
    assert.equal(out.topic, 'lake.orders');
    assert.deepEqual(out.value, { ...row(1), __op: 'c' });
    assert.equal(out.id, input.id);
    assert.equal(out.position, input.position);
    assert.deepEqual(out.sourceOffset, input.sourceOffset);
    const ts = chain.apply(tombstone(1))!;
    assert.equal(ts.topic, 'shop.public.orders', 'negated predicate: tombstones are not routed');
    assert.equal(chain.apply({ ...input, topic: 'shop.public.audit_log' }), null, 'filtered by predicate');
  });

  it('reports every problem keyed by full property name and never throws', () => {
    const { chain, errors } = buildTransformChain({
      transforms: 'a,b,c,d,a',
      'transforms.a.type': 'NoSuchTransform',
      'transforms.b.type': 'RegexRouter',
      'transforms.b.regex': '(',
      'transforms.c.type': 'Filter',
      'transforms.c.predicate': 'undefinedPredicate',
      'transforms.c.negate': 'maybe',
      predicates: 'p',
      'predicates.p.type': 'TopicNameMatches',
    });
    assert.match(errors['transforms.a.type'][0], /NoSuchTransform/);
    assert.match(errors['transforms.b.replacement'][0], /transforms\.b\.replacement/);
    assert.ok(errors['transforms.c.predicate']);
    assert.ok(errors['transforms.c.negate']);
    assert.match(errors['transforms.d.type'][0], /Missing required configuration "transforms.d.type"/);
    assert.match(errors.transforms[0], /Duplicate alias/);
    assert.match(errors['predicates.p.pattern'][0], /Missing required/);
    assert.equal(chain.isEmpty, true);
    assert.deepEqual(buildTransformChain({ transforms: 'b', 'transforms.b.type': 'RegexRouter', 'transforms.b.regex': '(', 'transforms.b.replacement': 'x' }).errors['transforms.b.regex'].length, 1);
  });

  it('an empty config gives an empty chain that returns records as they are', () => {
    const { chain, errors } = buildTransformChain({});
    assert.deepEqual(errors, {});
    const r = changeRecord('c', null, row(2));
    assert.equal(chain.apply(r), r);
  });

  it('rethrows record errors naming the alias', () => {
    const { chain } = buildTransformChain({ transforms: 'meta', 'transforms.meta.type': 'unwrap', 'transforms.meta.add.fields': 'scn' });
    assert.throws(
      () => chain.apply(changeRecord('c', null, row(3))),
      (e: unknown) => e instanceof TransformError && e.alias === 'meta' && e.code === 'record.conversion_failed' && /"meta"/.test(e.message) && /scn/.test(e.message),
    );
  });
});

describe('transformConfigSpec', () => {
  it('lists transform properties under full names and validates them in a Kafka Connect report', () => {
    const raw = { transforms: 'r', 'transforms.r.type': 'RegexRouter', 'transforms.r.regex': 'x' };
    const names = transformConfigDefinitions(raw).map((d) => d.name);
    assert.ok(names.includes('transforms.r.type') && names.includes('transforms.r.regex') && names.includes('transforms.r.negate'));
    const connectorSpec = defineConfigSpec({ 'topic.prefix': prop.string({ doc: 'prefix', required: true }) });
    const report = validationReport('postgres', mergeSpecs(connectorSpec, transformConfigSpec(raw)), { ...raw, 'topic.prefix': 'shop' });
    const errorsOf = (name: string) => report.configs.find((c) => c.definition.name === name)!.value.errors;
    assert.equal(report.error_count, 1);
    assert.match(errorsOf('transforms.r.replacement')[0], /Missing required configuration "transforms.r.replacement"/);
    assert.equal(report.configs.find((c) => c.definition.name === 'transforms.r.regex')!.definition.group, 'Transforms: r');
    const unknown = validationReport('x', transformConfigSpec({ transforms: 'q', 'transforms.q.type': 'Nope' }), { transforms: 'q', 'transforms.q.type': 'Nope' });
    assert.equal(unknown.error_count, 1);
  });
});
