/**
 * test262 conformance for ES module tests (every test flagged `module`), run three times: natively from a tree on
 * disk, through hotzip from an archive holding the same tree, and through hotzip again with a forced hot update of
 * every module of each test after its first run passes (zip-updated). Parity: each test must end the same way in
 * each hotzip mode as natively (pass or fail, and the same error type). Tests of proposals Node does not ship fail in
 * every mode; zip-updated failures inherent to a second evaluation are allowlisted (`inherentUpdateFailures`, with
 * the failure each must show); see ./test262/runner.ts.
 *
 * The suite is the pinned checkout in /work/shared/test262 (or $TEST262_ROOT); without it the test is skipped.
 * `node dist/test/test262/cli.js --verbose` prints every failure and message difference.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  allModes,
  defaultTest262Root,
  describeOutcome,
  listModuleTests,
  type Mismatch,
  runTests,
  summarize,
  usesShippedFeatures,
} from './runner.js';

const root = process.env.TEST262_ROOT ?? defaultTest262Root;
const available = fs.existsSync(path.join(root, 'harness', 'assert.js'));

const describeMismatch = (m: Mismatch): string =>
  `${m.rel}\n  native: ${describeOutcome(m.native)}\n  ${m.mode}: ${describeOutcome(m.other)}`;

test('test262 module tests behave the same from an archive, and after a hot update, as from disk', {
  skip: available ? false : `no test262 checkout at ${root}`,
  timeout: 170_000,
}, async (t) => {
  const tests = listModuleTests(root);
  assert.ok(tests.length >= 700, `only ${tests.length} module tests found in ${root}`);
  const results = await runTests(tests, [...allModes], { root, jobs: 2, timeoutMs: 5000 });
  const summary = summarize(tests, results);
  const native = results.get('native')!;
  t.diagnostic(allModes.map((mode) => `${mode}: ${summary.pass[mode]} pass`).join(', '));

  await t.test('native: nearly every test of a shipped feature passes', () => {
    const shipped = tests.filter(usesShippedFeatures);
    const shippedPass = shipped.filter((t) => native.get(t.rel)?.status === 'pass').length;
    assert.ok(
      shippedPass >= Math.floor(shipped.length * 0.95),
      `native: only ${shippedPass} of ${shipped.length} tests of shipped features pass`,
    );
  });

  await t.test('zip: same outcomes as native', () => {
    const mismatches = summary.mismatches.filter((m) => m.mode === 'zip').map(describeMismatch);
    assert.equal(mismatches.length, 0, `parity mismatches:\n${mismatches.join('\n')}`);
    assert.equal(summary.pass.zip, summary.pass.native);
  });

  await t.test('zip-updated: same outcomes as native, except failures inherent to a second evaluation', () => {
    const mismatches = summary.mismatches.filter((m) => m.mode === 'zip-updated').map(describeMismatch);
    assert.equal(mismatches.length, 0, `parity mismatches:\n${mismatches.join('\n')}`);
    assert.deepEqual(summary.staleAllowed, [], 'allowlisted as inherent, yet passing after the update');
    assert.equal(summary.pass['zip-updated'], summary.pass.native! - summary.allowed.length);
  });
});

test('test262 module tests with no package.json in scope: syntax detection picks the format Node picks', {
  skip: available ? false : `no test262 checkout at ${root}`,
  timeout: 170_000,
}, async (t) => {
  const tests = listModuleTests(root);
  const results = await runTests(tests, ['native', 'zip'], { root, jobs: 2, timeoutMs: 5000, packageJson: false });
  const summary = summarize(tests, results);
  t.diagnostic(`native: ${summary.pass.native} pass, zip: ${summary.pass.zip} pass`);
  const mismatches = summary.mismatches.filter((m) => m.mode === 'zip').map(describeMismatch);
  assert.equal(mismatches.length, 0, `parity mismatches:\n${mismatches.join('\n')}`);
  assert.equal(summary.pass.zip, summary.pass.native);
});
