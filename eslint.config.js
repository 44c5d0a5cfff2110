import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'web/dist/**', 'web/.dist-*/**', '.tmp/**', 'examples/**', '.bench-data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // route -> use case -> statement: a dialect parses, makes one core call and renders. It never
    // reaches the database, a transaction or the id-resolution internals itself (docs/CONVENTIONS.md).
    files: ['src/dialects/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/db/*', '**/db/**'], allowTypeImports: true, message: 'dialects do not touch the database: call a use case in src/core' },
          { group: ['pg', 'pg-*'], allowTypeImports: true, message: 'dialects do not touch the database (LISTEN included): call a use case in src/core' },
          { group: ['**/core/assets/read.ts'], importNames: ['assetIdByGid', 'assetIdsByGids', 'assetIdByPathname', 'assetIdsByPathnames', 'parentIdOf', 'pathIds', 'childrenOf', 'treeWindow'],
            message: 'ids are resolved by the use cases (src/core/assets/commands.ts, queries.ts)' },
        ],
      }],
    },
  },
);
