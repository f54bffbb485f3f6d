/**
 * The plugin API: everything a connector author needs, and nothing of the runtime. Connectors
 * import from here only (an ESLint rule forbids importing runtime/ from connectors/).
 */
export * from './connector.js';
export * from './config-spec.js';
export * from './config-warnings.js';
export * from './errors.js';
export * from './json-values.js';
export * from './records.js';
export * from './renamed-properties.js';
export * from './schema.js';
