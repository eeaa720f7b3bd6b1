/**
 * `import.meta.hot` and the runtime API end to end: accept, decline, invalidate, events, reload(), and updates in
 * worker threads.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { makeApp, runNode, type Tree, writeTree, writeZip } from '../helpers/fixtures.js';
import { HotApp, hookApis, hostMain, moduleTree } from '../helpers/hot-app.js';

const apps: HotApp[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function start(tree: Tree, imports: string, state: string, env: Record<string, string> = {}) {
  const dir = makeApp('hotzip-hotapi-');
  dirs.push(dir);
  writeZip(path.join(dir, 'app.zip'), tree);
  const app = new HotApp(dir, hostMain(imports, state), env);
  apps.push(app);
  await app.next(/^READY/);
  return { app, dir, archive: path.join(dir, 'app.zip') };
}

function files(version: number, declined = false): Tree {
  return moduleTree({
    'dep.js': `export const v = ${version};\n`,
    'self.js': [
      `export const s = ${version};`,
      "import.meta.hot?.accept((ns) => console.log('SELF-ACCEPT ' + ns.s));",
      "import.meta.hot?.on('hotzip:afterUpdate', (p) => console.log('AFTER ' + p.updates.length));",
      declined ? 'import.meta.hot?.decline();' : '',
    ].join('\n'),
    'importer.js': [
      "import { v } from './dep.js';",
      'export const seen = () => v;',
      "import.meta.hot?.accept('./dep.js', (ns) => console.log('DEP-ACCEPT ' + ns.v));",
    ].join('\n'),
  });
}

describe('import.meta.hot', () => {
  test('accept(cb) gets the new namespace, accept(dep, cb) hears about dependencies, on() sees events', async () => {
    const { app, archive } = await start(
      files(1),
      "import { s } from 'zip:./app.zip!/self.js';\nimport { seen } from 'zip:./app.zip!/importer.js';",
      '{ s, seen: seen() }',
    );
    assert.deepEqual(await app.state(), { s: 1, seen: 1 });
    writeZip(archive, files(2));
    await app.next(/^SELF-ACCEPT 2$/);
    await app.next(/^DEP-ACCEPT 2$/);
    assert.equal((await app.event()).name, 'update');
    assert.match(app.stdout, /^AFTER \d+$/m);
    assert.deepEqual(await app.state(), { s: 2, seen: 2 });
  });

  test('decline() turns an update of that module into restart-required, applying nothing', async () => {
    const { app, archive } = await start(files(1, true), "import { s } from 'zip:./app.zip!/self.js';", '{ s }');
    await app.change(archive, files(2, true), 'restart-required');
    assert.deepEqual(await app.state(), { s: 1 });
  });

  test('a changed entry loaded as JSON or CommonJS is restart-required, naming it; an unchanged one holds nothing back', async () => {
    const tree = (json: number, cjs: number, esm: number, inner = 1): Tree => ({
      ...moduleTree({ 'm.js': `export const m = ${esm};\n` }),
      'data.json': `{ "j": ${json} }\n`,
      'legacy.cjs': `module.exports = { c: ${cjs}, i: require('./inner.cjs') };\n`,
      'inner.cjs': `module.exports = ${inner};\n`,
    });
    const imports = [
      "import data from 'zip:./app.zip!/data.json' with { type: 'json' };",
      "import legacy from 'zip:./app.zip!/legacy.cjs';",
      "import { m } from 'zip:./app.zip!/m.js';",
    ].join('\n');
    const { app, archive } = await start(tree(1, 1, 1), imports, '{ j: data.j, c: legacy.c, m, i: legacy.i }');
    // A module alone applies as usual.
    await app.change(archive, tree(1, 1, 2));
    assert.deepEqual(await app.state(), { j: 1, c: 1, m: 2, i: 1 });
    const json = await app.change(archive, tree(2, 1, 3), 'restart-required');
    assert.deepEqual(json.restart, [`zip://${archive}!/data.json`, `zip://${archive}!/m.js`]);
    assert.deepEqual(await app.state(), { j: 1, c: 1, m: 2, i: 1 });
    await app.stderrMatch(new RegExp(`restart required to apply zip://${archive}!/data\\.json, `));
    const cjs = await app.change(archive, tree(1, 2, 2), 'restart-required');
    assert.deepEqual(cjs.restart, [`zip://${archive}!/legacy.cjs`]);
    // Required by CommonJS, not imported: Node's loader or hotzip's own, whichever runs archive CommonJS here.
    const inner = await app.change(archive, tree(1, 1, 2, 2), 'restart-required');
    assert.deepEqual(inner.restart, [`zip://${archive}!/inner.cjs`]);
    assert.deepEqual(await app.state(), { j: 1, c: 1, m: 2, i: 1 });
  });

  test('invalidate() re-evaluates the importers too', async () => {
    const tree = (version: number): Tree =>
      moduleTree({
        'leaf.js': `export const leaf = ${version};\nif (${version} > 1) import.meta.hot?.invalidate('shape changed');\n`,
        'mid.js':
          "import { leaf } from './leaf.js';\nexport const midAtEval = leaf;\nconsole.log('EVAL mid ' + leaf);\n",
      });
    const { app, archive } = await start(
      tree(1),
      "import { midAtEval } from 'zip:./app.zip!/mid.js';",
      '{ midAtEval }',
    );
    writeZip(archive, tree(2));
    await app.next(/^EVAL mid 2$/);
    assert.deepEqual(await app.state(), { midAtEval: 2 });
  });

  test('reload() applies a change at once and reports it; HOTZIP_LOG=silent keeps stderr quiet', async () => {
    const { app, dir } = await start(
      files(1),
      "import { v } from 'zip:./app.zip!/dep.js';\nimport { reload } from 'hotzip';\nglobalThis.reload = reload;",
      '{ v, report: await globalThis.reload() }',
      { HOTZIP_LOG: 'silent' },
    );
    // Written without a rename, then checked at once through reload(), not waiting for the watcher.
    fs.writeFileSync(path.join(dir, 'app.zip'), fs.readFileSync(writeZip(path.join(dir, 'next.zip'), files(2))));
    const state = (await app.state()) as { v: number; report: { updated: string[] } };
    const final = (await app.state()) as { v: number };
    assert.equal(final.v, 2);
    assert.ok(state.v === 1 || state.v === 2);
    assert.equal(app.stderr, '');
  });
});

describe('exports added by an update', () => {
  for (const api of hookApis) {
    test(`later first-time importers see them; the first instance keeps its export list (${api})`, async () => {
      const version = (n: number, extra = ''): Tree =>
        moduleTree({
          'dep.js': `export const v = ${n};\n${extra}`,
          ...(n > 1 && {
            'late.js':
              "import { added, v } from './dep.js';\nexport const both = added + ':' + v;\nexport const now = () => added + ':' + v;\nglobalThis.lateNow = now;\n",
          }),
        });
      const { app, archive } = await start(version(1), "import { v } from 'zip:./app.zip!/dep.js';", '{ v }', {
        HOTZIP_HOOKS: api,
      });
      await app.change(archive, version(2, "export const added = 'new';\n"));
      assert.deepEqual(await app.state(), { v: 2 });
      // An entry added by that update, imported for the first time: it links to the version that has `added`.
      assert.deepEqual(await app.importInApp('zip:./app.zip!/late.js'), { both: 'new:2' });
      await app.change(archive, version(3, "export const added = 'newer';\n"));
      // late.js linked to the second version; the third one's values reach it too.
      assert.deepEqual(await app.state(), { v: 3 });
      app.child.stdin.write('i data:text/javascript,export const now = globalThis.lateNow()\n');
      assert.match(await app.next(/^IMPORT/), /"now":"newer:3"/);
    });

    /** Version `n` of b.js, with `added` exports; it logs its evaluation and its dispose. */
    const dependency = (n: number, added = ''): string =>
      [
        `export const x = ${n};`,
        added,
        `console.log('EVAL b ${n}');`,
        "import.meta.hot?.dispose(() => console.log('DISPOSE b'));",
      ].join('\n');

    test(`a module can import what another module of the same update adds (${api})`, async () => {
      const b = dependency;
      const a = (names: string, body: string): string =>
        [
          `import { ${names} } from './b.js';`,
          `export function f() { return ${body}; }`,
          "import.meta.hot?.dispose(() => console.log('DISPOSE a'));",
        ].join('\n');
      const { app, archive } = await start(
        moduleTree({ 'b.js': b(1), 'a.js': a('x', "'a1:' + x") }),
        "import { f } from 'zip:./app.zip!/a.js';\nconst captured = f;",
        '{ f: f(), captured: captured() }',
        { HOTZIP_HOOKS: api },
      );
      assert.deepEqual(await app.state(), { f: 'a1:1', captured: 'a1:1' });

      // One update: b adds `y`, a imports and uses it.
      const a2 = a('x, y', "'a2:' + x + ':' + y");
      const applied = await app.change(archive, moduleTree({ 'b.js': b(2, "export const y = 'y2';"), 'a.js': a2 }));
      assert.equal(applied.updated.length, 2);
      assert.deepEqual(await app.state(), { f: 'a2:2:y2', captured: 'a2:2:y2' });

      // A later update of b alone (a new value of y) reaches a's binding of y through the version it linked to.
      await app.change(archive, moduleTree({ 'b.js': b(3, "export const y = 'y3';"), 'a.js': a2 }));
      assert.deepEqual(await app.state(), { f: 'a2:3:y3', captured: 'a2:3:y3' });

      // b adds `z` but a also imports a name nobody exports: rejected as a whole, nothing ran, no dispose.
      const disposals = app.stdout.match(/^DISPOSE/gm)?.length;
      await app.changeFails(
        archive,
        moduleTree({ 'b.js': b(4, "export const y = 'y4';\nexport const z = 'z4';"), 'a.js': a('x, y, z, nope', 'z') }),
        'ERR_HOTZIP_UPDATE_REJECTED',
        /nope/,
      );
      assert.deepEqual(await app.state(), { f: 'a2:3:y3', captured: 'a2:3:y3' });
      assert.equal(app.stdout.match(/^DISPOSE/gm)?.length, disposals, 'no dispose ran for the rejected update');
      assert.doesNotMatch(app.stdout, /^EVAL b 4$/m, 'no new version ran');

      // The next good update applies cleanly.
      writeZip(
        archive,
        moduleTree({
          'b.js': b(5, "export const y = 'y5';\nexport const z = 'z5';"),
          'a.js': a('x, y, z', "'a5:' + x + ':' + y + ':' + z"),
        }),
      );
      assert.equal((await app.event()).name, 'update');
      assert.deepEqual(await app.state(), { f: 'a5:5:y5:z5', captured: 'a5:5:y5:z5' });
    });

    test(`a module new in the archive, first loaded by an update, can import what that update adds (${api})`, async () => {
      const b = dependency;
      // a imports x from b, and g from each new module in `news`.
      const a = (tag: string, ...news: string[]): string =>
        [
          "import { x } from './b.js';",
          ...news.map((name) => `import { g as ${name} } from './${name}.js';`),
          `export function f() { return ['${tag}', x, ${news.map((name) => `${name}()`).join(', ')}].join(':'); }`,
          "import.meta.hot?.dispose(() => console.log('DISPOSE a'));",
        ].join('\n');
      // A module new in the archive: it imports `names` from b and returns the last one.
      const fresh = (tag: string, names: string): string =>
        [
          `import { ${names} } from './b.js';`,
          `export function g() { return '${tag}-' + ${names.split(', ').at(-1)}; }`,
          `console.log('EVAL ${tag}');`,
        ].join('\n');
      const { app, archive } = await start(
        moduleTree({ 'b.js': b(1), 'a.js': a('a1') }),
        "import { f } from 'zip:./app.zip!/a.js';\nconst captured = f;",
        '{ f: f(), captured: captured() }',
        { HOTZIP_HOOKS: api },
      );
      assert.deepEqual(await app.state(), { f: 'a1:1', captured: 'a1:1' });

      // One update: b adds `y`; a now imports c, new in the archive, which imports that `y`.
      const c3 = fresh('c3', 'y');
      const applied = await app.change(
        archive,
        moduleTree({ 'b.js': b(2, "export const y = 'y2';"), 'a.js': a('a2', 'c'), 'c.js': c3 }),
      );
      assert.equal(applied.updated.length, 2);
      assert.deepEqual(await app.state(), { f: 'a2:2:c3-y2', captured: 'a2:2:c3-y2' });

      // A later update of b alone (a new value of y) reaches c through the version of b it linked to.
      await app.change(
        archive,
        moduleTree({ 'b.js': b(3, "export const y = 'y3';"), 'a.js': a('a2', 'c'), 'c.js': c3 }),
      );
      assert.deepEqual(await app.state(), { f: 'a2:3:c3-y3', captured: 'a2:3:c3-y3' });

      // c is an ordinary hot module now: an update of c alone reaches a's binding of g.
      const c4 = fresh('c4', 'y');
      const own = await app.change(
        archive,
        moduleTree({ 'b.js': b(3, "export const y = 'y3';"), 'a.js': a('a2', 'c'), 'c.js': c4 }),
      );
      assert.deepEqual(
        own.updated.map((url) => url.slice(url.lastIndexOf('/') + 1)),
        ['c.js'],
      );
      assert.deepEqual(await app.state(), { f: 'a2:3:c4-y3', captured: 'a2:3:c4-y3' });
      // A first-time import of c from elsewhere gets the instance a linked to: no other instance of c runs.
      assert.deepEqual(await app.importInApp('zip:./app.zip!/c.js'), {});
      assert.deepEqual(app.stdout.match(/^EVAL c.*$/gm), ['EVAL c3', 'EVAL c4']);

      // b adds `z`, a imports a new d, and d imports a name nobody exports: rejected as a whole; nothing ran, no
      // dispose.
      const disposals = app.stdout.match(/^DISPOSE/gm)?.length;
      const z = (n: number): string => `export const y = 'y${n}';\nexport const z = 'z${n}';`;
      await app.changeFails(
        archive,
        moduleTree({ 'b.js': b(5, z(5)), 'a.js': a('a5', 'c', 'd'), 'c.js': c4, 'd.js': fresh('d5', 'z, nope') }),
        'ERR_HOTZIP_UPDATE_REJECTED',
        /nope/,
      );
      assert.deepEqual(await app.state(), { f: 'a2:3:c4-y3', captured: 'a2:3:c4-y3' });
      assert.equal(app.stdout.match(/^DISPOSE/gm)?.length, disposals, 'no dispose ran for the rejected update');
      assert.doesNotMatch(app.stdout, /^EVAL (b 5|d)/m, 'no module of the rejected update ran');

      // The next good update applies, d included, although Node still caches the rejected update's attempt at d.
      writeZip(
        archive,
        moduleTree({ 'b.js': b(6, z(6)), 'a.js': a('a6', 'c', 'd'), 'c.js': c4, 'd.js': fresh('d6', 'z') }),
      );
      const good = await app.event();
      assert.equal(good.name, 'update', JSON.stringify(good));
      assert.deepEqual(await app.state(), { f: 'a6:6:c4-y6:d6-z6', captured: 'a6:6:c4-y6:d6-z6' });
      assert.deepEqual(app.stdout.match(/^EVAL d.*$/gm), ['EVAL d6']);
    });

    /** Starts the app on `initial`, writes `next`, and expects a rejection matching `message` with nothing run. */
    const expectRejected = async (initial: Tree, next: Tree, message: RegExp, state: unknown): Promise<void> => {
      const { app, archive } = await start(
        moduleTree(initial),
        "import { f } from 'zip:./app.zip!/a.js';",
        '{ f: f() }',
        { HOTZIP_HOOKS: api },
      );
      writeZip(archive, moduleTree(next));
      const rejected = await app.event();
      assert.equal(rejected.code, 'ERR_HOTZIP_UPDATE_REJECTED', JSON.stringify(rejected));
      assert.match(rejected.message ?? '', message);
      assert.deepEqual(await app.state(), state);
      assert.doesNotMatch(app.stdout, /^EVAL/m);
    };

    test(`a module joining an update is checked for names the update removes (${api})`, async () => {
      // b drops `w`; a now imports e, new in the archive, which imports `w` (it would link to b's live instance).
      await expectRejected(
        {
          'b.js': 'export const x = 1;\nexport const w = 1;\n',
          'a.js': "import { x } from './b.js';\nexport const f = () => x;\n",
        },
        {
          'b.js': "export const x = 2;\nconsole.log('EVAL b 2');\n",
          'e.js': "import { w } from './b.js';\nexport const k = w;\nconsole.log('EVAL e');\n",
          'a.js': "import { x } from './b.js';\nimport { k } from './e.js';\nexport const f = () => x + k;\n",
        },
        /b\.js no longer exports "w", which .*e\.js imports/,
        { f: 1 },
      );
    });

    test(`a module waiting for another's new version is still checked before anything runs (${api})`, async () => {
      // a's new version imports b's added `y`, so it cannot register before b's runs; c drops the `k` it imports.
      await expectRejected(
        {
          'b.js': 'export const x = 1;\n',
          'c.js': 'export const k = 1;\nexport const j = 1;\n',
          'a.js': "import { x } from './b.js';\nimport { k } from './c.js';\nexport const f = () => x + k;\n",
        },
        {
          'b.js': "export const x = 2;\nexport const y = 2;\nconsole.log('EVAL b 2');\n",
          'c.js': "export const j = 2;\nconsole.log('EVAL c 2');\n",
          'a.js': "import { x, y } from './b.js';\nimport { k } from './c.js';\nexport const f = () => x + y + k;\n",
        },
        /c\.js no longer exports "k", which .*a\.js imports/,
        { f: 2 },
      );
    });
  }
});

