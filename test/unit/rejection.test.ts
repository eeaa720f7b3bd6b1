/**
 * Updates that cannot apply. Rejected before anything runs (a syntax error, a missing module, a removed export
 * still imported): nothing changes, no handler runs. Failed after the new version ran (it threw, retyped a used
 * function, or did not finish in time): the previous exports stay, and the previous version is evaluated again
 * since its dispose handlers ran.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeApp, type FakeModule, urlOf } from './fake-app.js';

function counter(value: number, extra = ''): FakeModule {
  return {
    exports: ['value', 'get'],
    body: `let value = ${value}; function get() { HOT(get) return value; } hot.dispose(() => trace('dispose ${value}')); trace('ran ${value}'); ${extra}`,
  };
}
const user: FakeModule = {
  exports: ['read'],
  imports: { a: ['value', 'get'] },
  body: "const read = () => dep('a').get();",
};

test('a syntax error rejects the update, says where, and changes nothing', async () => {
  const app = new FakeApp({ a: counter(1) });
  const a = await app.load('a');
  const errors: unknown[] = [];
  app.runtime.on('error', (report) => errors.push(report));
  const report = await app.change({ a: { ...counter(2), syntaxError: { line: 3, column: 7 } } });
  const error = report.error as Error & { code?: string; url?: string; line?: number; column?: number; frame?: string };
  assert.equal(error.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  assert.match(error.message, /^update rejected, nothing changed: fake:\/a\.js:3:7 has a syntax error: SyntaxError/);
  assert.deepEqual([error.url, error.line, error.column, error.frame], [urlOf('a'), 3, 7, '> 3 | …']);
  assert.deepEqual(errors, [report]);
  assert.deepEqual(report.updated, []);
  assert.equal(a.value, 1);
  assert.deepEqual(app.trace, ['ran 1']);
});

test('a syntax error in a module that joins the update names that module, not its importer', async () => {
  // b was in the archive all along, never loaded: the new version of a is the first to import it.
  const app = new FakeApp({
    a: counter(1),
    b: { exports: ['b'], body: 'let b = 1;', syntaxError: { line: 2, column: 4 } },
  });
  await app.load('a');
  const report = await app.change({ a: { ...counter(2), imports: { b: ['b'] } } });
  const error = report.error as Error & { code?: string; url?: string; line?: number; column?: number };
  assert.equal(error.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  assert.match(error.message, /^update rejected, nothing changed: fake:\/b\.js:2:4 has a syntax error: SyntaxError/);
  assert.deepEqual([error.url, error.line, error.column], [urlOf('b'), 2, 4]);
  assert.deepEqual(app.trace, ['ran 1']);
});

test('an import that does not resolve rejects the update with its own code', async () => {
  const app = new FakeApp({ a: counter(1) });
  await app.load('a');
  const report = await app.change({ a: { ...counter(2), imports: { missing: ['x'] } } });
  assert.equal(report.error?.code, 'ERR_MODULE_NOT_FOUND');
  assert.match(report.error?.message ?? '', /fake:\/a\.js failed to load or link/);
  assert.deepEqual(app.trace, ['ran 1']);
});

test('removing an export another module imports rejects the update before anything runs', async () => {
  const app = new FakeApp({ a: counter(1), b: user });
  const b = await app.load('b');
  const report = await app.change({
    a: { exports: ['get'], body: "function get() { return 'no value'; } trace('ran 2');" },
  });
  assert.equal(report.error?.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  assert.equal(
    report.error?.message,
    'update rejected, nothing changed: fake:/a.js no longer exports "value", which fake:/b.js imports',
  );
  assert.deepEqual(app.trace, ['ran 1']);
  assert.equal((b.read as () => unknown)(), 1);
});

test('a namespace import uses every name', async () => {
  const app = new FakeApp({ a: counter(1), b: { imports: { a: '*' }, body: '' } });
  await app.load('b');
  const report = await app.change({ a: { exports: ['value'], body: 'let value = 2;' } });
  assert.match(report.error?.message ?? '', /no longer exports "get", which fake:\/b\.js imports \(a namespace import/);
});

test('removing an export nobody imports applies', async () => {
  const app = new FakeApp({ a: counter(1), b: { imports: { a: ['value'] }, body: '' } });
  const a = await app.load('a');
  await app.load('b');
  const report = await app.change({ a: { exports: ['value'], body: 'let value = 2;' } });
  assert.equal(report.error, undefined);
  assert.equal(a.value, 2);
});

test('a new version that throws is not installed; the previous one is evaluated again', async () => {
  const app = new FakeApp({ a: counter(1), b: user });
  const b = await app.load('b');
  const report = await app.change({ a: counter(2, "throw new Error('boom');") });
  assert.equal(report.error?.code, 'ERR_HOTZIP_UPDATE_FAILED');
  assert.match(
    report.error?.message ?? '',
    /fake:\/a\.js threw while evaluating; its previous exports stay.*Error: boom/,
  );
  assert.deepEqual(report.failed, [urlOf('a')]);
  assert.deepEqual(report.updated, []);
  assert.equal((b.read as () => unknown)(), 1);
  // Version 1 was disposed before version 2 ran, then came back; version 2 made nothing to dispose.
  assert.deepEqual(app.trace, ['ran 1', 'dispose 1', 'ran 2', 'dispose 2', 'ran 1']);
  assert.deepEqual(app.imported, [`${urlOf('a')}?hz=1u`, `${urlOf('a')}?hz=2r0`]);
  // The restored version takes the next update as usual.
  const next = await app.change({ a: counter(3) });
  assert.equal(next.error, undefined);
  assert.equal((b.read as () => unknown)(), 3);
});

test('an export used as a function that is no longer one is not installed', async () => {
  const app = new FakeApp({ a: counter(1), b: user });
  const b = await app.load('b');
  const report = await app.change({
    a: { exports: ['value', 'get'], body: "let value = 2; let get = 'text'; trace('ran 2');" },
  });
  assert.equal(report.error?.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  assert.match(report.error?.message ?? '', /"get" is no longer a function, which fake:\/b\.js imports/);
  assert.deepEqual(report.failed, [urlOf('a')]);
  assert.equal((b.read as () => unknown)(), 1);
  assert.deepEqual(app.trace, ['ran 1', 'dispose 1', 'ran 2', 'ran 1']);
});

test('a new version that does not finish within the time limit is not installed, and holds back no later update', async () => {
  const app = new FakeApp({ a: counter(1) }, { timeoutMs: 50 });
  const a = await app.load('a');
  const report = await app.change({ a: counter(2, 'await new Promise(() => {});') });
  assert.equal(report.error?.code, 'ERR_HOTZIP_UPDATE_FAILED');
  assert.match(report.error?.message ?? '', /fake:\/a\.js did not finish evaluating within 50 ms/);
  assert.deepEqual(report.failed, [urlOf('a')]);
  assert.equal(a.value, 1);
  const next = await app.change({ a: counter(3) });
  assert.equal(next.error, undefined);
  assert.equal(a.value, 3);
});

test('a rejected update rejects the gates of its new versions: their bodies never run', async () => {
  const app = new FakeApp({ a: counter(1), b: user, c: counter(1) });
  await app.load('b');
  await app.load('c');
  // c's new version links, then the update is rejected because of a: c's body must not run.
  const report = await app.change({ c: counter(2), a: { exports: ['get'], body: 'function get() {}' } });
  assert.equal(report.error?.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(app.trace, ['ran 1', 'ran 1']);
});
