/**
 * Modules that leave the program while their entries stay in the archive: a new version stops importing them and
 * nothing else does. Their `prune` handlers run, the update lists them removed, and a later version that imports one
 * again evaluates it anew, as a fresh start would. Where something may import what no import list shows (`import()`,
 * a plain file), nothing is taken out.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { makeApp, type Tree, writeZip } from '../helpers/fixtures.js';
import { HotApp, hostMain, moduleTree } from '../helpers/hot-app.js';

const apps: HotApp[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** `a.js` imports `x.js` (which imports `y.js`) or not; `extra` adds or replaces entries. */
function tree(importsX: boolean, extra: Tree = {}): Tree {
  return moduleTree({
    'a.js': importsX
      ? "import { x } from './x.js';\nexport const a = () => 'a ' + x;\n"
      : "export const a = () => 'a alone';\n",
    'x.js': [
      "import { y } from './y.js';",
      "console.log('EVAL x');",
      'const timer = setInterval(() => {}, 1000);',
      "import.meta.hot?.prune(() => { clearInterval(timer); console.log('PRUNED x'); });",
      "export const x = 'x' + y;",
    ].join('\n'),
    'y.js': "console.log('EVAL y');\nimport.meta.hot?.prune(() => console.log('PRUNED y'));\nexport const y = 1;\n",
    ...extra,
  });
}

async function start(first: Tree, imports = "import { a } from 'zip:./app.zip!/a.js';") {
  const dir = makeApp('hotzip-prune-');
  dirs.push(dir);
  const archive = writeZip(path.join(dir, 'app.zip'), first);
  const app = new HotApp(dir, hostMain(imports, '{ a: a() }'));
  apps.push(app);
  await app.next(/^READY/);
  return { app, archive };
}

const count = (text: string, line: string) => text.split('\n').filter((each) => each === line).length;

test('modules no longer imported are pruned and removed; imported again, they are evaluated anew', async () => {
  const { app, archive } = await start(tree(true));
  assert.deepEqual(await app.state(), { a: 'a x1' });
  const left = await app.change(archive, tree(false));
  assert.deepEqual(left.removed.sort(), [`zip://${archive}!/x.js`, `zip://${archive}!/y.js`]);
  assert.equal(count(app.stdout, 'PRUNED x'), 1);
  assert.equal(count(app.stdout, 'PRUNED y'), 1);
  assert.deepEqual(await app.state(), { a: 'a alone' });

  const back = await app.change(archive, tree(true));
  assert.deepEqual(
    back.updated.sort(),
    ['a.js', 'x.js', 'y.js'].map((entry) => `zip://${archive}!/${entry}`),
  );
  assert.equal(count(app.stdout, 'EVAL x'), 2);
  assert.equal(count(app.stdout, 'EVAL y'), 2);
  assert.deepEqual(await app.state(), { a: 'a x1' });
  // Out again: pruned again (the new version's handlers).
  await app.change(archive, tree(false));
  assert.equal(count(app.stdout, 'PRUNED x'), 2);
});

test('a module something else still imports stays: another module, a plain file, or anything through import()', async () => {
  const cases: Array<{ extra: Tree; imports: string; title: string }> = [
    {
      title: 'another module',
      extra: { 'b.js': "export { x } from './x.js';\n" },
      imports: "import { a } from 'zip:./app.zip!/a.js';\nimport 'zip:./app.zip!/b.js';",
    },
    {
      title: 'a plain file',
      extra: {},
      imports: "import { a } from 'zip:./app.zip!/a.js';\nimport 'zip:./app.zip!/y.js';",
    },
    {
      title: 'a module calling import()',
      extra: { 'lazy.js': "export const load = () => import('./other.js');\n" },
      imports: "import { a } from 'zip:./app.zip!/a.js';\nimport 'zip:./app.zip!/lazy.js';",
    },
  ];
  for (const { extra, imports, title } of cases) {
    const { app, archive } = await start(tree(true, extra), imports);
    const update = await app.change(archive, tree(false, extra));
    const removed = update.removed.map((url) => url.slice(url.indexOf('!/') + 2));
    if (title === 'a plain file') assert.deepEqual(removed, ['x.js'], title);
    else assert.deepEqual(removed, [], title);
    assert.doesNotMatch(app.stdout, title === 'a plain file' ? /PRUNED y/ : /PRUNED/, title);
    await app.stop();
  }
});

