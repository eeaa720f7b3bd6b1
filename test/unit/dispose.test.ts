/**
 * `dispose`: a replaced version's handlers run after the update has been checked and before its new version
 * evaluates, hand `data` over, and are awaited within the time limit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeApp, type FakeModule, urlOf } from './fake-app.js';

function version(value: number, dispose: string): FakeModule {
  return {
    exports: ['value'],
    body: `let value = ${value}; trace(['ran ${value}', hot.data.count]); hot.dispose((data) => { ${dispose} });`,
  };
}

test('dispose runs before the new version, which finds its data', async () => {
  const step = (value: number) => version(value, `trace('dispose ${value}'); data.count = ${value};`);
  const app = new FakeApp({ a: step(1) });
  await app.load('a');
  await app.change({ a: step(2) });
  await app.change({ a: step(3) });
  assert.deepEqual(app.trace, [['ran 1', undefined], 'dispose 1', ['ran 2', 1], 'dispose 2', ['ran 3', 2]]);
});

test('what the first version writes to hot.data reaches the next one', async () => {
  const app = new FakeApp({ a: { exports: ['value'], body: 'let value = 1; hot.data.count = 1;' } });
  await app.load('a');
  await app.change({ a: version(2, '') });
  assert.deepEqual(app.trace, [['ran 2', 1]]);
});

test('an async dispose is awaited', async () => {
  const step = (value: number) =>
    version(value, `return new Promise((done) => setTimeout(() => { trace('disposed ${value}'); done(); }, 20));`);
  const app = new FakeApp({ a: step(1) });
  await app.load('a');
  const report = await app.change({ a: step(2) });
  assert.equal(report.error, undefined);
  assert.deepEqual(app.trace, [['ran 1', undefined], 'disposed 1', ['ran 2', undefined]]);
});

test('a dispose that throws is logged and the update applies', async () => {
  const app = new FakeApp({ a: version(1, `throw new Error('broken handler');`) });
  const a = await app.load('a');
  const report = await app.change({ a: version(2, '') });
  assert.equal(report.error, undefined);
  assert.deepEqual(report.updated, [urlOf('a')]);
  assert.equal(a.value, 2);
  assert.ok(
    app.logs.some((line) => line.startsWith('error: a hot handler of fake:/a.js threw: Error: broken handler')),
  );
});

test('a dispose that never settles is left behind at the time limit, and said so', async () => {
  const app = new FakeApp({ a: version(1, 'return new Promise(() => {});') }, { timeoutMs: 50 });
  const a = await app.load('a');
  const report = await app.change({ a: version(2, '') });
  assert.equal(report.error?.code, 'ERR_HOTZIP_UPDATE_FAILED');
  assert.match(report.error?.message ?? '', /a dispose handler of fake:\/a\.js did not settle within 50 ms/);
  assert.deepEqual(report.updated, [urlOf('a')]);
  assert.equal(a.value, 2);
});

test('only the updated modules are disposed', async () => {
  const disposing = (name: string, value: number): FakeModule => ({
    exports: ['value'],
    imports: name === 'b' ? { a: ['value'] } : {},
    body: `let value = ${value}; hot.dispose(() => trace('dispose ${name}${value}'));`,
  });
  const app = new FakeApp({ a: disposing('a', 1), b: disposing('b', 1), c: disposing('c', 1) });
  await app.load('b');
  await app.load('c');
  await app.change({ b: disposing('b', 2), a: disposing('a', 2) });
  assert.deepEqual([...app.trace].sort(), ['dispose a1', 'dispose b1']);
});

test('an update failing in two ways says both: the first in its report, the other as it happens', async () => {
  const app = new FakeApp({ a: version(1, 'return new Promise(() => {});') }, { timeoutMs: 50 });
  await app.load('a');
  const report = await app.change({ a: { exports: ['value'], body: "let value = 2; throw new Error('boom');" } });
  assert.match(report.error?.message ?? '', /a dispose handler of fake:\/a\.js did not settle within 50 ms/);
  assert.deepEqual(report.failed, [urlOf('a')]);
  assert.ok(
    app.logs.some((line) => /^error: fake:\/a\.js threw while evaluating.*boom/.test(line)),
    app.logs.join('\n'),
  );
});
