// Prints a plain closing line "N passed, N failed, N skipped, N failed files" after the run (read
// by CI). A file that fails outside its tests (a beforeAll, an import) skips its tests: it is
// counted as a failed file, and a failed file also counts as a failure in "failed".
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0, failed = 0, skipped = 0, failedFiles = 0;
    for (const m of modules) {
      let testsFailed = 0;
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed') { failed++; testsFailed++; }
        else skipped++;
      }
      if (m.state() === 'failed' || m.errors().length > 0) {
        failedFiles++;
        if (testsFailed === 0) failed++;
      }
    }
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped, ${failedFiles} failed files\n`);
  }
}
