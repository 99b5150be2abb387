// Lint: typed rules everywhere, plus the determinism guard for workflow code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** Rules for code that must stay pure: no Node built-ins, no I/O packages, no timers; typeOnly paths allow `import type`. */
function pureModuleRules(why, typeOnly) {
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: nodeBuiltins.map((name) => ({ name, message: `${why}: no Node built-ins.` })),
        patterns: [
          {
            group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing', 'ssh2', 'yaml'],
            message: `${why}: only @temporalio/workflow or /common and pure modules.`,
          },
          { group: typeOnly, message: `${why}: import types only (import type).`, allowTypeImports: true },
        ],
      },
    ],
    'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'require', 'Buffer'],
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.cache/**', 'test-results/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself tracks.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'before', 'after', 'test'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: no Node built-ins, no I/O, nothing but the workflow SDK and pure code. Of a step it
    // imports the plan (src/plan/), never the body (steps/): the bundle carries no host commands.
    files: ['workflows/**/*.ts'],
    rules: pureModuleRules('Workflow code must be deterministic', [
      '../activities',
      '../activities/*',
      '../steps',
      '../steps/**',
      '../src/step-kit/*',
      '!../src/step-kit/failure-types',
      '../src/ssh/*',
      '../cli/*',
      '../src/secrets',
    ]),
  },
  {
    // The layers (docs/architecture.md): src/ is the bottom (src/step-kit/ also gets the purity rules below, which
    // forbid the same layers) and imports nothing above it, not even a type.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/activities', '**/activities/**', '**/workflows', '**/workflows/**', '**/cli/**', '**/steps', '**/steps/**'],
              message: 'src/ is the bottom layer: it imports nothing from activities/, workflows/, steps/ or cli/.',
            },
          ],
        },
      ],
    },
  },
  {
    // The benchmarks and the lab's driver are used by the tests, never the other way round.
    files: ['scripts/**/*.ts', 'lab/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/test/**'], message: 'scripts/ and lab/ import nothing from test/ (lab/driver/ is shared).' }] },
      ],
    },
  },
  {
    // Step descriptors and their kit are pure: the workflow imports their names and hosts, and every host command
    // goes through the StepContext the activity runtime hands in. Type imports (e.g. of the SSH result) are fine.
    files: ['steps/**/*.ts', 'src/step-kit/**/*.ts'],
    rules: pureModuleRules('Steps are pure (host I/O goes through StepContext)', ['**/ssh/session', '**/secrets', '**/activities/**', '**/cli/**']),
  },
);
