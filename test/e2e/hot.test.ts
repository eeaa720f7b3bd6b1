/**
 * Hot reload end to end: a real app under `--import hotzip/register`, its archive replaced on disk, the app's own
 * view of its imports checked after each update.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { makeApp, type Tree, writeZip, zipBytes } from '../helpers/fixtures.js';
import { HotApp, hostMain, moduleOf, moduleTree } from '../helpers/hot-app.js';

const apps: HotApp[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A library module whose every export says which version it is. */
function lib(version: number, extra = ''): string {
  return [
    'export let count = 0;',
    `export function greet(name) { count++; return 'v${version} ' + name; }`,
    `export default () => 'default v${version}';`,
    `export const k = ${version};`,
    `export class Thing { get v() { return ${version}; } }`,
    'import.meta.hot?.dispose((data) => { data.disposed = (data.disposed ?? 0) + 1; console.log("DISPOSE " + JSON.stringify(data)); });',
    `console.log('EVAL a v${version} ' + JSON.stringify(import.meta.hot?.data) + ' ' + import.meta.url);`,
    extra,
  ].join('\n');
}

function tree(version: number, overrides: Tree = {}): Tree {
  return moduleTree({
    'a.js': lib(version),
    'barrel.js': "export * from './a.js';\nexport { default as dflt } from './a.js';\n",
    'uses-ns.js':
      "import * as a from './a.js';\nimport { k } from './a.js';\nexport const read = () => a.k;\nexport const readK = () => k;\n",
    'x.js': `import { y } from './y.js';\nexport const x = () => 'x${version}+' + y();\n`,
    'y.js': `import { x } from './x.js';\nexport const y = () => 'y${version}';\nexport const viaX = () => x();\n`,
    ...overrides,
  });
}

const imports = [
  "import { greet, count, k, Thing } from 'zip:./app.zip!/a.js';",
  "import dflt from 'zip:./app.zip!/a.js';",
  "import * as ns from 'zip:./app.zip!/a.js';",
  "import { greet as barrelGreet, dflt as barrelDefault } from 'zip:./app.zip!/barrel.js';",
  "import { read } from 'zip:./app.zip!/uses-ns.js';",
  "import { viaX } from 'zip:./app.zip!/y.js';",
  'const captured = greet;',
  'const emitter = new (await import("node:events")).EventEmitter();',
  "emitter.on('call', greet);",
].join('\n');

const state = `{ named: greet('n'), count, k, dflt: dflt(), ns: ns.k, nsGreet: ns.greet('ns'), barrel: barrelGreet('b'), barrelDefault: barrelDefault(), read: read(), captured: captured('c'), thing: new Thing().v, cycle: viaX(), listeners: emitter.listeners('call').map((f) => f('e')) }`;

async function start(initial: Tree, extraImports = ''): Promise<{ app: HotApp; dir: string }> {
  const dir = makeApp('hotzip-hot-');
  dirs.push(dir);
  writeZip(path.join(dir, 'app.zip'), initial);
  const app = new HotApp(dir, hostMain(`${imports}\n${extraImports}`, state));
  apps.push(app);
  await app.next(/^READY/);
  return { app, dir };
}

function expected(version: number, count: number): Record<string, unknown> {
  return {
    named: `v${version} n`,
    count,
    k: version,
    dflt: `default v${version}`,
    ns: version,
    nsGreet: `v${version} ns`,
    barrel: `v${version} b`,
    barrelDefault: `default v${version}`,
    read: version,
    captured: `v${version} c`,
    thing: version,
    cycle: `x${version}+y${version}`,
    listeners: [`v${version} e`],
  };
}

