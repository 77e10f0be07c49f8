/** Tests run the TypeScript sources through ts-jest as CommonJS; the shipped code is ESM built by tsc. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node10', isolatedModules: true, jsx: 'react', types: ['node', 'jest', 'xrm'] } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60000,
  // Suites run in two worker processes, each replaced once it holds more than 1 GB: on a 2-core machine jest would
  // otherwise run all of them in one process, where DuckDB, xmllint-wasm's workers and jsdom together brought it down
  // (a segmentation fault, not a test failure).
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
};
