/**
 * A new version's gate: one short import in the version's source, resolved by the hooks to a module of the version's
 * own whose source reports that version linked.
 */
import assert from 'node:assert/strict';
import type { LoadFnOutput, ResolveFnOutput } from 'node:module';
import { test } from 'node:test';
import { GATE_IMPORT } from '../../lib/load/gate.js';
import { createHooks } from '../../lib/load/hooks.js';

const hooks = createHooks({ shimRequire: false, hot: true });
const version = 'zip:///srv/app.zip!/a.js?hz=3u';

function resolve(specifier: string, parentURL: string): ResolveFnOutput {
  const next = (): ResolveFnOutput => ({ url: 'next:', shortCircuit: true });
  return hooks.resolve(
    specifier,
    { conditions: ['node', 'import'], importAttributes: {}, parentURL },
    next,
  ) as ResolveFnOutput;
}

test('each version imports a gate of its own, whose source reports that version linked', () => {
  const specifier = JSON.parse(/import (".*");$/.exec(GATE_IMPORT)?.[1] ?? '""') as string;
  const gate = resolve(specifier, version).url;
  assert.notEqual(gate, resolve(specifier, 'zip:///srv/app.zip!/a.js?hz=4u').url);
  const next = (): LoadFnOutput => assert.fail('a gate is served by hotzip');
  const loaded = hooks.load(gate, { conditions: [], format: undefined, importAttributes: {} }, next) as LoadFnOutput;
  assert.equal(loaded.format, 'module');
  assert.match(
    String(loaded.source),
    /^await globalThis\[Symbol\.for\("hotzip\.runtime"\)\]\?\.linked\("zip:\/\/\/srv\/app\.zip!\/a\.js\?hz=3u"\);$/,
  );
  // Only a module in an archive is given one: elsewhere the specifier is the next hook's to resolve.
  assert.equal(resolve(specifier, 'file:///srv/main.js').url, 'next:');
});
