// Two projects: fast unit tests beside the code (no I/O), and integration / end-to-end suites in test/ that start
// real processes (the embedded broker, the gateway over real mutual TLS). `npm test` runs both.
const tsJest = [
  'ts-jest',
  {
    // Type checking is `npm run typecheck`'s job; transpiling file by file keeps the suites fast on 2 cores.
    tsconfig: {
      allowJs: true,
      isolatedModules: true,
      module: 'commonjs',
      moduleResolution: 'node10',
      ignoreDeprecations: '6.0',
    },
    diagnostics: false,
  },
];
const common = {
  testEnvironment: 'node',
  // jose 6 ships ES modules only; Node 20 loads them with require(esm), Jest's module loader does not: transpile it.
  transform: { '^.+\\.[tj]s$': tsJest },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: { '^@kopir/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts' },
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};
module.exports = {
  // Jest reads testTimeout only at the top level, not per project. Integration suites start real processes on a
  // 2-core machine that may be busy: 60 s is a bound against hangs, not a performance expectation.
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/templates/'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
    },
  ],
};
