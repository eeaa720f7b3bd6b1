/**
 * Two installs of hotzip in one process (an npm duplicate, a dependency's own copy, a second `--import`): one of the
 * same registration format stands down and the first serves everything, hot reload included; one of another format
 * is refused with ERR_HOTZIP_RUNTIME_MISMATCH, and the transform cache never hands one the other's output.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REGISTRATION_FORMAT } from '../../lib/transform/transform.js';
import { makeApp, repoRoot, runProcess, writeTree, writeZip } from '../helpers/fixtures.js';
import { HotApp, hookApis, hostMain, moduleOf } from '../helpers/hot-app.js';

const dirs: string[] = [];
const apps: HotApp[] = [];
after(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const { version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };

/**
 * A copy of this build installed at `dir`/hotzip (what a second node_modules folder holds), its registration format
 * rewritten to `format` when given. Returns its package folder.
 */
function install(dir: string, format?: number): string {
  const root = path.join(dir, 'hotzip');
  for (const part of ['dist/lib', 'dist/loader', 'package.json']) {
    fs.cpSync(path.join(repoRoot, part), path.join(root, part), { recursive: true });
  }
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  if (format !== undefined) {
    const file = path.join(root, 'dist/lib/transform/transform.js');
    const code = fs.readFileSync(file, 'utf8');
    const rewritten = code.replace(/REGISTRATION_FORMAT = \d+;/, `REGISTRATION_FORMAT = ${format};`);
    assert.notEqual(rewritten, code, 'the copy declares its format');
    fs.writeFileSync(file, rewritten);
  }
  return root;
}

const registerOf = (root: string): string => path.join(root, 'dist/loader/register.js');

let one = '';
let two = '';
let other = '';
const otherFormat = REGISTRATION_FORMAT + 1;
before(() => {
  const dir = makeApp('hotzip-installs-');
  dirs.push(dir);
  one = install(path.join(dir, 'one'));
  two = install(path.join(dir, 'two'));
  other = install(path.join(dir, 'other'), otherFormat);
});

const MISMATCH = 'ERR_HOTZIP_RUNTIME_MISMATCH';
const mod = (v: number) => moduleOf('m.js', [`export const v = ${v};`, `export function f() { return 'f' + ${v}; }`]);
const importsM = "import { v, f } from 'zip:./app.zip!/m.js';\nconst captured = f;";
const state = '{ v, f: f(), captured: captured() }';

/** An app importing m.js from app.zip, started with `--import` of each of `preloads`; `later` runs after its imports. */
async function start(
  api: string,
  preloads: string[],
  later = '',
  env: Record<string, string> = {},
): Promise<{ app: HotApp; archive: string }> {
  const dir = makeApp('hotzip-two-');
  dirs.push(dir);
  const archive = writeZip(path.join(dir, 'app.zip'), mod(1));
  const app = new HotApp(dir, hostMain(`${importsM}\n${later}`, state), { HOTZIP_HOOKS: api, ...env }, preloads);
  apps.push(app);
  await app.next(/^READY/);
  return { app, archive };
}

/** Changes m.js once and checks that exactly one update applied it, through every binding. */
async function updatesOnce(app: HotApp, archive: string): Promise<void> {
  assert.deepEqual(await app.state(), { v: 1, f: 'f1', captured: 'f1' });
  const event = await app.change(archive, mod(2));
  assert.deepEqual(event.updated, [`zip://${archive}!/m.js`]);
  assert.deepEqual(await app.state(), { v: 2, f: 'f2', captured: 'f2' });
  await app.stop();
  assert.equal(app.stdout.match(/^EVENT /gm)?.length, 1, app.stdout);
  assert.equal(app.stderr.match(/\[hotzip\] updated /g)?.length, 1, app.stderr);
}

