// Lint rules that keep the architecture honest: connectors use the plugin API only, never the
// runtime, so a connector can be built and tested against plugins/api alone (STYLE.md §1).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'lake/**', '.tributary/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-debugger': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // The runtime is the layer below REST and the CLI, and knows connectors only through the
    // plugin API and the registry: which connectors, stores, bus and REST a worker gets is the
    // composition root's choice (cli/), so the runtime can be assembled differently (tests,
    // distributed mode) without knowing any of them.
    files: ['runtime/**/*.ts'],
    ignores: ['runtime/**/*.test.ts', 'runtime/**/test/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/connectors/**', '**/rest/**', '**/cli/**'], message: 'runtime/ never imports connectors/, rest/ or cli/: the composition root in cli/ wires them together.' },
      ] }],
    },
  },
  {
    // The CDC toolkit and the connector test kit sit beside the plugin API and build on it
    // alone, so any source (in-tree or a plugin) can use them without reaching the connectors.
    files: ['plugins/cdc/**/*.ts', 'plugins/testing/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/runtime/**', '**/rest/**', '**/cli/**', '**/connectors/**'], message: 'plugins/cdc and plugins/testing depend only on plugins/api.' },
      ] }],
    },
  },
  {
    files: ['connectors/**/*.ts', 'plugins/**/*.ts', 'integration-tests/fixtures/plugins/**/*.ts'],
    ignores: ['plugins/cdc/**', 'plugins/testing/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/runtime/**', '**/rest/**', '**/cli/**'], message: 'Connectors and the plugin API import only plugins/api: the runtime stays hidden behind the SPI.' },
      ] }],
    },
  },
);