describe('hot reload', () => {
  test('named, default, namespace, barrel, cycle and captured bindings all follow an update', async () => {
    const { app, dir } = await start(tree(1));
    assert.deepEqual(await app.state(), expected(1, 1));
    writeZip(path.join(dir, 'app.zip'), tree(2));
    const event = await app.event();
    assert.equal(event.name, 'update', JSON.stringify(event));
    assert.deepEqual(
      [...event.updated].sort(),
      ['a.js', 'x.js', 'y.js'].map((e) => `zip://${dir}/app.zip!/${e}`).sort(),
    );
    // count: a fresh instance starts at 0; greet() ran three times before `count` was read (named, ns, barrel come after it).
    assert.deepEqual(await app.state(), expected(2, 1));
    assert.deepEqual(await app.state(), expected(2, 6));
    assert.match(app.stdout, /EVAL a v2 \{"disposed":1\} zip:\/\/\/.*app\.zip!\/a\.js\n/);
    await app.stderrMatch(/\[hotzip\] updated 3 modules from app\.zip in [\d.]+ ms/);
  });

  test('importers see the later reassignments of a new version, in every write form a scan can mistake', async () => {
    // Each export is written in a form the transform once did not see as a write: a for-of head pattern, a
    // parenthesized target, `++` on the line before, a pattern holding a bracket in a string.
    const counter = (version: number): Tree =>
      moduleOf('w.js', [
        'export let a = 0, b = 0, c = 0, d = 0;',
        'let s;',
        'export function bump() {',
        '  for ([a] of [[a + 1]]) ;',
        '  (b) = b + 1;',
        '  ++',
        '  c;',
        '  [d, s = "]"] = [d + 1];',
        `  return ${version};`,
        '}',
      ]);
    const dir = makeApp('hotzip-hot-writes-');
    dirs.push(dir);
    const archive = path.join(dir, 'app.zip');
    writeZip(archive, counter(1));
    const app = new HotApp(
      dir,
      hostMain("import { a, b, c, d, bump } from 'zip:./app.zip!/w.js';", '{ v: bump(), a, b, c, d }'),
    );
    apps.push(app);
    await app.next(/^READY/);
    assert.deepEqual(await app.state(), { v: 1, a: 1, b: 1, c: 1, d: 1 });
    await app.change(archive, counter(2));
    // A fresh instance starts at 0: each call of its bump is seen at once.
    assert.deepEqual(await app.state(), { v: 2, a: 1, b: 1, c: 1, d: 1 });
    assert.deepEqual(await app.state(), { v: 2, a: 2, b: 2, c: 2, d: 2 });
  });

  test('dispose runs exactly once per replaced instance and data reaches the next version', async () => {
    const { app, dir } = await start(tree(1));
    for (let version = 2; version <= 4; version++) {
      writeZip(path.join(dir, 'app.zip'), tree(version));
      assert.equal((await app.event()).name, 'update');
    }
    const disposals = app.stdout.split('\n').filter((line) => line.startsWith('DISPOSE'));
    assert.deepEqual(disposals, ['DISPOSE {"disposed":1}', 'DISPOSE {"disposed":2}', 'DISPOSE {"disposed":3}']);
    assert.deepEqual(await app.state(), expected(4, 1));
  });

  test('a syntax error, a link error, a removed import and a throwing module leave the old code running', async () => {
    const { app, dir } = await start(tree(1));
    const archive = path.join(dir, 'app.zip');
    const bad: Array<[string, Tree, string]> = [
      ['syntax error', tree(2, { 'a.js': 'export let = ;' }), 'ERR_HOTZIP_UPDATE_REJECTED'],
      [
        'link error',
        tree(2, { 'x.js': "import { nope } from './y.js';\nexport const x = () => nope;\n" }),
        'ERR_HOTZIP_UPDATE_REJECTED',
      ],
      [
        'export still imported removed',
        tree(2, { 'a.js': lib(2).replace('export const k = 2;', '') }),
        'ERR_HOTZIP_UPDATE_REJECTED',
      ],
    ];
    for (const [what, next, code] of bad) {
      writeZip(archive, next);
      const event = await app.event();
      assert.equal(event.name, 'error', `${what}: ${JSON.stringify(event)}`);
      assert.equal(event.code, code, what);
      assert.match(event.message ?? '', /a\.js|x\.js/, what);
      assert.equal(event.archive, archive, what);
      assert.equal(event.entry, what === 'link error' ? 'x.js' : 'a.js', what);
      if (what === 'syntax error')
        assert.match(event.message ?? '', /a\.js:1:\d+ has a syntax error[\s\S]*> 1 \| export let = ;/);
      // Every state() calls greet five times: the old instance keeps counting.
      assert.deepEqual(await app.state(), expected(1, 1 + 5 * bad.findIndex((b) => b[0] === what)), what);
    }
    assert.doesNotMatch(app.stdout, /DISPOSE/, 'no dispose ran for a rejected update');
    writeZip(archive, tree(3, { 'a.js': lib(3, "throw new Error('boom at top level');") }));
    const thrown = await app.event();
    assert.equal(thrown.code, 'ERR_HOTZIP_UPDATE_FAILED');
    assert.match(thrown.message ?? '', /boom at top level/);
    assert.deepEqual([thrown.archive, thrown.entry], [archive, 'a.js']);
    const afterThrow = (await app.state()) as Record<string, unknown>;
    assert.equal(afterThrow.k, 1, 'the previous exports of a module that threw stay installed');
    writeZip(archive, tree(4));
    assert.equal((await app.event()).name, 'update');
    assert.deepEqual(await app.state(), expected(4, 1));
  });

  test('removed modules get prune, added modules load, and the app never restarts', async () => {
    const extra = "import.meta.hot?.prune(() => console.log('PRUNED extra'));\nexport const e = 1;\n";
    const { app, dir } = await start(tree(1, { 'extra.js': extra }), "import 'zip:./app.zip!/extra.js';");
    const pid = app.child.pid;
    await assert.rejects(app.importInApp('zip:./app.zip!/added.js'), /ERR_MODULE_NOT_FOUND/);
    writeZip(path.join(dir, 'app.zip'), tree(2, { 'added.js': 'export const added = true;\n' }));
    const event = await app.event();
    assert.equal(event.name, 'update');
    assert.deepEqual(event.removed, [`zip://${dir}/app.zip!/extra.js`]);
    assert.match(app.stdout, /PRUNED extra/);
    assert.deepEqual(await app.importInApp('zip:./app.zip!/added.js'), { added: true });
    assert.equal(app.child.pid, pid);
    assert.deepEqual(await app.state(), expected(2, 1));
  });

  test('50 replacements within a second end in the last archive state', async () => {
    const { app, dir } = await start(tree(1));
    const archive = path.join(dir, 'app.zip');
    for (let version = 2; version <= 51; version++) {
      writeZip(archive, tree(version));
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    const deadline = Date.now() + 10_000;
    let last: unknown;
    while (Date.now() < deadline) {
      last = await app.state();
      if ((last as { k: number }).k === 51) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((last as { k: number }).k, 51);
    const { count: _, ...final } = (await app.state()) as Record<string, unknown>;
    const { count: __, ...wanted } = expected(51, 0);
    assert.deepEqual(final, wanted);
  });

  test('a torn write (truncated, then completed in place) never crashes and ends applied', async () => {
    const { app, dir } = await start(tree(1));
    const archive = path.join(dir, 'app.zip');
    const bytes = zipBytes(tree(2));
    fs.writeFileSync(archive, bytes.subarray(0, bytes.length >> 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(await app.state(), expected(1, 1), 'a torn archive is never applied');
    fs.writeFileSync(archive, bytes);
    let event = await app.event();
    // On a slow machine the torn archive may have outlived the watcher's patience, and been said to be damaged.
    if (event.name === 'error' && event.code === 'ERR_HOTZIP_BAD_ARCHIVE') event = await app.event();
    assert.equal(event.name, 'update', JSON.stringify(event));
    assert.deepEqual(await app.state(), expected(2, 1));
    assert.equal(app.child.exitCode, null);
  });

  test('an archive that stays unreadable is said once, as an error naming it; the next good one applies', async () => {
    const { app, dir } = await start(tree(1));
    const archive = path.join(dir, 'app.zip');
    const bytes = zipBytes(tree(2));
    fs.writeFileSync(archive, bytes.subarray(0, 100));
    const damaged = await app.event();
    assert.deepEqual([damaged.name, damaged.code, damaged.archive], ['error', 'ERR_HOTZIP_BAD_ARCHIVE', archive]);
    // Logged just after the event, on the other stream.
    await app.stderrMatch(/\[hotzip\] .*app\.zip.*not a zip archive/);
    // Another torn state of the same damage, and time for the watcher to say it again: it does not.
    fs.writeFileSync(archive, bytes.subarray(0, 200));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.deepEqual(await app.state(), expected(1, 1), 'the running code is untouched');
    assert.equal(app.stdout.match(/^EVENT error /gm)?.length, 1);
    fs.writeFileSync(archive, bytes);
    assert.equal((await app.event()).name, 'update');
    assert.deepEqual(await app.state(), expected(2, 1));
  });
});
