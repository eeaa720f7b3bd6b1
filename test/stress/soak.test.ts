/**
 * Short soak: 40 replacements of a live server's handler archive, one in four broken, under continuous
 * keep-alive load. `npm run stress` runs the long version (200 replacements) and prints the figures.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { soak } from './soak.js';

test('a server under load takes 40 archive replacements (10 broken) without a failed request', {
  timeout: 120_000,
}, async (t) => {
  const report = await soak({ replacements: 40 });
  t.diagnostic(JSON.stringify({ ...report, observed: report.observed.length }));
  assert.equal(report.failed, 0);
  assert.deepEqual(report.brokenServed, []);
  assert.deepEqual(
    report.observed,
    Array.from({ length: 30 }, (_, i) => i + 1),
  );
  assert.equal(report.broken, 10);
  assert.ok(
    report.refused >= report.broken,
    `the server refused ${report.refused} of ${report.broken} broken archives`,
  );
  assert.ok(report.requests > 100, `only ${report.requests} requests`);
});
