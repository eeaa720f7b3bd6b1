/**
 * End to end: real `node --import hotzip/register` processes importing from archives built at test time.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  importEach,
  makeApp,
  nodeMajor,
  runArchive,
  runMain,
  runNode,
  writeTree,
  writeZip,
  zipBytes,
} from '../helpers/fixtures.js';

let app = '';
before(() => {
  app = makeApp('hotzip-e2e-');
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

function zipUrl(file: string, entry: string): string {
  return `zip://${pathToFileURL(file).pathname}!/${entry}`;
}

describe('zip: specifiers', () => {
  test('relative, parent-relative, absolute and canonical forms all load the same instance', async () => {
    const hello = writeZip(path.join(app, 'forms', 'plugins', 'hello.zip'), {
      'lib/x.js': "globalThis.evaluations = (globalThis.evaluations ?? 0) + 1;\nexport const x = 'hello from x';\n",
    });
    writeTree(path.join(app, 'forms'), {
      'main.mjs': [
        "import { x } from 'zip:./plugins/hello.zip!/lib/x.js';",
        "import { x as x2 } from './sub/nested.mjs';",
        `const abs = await import(${JSON.stringify(`zip:${hello}!/lib/x.js`)});`,
        `const canonical = await import(${JSON.stringify(zipUrl(hello, 'lib/x.js'))});`,
        'console.log(x, x === x2, abs.x === x, canonical.x === x, globalThis.evaluations);',
      ].join('\n'),
      'sub/nested.mjs': "export { x } from 'zip:../plugins/hello.zip!/lib/x.js';\n",
    });
    const result = await runNode(['main.mjs'], { cwd: path.join(app, 'forms') });
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, 'hello from x true true true 1\n');
  });

  test('the entry point may be an archive, and zip:./a.zip without !/ means its main module', async () => {
    const dir = path.join(app, 'main');
    writeZip(path.join(dir, 'pkg-exports.zip'), {
      'package.json': JSON.stringify({
        exports: { '.': { import: './src/start.js', default: './nope.js' } },
        type: 'module',
        main: './x.js',
      }),
      'src/start.js': "console.log('exports main', import.meta.url.endsWith('pkg-exports.zip!/src/start.js'));\n",
    });
    writeZip(path.join(dir, 'pkg-main.zip'), {
      'package.json': JSON.stringify({ main: 'lib/entry.mjs' }),
      'lib/entry.mjs': "console.log('package main');\n",
    });
    writeZip(path.join(dir, 'index-js.zip'), { 'index.js': "console.log('index.js', typeof require);\n" });
    writeZip(path.join(dir, 'index-mjs.zip'), { 'index.mjs': "export const v = 'index.mjs';\nconsole.log(v);\n" });
    writeZip(path.join(dir, 'no-main.zip'), { 'lib/x.js': '' });
    for (const [archive, expected] of [
      ['pkg-exports.zip', 'exports main true\n'],
      ['./pkg-main.zip', 'package main\n'],
      ['index-js.zip', 'index.js function\n'],
      [path.join(dir, 'index-mjs.zip'), 'index.mjs\n'],
    ] as const) {
      const result = await runNode([archive], { cwd: dir });
      assert.equal(result.stdout, expected, `${archive}: ${result.stderr}`);
      assert.equal(result.code, 0);
    }
    const noMain = await runNode(['no-main.zip'], { cwd: dir });
    assert.equal(noMain.code, 1);
    assert.match(noMain.stderr, /ERR_MODULE_NOT_FOUND/);
    assert.match(noMain.stderr, /no-main\.zip/);
    writeTree(dir, { 'viamain.mjs': "const m = await import('zip:./index-mjs.zip');\nconsole.log('via', m.v);\n" });
    const via = await runNode(['viamain.mjs'], { cwd: dir });
    assert.equal(via.stdout, 'index.mjs\nvia index.mjs\n', via.stderr);
  });

  test('import.meta inside an archive: url, no filename/dirname, resolve() returns zip: URLs', async () => {
    const dir = path.join(app, 'meta');
    const archive = writeZip(path.join(dir, 'm.zip'), {
      'a/b.mjs': [
        'console.log(import.meta.url);',
        'console.log(import.meta.filename, import.meta.dirname);',
        "console.log(import.meta.resolve('./c.mjs'));",
        "console.log(import.meta.resolve('node:fs'));",
      ].join('\n'),
      'a/c.mjs': '',
    });
    const result = await runNode(['--input-type=module', '-e', "await import('zip:./m.zip!/a/b.mjs')"], { cwd: dir });
    assert.equal(result.stderr, '');
    assert.equal(
      result.stdout,
      `${zipUrl(archive, 'a/b.mjs')}\nundefined undefined\n${zipUrl(archive, 'a/c.mjs')}\nnode:fs\n`,
    );
  });

  test('a version query names a new instance of the same entry, whose import.meta.url is the canonical URL', async () => {
    const dir = path.join(app, 'versions');
    const archive = writeZip(path.join(dir, 'v.zip'), {
      'count.mjs':
        'globalThis.n = (globalThis.n ?? 0) + 1;\nexport const n = globalThis.n;\nexport const url = import.meta.url;\n',
    });
    const result = await runMain(dir, [
      `const a = await import(${JSON.stringify(zipUrl(archive, 'count.mjs'))});`,
      `const b = await import(${JSON.stringify(`${zipUrl(archive, 'count.mjs')}?hz=1`)});`,
      `const c = await import(${JSON.stringify(`${zipUrl(archive, 'count.mjs')}?hz=2`)});`,
      `const d = await import(${JSON.stringify(`${zipUrl(archive, 'count.mjs')}?hz=1`)});`,
      'console.log(a.n, b.n, c.n, d.n, b.url.endsWith("count.mjs"));',
    ]);
    assert.equal(result.stdout, '1 2 3 2 true\n', result.stderr);
  });
});

describe('resources', () => {
  test('readFile and readFileSync read entries by zip: URL, and files by path and file: URL', async () => {
    const dir = path.join(app, 'resources');
    writeTree(dir, { 'host.txt': 'from disk' });
    const result = await runArchive(dir, 'r.zip', {
      'index.mjs': [
        "import { readFile, readFileSync } from 'hotzip';",
        "console.log(readFileSync(new URL('./data/greeting.txt', import.meta.url), 'utf8'));",
        "console.log((await readFile(new URL('./data/greeting.txt', import.meta.url))).length);",
        "console.log(readFileSync('host.txt', 'utf8'), await readFile(new URL('file://' + process.cwd() + '/host.txt'), 'utf8'));",
        "try { readFileSync(new URL('./data/missing.txt', import.meta.url)); } catch (e) { console.log(e.code, e.entry); }",
      ].join('\n'),
      'data/greeting.txt': 'hello, resource',
    });
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, 'hello, resource\n15\nfrom disk from disk\nERR_MODULE_NOT_FOUND data/missing.txt\n');
  });
});

describe('errors: a code, the archive and entry named, and the program keeps running', () => {
  test('every bad import rejects with its code while the process goes on', async () => {
    const dir = path.join(app, 'errors');
    // The archive, and beside it a file it must not reach and a file that is no archive.
    writeTree(dir, {
      'good.zip': zipBytes({
        'a.mjs': "export const ok = 'ok';\n",
        'escape.mjs': "import '../outside.mjs';\n",
        'nested.mjs': "import 'zip:./inner.zip!/x.mjs';\n",
        'root.mjs': "import '/etc/passwd';\n",
        'inner.zip': new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]),
      }),
      'outside.mjs': "console.log('ESCAPED');\n",
      'corrupt.zip': 'this is not a zip archive at all',
    });
    const cases = [
      'zip:./missing.zip!/a.mjs',
      'zip:./good.zip!/missing.mjs',
      'zip:./good.zip!/escape.mjs',
      'zip:./good.zip!/../outside.mjs',
      'zip:./good.zip!/inner.zip!/x.mjs',
      'zip:./good.zip!/root.mjs',
      'zip:./corrupt.zip!/a.mjs',
      'zip:good.zip!/a.mjs',
    ];
    const result = await runMain(dir, [
      ...importEach(
        cases,
        '"LOADED"',
        'e.code, e.message.includes("good.zip") || e.message.includes("missing.zip") || e.message.includes("corrupt.zip")',
      ),
      "const { ok } = await import('zip:./good.zip!/a.mjs');",
      "console.log('still running', ok);",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /ESCAPED|LOADED/);
    assert.deepEqual(result.stdout.trim().split('\n'), [
      'zip:./missing.zip!/a.mjs ERR_MODULE_NOT_FOUND true',
      'zip:./good.zip!/missing.mjs ERR_MODULE_NOT_FOUND true',
      'zip:./good.zip!/escape.mjs ERR_HOTZIP_INVALID_SPECIFIER true',
      'zip:./good.zip!/../outside.mjs ERR_HOTZIP_INVALID_SPECIFIER true',
      'zip:./good.zip!/inner.zip!/x.mjs ERR_HOTZIP_INVALID_SPECIFIER true',
      'zip:./good.zip!/root.mjs ERR_HOTZIP_INVALID_SPECIFIER true',
      'zip:./corrupt.zip!/a.mjs ERR_HOTZIP_BAD_ARCHIVE true',
      'zip:good.zip!/a.mjs ERR_HOTZIP_INVALID_SPECIFIER true',
      'still running ok',
    ]);
  });

  test('an uncaught error prints the code and names archive and entry', async () => {
    const result = await runArchive(path.join(app, 'uncaught'), 'u.zip', { 'index.mjs': "import './lib/gone.mjs';\n" });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ERR_MODULE_NOT_FOUND/);
    assert.match(result.stderr, /entry "lib\/gone\.mjs" in .*u\.zip/);
  });

  test('a limit breach is ERR_HOTZIP_LIMIT, configurable through the environment', async () => {
    const dir = path.join(app, 'limits');
    writeZip(path.join(dir, 'big.zip'), {
      'index.mjs': `export const s = '${'x'.repeat(5000)}';\nconsole.log(s.length);\n`,
    });
    const small = await runNode(['big.zip'], { cwd: dir, env: { HOTZIP_MAX_ENTRY_BYTES: '1000' } });
    assert.equal(small.code, 1);
    assert.match(small.stderr, /ERR_HOTZIP_LIMIT/);
    const fine = await runNode(['big.zip'], { cwd: dir });
    assert.equal(fine.stdout, '5000\n', fine.stderr);
  });
});

describe('formats', () => {
  test('JSON modules need the type attribute exactly as Node requires it', async () => {
    const result = await runArchive(path.join(app, 'json'), 'j.zip', {
      'index.mjs': [
        "import data from './d.json' with { type: 'json' };",
        'console.log(data.answer);',
        "try { await import('./d.json'); } catch (e) { console.log(e.code); }",
      ].join('\n'),
      'd.json': '{"answer": 42}',
    });
    const missing = nodeMajor < 21 ? 'ERR_IMPORT_ASSERTION_TYPE_MISSING' : 'ERR_IMPORT_ATTRIBUTE_MISSING';
    assert.equal(result.stdout, `42\n${missing}\n`, result.stderr);
  });

  test('WebAssembly entries load as format wasm', async () => {
    // (module (func (export "answer") (result i32) i32.const 42))
    const wasm = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 7, 10, 1, 6, 97, 110, 115, 119, 101, 114, 0, 0,
      10, 6, 1, 4, 0, 65, 42, 11,
    ]);
    const flags = nodeMajor < 24 ? ['--experimental-wasm-modules'] : [];
    const result = await runArchive(
      path.join(app, 'wasm'),
      'w.zip',
      { 'index.mjs': "const m = await import('./answer.wasm');\nconsole.log(m.answer());\n", 'answer.wasm': wasm },
      [...flags, 'w.zip'],
    );
    assert.equal(result.stdout, '42\n', result.stderr);
  });
});
