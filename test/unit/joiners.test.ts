/**
 * What joins an update in progress: an update that arrives while one runs (queued, started once the first has
 * committed), modules a new version imports that were not loaded (loaded as part of the update, behind its gates),
 * and importers of a version that adds exports (linked to that version).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UpdateReport } from '../../lib/hot/runtime.js';
import { FakeApp, type FakeModule, urlOf } from './fake-app.js';

function version(name: string, value: number, extra = ''): FakeModule {
  return { exports: ['value'], body: `let value = ${value}; trace('${name}${value}'); ${extra}` };
}

test('an update that arrives while one runs applies after it, from its own snapshot', async () => {
  const app = new FakeApp({ a: version('a', 1) });
  const a = await app.load('a');
  let second: Promise<UpdateReport> | undefined;
  const hooks = globalThis as { changeAgain?: () => void };
  hooks.changeAgain = () => {
    second = app.change({ a: version('a', 3) });
  };
  try {
    // Version 2 changes the file again as it evaluates: an edit saved while an update runs.
    const first = await app.change({ a: version('a', 2, 'globalThis.changeAgain();') });
    assert.deepEqual([first.error, first.updated], [undefined, [urlOf('a')]]);
    assert.ok(second !== undefined);
    const report = await second;
    assert.deepEqual([report.error, report.updated], [undefined, [urlOf('a')]]);
  } finally {
    delete hooks.changeAgain;
  }
  assert.equal(a.value, 3);
  assert.deepEqual(app.trace, ['a1', 'a2', 'a3']);
  assert.deepEqual(app.imported, [`${urlOf('a')}?hz=1u`, `${urlOf('a')}?hz=2u`]);
});

test('the next update starts once one has committed, not once its top-level await settles', async () => {
  const app = new FakeApp({ a: version('a', 1), b: version('b', 1) }, { timeoutMs: 5000 });
  const a = await app.load('a');
  const b = await app.load('b');
  const hooks = globalThis as { releaseA?: () => void };
  try {
    // Version 2 of a awaits at top level until the test lets it finish.
    const slow = app.change({ a: version('a', 2, 'await new Promise((done) => { globalThis.releaseA = done; });') });
    let slowDone = false;
    void slow.then(() => {
      slowDone = true;
    });
    const quick = await app.change({ b: version('b', 2) });
    assert.deepEqual(quick.updated, [urlOf('b')]);
    assert.equal(b.value, 2);
    assert.equal(slowDone, false);
    assert.equal(a.value, 1);
    hooks.releaseA?.();
    assert.deepEqual((await slow).updated, [urlOf('a')]);
    assert.equal(a.value, 2);
  } finally {
    delete hooks.releaseA;
  }
});

test('a module a new version imports that was not loaded joins the update, evaluated before its importer', async () => {
  const app = new FakeApp({ a: version('a', 1) });
  const a = await app.load('a');
  const report = await app.change({
    a: { exports: ['value'], imports: { c: ['base'] }, body: "let value = dep('c').base + 1; trace('a2');" },
    c: { exports: ['base'], body: "let base = 10; trace('c');" },
  });
  assert.equal(report.error, undefined);
  assert.deepEqual(report.added, [urlOf('c')]);
  assert.equal(a.value, 11);
  assert.deepEqual(app.trace, ['a1', 'c', 'a2']);
  // A later first-time import of the joiner gets the instance the update evaluated.
  assert.equal(app.runtime.redirect(urlOf('c')), `${urlOf('c')}?hz=1`);
  assert.equal((await app.load('c')).base, 10);
  assert.deepEqual(app.trace, ['a1', 'c', 'a2']);
  assert.ok(app.runtime.moduleUrls.includes(urlOf('c')));
});

test('a joiner runs just before the first new version that imports it, after the ones that come earlier', async () => {
  const app = new FakeApp({ a: version('a', 1), b: version('b', 1) });
  await app.load('a');
  await app.load('b');
  const report = await app.change({
    b: { exports: ['value'], imports: { c: ['base'] }, body: "let value = dep('c').base; trace('b2');" },
    a: version('a', 2),
    c: { exports: ['base'], body: "let base = 10; trace('c');" },
  });
  assert.equal(report.error, undefined);
  assert.deepEqual(app.trace, ['a1', 'b1', 'a2', 'c', 'b2']);
});

test('a joiner of a rejected update never runs, and a later import loads it afresh', async () => {
  const app = new FakeApp({ a: version('a', 1), b: { imports: { a: ['value'] }, body: '' } });
  await app.load('b');
  const report = await app.change({
    a: { exports: ['other'], imports: { c: ['base'] }, body: "let other = dep('c').base; trace('a2');" },
    c: { exports: ['base'], body: "let base = 10; trace('c');" },
  });
  assert.equal(report.error?.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(app.trace, ['a1']);
  assert.equal(app.runtime.redirect(urlOf('c')), undefined);
  assert.equal((await app.load('c')).base, 10);
  assert.deepEqual(app.trace, ['a1', 'c']);
});

test('an importer in the same update links to the version that adds the export it imports', async () => {
  const app = new FakeApp({
    a: version('a', 1),
    b: { exports: ['seen'], imports: { a: ['value'] }, body: "let seen = dep('a').value;" },
  });
  const b = await app.load('b');
  const report = await app.change({
    a: { exports: ['value', 'extra'], body: "let value = 2; let extra = 'added'; trace('a2');" },
    b: { exports: ['seen'], imports: { a: ['value', 'extra'] }, body: "let seen = dep('a').extra;" },
  });
  assert.equal(report.error, undefined);
  assert.deepEqual([...report.updated].sort(), [urlOf('a'), urlOf('b')]);
  assert.equal(b.seen, 'added');
  assert.ok(app.imported.includes(`${urlOf('a')}?hz=1`));
});

test('importers in the same update that take the whole namespace of a version removing an export link to it', async () => {
  const app = new FakeApp({
    a: { exports: ['value', 'gone'], body: "let value = 1; let gone = 'old';" },
    b: { exports: ['seen'], imports: { a: ['value'] }, body: "let seen = dep('a').value;" },
  });
  const b = await app.load('b');
  // b now takes a's namespace, and so does c, a module joining the update: a fresh start shows them no `gone`.
  const report = await app.change({
    a: { exports: ['value'], body: 'let value = 2;' },
    b: { exports: ['seen'], imports: { a: '*', c: '*' }, body: "let seen = [Object.keys(dep('a')), dep('c').keys];" },
    c: { exports: ['keys'], imports: { a: '*' }, body: "let keys = Object.keys(dep('a'));" },
  });
  assert.equal(report.error, undefined);
  assert.deepEqual(b.seen, [['value'], ['value']]);
  assert.ok(app.imported.includes(`${urlOf('a')}?hz=1`));
});

test('an importer in the same update that still names the removed export is named by the check', async () => {
  const app = new FakeApp({
    a: { exports: ['value', 'gone'], body: "let value = 1; let gone = 'old';" },
    b: { exports: ['seen'], imports: { a: ['value'] }, body: "let seen = dep('a').value;" },
  });
  await app.load('b');
  const report = await app.change({
    a: { exports: ['value'], body: 'let value = 2;' },
    b: { exports: ['seen'], imports: { a: ['gone'] }, body: "let seen = dep('a').gone;" },
    c: { exports: ['keys'], imports: { a: '*' }, body: "let keys = Object.keys(dep('a'));" },
  });
  assert.equal(report.error?.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  assert.match(report.error?.message ?? '', /no longer exports "gone", which .*\bb\b.* imports$/);
});

test('a barrel in the same update keeps the live instance of a version removing an export: its importers are checked', async () => {
  const app = new FakeApp({
    a: { exports: ['value', 'gone'], body: "let value = 1; let gone = 'old';" },
    b: { exports: ['own'], imports: { a: '*' }, reexports: '*:a', body: 'let own = 1;' },
    c: { exports: ['seen'], imports: { b: ['gone'] }, body: "let seen = dep('b').gone;" },
  });
  await app.load('c');
  const report = await app.change({
    a: { exports: ['value'], body: 'let value = 2;' },
    b: { exports: ['own'], imports: { a: '*' }, reexports: '*:a', body: 'let own = 2;' },
  });
  assert.equal(report.error?.code, 'ERR_HOTZIP_UPDATE_REJECTED');
  assert.match(report.error?.message ?? '', /no longer exports "gone"/);
});
