/**
 * Code-split bundler output, built at test time by the bundlers themselves (esbuild and rollup, pinned in
 * test/bundlers): an entry re-exports from a chunk whose file name is a hash of its content, so every change to the
 * shared code makes the entry re-export from another file. The update must apply in place, and the program must
 * then show what a fresh process on the same archive shows: values, captured functions, a counter a function
 * reassigns, calls through another entry (but a captured class, which keeps constructing its own version). With the output folder cleaned between builds (the old chunk leaves the
 * archive) and without (the old chunk stays, unused), and back to the first build.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { makeApp, repoRoot, type Tree, writeTree, writeZip } from '../helpers/fixtures.js';
import { HotApp, hostMain } from '../helpers/hot-app.js';
import { installPinned } from '../helpers/pinned-install.js';

const bundlersDir = path.join(repoRoot, 'test', 'bundlers');

const apps: HotApp[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The app's source at `version`: the shared modules change, the entries do not. Two entries re-export different
 * names of one chunk, and that chunk imports another (used by another set of entries, so a chunk of its own).
 */
function source(version: number): Tree {
  return {
    'util.js': `export const tag = (text) => '[' + text + ' u${version}]';\n`,
    'shared.js': [
      "import { tag } from './util.js';",
      'export let count = 0;',
      `export function greet(name) { count++; return tag('hello ' + name + ' v${version}'); }`,
      `export const version = ${version};`,
      `export class Thing { label() { return 'thing v${version}'; } }`,
    ].join('\n'),
    'index.js': "export { greet, Thing } from './shared.js';\nexport const entry = 'index';\n",
    'more.js': "export { count, version } from './shared.js';\n",
    'other.js': "import { greet } from './shared.js';\nexport const other = () => greet('other');\n",
    'tools.js': "import { tag } from './util.js';\nexport const tool = (text) => tag(text);\n",
  };
}

const entries = ['index.js', 'more.js', 'other.js', 'tools.js'];

interface EsbuildApi {
  build(options: Record<string, unknown>): Promise<{ outputFiles: Array<{ path: string; text: string }> }>;
}
interface RollupApi {
  rollup(options: Record<string, unknown>): Promise<{
    generate(options: Record<string, unknown>): Promise<{ output: Array<{ fileName: string; code?: string }> }>;
    close(): Promise<void>;
  }>;
}

type Bundle = (sourceDir: string) => Promise<Tree>;

const bundlers: Record<string, Bundle> = {
  'esbuild (splitting, minified)': async (sourceDir) => {
    const esbuild = (await import(
      pathToFileURL(path.join(bundlersDir, 'node_modules/esbuild/lib/main.js')).href
    )) as EsbuildApi;
    const outdir = path.join(sourceDir, 'out');
    const result = await esbuild.build({
      entryPoints: entries.map((entry) => path.join(sourceDir, entry)),
      absWorkingDir: sourceDir,
      bundle: true,
      splitting: true,
      minify: true,
      format: 'esm',
      outdir,
      write: false,
      logLevel: 'silent',
    });
    return Object.fromEntries(result.outputFiles.map((file) => [path.relative(outdir, file.path), file.text]));
  },
  'rollup (hashed chunks)': async (sourceDir) => {
    const { rollup } = (await import(
      pathToFileURL(path.join(bundlersDir, 'node_modules/rollup/dist/es/rollup.js')).href
    )) as RollupApi;
    const bundle = await rollup({ input: entries.map((entry) => path.join(sourceDir, entry)) });
    const { output } = await bundle.generate({ format: 'es', chunkFileNames: 'shared/[name].[hash].js' });
    await bundle.close();
    return Object.fromEntries(output.map((chunk) => [chunk.fileName, chunk.code ?? '']));
  },
};

const imports = [
  "import { greet, Thing, entry } from 'zip:./app.zip!/index.js';",
  "import { count, version } from 'zip:./app.zip!/more.js';",
  "import { other } from 'zip:./app.zip!/other.js';",
  "import { tool } from 'zip:./app.zip!/tools.js';",
  'const captured = greet;',
  'const CapturedThing = Thing;',
].join('\n');
const state =
  "{ hello: greet('a'), captured: captured('b'), other: other(), count, version, entry, tool: tool('t'), " +
  'thing: new Thing().label(), capturedThing: new CapturedThing().label() }';

/** What a fresh process shows on the archive `tree`: the state the updated program must show. */
async function fresh(tree: Tree, main = imports, shown = state): Promise<unknown> {
  const dir = makeApp('hotzip-bundlers-fresh-');
  dirs.push(dir);
  writeZip(path.join(dir, 'app.zip'), { 'package.json': '{ "type": "module" }\n', ...tree });
  const app = new HotApp(dir, hostMain(main, shown));
  apps.push(app);
  await app.next(/^READY/);
  const seen = await app.state();
  await app.stop();
  return seen;
}

