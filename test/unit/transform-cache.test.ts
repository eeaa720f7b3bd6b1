/**
 * The transform cache (on by default, in a per-user folder; HOTZIP_CACHE=<dir> or 0): hits only for the very same
 * bytes, URL, variant and Node version; used only in a folder this user owns and nobody else may write to; anything
 * damaged or unwritable falls back to transforming.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { readConfig } from '../../lib/config.js';
import { cachedTransform, cacheWritesSettled, defaultCacheDir, usableCacheDir } from '../../lib/transform/cache.js';
import { makeApp, nodeMajor, runNode, writeTree, writeZip } from '../helpers/fixtures.js';

let app = '';
before(() => {
  app = makeApp('hotzip-cache-');
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

function counting(output: string): { calls: number; run: () => string } {
  const state = { calls: 0, run: () => output };
  state.run = () => {
    state.calls++;
    return output;
  };
  return state;
}

describe('cachedTransform', () => {
  test('a second call with the same bytes, URL and variant is served from the cache', async () => {
    const dir = path.join(app, 'unit-hit');
    const bytes = Buffer.from('export const a = 1;\n');
    const first = counting('A1');
    assert.equal(cachedTransform(dir, ['zip:///x.zip!/a.js', 'hot'], bytes, first.run), 'A1');
    assert.equal(first.calls, 1);
    const second = counting('other');
    // While its write is under way, and from its file once written.
    assert.equal(cachedTransform(dir, ['zip:///x.zip!/a.js', 'hot'], bytes, second.run), 'A1');
    await cacheWritesSettled();
    assert.equal(cachedTransform(dir, ['zip:///x.zip!/a.js', 'hot'], bytes, second.run), 'A1');
    assert.equal(second.calls, 0);
    assert.deepEqual(
      fs.readdirSync(dir).filter((name) => name.endsWith('.tmp')),
      [],
    );
  });

  test('other bytes (even of the same length), another URL or variant miss', () => {
    const dir = path.join(app, 'unit-miss');
    cachedTransform(dir, ['zip:///x.zip!/a.js', 'hot'], Buffer.from('export const a = 1;\n'), () => 'A1');
    for (const [url, variant, source] of [
      ['zip:///x.zip!/a.js', 'hot', 'export const a = 2;\n'],
      ['zip:///y.zip!/a.js', 'hot', 'export const a = 1;\n'],
      ['zip:///x.zip!/a.js', 'hot+map', 'export const a = 1;\n'],
    ] as const) {
      const next = counting('fresh');
      assert.equal(cachedTransform(dir, [url, variant], Buffer.from(source), next.run), 'fresh');
      assert.equal(next.calls, 1, `${url} ${variant} ${JSON.stringify(source)}`);
    }
  });

  test('a damaged cache file is ignored and replaced', async () => {
    const dir = path.join(app, 'unit-damaged');
    const bytes = Buffer.from('export default 1;\n');
    cachedTransform(dir, ['zip:///x.zip!/d.js', 'hot'], bytes, () => 'D1');
    await cacheWritesSettled();
    const [file] = fs.readdirSync(dir);
    assert.ok(file !== undefined);
    for (const damage of ['', 'garbage', '["not the key"]\nD1']) {
      fs.writeFileSync(path.join(dir, file), damage);
      assert.equal(
        cachedTransform(dir, ['zip:///x.zip!/d.js', 'hot'], bytes, () => 'D2'),
        'D2',
      );
      await cacheWritesSettled();
      assert.equal(
        cachedTransform(dir, ['zip:///x.zip!/d.js', 'hot'], bytes, () => 'never'),
        'D2',
      );
    }
  });

  test('an unusable cache directory only means no caching', () => {
    const blocker = path.join(app, 'unit-blocked');
    fs.writeFileSync(blocker, 'a file where the directory should be');
    const next = counting('X');
    assert.equal(
      cachedTransform(path.join(blocker, 'cache'), ['zip:///x.zip!/a.js', 'hot'], Buffer.from('1'), next.run),
      'X',
    );
    assert.equal(next.calls, 1);
  });

  test('HOTZIP_CACHE is resolved from the current directory; unset or empty is the per-user folder; 0 is off', () => {
    const env = { XDG_CACHE_HOME: '/home/u/.xdg' };
    assert.equal(readConfig(env, '/srv').cacheDir, '/home/u/.xdg/hotzip');
    assert.equal(readConfig({ ...env, HOTZIP_CACHE: '' }, '/srv').cacheDir, '/home/u/.xdg/hotzip');
    assert.equal(readConfig({ ...env, HOTZIP_CACHE: '0' }, '/srv').cacheDir, undefined);
    assert.equal(readConfig({ HOTZIP_CACHE: '.cache/hz' }, '/srv/app').cacheDir, '/srv/app/.cache/hz');
  });

  test('the per-user folder follows each platform, and there is none without a home', () => {
    const home = () => '/home/u';
    assert.equal(defaultCacheDir({}, 'linux', home), '/home/u/.cache/hotzip');
    // A relative XDG_CACHE_HOME is invalid by the XDG rules: ignored.
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: 'rel' }, 'linux', home), '/home/u/.cache/hotzip');
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x' }, 'darwin', home), '/x/hotzip');
    assert.equal(defaultCacheDir({}, 'darwin', home), '/home/u/Library/Caches/hotzip');
    assert.equal(defaultCacheDir({}, 'freebsd', home), '/home/u/.cache/hotzip');
    assert.equal(
      defaultCacheDir({}, 'linux', () => {
        throw new Error('no home');
      }),
      undefined,
    );
    assert.equal(
      defaultCacheDir({}, 'linux', () => ''),
      undefined,
    );
    if (process.platform === 'win32') {
      assert.equal(defaultCacheDir({ LOCALAPPDATA: 'C:\\L' }, 'win32', home), 'C:\\L\\hotzip\\Cache');
    }
  });

  test('the folder is created owner-only; one others may write to, or a link, is not used', async () => {
    const created = path.join(app, 'unit-owner', 'nested', 'cache');
    const first = counting('O1');
    cachedTransform(created, ['zip:///x.zip!/a.js', 'hot'], Buffer.from('1'), first.run);
    await cacheWritesSettled();
    assert.equal(fs.statSync(created).mode & 0o777, 0o700);
    assert.equal(fs.readdirSync(created).length, 1);
    for (const mode of [0o777, 0o770, 0o702]) {
      const open = path.join(app, `unit-open-${mode.toString(8)}`);
      fs.mkdirSync(open);
      fs.chmodSync(open, mode);
      assert.equal(usableCacheDir(open), false, mode.toString(8));
      const next = counting('X');
      cachedTransform(open, ['zip:///x.zip!/a.js', 'hot'], Buffer.from('1'), next.run);
      await cacheWritesSettled();
      cachedTransform(open, ['zip:///x.zip!/a.js', 'hot'], Buffer.from('1'), next.run);
      assert.equal(next.calls, 2, 'never served from it');
      assert.deepEqual(fs.readdirSync(open), [], 'nothing written into it');
    }
    // Read-only for others is theirs to read, not to write: still used.
    const readable = path.join(app, 'unit-readable');
    fs.mkdirSync(readable);
    fs.chmodSync(readable, 0o755);
    assert.equal(usableCacheDir(readable), true);
    const link = path.join(app, 'unit-link');
    fs.symlinkSync(created, link);
    assert.equal(usableCacheDir(link), false);
  });

  test('an entry written by another Node version is not used', async () => {
    const dir = path.join(app, 'unit-node-version');
    cachedTransform(dir, ['zip:///x.zip!/a.js', 'hot'], Buffer.from('1'), () => 'V1');
    await cacheWritesSettled();
    const [file] = fs.readdirSync(dir);
    assert.ok(file !== undefined);
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const key = text.slice(0, text.indexOf('\n'));
    assert.ok(key.includes(JSON.stringify(process.version)), key);
    // The same file with another Node version in its key is a miss, and is replaced.
    fs.writeFileSync(path.join(dir, file), text.replace(JSON.stringify(process.version), '"v0.0.1"'));
    const next = counting('V2');
    assert.equal(cachedTransform(dir, ['zip:///x.zip!/a.js', 'hot'], Buffer.from('1'), next.run), 'V2');
    assert.equal(next.calls, 1);
  });
});

describe('HOTZIP_CACHE end to end', () => {
  test('a corrupt entry is refused with the cache on, as without it', async () => {
    const dir = path.join(app, 'e2e-corrupt');
    const archive = path.join(dir, 'app.zip');
    writeZip(archive, { 'package.json': '{ "type": "module" }', 'main.js': "console.log('fine');\n" }, 0);
    const bytes = fs.readFileSync(archive);
    const at = bytes.indexOf('fine');
    bytes[at] = 'F'.charCodeAt(0);
    fs.writeFileSync(archive, bytes);
    writeTree(dir, {
      'main.mjs': `await import(${JSON.stringify(`zip://${pathToFileURL(archive).pathname}!/main.js`)});\n`,
    });
    for (let run = 0; run < 2; run++) {
      const result = await runNode(['main.mjs'], { cwd: dir, env: { HOTZIP_CACHE: 'cache' } });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /ERR_HOTZIP_BAD_ARCHIVE/);
      assert.doesNotMatch(result.stdout, /Fine/);
    }
  });

  test('a repeat start is served from the cache, and a changed entry is transformed again', async () => {
    const dir = path.join(app, 'e2e');
    const archive = path.join(dir, 'app.zip');
    const cache = path.join(dir, 'cache');
    const tree = (value: string) => ({
      'package.json': '{ "type": "module" }',
      'main.js': "import { value, read } from './lib.js';\nconsole.log(value, read());\n",
      'lib.js': `export let value = '${value}';\nexport function read() { return value; }\n`,
    });
    writeZip(archive, tree('one'));
    writeTree(dir, {
      'main.mjs': `await import(${JSON.stringify(`zip://${pathToFileURL(archive).pathname}!/main.js`)});\n`,
    });
    const run = () => runNode(['main.mjs'], { cwd: dir, env: { HOTZIP_CACHE: 'cache' } });
    const first = await run();
    assert.equal(first.stderr, '');
    assert.equal(first.stdout, 'one one\n');
    const files = transformFiles(cache);
    assert.equal(files.length, 2);
    const stamps = files.map((name) => fs.statSync(path.join(cache, name)).mtimeMs);
    const second = await run();
    assert.equal(second.stdout, 'one one\n');
    assert.deepEqual(
      transformFiles(cache).map((name) => fs.statSync(path.join(cache, name)).mtimeMs),
      stamps,
      'a hit rewrites nothing',
    );
    // Same length, other bytes: only the CRC-checked content can tell them apart.
    writeZip(archive, tree('two'));
    const third = await run();
    assert.equal(third.stderr, '');
    assert.equal(third.stdout, 'two two\n');
    assert.equal(transformFiles(cache).length, 3);
  });

  test('by default the cache is in the per-user folder, with Node compile cache; HOTZIP_CACHE=0 writes nothing', async () => {
    const dir = path.join(app, 'e2e-default');
    const archive = path.join(dir, 'app.zip');
    writeZip(archive, {
      'package.json': '{ "type": "module" }',
      'main.js': "import { value } from './lib.js';\nconsole.log(value);\n",
      'lib.js': "export const value = 'cached';\n",
    });
    writeTree(dir, {
      'main.mjs': `await import(${JSON.stringify(`zip://${pathToFileURL(archive).pathname}!/main.js`)});\n`,
    });
    const xdg = path.join(dir, 'xdg');
    const run = (env: Record<string, string>) =>
      runNode(['main.mjs'], {
        cwd: dir,
        env: { XDG_CACHE_HOME: xdg, HOTZIP_CACHE: undefined, NODE_COMPILE_CACHE: undefined, ...env },
      });
    const off = await run({ HOTZIP_CACHE: '0' });
    assert.equal(off.stdout, 'cached\n');
    assert.equal(fs.existsSync(xdg), false, 'HOTZIP_CACHE=0 creates nothing');
    const first = await run({});
    assert.equal(first.stderr, '');
    assert.equal(first.stdout, 'cached\n');
    const cache = path.join(xdg, 'hotzip');
    assert.equal(transformFiles(cache).length, 2);
    if (process.platform !== 'win32') assert.equal(fs.statSync(cache).mode & 0o777, 0o700);
    // Node's compile cache exists from Node 22.1 on (NODE_COMPILE_CACHE unset, as the fixture's environment is).
    const compiled = path.join(cache, 'node-compile-cache');
    assert.equal(fs.existsSync(compiled), nodeMajor >= 22, compiled);
    const second = await run({});
    assert.equal(second.stdout, 'cached\n');
    assert.equal(transformFiles(cache).length, 2);
  });
});

/** The transform cache's own files in `dir` (Node's compile cache has its own folder there). */
function transformFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.js'))
    .sort();
}
