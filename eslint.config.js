// `npm run lint`: typescript-eslint's recommended rules plus the project's own (docs/architecture.md).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'web/dist/**', 'node_modules/**', 'sdk/openapi.d.ts', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    rules: {
      // Every `any` left is justified where it stands (an eslint-disable-next-line with its reason).
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Named exports only: one name for one thing, wherever it is imported.
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['web/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    // Migrations are typed against the schema as it was when they landed, not the live Database
    // interface (which moves on): Kysely<any> is Kysely's documented way to write them.
    files: ['src/db/migrations/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // One logger (pino, src/log.ts): the server never writes to the console. The CLI prints through its io.
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // Config files and the Vite entry are the exceptions the tools require.
    files: ['eslint.config.js', 'web/vite.config.ts', 'vitest.config.ts', 'bench/**', 'scripts/**', 'test/**', '**/*.test.{ts,tsx}'],
    rules: { 'no-restricted-syntax': 'off', 'no-console': 'off' },
  },
);