for (const api of hookApis) {
  describe(`two installs of the same format (${api})`, () => {
    test('two --import of hotzip/register: the second stands down, hot reload updates once', async () => {
      const { app, archive } = await start(api, [registerOf(one), registerOf(two)], '', { HOTZIP_LOG: 'debug' });
      await updatesOnce(app, archive);
      assert.match(
        app.stderr,
        new RegExp(`hotzip ${version} at ${two} stands down: hotzip ${version} at ${one} is already`),
      );
      // The app's own `hotzip` (a third folder) reached the runtime of the first.
      assert.doesNotMatch(app.stderr, /ERR_HOTZIP/);
    });

    test("setLogger from the install that stood down routes the serving install's messages", async () => {
      const index = JSON.stringify(path.join(two, 'dist/lib/index.js'));
      const later = `(await import(${index})).setLogger((level, message) => console.log('LOGGED ' + level + ' ' + message));`;
      const { app, archive } = await start(api, [registerOf(one), registerOf(two)], later);
      await app.change(archive, mod(2));
      assert.deepEqual(await app.state(), { v: 2, f: 'f2', captured: 'f2' });
      await app.stop();
      assert.match(app.stdout, /^LOGGED info updated 1 module from app\.zip in [\d.]+ ms$/m);
      assert.doesNotMatch(app.stderr, /\[hotzip\] updated/);
    });

    test('hotzip/register of another install imported from code after modules loaded: they keep updating', async () => {
      const later = `console.log('SECOND ' + JSON.stringify(await import(${JSON.stringify(registerOf(two))}).then(() => 'ok')));`;
      const { app, archive } = await start(api, [registerOf(one)], later);
      assert.match(app.stdout, /^SECOND "ok"$/m);
      await updatesOnce(app, archive);
    });

    test('an install of another format imported from code is refused; the running one keeps working', async () => {
      const later = `try { await import(${JSON.stringify(registerOf(other))}); console.log('SECOND ok'); } catch (e) { console.log('SECOND ' + e.code + ' ' + e.message); }`;
      const { app, archive } = await start(api, [registerOf(one)], later);
      assert.match(
        app.stdout,
        new RegExp(
          `^SECOND ${MISMATCH} hotzip ${version} at ${other} \\(registration format ${otherFormat}\\) cannot install: hotzip ${version} at ${one} \\(registration format ${REGISTRATION_FORMAT}\\)`,
          'm',
        ),
      );
      await updatesOnce(app, archive);
    });
  });
}

describe('an install of another format', () => {
  test('as a second --import: the program does not start, and the error says what to do', async () => {
    const dir = makeApp('hotzip-two-');
    dirs.push(dir);
    writeZip(path.join(dir, 'app.zip'), mod(1));
    writeTree(dir, { 'main.mjs': "import { v } from 'zip:./app.zip!/m.js';\nconsole.log('RAN', v);\n" });
    const args = ['--import', registerOf(one), '--import', registerOf(other), 'main.mjs'];
    const result = await runProcess(process.execPath, args, { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`Error \\[${MISMATCH}\\]: hotzip ${version} at ${other} `));
    assert.match(
      result.stderr,
      new RegExp(`hotzip ${version} at ${one} \\(registration format ${REGISTRATION_FORMAT}\\) is already installed`),
    );
    assert.match(result.stderr, /npm dedupe/);
  });

  test('sharing the transform cache: each install is served its own output', async () => {
    const dir = makeApp('hotzip-two-');
    dirs.push(dir);
    writeZip(path.join(dir, 'app.zip'), moduleOf('m.js', ['export const hot = typeof import.meta.hot?.accept;']));
    writeTree(dir, { 'main.mjs': "import { hot } from 'zip:./app.zip!/m.js';\nconsole.log(hot);\n" });
    const env = { ...process.env, NODE_OPTIONS: '', HOTZIP_CACHE: path.join(dir, 'cache') };
    // Each run alone: the second finds the pack the first wrote, and the third the second's.
    for (const root of [other, one, other]) {
      const result = await runProcess(process.execPath, ['--import', registerOf(root), 'main.mjs'], { cwd: dir, env });
      assert.equal(result.stdout, 'function\n', `${root}: ${result.stderr}`);
    }
    assert.ok(fs.readdirSync(path.join(dir, 'cache')).length > 0, 'the cache was written');
  });
});
