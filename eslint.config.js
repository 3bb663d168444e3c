import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layers of shared/DESIGN.md: imports only go down. Each entry lists what a layer must not import.
const above = (...dirs) => dirs.flatMap((d) => [`**/${d}/*`, `**/${d}/**`, `../${d}`, `../../${d}`]).concat();
const layerRules = [
  {
    files: ['src/wbxml/**'],
    banned: ['model', 'backends', 'state', 'sync', 'protocol', 'http', 'push', 'app*', 'main*', 'cli*'],
  },
  {
    files: ['src/model/**'],
    banned: ['backends', 'state', 'sync', 'protocol', 'http', 'push', 'app*', 'main*', 'cli*'],
  },
  // The engine and the commands see backend and state interfaces, never an implementation.
  {
    files: ['src/sync/**'],
    banned: ['protocol', 'http', 'app*', 'main*', 'cli*', 'backends/*/', 'state/*/'],
  },
  { files: ['src/protocol/**'], banned: ['http', 'app*', 'main*', 'cli*', 'backends/*/', 'state/*/'] },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/env/run/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...layerRules.map(({ files, banned }) => ({
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: above(...banned), message: 'Layer rule (shared/DESIGN.md): imports only go down.' },
          ],
        },
      ],
    },
  })),
);
