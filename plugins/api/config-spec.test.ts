import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defineConfigSpec,
  definitionsOf,
  markdownTable,
  mergeSpecs,
  parseConfig,
  prop,
  reportErrors,
  sensitiveNames,
  validationReport,
  type ConfigSpec,
  type RawConfig,
} from './config-spec.js';

/** Parses one property named `p`; returns its value or its error messages. */
function parseOne(property: ConfigSpec['properties'][string], raw: string | undefined): { value?: unknown; errors?: string[] } {
  const spec = defineConfigSpec({ p: property });
  const result = parseConfig(spec, raw === undefined ? {} : { p: raw });
  return result.ok ? { value: result.value.p } : { errors: result.errors.p };
}

describe('prop builders', () => {
  it('string: keeps the text as given, applies a pattern with its hint', () => {
    assert.deepEqual(parseOne(prop.string({ doc: 'd' }), ' a b '), { value: ' a b ' });
    assert.deepEqual(parseOne(prop.string({ doc: 'd' }), undefined), { value: undefined });
    assert.deepEqual(parseOne(prop.string({ doc: 'd', default: 'x' }), undefined), { value: 'x' });
    assert.deepEqual(parseOne(prop.string({ doc: 'd', default: 'x' }), ''), { value: 'x' }, 'an empty value means "not set"');
    const pattern = prop.string({ doc: 'd', pattern: /^[a-z]+$/, patternHint: 'lower-case letters only' });
    assert.deepEqual(parseOne(pattern, 'abc'), { value: 'abc' });
    assert.deepEqual(parseOne(pattern, 'ABC'), { errors: ['Invalid value "ABC" for configuration p: lower-case letters only'] });
    assert.match(parseOne(prop.string({ doc: 'd', pattern: /^\d+$/ }), 'x').errors![0], /must match \/\^\\d\+\$\//);
  });

  it('int and long: trimmed integer text, typed defaults, bounds', () => {
    const i = prop.int({ doc: 'd', default: 5, min: 1, max: 10 });
    assert.equal(i.type, 'INT');
    assert.equal(i.defaultText, '5');
    assert.deepEqual(parseOne(i, undefined), { value: 5 });
    assert.deepEqual(parseOne(i, ' 7 '), { value: 7 });
    assert.deepEqual(parseOne(i, '+3'), { value: 3 });
    assert.deepEqual(parseOne(i, 'abc'), { errors: ['Invalid value "abc" for configuration p: must be an integer'] });
    assert.deepEqual(parseOne(i, '1.5'), { errors: ['Invalid value "1.5" for configuration p: must be an integer'] });
    assert.deepEqual(parseOne(i, '0'), { errors: ['Invalid value "0" for configuration p: must be at least 1'] });
    assert.deepEqual(parseOne(i, '11'), { errors: ['Invalid value "11" for configuration p: must be at most 10'] });
    const l = prop.long({ doc: 'd', min: -1 });
    assert.equal(l.type, 'LONG');
    assert.deepEqual(parseOne(l, '-1'), { value: -1 });
    assert.deepEqual(parseOne(l, '1767225600000'), { value: 1767225600000 });
    assert.deepEqual(parseOne(l, undefined), { value: undefined });
    assert.deepEqual(parseOne(l, '1e3'), { errors: ['Invalid value "1e3" for configuration p: must be an integer'] });
  });

  it('double: number text including exponents; NaN and Infinity refused', () => {
    const d = prop.double({ doc: 'd', default: 1.5, min: 0 });
    assert.equal(d.type, 'DOUBLE');
    assert.deepEqual(parseOne(d, undefined), { value: 1.5 });
    assert.deepEqual(parseOne(d, '2.5e3'), { value: 2500 });
    assert.deepEqual(parseOne(d, ' 0.25 '), { value: 0.25 });
    for (const bad of ['zz', 'NaN', 'Infinity']) assert.deepEqual(parseOne(d, bad), { errors: [`Invalid value "${bad}" for configuration p: must be a number`] });
    assert.deepEqual(parseOne(d, '-1'), { errors: ['Invalid value "-1" for configuration p: must be at least 0'] });
  });

  it('boolean: true/false in any case, valid values listed', () => {
    const b = prop.boolean({ doc: 'd', default: false });
    assert.equal(b.type, 'BOOLEAN');
    assert.deepEqual(b.validValues, ['true', 'false']);
    assert.equal(b.defaultText, 'false');
    assert.deepEqual(parseOne(b, undefined), { value: false });
    assert.deepEqual(parseOne(b, 'TRUE'), { value: true });
    assert.deepEqual(parseOne(b, ' False '), { value: false });
    assert.deepEqual(parseOne(b, 'yes'), { errors: ['Invalid value "yes" for configuration p: must be true or false'] });
  });

  it('list: comma separated, trimmed, empty items dropped; array default shown comma joined', () => {
    const l = prop.list({ doc: 'd', default: ['a', 'b'] });
    assert.equal(l.type, 'LIST');
    assert.equal(l.defaultText, 'a,b');
    assert.deepEqual(parseOne(l, undefined), { value: ['a', 'b'] });
    assert.deepEqual(parseOne(l, ' x, ,y ,'), { value: ['x', 'y'] });
    assert.deepEqual(parseOne(prop.list({ doc: 'd', default: [] }), undefined), { value: [] });
    assert.equal(prop.list({ doc: 'd', default: [] }).defaultText, '');
  });

  it('enum: exact by default, case-insensitive on request, values listed', () => {
    const exact = prop.enum(['none', 'all'] as const, { doc: 'd', default: 'none' });
    assert.equal(exact.type, 'STRING');
    assert.deepEqual(exact.validValues, ['none', 'all']);
    assert.deepEqual(parseOne(exact, 'all'), { value: 'all' });
    assert.deepEqual(parseOne(exact, undefined), { value: 'none' });
    assert.deepEqual(parseOne(exact, 'ALL'), { errors: ['Invalid value "ALL" for configuration p: must be one of: none, all'] });
    const loose = prop.enum(['none', 'all'] as const, { doc: 'd', caseInsensitive: true });
    assert.deepEqual(parseOne(loose, ' ALL '), { value: 'all' });
  });

  it('password: sensitive, never echoed in errors', () => {
    const p = prop.password({ doc: 'd', required: true });
    assert.equal(p.type, 'PASSWORD');
    assert.equal(p.sensitive, true);
    assert.deepEqual(parseOne(p, 's3cret'), { value: 's3cret' });
  });

  it('className: kept as written', () => {
    const c = prop.className({ doc: 'd' });
    assert.equal(c.type, 'CLASS');
    assert.deepEqual(parseOne(c, 'io.debezium.connector.postgresql.PostgresConnector'), { value: 'io.debezium.connector.postgresql.PostgresConnector' });
  });

  it('definition metadata: importance upper-cased, group and display name defaults', () => {
    const p = prop.string({ doc: 'the doc', importance: 'high', group: 'Connection', displayName: 'Host' });
    assert.equal(p.importance, 'HIGH');
    assert.equal(p.group, 'Connection');
    assert.equal(p.displayName, 'Host');
    const q = prop.string({ doc: 'd' });
    assert.equal(q.importance, 'MEDIUM');
    assert.equal(q.group, 'Common');
    assert.equal(q.sensitive, false);
    assert.equal(q.defaultText, null);
  });

  it('a required property with a default is not required', () => {
    const p = prop.int({ doc: 'd', required: true, default: 3 });
    assert.equal(p.required, false);
    assert.deepEqual(parseOne(p, undefined), { value: 3 });
  });

  it('builders return frozen values', () => {
    assert.ok(Object.isFrozen(prop.string({ doc: 'd' })));
    assert.ok(Object.isFrozen(defineConfigSpec({})));
  });
});

describe('parseConfig', () => {
  const spec = defineConfigSpec(
    {
      host: prop.string({ doc: 'Host.', required: true }),
      port: prop.int({ doc: 'Port.', default: 5432, min: 1, max: 65535 }),
      password: prop.password({ doc: 'Password.', required: true }),
      ssl: prop.boolean({ doc: 'TLS.', default: false }),
      mode: prop.enum(['a', 'b'] as const, { doc: 'Mode.', default: 'a' }),
    },
    (values, issues) => {
      // a cross-field rule, to see when it runs
      if (values.ssl && values.port === 5432) issues.add('port', 'ssl needs another port');
    },
  );

  it('gives the typed config with defaults applied', () => {
    const r = parseConfig(spec, { host: 'db', password: 'pw' });
    assert.equal(r.ok, true);
    assert.deepEqual(r.errors, {});
    assert.deepEqual(r.value, { host: 'db', port: 5432, password: 'pw', ssl: false, mode: 'a' });
  });

  it("reports a missing required property with Kafka Connect's message", () => {
    const r = parseConfig(spec, { password: 'pw' });
    assert.equal(r.ok, false);
    assert.deepEqual(r.errors, { host: ['Missing required configuration "host" which has no default value.'] });
    assert.deepEqual(parseConfig(spec, { host: '', password: 'pw' }).errors, { host: ['Missing required configuration "host" which has no default value.'] }, 'empty counts as missing');
  });

  it('lists every problem at once, hiding secrets', () => {
    const r = parseConfig(spec, { port: 'x', ssl: 'maybe', mode: 'c' });
    assert.equal(r.ok, false);
    assert.deepEqual(r.errors, {
      host: ['Missing required configuration "host" which has no default value.'],
      port: ['Invalid value "x" for configuration port: must be an integer'],
      password: ['Missing required configuration "password" which has no default value.'],
      ssl: ['Invalid value "maybe" for configuration ssl: must be true or false'],
      mode: ['Invalid value "c" for configuration mode: must be one of: a, b'],
    });
    assert.deepEqual(r.value, {}, 'no property parsed');
    const secret = defineConfigSpec({ token: prop.password({ doc: 'd', default: 'x' }) });
    // a password that fails its schema: make one through a typed default of the wrong kind
    const hidden = parseConfig(secret, { token: 42 as unknown as string });
    assert.deepEqual(hidden.errors.token?.map((e) => e.startsWith('Invalid value [hidden] for configuration token:')), [true]);
    assert.ok(!JSON.stringify(hidden.errors).includes('42'));
  });

  it('runs refine even when a property failed, with the values that parsed, adding nothing to a property in error', () => {
    assert.deepEqual(parseConfig(spec, { host: 'db', password: 'pw', ssl: 'true' }).errors, { port: ['ssl needs another port'] });
    const calls: unknown[] = [];
    const watched = defineConfigSpec({ n: prop.int({ doc: 'd', required: true }), m: prop.int({ doc: 'd', default: 1 }) }, (values, issues) => {
      calls.push({ ...values });
      issues.add('n', 'cross-field problem on n');
      issues.add('m', 'cross-field problem on m');
    });
    const result = parseConfig(watched, { n: 'x' });
    assert.deepEqual(calls, [{ m: 1 }]);
    assert.equal(result.errors.n.length, 1, 'n keeps only its own error');
    assert.deepEqual(result.errors.m, ['cross-field problem on m']);
    const throwing = defineConfigSpec({ n: prop.int({ doc: 'd', required: true }) }, (values) => {
      if (values.n.toFixed(0) === '') throw new Error('unreachable');
    });
    assert.doesNotThrow(() => parseConfig(throwing, {}));
  });

  it('hands refine the raw config too', () => {
    let seen: RawConfig | undefined;
    const s = defineConfigSpec({ a: prop.string({ doc: 'd' }) }, (_v, _i, raw) => { seen = raw; });
    parseConfig(s, { a: 'x', 'other.key': 'y' });
    assert.deepEqual(seen, { a: 'x', 'other.key': 'y' });
  });

  it('never throws for bad input', () => {
    assert.doesNotThrow(() => parseConfig(spec, { host: {} as unknown as string, port: [] as unknown as string }));
  });
});

describe('validationReport', () => {
  const spec = defineConfigSpec({
    host: prop.string({ doc: 'Host.', required: true, importance: 'high', group: 'Connection', displayName: 'Host name' }),
    port: prop.int({ doc: 'Port.', default: 5432, min: 1, group: 'Connection' }),
    password: prop.password({ doc: 'Password.', group: 'Connection' }),
    mode: prop.enum(['a', 'b'] as const, { doc: 'Mode.', default: 'a', importance: 'low' }),
  });

  it("has Kafka Connect's ConfigInfos shape exactly", () => {
    const report = validationReport('demo', spec, { port: '0', password: 'hunter2', mode: 'b' }, { 'connector.class': ['no such plugin'] });
    assert.deepEqual(report, {
      name: 'demo',
      error_count: 3,
      groups: ['Connection', 'Common'],
      configs: [
        {
          definition: { name: 'host', type: 'STRING', required: true, default_value: null, importance: 'HIGH', documentation: 'Host.', group: 'Connection', width: 'NONE', display_name: 'Host name', dependents: [], order: 1 },
          value: { name: 'host', value: null, recommended_values: [], errors: ['Missing required configuration "host" which has no default value.'], visible: true },
        },
        {
          definition: { name: 'port', type: 'INT', required: false, default_value: '5432', importance: 'MEDIUM', documentation: 'Port.', group: 'Connection', width: 'NONE', display_name: 'port', dependents: [], order: 2 },
          value: { name: 'port', value: '0', recommended_values: [], errors: ['Invalid value "0" for configuration port: must be at least 1'], visible: true },
        },
        {
          definition: { name: 'password', type: 'PASSWORD', required: false, default_value: null, importance: 'MEDIUM', documentation: 'Password.', group: 'Connection', width: 'NONE', display_name: 'password', dependents: [], order: 3 },
          value: { name: 'password', value: '[hidden]', recommended_values: [], errors: [], visible: true },
        },
        {
          definition: { name: 'mode', type: 'STRING', required: false, default_value: 'a', importance: 'LOW', documentation: 'Mode.', group: 'Common', width: 'NONE', display_name: 'mode', dependents: [], order: 4 },
          value: { name: 'mode', value: 'b', recommended_values: ['a', 'b'], errors: [], visible: true },
        },
        {
          definition: { name: 'connector.class', type: 'STRING', required: false, default_value: null, importance: 'LOW', documentation: '', group: 'Common', width: 'NONE', display_name: 'connector.class', dependents: [], order: 5 },
          value: { name: 'connector.class', value: null, recommended_values: [], errors: ['no such plugin'], visible: true },
        },
      ],
      warnings: [],
    });
    assert.ok(!JSON.stringify(report).includes('hunter2'));
  });

  it('shows the default for unset properties and adds extra errors after the spec ones', () => {
    const report = validationReport('demo', spec, { host: 'db', port: 'x' }, { port: ['port is closed'] });
    const port = report.configs.find((c) => c.definition.name === 'port')!;
    assert.deepEqual(port.value.errors, ['Invalid value "x" for configuration port: must be an integer', 'port is closed']);
    assert.equal(report.configs.find((c) => c.definition.name === 'mode')!.value.value, 'a');
    assert.equal(report.error_count, 2);
    assert.deepEqual(reportErrors(report), ['port: Invalid value "x" for configuration port: must be an integer', 'port: port is closed']);
  });

  it('counts no errors for a valid config', () => {
    const report = validationReport('demo', spec, { host: 'db' });
    assert.equal(report.error_count, 0);
    assert.deepEqual(reportErrors(report), []);
  });

  it('definitionsOf numbers properties from 1 in declaration order', () => {
    assert.deepEqual(definitionsOf(spec).map((d) => [d.name, d.order]), [['host', 1], ['port', 2], ['password', 3], ['mode', 4]]);
  });
});

describe('markdownTable', () => {
  it('renders one escaped row per property', () => {
    const spec = defineConfigSpec({
      host: prop.string({ doc: 'Host | or socket\npath.', required: true }),
      sep: prop.string({ doc: 'Separator.', default: 'a|b' }),
      empty: prop.string({ doc: 'Empty default.', default: '' }),
      none: prop.string({ doc: 'No default.' }),
      mode: prop.enum(['x', 'y'] as const, { doc: 'Mode.', default: 'x' }),
      n: prop.int({ doc: 'Count.', default: 3 }),
    });
    assert.equal(
      markdownTable(spec),
      [
        '| property | type | default | description |',
        '| --- | --- | --- | --- |',
        '| `host` | string | *required* | Host \\| or socket path. |',
        '| `sep` | string | `a\\|b` | Separator. |',
        '| `empty` | string | `""` | Empty default. |',
        '| `none` | string |  | No default. |',
        '| `mode` | string | `x` | Mode. One of: `x`, `y`. |',
        '| `n` | int | `3` | Count. |',
      ].join('\n'),
    );
  });
});

describe('mergeSpecs', () => {
  it("keeps every property, the later spec's definition winning, and runs both refines", () => {
    const calls: string[] = [];
    const framework = defineConfigSpec(
      { name: prop.string({ doc: 'Name.', required: true }), shared: prop.int({ doc: 'framework', default: 1 }) },
      (values, issues) => {
        calls.push('framework');
        if (values.name === 'bad') issues.add('name', 'bad name');
      },
    );
    const connector = defineConfigSpec(
      { shared: prop.string({ doc: 'connector', default: 'z' }), extra: prop.boolean({ doc: 'Extra.', default: true }) },
      (values, issues) => {
        calls.push('connector');
        if (values.shared === 'bad') issues.add('shared', 'bad shared');
      },
    );
    const merged = mergeSpecs(framework, connector);
    assert.deepEqual(Object.keys(merged.properties), ['name', 'shared', 'extra']);
    assert.equal(merged.properties.shared.doc, 'connector');
    const ok = parseConfig(merged, { name: 'n' });
    assert.deepEqual(ok.value, { name: 'n', shared: 'z', extra: true });
    assert.deepEqual(calls, ['framework', 'connector']);
    assert.deepEqual(parseConfig(merged, { name: 'bad', shared: 'bad' }).errors, { name: ['bad name'], shared: ['bad shared'] });
  });

  it('works with specs that have no refine', () => {
    const merged = mergeSpecs(defineConfigSpec({ a: prop.int({ doc: 'd', default: 1 }) }), defineConfigSpec({ b: prop.int({ doc: 'd', default: 2 }) }));
    assert.deepEqual(parseConfig(merged, {}).value, { a: 1, b: 2 });
  });
});

describe('sensitiveNames', () => {
  it('names the password properties only', () => {
    const spec = defineConfigSpec({
      user: prop.string({ doc: 'd' }),
      password: prop.password({ doc: 'd' }),
      'ssl.key.password': prop.password({ doc: 'd' }),
    });
    assert.deepEqual([...sensitiveNames(spec)].sort(), ['password', 'ssl.key.password']);
    assert.deepEqual(sensitiveNames(defineConfigSpec({})), new Set());
  });
});
