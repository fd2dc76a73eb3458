// Flat config: typescript-eslint's recommended rules on all TypeScript sources.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', '.vscode-test/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The engine must stay usable outside VS Code (worker, CLI, tests).
    files: ['src/core/**/*.ts', 'src/worker/**/*.ts', 'src/cli.ts', 'src/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['vscode'] }] },
  },
  {
    // The extension host must never load TensorFlow.js: training runs in the worker. The engine's
    // tensor layers are off limits at any depth (test/unit/ext-no-tfjs.test.ts checks the bundle).
    files: ['src/extension/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '^@tensorflow/|/core/(tf|backend|session|playground|index)$|/core/(t5|tensor|training|prompt|tokenizer)(/|$)',
          message: 'The extension host must not load TensorFlow.js: ask the worker (src/worker/protocol.ts).',
        }],
      }],
    },
  },
);
