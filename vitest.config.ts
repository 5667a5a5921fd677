import { defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` (pure logic), and the behaviour suites twice — on the embedded defaults
 * (PGlite, memory) and on real PostgreSQL + Redis when TEST_DATABASE_URL and TEST_REDIS_URL are
 * set. In CI a missing service is a failure, never a silent skip.
 */
const servicesConfigured = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);
if (!servicesConfigured) {
  if (process.env.CI === 'true') {
    throw new Error('CI=true but TEST_DATABASE_URL and TEST_REDIS_URL are not both set: the services suites must run in CI.');
  }
  if (!process.env.AUREUS_SKIP_NOTICE_SHOWN) {
    process.env.AUREUS_SKIP_NOTICE_SHOWN = '1';
    console.warn('\n[aureus] services suites SKIPPED: set TEST_DATABASE_URL and TEST_REDIS_URL to run them on PostgreSQL + Redis.\n');
  }
}

const UNIT = ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/guard/**/*.test.ts'];
const SHARED = ['test/**/*.test.ts'];
const NOT_SHARED = [...UNIT, 'test/embedded/**', 'test/services/**'];

export default defineConfig({
  test: {
    globalSetup: ['test/harness/global-setup.ts'],
    reporters: ['default', './test/harness/summary-reporter.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Generous: the behaviour suites start embedded databases and real processes on 2 cores.
    testTimeout: 90_000,
    hookTimeout: 180_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
      reporter: ['text-summary', 'json-summary'],
    },
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: { name: 'embedded', include: [...SHARED, 'test/embedded/**/*.test.ts'], exclude: NOT_SHARED.filter((p) => p !== 'test/embedded/**'), env: { AUREUS_TEST_BACKEND: 'embedded' } },
      },
      ...(servicesConfigured
        ? [
            {
              extends: true as const,
              test: { name: 'services', include: [...SHARED, 'test/services/**/*.test.ts'], exclude: NOT_SHARED.filter((p) => p !== 'test/services/**'), env: { AUREUS_TEST_BACKEND: 'services' } },
            },
          ]
        : []),
    ],
  },
});