describe('workers', () => {
  // Each host starts its own thread or process whose hotzip updates on its own, and prints `<label> ready|updated v`.
  const hosts: Array<{ name: string; label: string; prefix: string; files: Tree; main: string[] }> = [
    {
      name: 'a worker thread started under --import hotzip/register updates on its own',
      label: 'WORKER',
      prefix: 'worker',
      files: {
        'worker.mjs': [
          "import { parentPort } from 'node:worker_threads';",
          "import { v } from 'zip:./app.zip!/dep.js';",
          "import { on } from 'hotzip';",
          "on('update', () => parentPort.postMessage('updated ' + v));",
          "parentPort.postMessage('ready ' + v);",
          "parentPort.on('message', () => {}); // a worker with work to wait for, as real workers have",
        ].join('\n'),
      },
      main: [
        "import { Worker } from 'node:worker_threads';",
        "const worker = new Worker(new URL('./worker.mjs', import.meta.url));",
        "worker.on('message', (m) => console.log('WORKER ' + m));",
        "process.stdin.on('data', () => process.exit(0));",
      ],
    },
    {
      name: 'a cluster worker started under --import hotzip/register updates on its own',
      label: 'CLUSTER',
      prefix: 'cluster worker',
      files: {},
      main: [
        "import cluster from 'node:cluster';",
        'if (cluster.isPrimary) {',
        '  const worker = cluster.fork();',
        "  worker.on('message', (m) => console.log('CLUSTER ' + m));",
        "  process.stdin.on('data', () => { worker.kill(); process.exit(0); });",
        '} else {',
        "  const { on } = await import('hotzip');",
        "  const dep = await import('zip:./app.zip!/dep.js');",
        "  on('update', () => process.send('updated ' + dep.v));",
        "  process.send('ready ' + dep.v);",
        '}',
      ],
    },
  ];
  for (const { name, label, prefix, files: beside, main } of hosts) {
    test(name, async () => {
      const dir = makeApp(`hotzip-${label.toLowerCase()}-`);
      dirs.push(dir);
      const archive = writeZip(path.join(dir, 'app.zip'), files(1));
      writeTree(dir, beside);
      const app = new HotApp(dir, main.join('\n'));
      apps.push(app);
      await app.next(new RegExp(`^${label} ready 1$`));
      writeZip(archive, files(2));
      await app.next(new RegExp(`^${label} updated 2$`));
      // Its log line says which worker updated: every worker would print the same line.
      await app.stderrMatch(new RegExp(`^\\[hotzip ${prefix} \\d+\\] updated 1 module from app\\.zip`, 'm'));
      assert.doesNotMatch(app.stderr, /^\[hotzip\] updated/m);
    });
  }
});

