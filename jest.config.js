/** Every suite talks to a real Temporal server; see test/harness. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true, diagnostics: false }] },
  setupFiles: ['<rootDir>/test/harness/quiet-runtime.ts'],
  globalSetup: '<rootDir>/test/harness/global-setup.ts',
  globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
  testTimeout: 120_000,
  // Two cores: suites that each start a server and a worker do better one or two at a time.
  maxWorkers: 2,
};
