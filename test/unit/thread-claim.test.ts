/**
 * The claim an install of hotzip leaves on its thread's global object, and what a second install makes of it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotzipError } from '../../lib/errors.js';
import { claimThread, type ThreadClaim } from '../../lib/load/thread-claim.js';
import { REGISTRATION_FORMAT, transformModule } from '../../lib/transform/transform.js';

const first: ThreadClaim = { format: REGISTRATION_FORMAT, root: '/srv/app/node_modules/hotzip' };

/** A thread's global object with `first` installed. */
function claimed(): Record<symbol, unknown> {
  const scope: Record<symbol, unknown> = {};
  assert.equal(claimThread(scope, first), true);
  return scope;
}

test('the first install claims the thread; the same install again, or another of its format, installs nothing', () => {
  const scope = claimed();
  assert.equal(claimThread(scope, first), false);
  assert.equal(claimThread(scope, { ...first, root: '/srv/app/node_modules/dep/node_modules/hotzip' }), false);
});

test('an install of another format is refused, naming both installs and formats; the first keeps the thread', () => {
  const scope = claimed();
  const later: ThreadClaim = { format: REGISTRATION_FORMAT + 1, root: '/srv/app/node_modules/dep/node_modules/hotzip' };
  assert.throws(
    () => claimThread(scope, later),
    (error: unknown) => {
      assert.ok(error instanceof HotzipError);
      assert.equal(error.code, 'ERR_HOTZIP_RUNTIME_MISMATCH');
      assert.match(error.message, new RegExp(`at ${later.root} \\(registration format ${later.format}\\) cannot`));
      assert.match(error.message, new RegExp(`at ${first.root} \\(registration format ${first.format}\\) is already`));
      return true;
    },
  );
  assert.equal(claimThread(scope, first), false);
});

test('a runtime published by an install from before formats were numbered is another format', () => {
  const scope: Record<symbol, unknown> = { [Symbol.for('hotzip.runtime')]: {} };
  assert.throws(() => claimThread(scope, first), {
    code: 'ERR_HOTZIP_RUNTIME_MISMATCH',
    message: /registration format 1/,
  });
});

test("a transformed module looks the runtime up under a symbol naming its format, no other format's", () => {
  const { code } = transformModule('export const x = 1;\n', { url: 'zip:///srv/app.zip!/x.js' });
  assert.ok(code.includes(`globalThis[Symbol.for("hotzip.runtime.${REGISTRATION_FORMAT}")]?.register(`), code);
});
