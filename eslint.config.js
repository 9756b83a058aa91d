import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

/** A layer may not import from these folders of src/ (docs/architecture.md, "Layers"). */
const layer = (folder, forbidden, extra = []) => ({
  files: [`src/${folder}/**/*.{ts,tsx}`],
  // tests and the fixtures only tests use run on Node
  ignores: ['**/*.test.ts', '**/testUtil.ts', '**/*Fixtures.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: `(^|/)(${forbidden.join('|')})(/|$)`,
            message: `src/${folder} may not import from src/{${forbidden.join(',')}} (docs/architecture.md, "Layers").`,
          },
          ...extra,
        ],
      },
    ],
  },
});

const NODE_ONLY = { regex: '^node:', message: 'src/core runs in the browser too: no Node built-ins (do file work in src/cli).' };

export default tseslint.config(
  { ignores: ['dist', 'dist-e2e', 'node_modules', 'test-results', 'playwright-report', 'public', 'scratch', 'bench/gpu/pack'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  layer('core', ['protocol', 'worker', 'client', 'state', 'render', 'ui', 'cli', 'bench', 'shared'], [NODE_ONLY, { regex: '^react', message: 'src/core has no UI.' }]),
  layer('protocol', ['worker', 'client', 'state', 'render', 'ui', 'cli', 'bench']),
  layer('worker', ['client', 'state', 'render', 'ui', 'cli', 'bench']),
  layer('client', ['ui', 'render', 'worker', 'cli', 'bench']),
  layer('state', ['render', 'ui', 'client', 'worker', 'cli', 'bench']),
  layer('render', ['state', 'client', 'worker', 'ui', 'cli', 'bench']),
  layer('ui', ['worker', 'cli', 'bench']),
  layer('cli', ['ui', 'client', 'worker', 'state', 'render', 'bench']),
  layer('shared', ['worker', 'client', 'state', 'render', 'ui', 'cli', 'bench']),
  layer('backends', ['worker', 'client', 'state', 'render', 'ui', 'cli', 'bench']),
  layer('bench', ['worker', 'client', 'state', 'render', 'ui', 'cli']),
);
