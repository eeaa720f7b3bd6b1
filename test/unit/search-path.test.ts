/**
 * End to end: archives on the module search path (HOTZIP_PATH). A dependency tree vendored with `hotzip pack
 * node_modules -o deps.zip` must run an app exactly as the installed tree does; the search path is only a fallback.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeApp, repoRoot, runMain, runNode, type Tree, writeTree, writeZip } from '../helpers/fixtures.js';
import { HotApp, hostMain } from '../helpers/hot-app.js';

let app = '';
before(() => {
  app = makeApp('hotzip-search-path-');
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** A small but real dependency tree: conditional exports, a scoped package, nested versions, one CJS file. */
const dependencies: Tree = {
  'color-fmt/package.json': json({
    name: 'color-fmt',
    version: '1.2.0',
    type: 'module',
    exports: {
      '.': { node: { import: './node.js', require: './node.cjs' }, default: './browser.js' },
      './sub': { import: './sub.js', default: './sub.cjs' },
      './package.json': './package.json',
    },
  }),
  'color-fmt/node.js':
    "import { greet } from 'greeter-core';\nexport const fmt = (s) => '[node/import ' + greet(s) + ']';\n",
  'color-fmt/node.cjs': "exports.fmt = (s) => '[node/require ' + s + ']';\n",
  'color-fmt/browser.js': "export const fmt = (s) => '[browser ' + s + ']';\n",
  'color-fmt/sub.js': "export default 'sub via import';\n",
  'color-fmt/sub.cjs': "module.exports = 'sub via require';\n",
  'greeter-core/package.json': json({ name: 'greeter-core', version: '1.0.0', type: 'module', main: './lib/main.js' }),
  'greeter-core/lib/main.js': "export const version = '1.0.0';\nexport const greet = (s) => 'hello ' + s;\n",
  '@acme/util/package.json': json({
    name: '@acme/util',
    version: '3.0.0',
    type: 'module',
    exports: { '.': { import: './esm/index.js', default: './cjs/index.cjs' }, './*': './esm/*.js' },
  }),
  '@acme/util/esm/index.js': [
    "import sub from 'color-fmt/sub';",
    "import { version } from 'greeter-core';",
    "import legacy from 'legacy-cjs';",
    "export const util = 'util(' + sub + ', greeter-core@' + version + ', ' + legacy.shout('x') + ')';",
    '',
  ].join('\n'),
  '@acme/util/esm/extra.js': "export const extra = 'extra subpath';\n",
  '@acme/util/cjs/index.cjs': "exports.util = 'cjs util';\n",
  '@acme/util/node_modules/greeter-core/package.json': json({
    name: 'greeter-core',
    version: '2.0.0',
    type: 'module',
    main: 'index.js',
  }),
  '@acme/util/node_modules/greeter-core/index.js': "export const version = '2.0.0';\n",
  'legacy-cjs/package.json': json({ name: 'legacy-cjs', version: '0.9.0', main: 'legacy' }),
  'legacy-cjs/legacy.js':
    "'use strict';\nmodule.exports = { shout: (s) => String(s).toUpperCase() + '!', kind: typeof require };\n",
};

const appMain = [
  "import { fmt } from 'color-fmt';",
  "import sub from 'color-fmt/sub';",
  "import { util } from '@acme/util';",
  "import { extra } from '@acme/util/extra';",
  "import legacy from 'legacy-cjs';",
  "import { version } from 'greeter-core';",
  "import pkg from 'color-fmt/package.json' with { type: 'json' };",
  "import { readFileSync } from 'fs';",
  'console.log(fmt("world"));',
  'console.log(sub, extra);',
  'console.log(util);',
  'console.log(legacy.shout("cjs"), legacy.kind, version, pkg.version, typeof readFileSync);',
  "try { await import('color-fmt/missing'); } catch (e) { console.log('subpath error', e.code); }",
  '',
].join('\n');

/** Runs the CLI built in this repository, as `hotzip pack <dir> -o <out>`. */
function pack(dir: string, out: string): void {
  execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'lib', 'cli', 'main.js'), 'pack', dir, '-o', out], {
    stdio: 'pipe',
  });
}

