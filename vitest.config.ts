import { defineConfig } from 'vitest/config';

// `npm test`: unit tests beside the code and the suites in test/ — on the embedded database,
// or on PostgreSQL when DATABASE_URL is set (one fresh schema per test file).
export default defineConfig({
  test: {
    include: ['api/**/*.test.ts', 'storage/**/*.test.ts', 'worker/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { NODE_ENV: 'test' },
  },
});
