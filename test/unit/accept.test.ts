/**
 * Accepting updates in place: the runtime installs a new version's exports into the bindings importers already
 * hold, forwards calls of captured functions to the newest version, and calls the `accept` callbacks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeApp, type FakeModule, urlOf } from './fake-app.js';

/** Module `a` at `value`: a counter whose exported function a caller may capture. */
function counter(value: number, extra = ''): FakeModule {
  return {
    exports: ['value', 'get'],
    body: `let value = ${value}; function get() { HOT(get) return 'v' + value; } trace('a ran ${value}'); ${extra}`,
  };
}

const reader: FakeModule = {
  exports: ['read'],
  imports: { a: ['value', 'get'] },
  body: `function read() { return [dep('a').value, dep('a').get()]; } trace('b ran');`,
};

test('an update assigns the live bindings, and a captured function runs the newest version', async () => {
  const app = new FakeApp({ a: counter(1) });
  const a = await app.load('a');
  const get = a.get as () => string;
  assert.equal(get(), 'v1');
  const report = await app.change({ a: counter(2) });
  assert.equal(report.error, undefined);
  assert.deepEqual(report.updated, [urlOf('a')]);
  assert.equal(a.value, 2);
  assert.equal(get(), 'v2');
  assert.deepEqual(app.trace, ['a ran 1', 'a ran 2']);
  assert.deepEqual(app.imported, [`${urlOf('a')}?hz=1u`]);
});

test('an importer sees the new values without evaluating again', async () => {
  const app = new FakeApp({ a: counter(1), b: reader });
  const b = await app.load('b');
  const read = b.read as () => unknown[];
  assert.deepEqual(read(), [1, 'v1']);
  const report = await app.change({ a: counter(2) });
  assert.deepEqual(report.updated, [urlOf('a')]);
  assert.deepEqual(read(), [2, 'v2']);
  assert.deepEqual(app.trace, ['a ran 1', 'b ran', 'a ran 2']);
});

test('accept(callback) gets the new namespace once the update is in', async () => {
  const accepting = (value: number) =>
    counter(value, `hot.accept((next) => trace(['accepted by ${value}', next?.value, dep === undefined]));`);
  const app = new FakeApp({ a: accepting(1) });
  await app.load('a');
  await app.change({ a: accepting(2) });
  // The callback the replaced version registered runs, with the version that replaced it.
  assert.deepEqual(app.trace, ['a ran 1', 'a ran 2', ['accepted by 1', 2, false]]);
  await app.change({ a: accepting(3) });
  assert.deepEqual(app.trace.slice(3), ['a ran 3', ['accepted by 2', 3, false]]);
});

test('accept(dep, callback) in an importer gets the dependency namespace', async () => {
  const app = new FakeApp({
    a: counter(1),
    b: {
      imports: { a: ['value'] },
      body: `hot.accept('a', (next) => trace(['a is now', next?.value])); hot.accept(['a'], (all) => trace(['all', all.map((each) => each?.value)]));`,
    },
  });
  await app.load('b');
  await app.change({ a: counter(5) });
  assert.deepEqual(app.trace, ['a ran 1', 'a ran 5', ['a is now', 5], ['all', [5]]]);
});

test('a module that adds an export serves it to importers loaded later, and keeps the old ones updated', async () => {
  const app = new FakeApp({ a: counter(1) });
  const first = await app.load('a');
  const report = await app.change({
    a: {
      exports: ['value', 'get', 'added'],
      body: `let value = 2; function get() { return 'w' + value; } let added = 'new';`,
    },
  });
  assert.equal(report.error, undefined);
  assert.equal(app.runtime.redirect(urlOf('a')), `${urlOf('a')}?hz=1`);
  const later = await app.load('a');
  assert.equal(later.added, 'new');
  assert.equal(first.value, 2);
  await app.change({
    a: { exports: ['value', 'get', 'added'], body: `let value = 3; function get() {} let added = 'newer';` },
  });
  assert.equal(first.value, 3);
  assert.equal(later.added, 'newer');
});

test('a module that removes an export serves importers loaded later a namespace without it', async () => {
  const app = new FakeApp({ a: counter(1) });
  const first = await app.load('a');
  const report = await app.change({ a: { exports: ['value'], body: 'let value = 2;' } });
  assert.equal(report.error, undefined);
  assert.equal(app.runtime.redirect(urlOf('a')), `${urlOf('a')}?hz=1`);
  const later = await app.load('a');
  // As a fresh start on the new version would: no `get`. The namespace held before keeps its last value.
  assert.deepEqual(Object.keys(later), ['value']);
  assert.equal(later.value, 2);
  assert.equal(first.value, 2);
  assert.equal(typeof first.get, 'function');
  await app.change({ a: { exports: ['value'], body: 'let value = 3;' } });
  assert.equal(first.value, 3);
  assert.equal(later.value, 3);
});

test('runtime and module events report each update; a replaced version stops listening', async () => {
  const listening = (value: number): FakeModule =>
    counter(value, `hot.on('hotzip:afterUpdate', (payload) => trace(['${value} saw', payload.updates]));`);
  const app = new FakeApp({ a: listening(1), b: counter(1) });
  await app.load('a');
  await app.load('b');
  const seen: unknown[] = [];
  const onUpdate = (report: unknown) => seen.push(report);
  app.runtime.on('update', onUpdate);
  const report = await app.change({ b: counter(2) });
  assert.deepEqual(seen, [report]);
  assert.deepEqual(app.trace.at(-1), ['1 saw', [urlOf('b')]]);
  app.runtime.off('update', onUpdate);
  await app.change({ a: listening(2) });
  await app.change({ b: counter(3) });
  assert.equal(seen.length, 1);
  // Version 1's listener went with it (as Vite does); version 2 listens from its own update on.
  assert.deepEqual(
    app.trace.filter((line) => Array.isArray(line)),
    [
      ['1 saw', [urlOf('b')]],
      ['2 saw', [urlOf('a')]],
      ['2 saw', [urlOf('b')]],
    ],
  );
});
