/**
 * The source-tree watcher of `pack --watch` and `run <dir>`: directories are watched where they are now, so a
 * directory deleted and made again (a bundler's clean build) keeps being watched, and so does a deleted root.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TreeWatcher } from '../../lib/cli/watch.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-tree-watcher-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** The directories under `root`, as a pack walks them; the root alone while it is missing (what a failed pack keeps). */
function walk(root: string): string[] {
  if (!fs.existsSync(root)) return [root];
  const found = [root];
  for (const entry of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isDirectory()) found.push(path.join(entry.parentPath, entry.name));
  }
  return found;
}

describe('TreeWatcher', () => {
  test('a directory deleted and made again is watched again, a deleted root too', async () => {
    const out = path.join(work, 'out');
    fs.mkdirSync(path.join(out, 'chunks'), { recursive: true });
    let changes = 0;
    const watcher = new TreeWatcher(() => {
      changes++;
      watcher.sync(walk(out));
    }, 20);
    watcher.sync(walk(out));
    const noticed = async (what: string, action: () => void): Promise<void> => {
      const before = changes;
      action();
      for (let waited = 0; changes === before && waited < 3000; waited += 20) await sleep(20);
      assert.ok(changes > before, `no change seen after: ${what}`);
      await sleep(100);
    };
    try {
      await noticed('a file written', () => fs.writeFileSync(path.join(out, 'chunks', 'a.js'), '1'));
      await noticed('chunks/ made again', () => {
        fs.rmSync(path.join(out, 'chunks'), { recursive: true });
        fs.mkdirSync(path.join(out, 'chunks'));
      });
      await noticed('a file written in the new chunks/', () => fs.writeFileSync(path.join(out, 'chunks', 'b.js'), '2'));
      await noticed('the root deleted', () => fs.rmSync(out, { recursive: true }));
      await noticed('the root made again', () => fs.mkdirSync(out));
      await noticed('a file written in the new root', () => fs.writeFileSync(path.join(out, 'c.js'), '3'));
    } finally {
      watcher.close();
    }
  });
});
