import { defineConfig } from 'vitest/config';

// Three kinds of test, each with the time its kind needs: unit (one module or a few, in process, no
// sockets), integration (components together in process over loopback sockets, or deploy files through
// their real tools), e2e (the `hybrid` command as a user runs it, in child processes).
export default defineConfig({
  test: {
    // tfjs keeps one global engine per process: isolate files in forks, two at a time on two cores.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 } },
    ],
  },
});
