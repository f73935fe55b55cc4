import { defineConfig } from 'vitest/config';

// Three projects: unit tests (no network, next to the code), integration tests (*.int.test.ts,
// real NATS JetStream and PostgreSQL via libs/testkit) and end-to-end tests (test/src/e2e: the real
// services as processes, the real dev IdP and real clients). Packages are imported through their
// built dist, so `npm test` builds first.
const exclude = ['**/node_modules/**', '**/dist/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['libs/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts', 'test/src/**/*.unit.test.ts'],
          exclude: [...exclude, '**/*.int.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['libs/*/src/**/*.int.test.ts', 'services/*/src/**/*.int.test.ts', 'tools/*/src/**/*.int.test.ts'],
          exclude,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/src/e2e/**/*.test.ts'],
          exclude,
          // Each e2e file starts a whole stack; on two cores they run one at a time.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
