/**
 * Parity: the same tree, imported natively from disk and through hotzip from an archive, must give the same results
 * (values, export names, namespace shapes, error codes) case by case.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { makeApp, resultLines, runNode, writeTree, writeZip } from '../helpers/fixtures.js';
import { caseNames, hostFiles, parityTree } from '../helpers/parity-tree.js';

describe('parity: archive vs extracted tree', () => {
  let app = '';
  let disk = new Map<string, string>();
  let zip = new Map<string, string>();
  let zipDeflated = new Map<string, string>();

  before(async () => {
    app = makeApp('hotzip-parity-');
    writeTree(app, hostFiles());
    const tree = parityTree();
    writeTree(path.join(app, 'tree'), tree);
    const archive = writeZip(path.join(app, 'app.zip'), tree, 6);
    const stored = writeZip(path.join(app, 'stored.zip'), tree, 0);
    const diskBase = `${pathToFileURL(path.join(app, 'tree')).href}/`;
    const zipBase = `zip://${pathToFileURL(archive).pathname}!/`;
    const storedBase = `zip://${pathToFileURL(stored).pathname}!/`;
    const bases = [diskBase, zipBase, storedBase];
    const native = await runNode(['probe.mjs', diskBase], { cwd: app, native: true });
    assert.equal(native.code, 0, native.stderr);
    const hot = await runNode(['probe.mjs', zipBase], { cwd: app });
    assert.equal(hot.code, 0, hot.stderr);
    const hotStored = await runNode(['probe.mjs', storedBase], { cwd: app });
    assert.equal(hotStored.code, 0, hotStored.stderr);
    disk = resultLines(native.stdout, bases, '<base>/');
    zip = resultLines(hot.stdout, bases, '<base>/');
    zipDeflated = resultLines(hotStored.stdout, bases, '<base>/');
  });

  after(() => fs.rmSync(app, { recursive: true, force: true }));

  for (const name of caseNames) {
    test(name, () => {
      assert.ok(disk.has(name), `native run printed no result for ${name}`);
      assert.equal(zip.get(name), disk.get(name), 'deflated archive differs from disk');
      assert.equal(zipDeflated.get(name), disk.get(name), 'stored archive differs from disk');
    });
  }

  test('the cases really ran (a parity of nothing proves nothing)', () => {
    assert.match(disk.get('relative') ?? '', /"a":"ab"/);
    assert.match(disk.get('missing-file') ?? '', /ERR_MODULE_NOT_FOUND/);
    assert.match(disk.get('star-explicit-ambiguous') ?? '', /SyntaxError/);
    assert.match(disk.get('host-dependency') ?? '', /"host":"host"/);
  });
});
