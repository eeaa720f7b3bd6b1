/**
 * While an archive is torn on disk (a writer truncated it and has not finished), the program keeps running its last
 * snapshot that parsed: `import()` of a module already loaded returns that module, as Node does for a loaded file
 * truncated on disk, from the host and from inside the archive; a module loaded for the first time comes from that
 * snapshot too, and the completed write then updates it like the others. Each in a real process, on every hook API.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { makeApp, type Tree, writeZip, zipBytes } from '../helpers/fixtures.js';
import { HotApp, hookApis, hostMain, moduleTree } from '../helpers/hot-app.js';

const apps: HotApp[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The loader changes only with `loaderVersion`: an update that leaves it alone keeps it at an older version. */
function tree(version: number, loaderVersion = version): Tree {
  return moduleTree({
    'a.js': `export const k = ${version};\n`,
    'loader.js': `export const load = (specifier) => import(specifier).then((m) => m.k, (e) => e.code); // v${loaderVersion}\n`,
    'lazy.js': `export const k = 'lazy ${version}';\n`,
  });
}

const imports = "import { k } from 'zip:./app.zip!/a.js';\nimport { load } from 'zip:./app.zip!/loader.js';";
// Once the marker file exists, the loader (by then an earlier update's version of itself) also imports a module not loaded yet.
const state =
  "{ k, inside: await load('./a.js'), lazy: (await import('node:fs')).existsSync('torn') ? await load('./lazy.js') : 0 }";

describe('import() while the archive is torn on disk', () => {
  for (const api of hookApis) {
    test(`loaded modules still import, new ones load from the last good snapshot (${api})`, async () => {
      const dir = makeApp('hotzip-torn-');
      dirs.push(dir);
      const archive = path.join(dir, 'app.zip');
      writeZip(archive, tree(1));
      const app = new HotApp(dir, hostMain(imports, state), { HOTZIP_HOOKS: api, HOTZIP_LOG: 'silent' });
      apps.push(app);
      await app.next(/^READY/);
      assert.deepEqual(await app.state(), { k: 1, inside: 1, lazy: 0 });
      writeZip(archive, tree(2));
      assert.equal((await app.event()).name, 'update');
      assert.deepEqual(await app.state(), { k: 2, inside: 2, lazy: 0 });
      writeZip(archive, tree(3, 2));
      assert.equal((await app.event()).name, 'update');
      assert.deepEqual(await app.state(), { k: 3, inside: 3, lazy: 0 });

      const bytes = zipBytes(tree(4));
      fs.writeFileSync(archive, bytes.subarray(0, bytes.length >> 1));
      fs.writeFileSync(path.join(dir, 'torn'), '');
      assert.deepEqual(await app.importInApp('zip:./app.zip!/a.js'), { k: 3 }, 'from the host');
      assert.deepEqual(await app.state(), { k: 3, inside: 3, lazy: 'lazy 3' }, 'from inside, by an updated module');
      assert.deepEqual(await app.importInApp('zip:./app.zip!/lazy.js'), { k: 'lazy 3' }, 'first loaded while torn');

      fs.writeFileSync(archive, bytes);
      const event = await app.event();
      assert.equal(event.name, 'update', JSON.stringify(event));
      assert.deepEqual(await app.state(), { k: 4, inside: 4, lazy: 'lazy 4' }, 'updated like the others');
      assert.equal(app.child.exitCode, null);
    });
  }
});
