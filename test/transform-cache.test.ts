/**
 * The opt-in transform cache (HOTZIP_CACHE): hits only for the very same bytes, URL and variant; anything damaged or
 * unwritable falls back to transforming.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { readConfig } from '../lib/config.js';
import { cachedTransform } from '../lib/transform-cache.js';
import { makeApp, runNode, writeTree, writeZip } from './fixtures.js';

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
  test('a second call with the same bytes, URL and variant is served from the cache', () => {
    const dir = path.join(app, 'unit-hit');
    const bytes = Buffer.from('export const a = 1;\n');
    const first = counting('A1');
    assert.equal(cachedTransform(dir, ['zip:///x.zip!/a.js', 'hot'], bytes, first.run), 'A1');
    assert.equal(first.calls, 1);
    const second = counting('other');
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

  test('a damaged cache file is ignored and replaced', () => {
    const dir = path.join(app, 'unit-damaged');
    const bytes = Buffer.from('export default 1;\n');
    cachedTransform(dir, ['zip:///x.zip!/d.js', 'hot'], bytes, () => 'D1');
    const [file] = fs.readdirSync(dir);
    assert.ok(file !== undefined);
    for (const damage of ['', 'garbage', '["not the key"]\nD1']) {
      fs.writeFileSync(path.join(dir, file), damage);
      assert.equal(
        cachedTransform(dir, ['zip:///x.zip!/d.js', 'hot'], bytes, () => 'D2'),
        'D2',
      );
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

  test('HOTZIP_CACHE is resolved from the current directory; unset or empty means off', () => {
    assert.equal(readConfig({}, '/srv').cacheDir, undefined);
    assert.equal(readConfig({ HOTZIP_CACHE: '' }, '/srv').cacheDir, undefined);
    assert.equal(readConfig({ HOTZIP_CACHE: '.cache/hz' }, '/srv/app').cacheDir, '/srv/app/.cache/hz');
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
    const files = fs.readdirSync(cache).sort();
    assert.equal(files.length, 2);
    const stamps = files.map((name) => fs.statSync(path.join(cache, name)).mtimeMs);
    const second = await run();
    assert.equal(second.stdout, 'one one\n');
    assert.deepEqual(
      fs
        .readdirSync(cache)
        .sort()
        .map((name) => fs.statSync(path.join(cache, name)).mtimeMs),
      stamps,
      'a hit rewrites nothing',
    );
    // Same length, other bytes: only the CRC-checked content can tell them apart.
    writeZip(archive, tree('two'));
    const third = await run();
    assert.equal(third.stderr, '');
    assert.equal(third.stdout, 'two two\n');
    assert.equal(fs.readdirSync(cache).length, 3);
  });
});
