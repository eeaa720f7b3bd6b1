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

/** The app's source at `version`: the shared module changes, the entries do not. */
function source(version: number): Tree {
  return {
    'shared.js': [
      'export let count = 0;',
      `export function greet(name) { count++; return 'hello ' + name + ' v${version}'; }`,
      `export const version = ${version};`,
      `export class Thing { label() { return 'thing v${version}'; } }`,
    ].join('\n'),
    'index.js': "export { greet, count, version, Thing } from './shared.js';\nexport const entry = 'index';\n",
    'other.js': "import { greet } from './shared.js';\nexport const other = () => greet('other');\n",
  };
}

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
      entryPoints: ['index.js', 'other.js'].map((entry) => path.join(sourceDir, entry)),
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
    const bundle = await rollup({ input: ['index.js', 'other.js'].map((entry) => path.join(sourceDir, entry)) });
    const { output } = await bundle.generate({ format: 'es', chunkFileNames: 'shared/[name].[hash].js' });
    await bundle.close();
    return Object.fromEntries(output.map((chunk) => [chunk.fileName, chunk.code ?? '']));
  },
};

const imports = [
  "import { greet, count, version, Thing, entry } from 'zip:./app.zip!/index.js';",
  "import { other } from 'zip:./app.zip!/other.js';",
  'const captured = greet;',
  'const CapturedThing = Thing;',
].join('\n');
const state =
  "{ hello: greet('a'), captured: captured('b'), other: other(), count, version, entry, " +
  'thing: new Thing().label(), capturedThing: new CapturedThing().label() }';

/** What a fresh process shows on the archive `tree`: the state the updated program must show. */
async function fresh(tree: Tree): Promise<unknown> {
  const dir = makeApp('hotzip-bundlers-fresh-');
  dirs.push(dir);
  writeZip(path.join(dir, 'app.zip'), { 'package.json': '{ "type": "module" }\n', ...tree });
  const app = new HotApp(dir, hostMain(imports, state));
  apps.push(app);
  await app.next(/^READY/);
  const shown = await app.state();
  await app.stop();
  return shown;
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
      test(`an entry re-exporting from a renamed chunk updates in place, output ${clean ? 'cleaned' : 'not cleaned'} between builds`, async () => {
        const [one, two] = [await build(1), await build(2)];
        const chunks = (tree: Tree) => Object.keys(tree).filter((file) => !['index.js', 'other.js'].includes(file));
        assert.notDeepEqual(chunks(one), chunks(two), 'the chunk is renamed by its content');
        const archiveOf = (tree: Tree, kept: Tree): Tree => ({
          'package.json': '{ "type": "module" }\n',
          ...(clean ? {} : kept),
          ...tree,
        });
        const dir = makeApp('hotzip-bundlers-');
        dirs.push(dir);
        const archive = writeZip(path.join(dir, 'app.zip'), archiveOf(one, {}));
        const app = new HotApp(dir, hostMain(imports, state));
        apps.push(app);
        await app.next(/^READY/);
        assert.deepEqual(await app.state(), await fresh(archiveOf(one, {})));

        const toTwo = archiveOf(two, one);
        const update = await app.change(archive, toTwo);
        assert.ok(
          update.updated.includes(`zip://${archive}!/index.js`),
          `the entry is updated: ${JSON.stringify(update)}`,
        );
        // Classes have no trampoline: one captured before the update keeps constructing its own version.
        const expected = (await fresh(toTwo)) as Record<string, unknown>;
        assert.deepEqual(await app.state(), { ...expected, capturedThing: 'thing v1' });

        // Back to the first build: its chunk comes back (or was there all along), under its first name.
        const back = archiveOf(one, { ...one, ...two });
        await app.change(archive, back);
        assert.deepEqual(await app.state(), await fresh(back));
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
