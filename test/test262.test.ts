/**
 * test262 conformance for ES module tests (every test flagged `module`), run twice: natively from a tree on disk and
 * through hotzip from an archive holding the same tree. Parity: each test must end the same way in both (pass or
 * fail, and the same error type). Tests of proposals Node does not ship fail in both; see ./test262/runner.ts.
 *
 * The suite is the pinned checkout in /work/shared/test262 (or $TEST262_ROOT); without it the test is skipped.
 * `node dist/test/test262/cli.js --verbose` prints every failure and message difference.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import {
  defaultTest262Root,
  describeOutcome,
  listModuleTests,
  runTests,
  summarize,
  usesShippedFeatures,
} from './test262/runner.js';

const root = process.env.TEST262_ROOT ?? defaultTest262Root;
const available = fs.existsSync(path.join(root, 'harness', 'assert.js'));

test('test262 module tests behave the same from an archive as from disk', {
  skip: available ? false : `no test262 checkout at ${root}`,
  timeout: 170_000,
}, async () => {
  const tests = listModuleTests(root);
  assert.ok(tests.length >= 700, `only ${tests.length} module tests found in ${root}`);
  const results = await runTests(tests, ['native', 'zip'], { root, jobs: 2, timeoutMs: 5000 });
  const summary = summarize(tests, results);
  const native = results.get('native')!;

  const mismatches = summary.mismatches.map(
    (m) => `${m.rel}\n  native: ${describeOutcome(m.native)}\n  zip:    ${describeOutcome(m.zip)}`,
  );
  assert.equal(mismatches.length, 0, `parity mismatches:\n${mismatches.join('\n')}`);

  // The native run itself must be sound: nearly every test of a shipped feature passes on every Node tested.
  const shipped = tests.filter(usesShippedFeatures);
  const shippedPass = shipped.filter((t) => native.get(t.rel)?.status === 'pass').length;
  assert.ok(
    shippedPass >= Math.floor(shipped.length * 0.95),
    `native: only ${shippedPass} of ${shipped.length} tests of shipped features pass`,
  );
  assert.equal(summary.pass.zip, summary.pass.native);
});