describe('HOTZIP_PATH', () => {
  test('a vendored node_modules runs the app as the installed tree does', async () => {
    const native = path.join(app, 'native');
    writeTree(path.join(native, 'node_modules'), dependencies);
    writeTree(native, { 'app.mjs': appMain });
    const installed = await runNode(['app.mjs'], { cwd: native, native: true });
    assert.equal(installed.stderr, '');
    assert.equal(installed.code, 0);
    assert.match(installed.stdout, /\[node\/import hello world\]/);
    assert.match(installed.stdout, /greeter-core@2\.0\.0/);

    const vendored = path.join(app, 'vendored');
    pack(path.join(native, 'node_modules'), path.join(vendored, 'deps.zip'));
    fs.rmSync(path.join(native, 'node_modules'), { recursive: true });
    writeTree(vendored, { 'app.mjs': appMain });
    // `vendored` has no node_modules of its own: hotzip/register is found in the app's node_modules one level up.
    const run = await runNode(['app.mjs'], { cwd: vendored, env: { HOTZIP_PATH: 'deps.zip' } });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, installed.stdout);
    assert.equal(run.code, 0);

    const without = await runNode(['app.mjs'], { cwd: vendored });
    assert.equal(without.code, 1);
    assert.match(without.stderr, /ERR_MODULE_NOT_FOUND/);
  });

  test('single modules at an archive root import by bare name', async () => {
    const dir = path.join(app, 'single');
    writeZip(path.join(dir, 'mods.zip'), {
      'tool.mjs': "export const tool = 'tool.mjs';\n",
      'helper.cjs': "module.exports = 'helper.cjs';\n",
      'plain.js': "import { tool } from 'tool';\nexport const plain = 'plain.js+' + tool;\n",
    });
    const result = await runMain(
      dir,
      [
        "import { tool } from 'tool';",
        "import helper from 'helper';",
        "import { plain } from 'plain';",
        'console.log(tool, helper, plain);',
      ],
      { env: { HOTZIP_PATH: 'mods.zip' } },
    );
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, 'tool.mjs helper.cjs plain.js+tool.mjs\n');
  });

  test('order and shadowing: the first archive wins, node_modules and builtins beat the search path', async () => {
    const dir = path.join(app, 'order');
    const pkg = (name: string, value: string): Tree => ({
      [`${name}/package.json`]: json({ name, type: 'module', main: 'index.js' }),
      [`${name}/index.js`]: `export default ${JSON.stringify(value)};\n`,
    });
    writeZip(path.join(dir, 'a.zip'), { ...pkg('dup', 'dup from a'), ...pkg('installed', 'installed from a') });
    writeZip(path.join(dir, 'b.zip'), {
      ...pkg('dup', 'dup from b'),
      ...pkg('only-b', 'only-b from b'),
      'fs.js': 'export default "fs from b";\n',
      ...pkg('path', 'path from b'),
    });
    writeTree(dir, {
      'node_modules/installed/package.json': json({ name: 'installed', type: 'module', main: 'index.js' }),
      'node_modules/installed/index.js': 'export default "installed from node_modules";\n',
      'main.mjs': [
        "import dup from 'dup';",
        "import onlyB from 'only-b';",
        "import installed from 'installed';",
        "import fs from 'fs';",
        "import * as p from 'path';",
        'console.log([dup, onlyB, installed, typeof fs.readFileSync, typeof p.join].join(", "));',
      ].join('\n'),
    });
    // The test app's own node_modules (with hotzip) is one level up; dir's node_modules holds `installed`.
    const ab = await runNode(['main.mjs'], { cwd: dir, env: { HOTZIP_PATH: ['a.zip', 'b.zip'].join(path.delimiter) } });
    assert.equal(ab.stderr, '');
    assert.equal(ab.stdout, 'dup from a, only-b from b, installed from node_modules, function, function\n');
    const ba = await runNode(['main.mjs'], { cwd: dir, env: { HOTZIP_PATH: ['b.zip', 'a.zip'].join(path.delimiter) } });
    assert.equal(ba.stderr, '');
    assert.equal(ba.stdout, 'dup from b, only-b from b, installed from node_modules, function, function\n');
  });

  test('a missing or damaged archive warns once and the rest of the path still resolves', async () => {
    const dir = path.join(app, 'missing');
    writeZip(path.join(dir, 'good.zip'), {
      'one/package.json': json({ name: 'one', type: 'module', main: 'index.js' }),
      'one/index.js': "import two from 'two';\nexport default 'one+' + two;\n",
      'two.mjs': "export default 'two';\n",
    });
    writeTree(dir, {
      'damaged.zip': 'this is not a zip archive at all',
      'main.mjs': [
        "import one from 'one';",
        "const two = (await import('two')).default;",
        "const again = (await import('one')).default;",
        "try { await import('nowhere'); } catch (e) { console.log(e.code); }",
        'console.log(one, two, again);',
      ].join('\n'),
    });
    const list = ['gone.zip', 'damaged.zip', 'good.zip'].join(path.delimiter);
    const result = await runNode(['main.mjs'], { cwd: dir, env: { HOTZIP_PATH: list } });
    assert.equal(result.stdout, 'ERR_MODULE_NOT_FOUND\none+two two one+two\n', result.stderr);
    const warnings = result.stderr.trim().split('\n');
    assert.equal(warnings.length, 2, result.stderr);
    assert.match(warnings[0] ?? '', /^\[hotzip\] HOTZIP_PATH: skipping .*gone\.zip: .*Cannot find archive/);
    assert.match(
      warnings[1] ?? '',
      /^\[hotzip\] HOTZIP_PATH: skipping .*damaged\.zip: .*ERR_HOTZIP_BAD_ARCHIVE|Bad archive/,
    );
  });

  test('a specifier found nowhere is ERR_MODULE_NOT_FOUND naming the archives searched', async () => {
    const dir = path.join(app, 'nowhere');
    writeZip(path.join(dir, 'x.zip'), {
      'inner/package.json': json({ name: 'inner', type: 'module', main: 'index.js' }),
      'inner/index.js': "export default await import('also-nowhere').catch((e) => e.code + ' ' + e.message);\n",
    });
    writeZip(path.join(dir, 'y.zip'), { 'unrelated.js': '' });
    writeTree(dir, {
      'main.mjs': [
        "try { await import('nowhere'); } catch (e) { console.log(e.code); console.log(e.message); }",
        "console.log((await import('inner')).default);",
      ].join('\n'),
    });
    const x = path.join(dir, 'x.zip');
    const y = path.join(dir, 'y.zip');
    const result = await runNode(['main.mjs'], { cwd: dir, env: { HOTZIP_PATH: ['x.zip', y].join(path.delimiter) } });
    assert.equal(result.stderr, '');
    const [code, message, inner] = result.stdout.split('\n');
    assert.equal(code, 'ERR_MODULE_NOT_FOUND');
    assert.match(message ?? '', /'nowhere'/);
    assert.ok(message?.includes(`HOTZIP_PATH: ${x}${path.delimiter}${y}`), message);
    assert.match(inner ?? '', /^ERR_MODULE_NOT_FOUND .*'also-nowhere'/);
    assert.ok(inner?.includes(`HOTZIP_PATH: ${x}${path.delimiter}${y}`), inner);

    const uncaught = await runNode(['-e', "import('nowhere')"], { cwd: dir, env: { HOTZIP_PATH: 'x.zip' } });
    assert.equal(uncaught.code, 1);
    assert.ok(uncaught.stderr.includes(`HOTZIP_PATH: ${x}`), uncaught.stderr);
  });

  test('an update of a module inside a search-path archive is picked up', async (t) => {
    const dir = path.join(app, 'hot');
    const deps = (n: number): Tree => ({
      'counter/package.json': json({ name: 'counter', type: 'module', exports: './lib/value.js' }),
      'counter/lib/value.js': `export const value = ${n};\n`,
    });
    writeZip(path.join(dir, 'deps.zip'), deps(1));
    const hot = new HotApp(dir, hostMain("import { value } from 'counter';", '({ value })'), {
      HOTZIP_PATH: 'deps.zip',
    });
    t.after(() => hot.stop());
    await hot.next(/^READY$/);
    assert.deepEqual(await hot.state(), { value: 1 });
    writeZip(path.join(dir, 'deps.zip'), deps(2));
    const event = await hot.event();
    assert.equal(event.name, 'update', JSON.stringify(event));
    assert.deepEqual(await hot.state(), { value: 2 });
  });
});
