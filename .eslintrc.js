require('@rushstack/eslint-config/patch/modern-module-resolution');
module.exports = {
  extends: ['@microsoft/eslint-config-spfx/lib/profiles/react'],
  parserOptions: { tsconfigRootDir: __dirname },
  ignorePatterns: ['lib/**', 'temp/**', 'dist/**', 'release/**', 'node_modules/**', 'api/**', 'local-tenant/**', 'preview/**', 'e2e/**', 'bench/**', 'scripts/**', 'tests/**', '*.js', '*.mjs'],
  overrides: [
    {
      files: ['*.ts', '*.tsx'],
      parser: '@typescript-eslint/parser',
      parserOptions: {
        project: './tsconfig.json',
        ecmaVersion: 2018,
        sourceType: 'module'
      },
      rules: {
        '@rushstack/no-new-null': 'off',
        '@rushstack/hoist-jest-mock': 'off',
        '@rushstack/security/no-unsafe-regexp': 'error',
        '@typescript-eslint/explicit-function-return-type': ['error', { allowExpressions: true, allowTypedFunctionExpressions: true, allowHigherOrderFunctions: false }],
        '@typescript-eslint/no-explicit-any': 'error',
        '@typescript-eslint/no-floating-promises': 'error',
        '@typescript-eslint/no-unused-vars': ['error', { vars: 'all', args: 'none' }],
        '@typescript-eslint/typedef': ['error', { arrayDestructuring: false, arrowParameter: false, memberVariableDeclaration: true, objectDestructuring: false, parameter: true, propertyDeclaration: true, variableDeclaration: false, variableDeclarationIgnoreFunction: true }],
        'eqeqeq': 'error',
        'no-eval': 'error',
        'no-new-func': 'error',
        'no-void': 'off',
        'promise/param-names': 'error',
        'react/self-closing-comp': 'warn'
      }
    },
    {
      files: ['*.test.ts', '*.test.tsx'],
      parserOptions: { project: './tsconfig.test.json' },
      rules: {
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/explicit-function-return-type': 'off',
        '@typescript-eslint/typedef': 'off',
        '@rushstack/security/no-unsafe-regexp': 'off'
      }
    }
  ]
};
