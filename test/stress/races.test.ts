/**
 * Short race run: 150 rounds of torn writes, renames and delete-and-recreate against a running app.
 * `npm run stress` runs 1,000.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { race } from './races.js';

test('torn writes, renames and deletions never apply in part and end in the last archive', {
  timeout: 120_000,
}, async (t) => {
  const report = await race(150);
  t.diagnostic(JSON.stringify(report));
  assert.equal(report.crashed, false);
  assert.equal(report.partial, 0);
  assert.equal(report.final, 150);
});
