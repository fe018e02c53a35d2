import { defineConfig } from 'vitest/config';

/**
 * Three test tiers, one vitest project each (docs: README "Tests"):
 * - unit: pure code, no servers, files, databases or child processes (src/domain and *.unit.test.ts);
 * - integration: one component against real parts (emulators over HTTP, SQLite files, Postgres);
 * - e2e: the whole product (test/e2e).
 * `npm run test:fast` runs unit + integration; `npm test` runs all three.
 */
const unit = ['src/domain/**/*.test.ts', '**/*.unit.test.ts'];
const e2e = ['test/e2e/**/*.test.ts'];
const everyTest = ['src/**/*.test.ts', 'emulators/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Fails a test file that leaves servers, timers or child processes running.
    setupFiles: ['test/support/leakGuard.ts'],
    // Tests talk to loopback emulators: never send them through a proxy (jsforce reads these at load).
    env: { HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' },
    projects: [
      { extends: true, test: { name: 'unit', include: unit, exclude: ['**/node_modules/**', ...e2e] } },
      {
        extends: true,
        test: { name: 'integration', include: everyTest, exclude: ['**/node_modules/**', ...unit, ...e2e] },
      },
      { extends: true, test: { name: 'e2e', include: e2e } },
    ],
  },
});
