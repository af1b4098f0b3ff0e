import { defineConfig } from 'vitest/config';

// Unit tests of the console's pure helpers (formatting); pages are tested in the browser (e2e/).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
