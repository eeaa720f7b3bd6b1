/** `invalidate`: a module that cannot take its own update in place has its importers updated as well. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeApp, type FakeModule, urlOf } from './fake-app.js';

function a(value: number, extra = ''): FakeModule {
  return { exports: ['value'], body: `let value = ${value}; trace('a ran ${value}'); ${extra}` };
}
const b: FakeModule = {
  exports: ['doubled'],
  imports: { a: ['value'] },
  body: "let doubled = dep('a').value * 2; trace('b ran');",
};

test('a new version that invalidates itself has its importers evaluated again after its update', async () => {
  const app = new FakeApp({ a: a(1), b });
  const loaded = await app.load('b');
  assert.equal(loaded.doubled, 2);
  const first = await app.change({ a: a(2, "hot.invalidate('values are copied');") });
  assert.deepEqual(first.updated, [urlOf('a')]);
  const second = await app.nextUpdate();
  assert.deepEqual(second.updated, [urlOf('b')]);
  assert.equal(loaded.doubled, 4);
  assert.deepEqual(app.trace, ['a ran 1', 'b ran', 'a ran 2', 'b ran']);
  assert.ok(app.logs.includes('info: fake:/a.js invalidated itself: values are copied'));
  assert.ok(app.logs.some((line) => line.startsWith('info: updated 1 module from invalidate')));
});

test('a module without importers that invalidates itself starts no update', async () => {
  const app = new FakeApp({ a: a(1) });
  await app.load('a');
  await app.change({ a: a(2, 'hot.invalidate();') });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(app.imported, [`${urlOf('a')}?hz=1u`]);
  assert.ok(app.logs.includes('info: fake:/a.js invalidated itself'));
});