before(() => installPinned(bundlersDir, 'bundler fixtures'));

for (const [name, bundle] of Object.entries(bundlers)) {
  describe(name, () => {
    /** The bundler's output for the source at `version`. */
    async function build(version: number): Promise<Tree> {
      const dir = makeApp('hotzip-bundlers-src-');
      dirs.push(dir);
      writeTree(dir, source(version));
      return bundle(dir);
    }

    for (const clean of [true, false]) {
      test(`entries re-exporting from renamed chunks update in place, output ${clean ? 'cleaned' : 'not cleaned'} between builds`, async () => {
        const builds = [await build(1), await build(2), await build(3)];
        const chunks = (tree: Tree) => Object.keys(tree).filter((file) => !entries.includes(file));
        assert.equal(chunks(builds[0] as Tree).length, 2, 'two chunks, one importing the other');
        assert.notDeepEqual(chunks(builds[0] as Tree), chunks(builds[1] as Tree), 'chunks are renamed by content');
        const dir = makeApp('hotzip-bundlers-');
        dirs.push(dir);
        const archive = path.join(dir, 'app.zip');
        // The archive at each step: the build, over every earlier build when the output folder is not cleaned.
        let kept: Tree = {};
        const step = (tree: Tree): Tree => {
          const archived = { 'package.json': '{ "type": "module" }\n', ...(clean ? {} : kept), ...tree };
          kept = { ...kept, ...tree };
          return archived;
        };
        const first = step(builds[0] as Tree);
        writeZip(archive, first);
        const app = new HotApp(dir, hostMain(imports, state));
        apps.push(app);
        await app.next(/^READY/);
        assert.deepEqual(await app.state(), await fresh(first));
        // Then 2, 3, and back to the first build: its chunks come back (or were there all along), as they were named.
        for (const tree of [builds[1], builds[2], builds[0]] as Tree[]) {
          const archived = step(tree);
          const update = await app.change(archive, archived);
          assert.ok(update.updated.includes(`zip://${archive}!/index.js`), `entry updated: ${JSON.stringify(update)}`);
          // Classes have no trampoline: one captured before the update keeps constructing its own version.
          const expected = (await fresh(archived)) as Record<string, unknown>;
          assert.deepEqual(await app.state(), { ...expected, capturedThing: 'thing v1' });
        }
        await app.stop();
        assert.doesNotMatch(app.stderr, /restart required|ERR_HOTZIP/);
      });
    }
  });
}

describe('re-exports that move where the program cannot follow: restart-required, saying why, nothing applied', () => {
  const chunk = (version: number) => `export let g = () => 'g v${version}';\n`;
  const cases: Array<{ title: string; one: Tree; two: Tree; why: RegExp; imports?: string }> = [
    {
      title: 'another module still imports the old chunk',
      one: { 'index.js': "export { g } from './c-1.js';\n", 'other.js': "export { g as o } from './c-1.js';\n" },
      two: { 'index.js': "export { g } from './c-2.js';\n", 'other.js': "export { g as o } from './c-1.js';\n" },
      imports: "import 'zip:./app.zip!/other.js';",
      why: /other\.js still imports .*c-1\.js/,
    },
    {
      title: 'a plain file still imports the old chunk',
      one: { 'index.js': "export { g } from './c-1.js';\n" },
      two: { 'index.js': "export { g } from './c-2.js';\n" },
      imports: "import { g as direct } from 'zip:./app.zip!/c-1.js';",
      why: /main\.mjs still imports .*c-1\.js/,
    },
    {
      title: 'a plain file holds the old chunk it imported with import()',
      one: { 'index.js': "export { g } from './c-1.js';\n" },
      two: { 'index.js': "export { g } from './c-2.js';\n" },
      imports: "const held = await import('zip:./app.zip!/c-1.js');",
      why: /main\.mjs still imports .*c-1\.js/,
    },
    {
      title: 'the old chunk re-exports the name itself',
      one: { 'index.js': "export { g } from './c-1.js';\n", 'c-1.js': "export { g } from './deep.js';\n" },
      two: { 'index.js': "export { g } from './c-2.js';\n", 'c-1.js': "export { g } from './deep.js';\n" },
      why: /"g" of .*c-1\.js is not a binding that module declares/,
    },
    {
      title: 'a namespace re-export',
      one: { 'index.js': "export * as ns from './c-1.js';\nexport const g = 0;\n" },
      two: { 'index.js': "export * as ns from './c-2.js';\nexport const g = 0;\n" },
      why: /"ns" is a module namespace/,
    },
  ];
  for (const { title, one, two, why, imports: extra } of cases) {
    test(title, async () => {
      const tree = (files: Tree): Tree => ({
        'package.json': '{ "type": "module" }\n',
        'c-1.js': chunk(1),
        'c-2.js': chunk(2),
        'deep.js': chunk(1),
        ...files,
      });
      const dir = makeApp('hotzip-bundlers-refused-');
      dirs.push(dir);
      const archive = writeZip(path.join(dir, 'app.zip'), tree(one));
      const main = `${extra ?? ''}\nimport * as index from 'zip:./app.zip!/index.js';`;
      const app = new HotApp(dir, hostMain(main, "{ g: typeof index.g === 'function' ? index.g() : index.ns.g() }"));
      apps.push(app);
      await app.next(/^READY/);
      assert.deepEqual(await app.state(), { g: 'g v1' });
      const refused = await app.change(archive, tree(two), 'error');
      assert.equal(refused.code, 'ERR_HOTZIP_RESTART_REQUIRED');
      assert.match(refused.message ?? '', why);
      assert.deepEqual(refused.restart, [`zip://${archive}!/index.js`]);
      assert.deepEqual(await app.state(), { g: 'g v1' });
    });
  }
});

