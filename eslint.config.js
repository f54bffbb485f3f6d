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
    files: ['connectors/**/*.ts', 'plugins/**/*.ts', 'integration-tests/fixtures/plugins/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/runtime/**', '**/rest/**', '**/cli/**'], message: 'Connectors and the plugin API import only plugins/api: the runtime stays hidden behind the SPI.' },
      ] }],
    },
  },
);
