// Sums the vitest JSON reports that every workspace package writes during
// `turbo run test`, prints one `N passed, N failed` line, and exits non-zero
// when a test failed, a package has no report, or no test ran.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];

for (const group of ['packages', 'apps', 'tests']) {
  const groupDir = join(root, group);
  if (!existsSync(groupDir)) continue;
  for (const name of readdirSync(groupDir)) {
    const packageDir = join(groupDir, name);
    if (!existsSync(join(packageDir, 'package.json'))) continue;
    const report = join(packageDir, '.test-report.json');
    if (!existsSync(report)) {
      missing.push(`${group}/${name}`);
      continue;
    }
    const result = JSON.parse(readFileSync(report, 'utf8'));
    passed += result.numPassedTests;
    failed += result.numFailedTests;
    skipped += result.numPendingTests + (result.numTodoTests ?? 0);
  }
}

for (const name of missing) {
  console.error(`${name}: no test report (.test-report.json) was written`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || passed === 0 || missing.length > 0) process.exit(1);
