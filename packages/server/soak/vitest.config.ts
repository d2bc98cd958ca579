import { defineConfig } from 'vitest/config';

/** `npm run test:soak`: the long crash-safety runs, bounded by PORTICO_SOAK_SECONDS per store. */
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['soak/**/*.soak.ts'],
    globalSetup: ['test/support/global-build.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: './soak-results.json' },
  },
});