test('what only a cycle imports leaves whole; a module the program resolves under its own conditions stays', async () => {
  const cycle = (importsX: boolean): Tree =>
    tree(importsX, {
      'y.js':
        "import { x } from './x.js';\nimport.meta.hot?.prune(() => console.log('PRUNED y'));\nexport const y = 1;\nexport const seen = () => x;\n",
    });
  const { app, archive } = await start(cycle(true));
  const left = await app.change(archive, cycle(false));
  assert.deepEqual(left.removed.sort(), [`zip://${archive}!/x.js`, `zip://${archive}!/y.js`]);
  await app.stop();

  // Node resolves `pkg` to dev.js under --conditions=development; an edit of a.js that keeps importing it keeps it.
  const conditions = (comment: string): Tree =>
    moduleTree({
      'a.js': `import { v } from 'pkg';${comment}\nexport const a = () => 'a ' + v;\n`,
      'node_modules/pkg/package.json': JSON.stringify({
        name: 'pkg',
        type: 'module',
        exports: { development: './dev.js', default: './prod.js' },
      }),
      'node_modules/pkg/dev.js': "import.meta.hot?.prune(() => console.log('PRUNED dev'));\nexport const v = 'dev';\n",
      'node_modules/pkg/prod.js': "export const v = 'prod';\n",
    });
  const dir = makeApp('hotzip-prune-conditions-');
  dirs.push(dir);
  const at = writeZip(path.join(dir, 'app.zip'), conditions(''));
  const dev = new HotApp(dir, hostMain("import { a } from 'zip:./app.zip!/a.js';", '{ a: a() }'), {
    NODE_OPTIONS: '--conditions=development',
  });
  apps.push(dev);
  await dev.next(/^READY/);
  const kept = await dev.change(at, conditions(' // edited'));
  assert.deepEqual(kept.removed, []);
  assert.deepEqual(await dev.state(), { a: 'a dev' });
  assert.doesNotMatch(dev.stdout, /PRUNED/);
});

test('nothing leaves for good on an update that does not apply as a whole', async () => {
  const b = (importsX: boolean, throws = false) =>
    `${importsX ? "import { x } from './x.js';\n" : ''}${throws ? "throw new Error('b broke');\n" : ''}export const b = () => 'b${importsX ? " ' + x" : "'"};\n`;
  const both = (importsX: boolean, throws = false, extra: Tree = {}): Tree =>
    tree(importsX, { 'b.js': b(importsX, throws), ...extra });
  const imports = "import { a } from 'zip:./app.zip!/a.js';\nimport { b } from 'zip:./app.zip!/b.js';";
  const dir = makeApp('hotzip-prune-failing-');
  dirs.push(dir);
  const archive = writeZip(path.join(dir, 'app.zip'), both(true));
  const app = new HotApp(dir, hostMain(imports, '{ a: a(), b: b() }'));
  apps.push(app);
  await app.next(/^READY/);
  // Both drop x, and b's new version throws: its restored version still imports x, which stays.
  const failed = await app.change(archive, both(false, true), 'error');
  assert.deepEqual(failed.removed, []);
  assert.doesNotMatch(app.stdout, /PRUNED/);
  // The same report's `update` event: a's new version was installed.
  assert.equal((await app.event()).name, 'update');
  // Now both drop it for good, and it leaves.
  const left = await app.change(archive, both(false));
  assert.deepEqual(left.removed.sort(), [`zip://${archive}!/x.js`, `zip://${archive}!/y.js`]);
  // Brought back by a version that throws: it leaves again.
  const back = await app.change(archive, both(false, true, { 'b.js': b(true, true) }), 'error');
  assert.equal(back.code, 'ERR_HOTZIP_UPDATE_FAILED');
  assert.deepEqual(back.removed.sort(), [`zip://${archive}!/x.js`, `zip://${archive}!/y.js`]);
  assert.equal((await app.event()).name, 'update');
  assert.equal(count(app.stdout, 'EVAL x'), 2);
  assert.equal(count(app.stdout, 'PRUNED x'), 2);
  // Brought back by an update that is refused (an import that does not resolve): still out, and a later update
  // that needs it out applies.
  const refused = both(false, false, {
    'b.js': "import { x } from './x.js';\nimport './nope.js';\nexport const b = () => 'b';\n",
  });
  assert.equal((await app.change(archive, refused, 'error')).code, 'ERR_MODULE_NOT_FOUND');
  await app.change(archive, both(false, false, { 'y.js': 'export const y = 2;\n' }));
  assert.deepEqual(await app.state(), { a: 'a alone', b: 'b' });
});
