/** `import.meta.hot` on its own: what it records, and what it forwards to its runtime. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HotContext, type HotContextHost } from '../../lib/hot/context.js';

/** A host that records what the context forwards. */
function recordingHost(): HotContextHost & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  return {
    calls,
    resolve: (specifier) => `zip:/app.zip!/${specifier.replace('./', '')}`,
    invalidate: (url, message) => calls.push(['invalidate', url, message]),
    on: (event, listener) => calls.push(['on', event, listener]),
    off: (event, listener) => calls.push(['off', event, listener]),
  };
}

test('accept, dispose, prune and decline are recorded for the runtime to call', () => {
  const host = recordingHost();
  const data = { kept: 1 };
  const context = new HotContext('zip:/app.zip!/a.js', data, host);
  assert.equal(context.data, data);
  assert.equal(context.accepted, false);
  context.accept();
  assert.equal(context.accepted, true);
  const self = (): void => {};
  context.accept(self);
  assert.deepEqual(context.selfAccepts, [self]);
  const seen: unknown[] = [];
  context.accept('./b.js', (module) => seen.push(['one', module]));
  context.accept(['./b.js', './c.js'], (modules) => seen.push(['all', modules]));
  assert.deepEqual(
    context.depAccepts.map((each) => each.deps),
    [['zip:/app.zip!/b.js'], ['zip:/app.zip!/b.js', 'zip:/app.zip!/c.js']],
  );
  const namespace = { x: 1 };
  for (const each of context.depAccepts) each.callback([namespace, undefined]);
  assert.deepEqual(seen, [
    ['one', namespace],
    ['all', [namespace, undefined]],
  ]);
  const dispose = (): void => {};
  context.dispose(dispose);
  context.prune(dispose);
  assert.deepEqual([context.disposers, context.pruners], [[dispose], [dispose]]);
  context.decline();
  assert.equal(context.declined, true);
  assert.throws(() => context.accept(42 as unknown as string, () => {}), TypeError);
});

test('invalidate and listeners go to the runtime; detach removes this instance’s listeners', () => {
  const host = recordingHost();
  const context = new HotContext('zip:/app.zip!/a.js', {}, host);
  context.invalidate('why');
  const after = (payload: { updates: string[] }): void => void payload;
  const custom = (payload: unknown): void => void payload;
  context.on('hotzip:afterUpdate', after);
  context.on('my:event', custom);
  context.detach();
  assert.deepEqual(host.calls, [
    ['invalidate', 'zip:/app.zip!/a.js', 'why'],
    ['on', 'hotzip:afterUpdate', after],
    ['on', 'my:event', custom],
    ['off', 'hotzip:afterUpdate', after],
    ['off', 'my:event', custom],
  ]);
  context.detach();
  assert.equal(host.calls.length, 5);
});
