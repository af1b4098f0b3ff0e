import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.e2e.test.ts'],
    globalSetup: ['src/global-setup.ts'],
    testTimeout: 90_000,
    // A poll waits on state for up to 15 s (not vitest's 1 s): on a loaded machine a page's
    // next answer can take longer than a second, and that is no failure of the page.
    expect: { poll: { timeout: 15_000 } },
    hookTimeout: 90_000,
    // One browser at a time: two cores.
    fileParallelism: false,
  },
});
