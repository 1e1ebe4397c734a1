import { defineConfig } from 'vitest/config';
import type { Reporter, TestModule } from 'vitest/node';

/** Prints the plain closing line "N passed, N failed, N skipped" that CI log readers understand. */
const plainSummary: Reporter = {
  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const m of modules) for (const t of m.children.allTests()) {
      const s = t.result().state;
      if (s === 'passed') counts.passed++;
      else if (s === 'failed') counts.failed++;
      else counts.skipped++;
    }
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  },
};

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/tmp-setup.ts'],
    // builds the test collector locally when it is missing (CI builds it in .ci/run)
    globalSetup: ['test/helpers/otelcol-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', plainSummary],
  },
});
