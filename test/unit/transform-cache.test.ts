/**
 * The transform cache (on by default, in a per-user folder; HOTZIP_CACHE=<dir> or 0): hits only for the very same
 * bytes, URL, variant and Node version; one pack per archive and variant, read once per start and written once per
 * burst of loading (a file per module in Node 20's hooks thread); used only in a folder this user owns and nobody
 * else may write to; anything damaged or unwritable falls back to transforming.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { readConfig } from '../../lib/config.js';
import { chooseHookApi } from '../../lib/node-support.js';
import {
  type CacheSlot,
  cachedTransform,
  cacheWritesSettled,
  defaultCacheDir,
  usableCacheDir,
} from '../../lib/transform/cache.js';
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

/** The cache slot of module `url` (in archive `/x.zip` unless the URL names another) with these bytes and variant. */
function slot(url: string, bytes: string | Uint8Array, variant = 'hot'): CacheSlot {
  return {
    pack: [url.slice('zip://'.length, url.indexOf('!/')), variant],
    url,
    identity: [8, bytes.length, 0],
    content: typeof bytes === 'string' ? Buffer.from(bytes) : bytes,
  };
}

describe('cachedTransform', () => {
  test('a second call with the same bytes, URL and variant is served from the cache', async () => {
    const dir = path.join(app, 'unit-hit');
    const bytes = Buffer.from('export const a = 1;\n');
    const first = counting('A1');
    assert.equal(cachedTransform(dir, slot('zip:///x.zip!/a.js', bytes), first.run), 'A1');
    assert.equal(first.calls, 1);
    const second = counting('other');
    // While its write is under way, and from its pack once written.
    assert.equal(cachedTransform(dir, slot('zip:///x.zip!/a.js', bytes), second.run), 'A1');
    await cacheWritesSettled();
    assert.equal(cachedTransform(dir, slot('zip:///x.zip!/a.js', bytes), second.run), 'A1');
    assert.equal(second.calls, 0);
    assert.deepEqual(fs.readdirSync(dir), packNames(dir), 'one pack, no temporary file left');
    assert.equal(packNames(dir).length, 1);
  });

  test('other bytes (even of the same length), another URL or variant miss', () => {
    const dir = path.join(app, 'unit-miss');
    cachedTransform(dir, slot('zip:///x.zip!/a.js', 'export const a = 1;\n'), () => 'A1');
    for (const [url, variant, source] of [
      ['zip:///x.zip!/a.js', 'hot', 'export const a = 2;\n'],
      ['zip:///y.zip!/a.js', 'hot', 'export const a = 1;\n'],
      ['zip:///x.zip!/a.js', 'hot+map', 'export const a = 1;\n'],
    ] as const) {
      const next = counting('fresh');
      assert.equal(cachedTransform(dir, slot(url, source, variant), next.run), 'fresh');
      assert.equal(next.calls, 1, `${url} ${variant} ${JSON.stringify(source)}`);
    }
  });

  test('a damaged, truncated or foreign pack is a miss, and is rewritten', async () => {
    const dir = path.join(app, 'unit-damaged');
    const bytes = Buffer.from('export default 1;\n');
    const other = Buffer.from('export default 2;\n');
    cachedTransform(dir, slot('zip:///x.zip!/d.js', bytes), () => 'D1');
    cachedTransform(dir, slot('zip:///x.zip!/e.js', other), () => 'E1');
    await cacheWritesSettled();
    const [file] = packNames(dir);
    assert.ok(file !== undefined);
    const pack = path.join(dir, file);
    const whole = fs.readFileSync(pack);
    const text = whole.toString();
    const damages: Array<[string, string | Buffer]> = [
      ['empty', ''],
      ['garbage', 'garbage'],
      ['truncated', whole.subarray(0, whole.length - 1)],
      ['one byte more', Buffer.concat([whole, Buffer.from('x')])],
      ['an index that is not JSON', text.replace('[[', '[{')],
      ['a lying length', text.replace(/,(\d+)\]\]\n/, (_, n: string) => `,${Number(n) - 1}]]\n`)],
      ['another key', text.replace('hotzip-pack 1 ', 'hotzip-pack 2 ')],
      ['the header alone', text.slice(0, text.indexOf('\n') + 1)],
    ];
    let round = 2;
    for (const [damage, content] of damages) {
      fs.writeFileSync(pack, content);
      assert.notDeepEqual(fs.readFileSync(pack), whole, damage);
      const code = `D${round++}`;
      assert.equal(
        cachedTransform(dir, slot('zip:///x.zip!/d.js', bytes), () => code),
        code,
        damage,
      );
      await cacheWritesSettled();
      const never = counting('never');
      assert.equal(cachedTransform(dir, slot('zip:///x.zip!/d.js', bytes), never.run), code, damage);
      assert.equal(never.calls, 0, `${damage}: rewritten and read again`);
      await cacheWritesSettled();
    }
    assert.deepEqual(packNames(dir), [file]);
  });

  test('a changed entry misses alone; the pack keeps the others and replaces it', async () => {
    const dir = path.join(app, 'unit-changed');
    const names = ['a', 'b', 'c', 'd'];
    for (const name of names) cachedTransform(dir, slot(`zip:///x.zip!/${name}.js`, `${name}1`), () => `${name}:1`);
    await cacheWritesSettled();
    const changed = counting('b:2');
    const unchanged = counting('never');
    for (const name of names) {
      const expected = name === 'b' ? 'b:2' : `${name}:1`;
      const run = name === 'b' ? changed.run : unchanged.run;
      assert.equal(
        cachedTransform(dir, slot(`zip:///x.zip!/${name}.js`, `${name}${name === 'b' ? 2 : 1}`), run),
        expected,
      );
    }
    assert.equal(changed.calls, 1);
    assert.equal(unchanged.calls, 0);
    await cacheWritesSettled();
    const after = counting('never');
    for (const name of names) {
      const expected = name === 'b' ? 'b:2' : `${name}:1`;
      assert.equal(
        cachedTransform(dir, slot(`zip:///x.zip!/${name}.js`, `${name}${name === 'b' ? 2 : 1}`), after.run),
        expected,
      );
    }
    // The replaced version is gone: one entry per URL.
    const stale = counting('b:1 again');
    assert.equal(cachedTransform(dir, slot('zip:///x.zip!/b.js', 'b1'), stale.run), 'b:1 again');
    assert.equal(after.calls, 0);
    assert.equal(stale.calls, 1);
    assert.equal(packNames(dir).length, 1);
  });

  test('two archives, or two variants of one, have two packs', async () => {
    const dir = path.join(app, 'unit-two');
    cachedTransform(dir, slot('zip:///x.zip!/a.js', '1'), () => 'X');
    cachedTransform(dir, slot('zip:///y.zip!/a.js', '1'), () => 'Y');
    cachedTransform(dir, slot('zip:///y.zip!/b.js', '1'), () => 'YB');
    await cacheWritesSettled();
    assert.equal(packNames(dir).length, 2);
    cachedTransform(dir, slot('zip:///x.zip!/a.js', '1', 'hot+map'), () => 'XM');
    await cacheWritesSettled();
    assert.equal(packNames(dir).length, 3);
    const never = counting('never');
    assert.equal(cachedTransform(dir, slot('zip:///x.zip!/a.js', '1'), never.run), 'X');
    assert.equal(cachedTransform(dir, slot('zip:///y.zip!/a.js', '1'), never.run), 'Y');
    assert.equal(cachedTransform(dir, slot('zip:///y.zip!/b.js', '1'), never.run), 'YB');
    assert.equal(cachedTransform(dir, slot('zip:///x.zip!/a.js', '1', 'hot+map'), never.run), 'XM');
    assert.equal(never.calls, 0);
    for (const name of packNames(dir)) assert.equal(fs.statSync(path.join(dir, name)).mode & 0o777, 0o600, name);
  });

  test('an unusable cache directory only means no caching', () => {
    const blocker = path.join(app, 'unit-blocked');
    fs.writeFileSync(blocker, 'a file where the directory should be');
    const next = counting('X');
    assert.equal(cachedTransform(path.join(blocker, 'cache'), slot('zip:///x.zip!/a.js', '1'), next.run), 'X');
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
    cachedTransform(created, slot('zip:///x.zip!/a.js', '1'), first.run);
    await cacheWritesSettled();
    assert.equal(fs.statSync(created).mode & 0o777, 0o700);
    assert.equal(fs.readdirSync(created).length, 1);
    for (const mode of [0o777, 0o770, 0o702]) {
      const open = path.join(app, `unit-open-${mode.toString(8)}`);
      fs.mkdirSync(open);
      fs.chmodSync(open, mode);
      assert.equal(usableCacheDir(open), false, mode.toString(8));
      const next = counting('X');
      cachedTransform(open, slot('zip:///x.zip!/a.js', '1'), next.run);
      await cacheWritesSettled();
      cachedTransform(open, slot('zip:///x.zip!/a.js', '1'), next.run);
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

  test('a pack written by another Node version is not used', async () => {
    const dir = path.join(app, 'unit-node-version');
    cachedTransform(dir, slot('zip:///x.zip!/a.js', '1'), () => 'V1');
    await cacheWritesSettled();
    const [file] = packNames(dir);
    assert.ok(file !== undefined);
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const key = text.slice(0, text.indexOf('\n'));
    assert.ok(key.includes(JSON.stringify(process.version)), key);
    // The same pack with another Node version in its key is a miss, and is replaced.
    fs.writeFileSync(path.join(dir, file), text.replace(JSON.stringify(process.version), '"v0.0.1"'));
    const next = counting('V2');
    assert.equal(cachedTransform(dir, slot('zip:///x.zip!/a.js', '1'), next.run), 'V2');
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
    assert.equal(files.length, perModule ? 2 : 1);
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
    assert.equal(transformFiles(cache).length, perModule ? 3 : 1);
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
    assert.equal(transformFiles(cache).length, perModule ? 2 : 1);
    if (process.platform !== 'win32') assert.equal(fs.statSync(cache).mode & 0o777, 0o700);
    // Node's compile cache exists from Node 22.1 on (NODE_COMPILE_CACHE unset, as the fixture's environment is).
    const compiled = path.join(cache, 'node-compile-cache');
    assert.equal(fs.existsSync(compiled), nodeMajor >= 22, compiled);
    const second = await run({});
    assert.equal(second.stdout, 'cached\n');
    assert.equal(transformFiles(cache).length, perModule ? 2 : 1);
  });

  test('a repeat start reads one pack for all its modules and writes nothing; a later import adds one write', async () => {
    const dir = path.join(app, 'e2e-pack');
    const cache = path.join(dir, 'cache');
    const { modules } = writeGraph(dir);
    const run = (entry: string) =>
      runNode(['main.mjs', entry], { cwd: dir, env: { HOTZIP_CACHE: 'cache', HOTZIP_LOG: 'debug' } });
    const first = await run('main.js');
    assert.equal(first.stdout, `${expectedSum}\n`, first.stderr);
    if (perModule) assert.equal(transformFiles(cache).length, modules);
    else {
      assert.equal(count(first.stderr, /transform cache: writing pack/g), 1, first.stderr);
      assert.deepEqual(transformFiles(cache), packNames(cache));
    }
    const stamps = stampsOf(cache);
    const second = await run('main.js');
    assert.equal(second.stdout, `${expectedSum}\n`, second.stderr);
    assert.deepEqual(stampsOf(cache), stamps, 'a repeat start rewrites nothing');
    if (!perModule) {
      assert.equal(count(second.stderr, /transform cache: read pack/g), 1, second.stderr);
      assert.match(second.stderr, new RegExp(`read pack .*, ${modules} entries`));
      assert.equal(count(second.stderr, /transform cache: writing pack/g), 0, second.stderr);
    }
    // A dynamic import once the start has settled is one more burst: one more read, and one more write if it misses.
    const later = await run('later.js');
    assert.equal(later.stdout, `${expectedSum}\nlate 6\n`, later.stderr);
    if (!perModule) {
      assert.equal(count(later.stderr, /transform cache: writing pack/g), 2, later.stderr);
      const again = await run('later.js');
      assert.equal(again.stdout, `${expectedSum}\nlate 6\n`, again.stderr);
      assert.equal(count(again.stderr, /transform cache: read pack/g), 2, again.stderr);
      assert.equal(count(again.stderr, /transform cache: writing pack/g), 0, again.stderr);
      assert.match(again.stderr, new RegExp(`read pack .*, ${modules + 5} entries`));
    }
  });

  test('a truncated pack is a miss for every module and is rewritten whole', async () => {
    const dir = path.join(app, 'e2e-truncated');
    const cache = path.join(dir, 'cache');
    const { modules } = writeGraph(dir);
    const run = () =>
      runNode(['main.mjs', 'main.js'], { cwd: dir, env: { HOTZIP_CACHE: 'cache', HOTZIP_LOG: 'debug' } });
    assert.equal((await run()).stdout, `${expectedSum}\n`);
    for (const name of transformFiles(cache)) {
      const file = path.join(cache, name);
      fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    }
    const damaged = await run();
    assert.equal(damaged.stdout, `${expectedSum}\n`, damaged.stderr);
    assert.equal(damaged.code, 0);
    const repaired = await run();
    assert.equal(repaired.stdout, `${expectedSum}\n`, repaired.stderr);
    if (perModule) assert.equal(transformFiles(cache).length, modules);
    else {
      assert.match(damaged.stderr, /pack .* is damaged or another's: not used/);
      assert.equal(count(damaged.stderr, /transform cache: writing pack/g), 1, damaged.stderr);
      assert.match(repaired.stderr, new RegExp(`read pack .*, ${modules} entries`));
      assert.equal(count(repaired.stderr, /transform cache: writing pack/g), 0, repaired.stderr);
    }
  });

  test('starts of one archive at the same time leave a whole pack that the next start is served from', async () => {
    const dir = path.join(app, 'e2e-concurrent');
    const cache = path.join(dir, 'cache');
    const { modules } = writeGraph(dir);
    const run = () =>
      runNode(['main.mjs', 'main.js'], { cwd: dir, env: { HOTZIP_CACHE: 'cache', HOTZIP_LOG: 'debug' } });
    const together = await Promise.all([run(), run(), run(), run()]);
    for (const result of together) assert.equal(result.stdout, `${expectedSum}\n`, result.stderr);
    assert.deepEqual(
      fs.readdirSync(cache).filter((name) => name !== 'node-compile-cache'),
      transformFiles(cache),
      'no temporary file left',
    );
    assert.equal(transformFiles(cache).length, perModule ? modules : 1);
    const stamps = stampsOf(cache);
    const next = await run();
    assert.equal(next.stdout, `${expectedSum}\n`, next.stderr);
    assert.deepEqual(stampsOf(cache), stamps, 'served whole: nothing rewritten');
    if (!perModule) assert.match(next.stderr, new RegExp(`read pack .*, ${modules} entries`));
  });
});

/** Modules in the graph `writeGraph` writes, and what its main module prints. */
const graphSize = 30;
const expectedSum = (graphSize * (graphSize - 1)) / 2;

/**
 * An archive of `graphSize` modules imported by `main.js`, which prints their sum; `later.js` runs main and then,
 * once that has settled, imports `late.js` and its three dependencies. `main.mjs <entry>` starts an entry.
 */
function writeGraph(dir: string): { modules: number } {
  const tree: Record<string, string> = { 'package.json': '{ "type": "module" }' };
  const names: string[] = [];
  for (let i = 0; i < graphSize; i++) {
    names.push(`m${i}`);
    tree[`m${i}.js`] = `export const value = ${i};\nexport function read() { return value; }\n`;
  }
  tree['main.js'] = [
    ...names.map((name) => `import { read as ${name} } from './${name}.js';`),
    `console.log(${names.map((name) => `${name}()`).join(' + ')});`,
    '',
  ].join('\n');
  tree['later.js'] = [
    "import './main.js';",
    'setTimeout(async () => {',
    "  const { value } = await import('./late.js');",
    "  console.log('late', value);",
    '}, 100);',
    '',
  ].join('\n');
  tree['late.js'] = [
    "import { a } from './l1.js';",
    "import { b } from './l2.js';",
    "import { c } from './l3.js';",
    'export const value = a + b + c;',
    '',
  ].join('\n');
  for (const [name, value] of [
    ['l1', 'a'],
    ['l2', 'b'],
    ['l3', 'c'],
  ] as const) {
    tree[`${name}.js`] = `export const ${value} = ${name.slice(1)};\n`;
  }
  const archive = writeZip(path.join(dir, 'app.zip'), tree);
  const base = `zip://${pathToFileURL(archive).pathname}!/`;
  writeTree(dir, { 'main.mjs': `await import(${JSON.stringify(base)} + process.argv[2]);\n` });
  // The graph and main.js.
  return { modules: graphSize + 1 };
}

/** How many times `pattern` (global) occurs in `text`. */
function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

/** Each transform cache file's modification time, by name. */
function stampsOf(dir: string): Record<string, number> {
  return Object.fromEntries(transformFiles(dir).map((name) => [name, fs.statSync(path.join(dir, name)).mtimeMs]));
}

/** The packs in `dir`. */
function packNames(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.pack'))
    .sort();
}

/**
 * Where the cache writes one file per module: Node's hooks thread (`module.register`), which is stopped with the
 * application before a batched write could run. Everywhere else it writes one pack per archive.
 */
const perModule = chooseHookApi() === 'register';

/** The transform cache's own files in `dir` (Node's compile cache has its own folder there). */
function transformFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(perModule ? '.js' : '.pack'))
    .sort();
}