describe('chunks that move by hand: the cases bundler output reaches less often', () => {
  const chunk = (version: number, extra = '') =>
    `export let count = 0;\nexport function inc() { count++; return 'v${version}:' + count; }\nexport const ver = ${version};\n${extra}`;
  const entry = (name: string) => ({ 'a.js': `export { count, ver, inc } from './${name}.js';\n` });
  const baseImports = "import { count, ver, inc } from 'zip:./app.zip!/a.js';\nconst cap = inc;";
  const baseState = '{ r: cap(), r2: inc(), count, ver }';

  /** Starts an app on the first tree, then applies each later one, comparing with a fresh process each time. */
  async function walk(trees: Tree[], imports = baseImports, state = baseState): Promise<HotApp> {
    const withPackage = (tree: Tree): Tree => ({ 'package.json': '{ "type": "module" }\n', ...tree });
    const dir = makeApp('hotzip-bundlers-hand-');
    dirs.push(dir);
    const archive = writeZip(path.join(dir, 'app.zip'), withPackage(trees[0] as Tree));
    const app = new HotApp(dir, hostMain(imports, state));
    apps.push(app);
    await app.next(/^READY/);
    for (const [at, tree] of trees.entries()) {
      if (at > 0) await app.change(archive, withPackage(tree));
      assert.deepEqual(await app.state(), await fresh(withPackage(tree), imports, state), `step ${at}`);
    }
    return app;
  }

  test('the new chunk was loaded before the move: its counter is followed too', async () => {
    const imports = `${baseImports}\nimport 'zip:./app.zip!/c2.js';`;
    const both = { 'c1.js': chunk(1), 'c2.js': chunk(2) };
    await walk(
      [
        { ...both, ...entry('c1') },
        { ...both, ...entry('c2') },
      ],
      imports,
    );
  });

  test('a chunk updated in place, then moved again, then back to the first', async () => {
    await walk([
      { ...entry('c1'), 'c1.js': chunk(1) },
      { ...entry('c2'), 'c2.js': chunk(2) },
      { ...entry('c2'), 'c2.js': chunk(3) },
      { ...entry('c3'), 'c3.js': chunk(4) },
      { ...entry('c1'), 'c1.js': chunk(1) },
    ]);
  });

  test('functions captured from each chunk of a chain all call the newest, also once the first is back', async () => {
    // Each state captures `inc` as it is then, and calls every function captured so far.
    const imports = `${baseImports}\nconst caps = [];`;
    const state = '{ calls: (caps.push(inc), caps.map((f) => f())), ver }';
    const dir = makeApp('hotzip-bundlers-chain-');
    dirs.push(dir);
    const tree = (name: string, version: number): Tree => ({
      'package.json': '{ "type": "module" }\n',
      [`${name}.js`]: chunk(version),
      ...entry(name),
    });
    const archive = writeZip(path.join(dir, 'app.zip'), tree('c1', 1));
    const app = new HotApp(dir, hostMain(imports, state));
    apps.push(app);
    await app.next(/^READY/);
    assert.deepEqual(await app.state(), { calls: ['v1:1'], ver: 1 });
    await app.change(archive, tree('c2', 2));
    assert.deepEqual(await app.state(), { calls: ['v2:1', 'v2:2'], ver: 2 });
    await app.change(archive, tree('c3', 3));
    assert.deepEqual(await app.state(), { calls: ['v3:1', 'v3:2', 'v3:3'], ver: 3 });
    await app.change(archive, tree('c1', 1));
    assert.deepEqual(await app.state(), { calls: ['v1:1', 'v1:2', 'v1:3', 'v1:4'], ver: 1 });
  });

  test('a middle chunk of a chain imported again runs as its own, and the entry keeps the newest', async () => {
    const dir = makeApp('hotzip-bundlers-middle-');
    dirs.push(dir);
    const chunks = { 'c1.js': chunk(1), 'c2.js': chunk(2), 'c3.js': chunk(3) };
    const none = "export const o = () => 'none';\n";
    const again = "import { ver } from './c2.js';\nexport const o = () => 'c2 ' + ver;\n";
    const tree = (name: string, other: string): Tree => ({
      'package.json': '{ "type": "module" }\n',
      ...chunks,
      'other.js': other,
      ...entry(name),
    });
    const imports = `${baseImports}\nimport { o } from 'zip:./app.zip!/other.js';`;
    const state = '{ ver, o: o() }';
    const archive = writeZip(path.join(dir, 'app.zip'), tree('c1', none));
    const app = new HotApp(dir, hostMain(imports, state));
    apps.push(app);
    await app.next(/^READY/);
    await app.change(archive, tree('c2', none));
    await app.change(archive, tree('c3', none));
    assert.deepEqual(await app.state(), { ver: 3, o: 'none' });
    await app.change(archive, tree('c3', again));
    assert.deepEqual(await app.state(), { ver: 3, o: 'c2 2' });
  });

  test('a chunk left behind in the archive is pruned, and listed as removed', async () => {
    const pruned = "import.meta.hot?.prune(() => console.log('PRUNED ' + ver));\n";
    const dir = makeApp('hotzip-bundlers-pruned-');
    dirs.push(dir);
    const tree = (name: string): Tree => ({
      'package.json': '{ "type": "module" }\n',
      'c1.js': chunk(1, pruned),
      'c2.js': chunk(2, pruned),
      ...entry(name),
    });
    const archive = writeZip(path.join(dir, 'app.zip'), tree('c1'));
    const app = new HotApp(dir, hostMain(baseImports, baseState));
    apps.push(app);
    await app.next(/^READY/);
    const update = await app.change(archive, tree('c2'));
    assert.deepEqual(update.removed, [`zip://${archive}!/c1.js`]);
    // Its prune handler ran before the update was reported.
    assert.match(app.stdout, /^PRUNED 1$/m);
    assert.deepEqual(await app.state(), await fresh(tree('c2'), baseImports, baseState));
  });

  test('a move whose new chunk throws keeps the old chunk in the program, unpruned', async () => {
    const pruned = "import.meta.hot?.prune(() => console.log('PRUNED ' + ver));\n";
    const dir = makeApp('hotzip-bundlers-throws-');
    dirs.push(dir);
    const tree = (name: string, c2: string): Tree => ({
      'package.json': '{ "type": "module" }\n',
      'c1.js': chunk(1, pruned),
      'c2.js': c2,
      ...entry(name),
    });
    const archive = writeZip(path.join(dir, 'app.zip'), tree('c1', chunk(2)));
    const app = new HotApp(dir, hostMain(baseImports, baseState));
    apps.push(app);
    await app.next(/^READY/);
    const failed = await app.change(archive, tree('c2', chunk(2, "throw new Error('c2 broke');\n")), 'error');
    assert.equal(failed.code, 'ERR_HOTZIP_UPDATE_FAILED');
    assert.deepEqual(failed.removed, []);
    assert.deepEqual(await app.state(), { r: 'v1:1', r2: 'v1:2', count: 2, ver: 1 });
    assert.doesNotMatch(app.stdout, /PRUNED/);
  });

  test('a left chunk imported again while an entry still follows it elsewhere: restart-required', async () => {
    const dir = makeApp('hotzip-bundlers-back-');
    dirs.push(dir);
    const tree = (name: string, other: string): Tree => ({
      'package.json': '{ "type": "module" }\n',
      'c1.js': chunk(1),
      'c2.js': chunk(2),
      'other.js': other,
      ...entry(name),
    });
    const none = "export const o = () => 'none';\n";
    const again = "import { ver } from './c1.js';\nexport const o = () => 'c1 ' + ver;\n";
    const imports = `${baseImports}\nimport { o } from 'zip:./app.zip!/other.js';`;
    const state = '{ count, ver, o: o() }';
    const archive = writeZip(path.join(dir, 'app.zip'), tree('c1', none));
    const app = new HotApp(dir, hostMain(imports, state));
    apps.push(app);
    await app.next(/^READY/);
    await app.change(archive, tree('c2', none));
    assert.deepEqual(await app.state(), { count: 0, ver: 2, o: 'none' });
    const refused = await app.change(archive, tree('c2', again), 'error');
    assert.equal(refused.code, 'ERR_HOTZIP_RESTART_REQUIRED');
    assert.match(refused.message ?? '', /c1\.js is imported again, while .*a\.js takes "count" from .*c2\.js/);
    assert.deepEqual(await app.state(), { count: 0, ver: 2, o: 'none' });
  });
});
