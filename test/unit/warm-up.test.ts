/**
 * The warm-up of the update path after start-up: it parses the archive again and rewrites one loaded module as a
 * version, dropping the results; it picks the largest loaded module of that archive within its size limit, and never
 * throws or rejects.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { openArchive } from '../../lib/archive/cache.js';
import { warmUpdatePath } from '../../lib/hot/warm-up.js';
import { chooseHookApi } from '../../lib/node-support.js';
import { writeZip } from '../helpers/fixtures.js';

function archiveWith(files: Record<string, string>): { dir: string; url: (entry: string) => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-warm-'));
  const file = path.join(dir, 'app.zip');
  writeZip(file, files);
  openArchive(file);
  return { dir, url: (entry) => `zip://${pathToFileURL(file).pathname}!/${entry}` };
}

test('rewrites the largest loaded module of the archive within the limit, not one of another archive', async (t) => {
  const functions = (n: number) =>
    Array.from({ length: n }, (_, i) => `export function f${i}(a) {\n  return a + ${i};\n}`).join('\n');
  const app = archiveWith({
    'small.js': 'export const a = 1;\n',
    'mid.js': functions(40),
    'huge.js': functions(2000),
    'unloaded.js': functions(100),
  });
  const other = archiveWith({ 'bigger.js': functions(200) });
  t.after(() => {
    fs.rmSync(app.dir, { recursive: true, force: true });
    fs.rmSync(other.dir, { recursive: true, force: true });
  });
  const loaded = [app.url('small.js'), app.url('mid.js'), app.url('huge.js'), other.url('bigger.js'), 'file:///x.js'];
  // Where versions are rewritten in Node's hooks thread (`module.register`), this thread's rewrite is not warmed.
  const rewritten = chooseHookApi() === 'registerHooks' ? 'mid.js' : undefined;
  assert.equal(await warmUpdatePath(app.url('small.js'), loaded), rewritten);
});

test('an archive not read yet, or a module the lexer cannot read, only ends the warm-up', async (t) => {
  const app = archiveWith({ 'bad.js': 'export const a = `unterminated;\n' });
  t.after(() => fs.rmSync(app.dir, { recursive: true, force: true }));
  assert.equal(await warmUpdatePath(app.url('bad.js'), [app.url('bad.js')]), undefined);
  assert.equal(await warmUpdatePath('zip:///nowhere/app.zip!/a.js', ['zip:///nowhere/app.zip!/a.js']), undefined);
  assert.equal(await warmUpdatePath('not a url', []), undefined);
});
