import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import powerApps from '@microsoft/eslint-plugin-power-apps';

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'generated/', 'node_modules/', 'coverage/', 'bench/data/', 'test/artifacts/', 'sandbox/.data/', '.spark/',
    // The built web resources and control, copied next to their definitions for pac by npm run solution:src.
    'solution/src/WebResources/', 'solution/src/Controls/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: globals.node } },
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: globals.node } },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // core/ is the domain: no I/O and nothing of the project's outer folders (ARCHITECTURE.md).
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'http', 'https', 'child_process'], message: 'core/ has no I/O: pass the capability in.' },
          { group: ['../job/*', '../pcf/*', '../webresources/*', '../sandbox/*', '../solution/*'], message: 'core/ imports nothing of the project.' },
        ],
      }],
    },
  },
  {
    // Web resources pass the Power Apps checker's rules (the solution checker runs the same), every one as an error.
    files: ['webresources/**/*.ts', 'webresources/**/*.tsx'],
    plugins: { '@microsoft/power-apps': powerApps },
    languageOptions: { globals: { ...globals.browser, Xrm: 'readonly' } },
    rules: Object.fromEntries(Object.keys(powerApps.configs.paCheckerHosted.rules).map((rule) => [rule, 'error'])),
    settings: powerApps.configs.paCheckerHosted.settings,
  },
);
