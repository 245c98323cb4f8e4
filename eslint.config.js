import tseslint from 'typescript-eslint';

const storeClients = ['@nestjs/*', '@eventstore/*', 'class-validator', 'class-transformer', 'better-sqlite3', 'pg', 'pg-*'];

export default tseslint.config(
  { ignores: ['dist/**', 'console/dist/**', 'node_modules/**', 'data/**', 'scripts/**', 'eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after'] }] },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
    },
  },
  {
    files: ['projections/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: storeClients, message: 'projections/ is the pure billing engine: no framework, store client or validator.' },
            { group: ['**/src/**', '../src/*', '../../src/*'], message: 'projections/ must not depend on the application in src/.' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'The engine never reads the clock: pass time in.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The engine never reads the clock: pass time in.' },
        { selector: "CallExpression[callee.name='parseFloat']", message: 'Money is Decimal, never a float.' },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
