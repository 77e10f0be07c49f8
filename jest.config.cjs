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
  // Suites run in worker processes, recycled when they grow: many DuckDB instances opened and closed in one process
  // (emulators, the job) ended in a native crash of the whole run when everything ran in band on a 2-core machine.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
};
