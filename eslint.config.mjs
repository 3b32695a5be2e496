// Type-aware lint, as immich and typescript-eslint's strict presets do, plus the repository's import boundaries
// (STYLE.md §1): apps never import apps, libs never import apps, nobody reaches into a lib past its index.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const crossProject = [
  { group: ['@kopir/*/*'], message: 'Import a lib through its public index (@kopir/<lib>), never a deep path.' },
  { group: ['**/libs/**'], message: 'Import libs through their @kopir/<lib> alias.' },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'certs/dev/**',
      'data/**',
      '**/templates/**',
      '*.js',
      '*.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      'no-restricted-imports': ['error', { patterns: crossProject }],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...crossProject, { group: ['**/apps/**'], message: 'Libs never import apps.' }] },
      ],
    },
  },
  {
    files: ['apps/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...crossProject, { group: ['**/apps/**'], message: 'Apps never import other apps.' }] },
      ],
    },
  },
  {
    // Tests use jest's loosely typed matchers (expect.any(...)) and build deliberately malformed inputs.
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
