/**
 * `prune`: a loaded module whose entry disappears has its handlers run; running code keeps it, but its imports no
 * longer hold back an update, until a change brings the entry back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeApp, type FakeModule, urlOf } from './fake-app.js';

const a: FakeModule = { exports: ['value', 'other'], body: 'let value = 1; let other = 2;' };
const aWithoutValue: FakeModule = { exports: ['other'], body: 'let other = 3;' };
const b: FakeModule = {
  exports: ['read'],
  imports: { a: ['value'] },
  body: `function read() { return dep('a').value; } hot.prune((data) => { trace(['prune b', data.kept]); }); hot.data.kept = 'state';`,
};

test('a removed module runs its prune handlers with its data, and keeps running', async () => {
  const app = new FakeApp({ a, b });
  const loaded = await app.load('b');
  const updates: unknown[] = [];
  app.runtime.on('update', (report) => updates.push(report));
  const report = await app.change({ b: undefined });
  assert.equal(report.error, undefined);
  assert.deepEqual(report.removed, [urlOf('b')]);
  assert.deepEqual(report.updated, []);
  assert.deepEqual(updates, [report]);
  assert.deepEqual(app.trace, [['prune b', 'state']]);
  assert.equal((loaded.read as () => unknown)(), 1);
});

test("a removed module's imports no longer hold back an update", async () => {
  const app = new FakeApp({ a, b });
  await app.load('b');
  const held = await app.change({ a: aWithoutValue });
  assert.equal(held.error?.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  await app.change({ b: undefined });
  const report = await app.change({ a: aWithoutValue });
  assert.equal(report.error, undefined);
  assert.deepEqual(report.updated, [urlOf('a')]);
});

test('an entry that comes back counts again', async () => {
  const app = new FakeApp({ a, b });
  await app.load('b');
  await app.change({ b: undefined });
  const back = await app.change({ b });
  assert.deepEqual(back.updated, [urlOf('b')]);
  const report = await app.change({ a: aWithoutValue });
  assert.equal(report.error?.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  assert.match(report.error?.message ?? '', /no longer exports "value", which fake:\/b\.js imports/);
});

test('removing a module that was never loaded prunes nothing', async () => {
  const app = new FakeApp({ a, b });
  await app.load('a');
  const report = await app.change({ b: undefined });
  assert.deepEqual(report.removed, []);
  assert.deepEqual(app.trace, []);
});

test('a refused update prunes nothing and reports nothing removed; the next good change removes it', async () => {
  const app = new FakeApp({ a, b });
  await app.load('b');
  await app.load('a');
  const refused = await app.change({ b: undefined, a: { ...a, syntaxError: { line: 1, column: 1 } } });
  assert.equal(refused.error?.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  assert.deepEqual(refused.removed, []);
  assert.deepEqual(app.trace, [], 'no prune handler ran for an update that changed nothing');
  // Still a live importer: b's import of `value` holds back its removal.
  const held = await app.change({ a: aWithoutValue });
  assert.match(held.error?.message ?? '', /no longer exports "value", which fake:\/b\.js imports/);
  // The watcher's baseline did not move past the refused change: it reports b's removal again with a's next change.
  const applied = await app.runtime.apply({ updated: [urlOf('a')], removed: [urlOf('b')], added: [] });
  assert.equal(applied.error, undefined);
  assert.deepEqual(applied.removed, [urlOf('b')]);
  assert.deepEqual(app.trace, [['prune b', 'state']]);
});

test('an update needing a restart prunes nothing', async () => {
  const declining: FakeModule = { ...a, body: `${a.body} hot.decline();` };
  const app = new FakeApp({ a: declining, b });
  await app.load('b');
  const report = await app.change({ b: undefined, a: { ...declining, body: `let value = 5; let other = 6;` } });
  assert.deepEqual(report.restartRequired, [urlOf('a')]);
  assert.deepEqual(report.removed, []);
  assert.deepEqual(app.trace, []);
});
