/** Whole-file replacement through a temporary file and a rename (lib/write-atomic.ts). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { isTemporaryOf, writeFileAtomic } from '../../lib/write-atomic.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-write-atomic-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('replaces the file whole and leaves no temporary file', () => {
  const file = path.join(dir, 'a.zip');
  fs.writeFileSync(file, 'old');
  const before = fs.statSync(file).ino;
  writeFileAtomic(file, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...fs.readFileSync(file)], [1, 2, 3]);
  // A rename, not an overwrite in place: a reader holding the old file keeps the old bytes.
  assert.notEqual(fs.statSync(file).ino, before);
  assert.deepEqual(fs.readdirSync(dir), ['a.zip']);
});

test('gives the new file the mode asked for', () => {
  const file = path.join(dir, 'private.js');
  writeFileAtomic(file, 'text', 0o600);
  assert.equal(fs.readFileSync(file, 'utf8'), 'text');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});

test('a failed rename throws and removes the temporary file', () => {
  const target = path.join(dir, 'a-directory');
  fs.mkdirSync(path.join(target, 'not-empty'), { recursive: true });
  assert.throws(() => writeFileAtomic(target, 'x'));
  assert.deepEqual(
    fs.readdirSync(dir).filter((name) => isTemporaryOf(path.join(dir, name), target)),
    [],
  );
});

test('names its temporary files so a packer can skip them', () => {
  assert.equal(isTemporaryOf('/srv/app.zip.tmp-12-abc', '/srv/app.zip'), true);
  assert.equal(isTemporaryOf('/srv/app.zip', '/srv/app.zip'), false);
  assert.equal(isTemporaryOf('/srv/app.zip.bak', '/srv/app.zip'), false);
});
