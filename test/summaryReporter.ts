import type { Reporter, TestModule } from 'vitest/node';

/**
 * Ends every run with the plain line CI reads ("N passed, N failed, N skipped"), and fails a run
 * that executed no test at all rather than letting it pass silently.
 */
export default class SummaryLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) counts[test.result().state] += 1;
    }
    process.stdout.write(
      `\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped + counts.pending} skipped\n`,
    );
    if (counts.passed + counts.failed === 0) {
      process.stderr.write('No test ran: check the include patterns in vitest.config.ts.\n');
      process.exitCode = 1;
    }
  }
}
