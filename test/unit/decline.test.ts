/**
 * Updates only a restart can apply: a module that declines them, or one whose re-exports change. Nothing of such a
 * change is applied, and `restart-required` says which modules need the restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeApp, type FakeModule, urlOf } from './fake-app.js';

function version(value: number, extra = ''): FakeModule {
  return { exports: ['value'], body: `let value = ${value}; trace('ran ${value}'); ${extra}` };
}

test('a declining module is not updated, and a restart is asked for', async () => {
  const app = new FakeApp({ a: version(1, 'hot.decline(); hot.dispose(() => trace("disposed"));') });
  const a = await app.load('a');
  const restarts: unknown[] = [];
  app.runtime.on('restart-required', (report) => restarts.push(report));
  const report = await app.change({ a: version(2) });
  assert.deepEqual(report.restartRequired, [urlOf('a')]);
  assert.deepEqual(report.updated, []);
  assert.equal(report.error, undefined);
  assert.deepEqual(restarts, [report]);
  assert.equal(a.value, 1);
  assert.deepEqual(app.trace, ['ran 1']);
  assert.deepEqual(app.imported, []);
  assert.ok(app.logs.includes('error: restart required to apply fake:/a.js'));
});

test('nothing of a change that includes a declining module applies', async () => {
  const app = new FakeApp({ a: version(1), b: version(1, 'hot.decline();') });
  const a = await app.load('a');
  await app.load('b');
  const report = await app.change({ a: version(2), b: version(2) });
  assert.deepEqual(report.restartRequired, [urlOf('b'), urlOf('a')]);
  assert.deepEqual(report.updated, []);
  assert.equal(a.value, 1);
  assert.deepEqual(app.imported, []);
});

test('a module whose re-exports change needs a restart; its new version never runs', async () => {
  const barrel = (reexports: string): FakeModule => ({
    exports: ['value'],
    reexports,
    body: 'let value = 1; trace("barrel ran");',
  });
  const app = new FakeApp({ a: barrel('x:./x.js') });
  await app.load('a');
  const report = await app.change({ a: barrel('x:./y.js') });
  assert.equal(report.error?.code, 'ERR_HOTZIP_RESTART_REQUIRED');
  assert.match(report.error?.message ?? '', /fake:\/a\.js changed what it re-exports/);
  assert.deepEqual(report.restartRequired, [urlOf('a')]);
  assert.deepEqual(report.updated, []);
  assert.deepEqual(app.trace, ['barrel ran']);
});

test('a change to an entry Node loaded as JSON or CommonJS needs a restart; nothing of the change applies', async () => {
  const app = new FakeApp({ a: version(1) });
  const a = await app.load('a');
  const restarts: unknown[] = [];
  app.runtime.on('restart-required', (report) => restarts.push(report));
  const data = 'fake:/data.json';
  const report = await app.runtime.apply({ updated: [urlOf('a')], cold: [data] });
  assert.deepEqual(report.restartRequired, [data, urlOf('a')]);
  assert.deepEqual(report.updated, []);
  assert.deepEqual(restarts, [report]);
  assert.equal(a.value, 1);
  assert.deepEqual(app.imported, []);
  assert.ok(app.logs.includes(`error: restart required to apply ${data}, fake:/a.js`), app.logs.join('\n'));
});