describe('reload() right after replacing the archive', () => {
  for (const api of hookApis) {
    test(`reports the update that applied the change, even when the watcher saw it first (${api})`, async () => {
      const dir = makeApp('hotzip-reload-race-');
      dirs.push(dir);
      const version = (n: number): Tree => ({
        'm.js': `export const v = ${n};\n`,
        'package.json': '{"type":"module"}',
      });
      writeZip(path.join(dir, 'app.zip'), version(0));
      for (const n of [1, 2, 3, 4]) writeZip(path.join(dir, `v${n}.zip`), version(n));
      writeTree(dir, {
        'main.mjs': [
          "import { reload } from 'hotzip';",
          "import { copyFileSync, renameSync } from 'node:fs';",
          "const m = await import('zip:./app.zip!/m.js');",
          'const seen = [];',
          'for (let i = 0; i < 12; i++) {',
          '  const n = (i % 4) + 1;',
          "  copyFileSync('v' + n + '.zip', 'next.zip');",
          "  renameSync('next.zip', 'app.zip');",
          '  const report = await reload();',
          "  seen.push(report.updated.length + ':' + (m.v === n));",
          '}',
          "console.log(seen.join(' '));",
        ].join('\n'),
      });
      const result = await runNode(['main.mjs'], { cwd: dir, env: { HOTZIP_HOOKS: api, HOTZIP_LOG: 'silent' } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim(), Array.from({ length: 12 }, () => '1:true').join(' '));
    });
  }
});
