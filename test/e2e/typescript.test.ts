/**
 * TypeScript modules in archives reload like JavaScript ones wherever Node erases types (≥ 22.18): types are erased
 * with Node's own stripTypeScriptTypes, positions kept, then the module is made hot. Where Node cannot run
 * TypeScript (Node 20), a `.ts` entry fails exactly as on disk.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { typeScriptMode } from '../../lib/node-support.js';
import { makeApp, runNode, type Tree, writeTree, writeZip } from '../helpers/fixtures.js';
import { HotApp, hostMain } from '../helpers/hot-app.js';

const stripsTypes = Boolean(typeScriptMode);
const dirs: string[] = [];
const apps: HotApp[] = [];

after(async () => {
  for (const app of apps) await app.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tree(word: string, extra = ''): Tree {
  return {
    'package.json': '{ "type": "module" }\n',
    'lib/greet.ts': [
      'interface Options { loud?: boolean }',
      `export const word: string = '${word}';`,
      'export function greet(who: string, options: Options = {}): string {',
      '  const text = word + " " + who;',
      '  return options.loud ? text.toUpperCase() : text;',
      '}',
      extra,
    ].join('\n'),
    'lib/index.mts': "import { greet, word } from './greet.ts';\nexport { greet, word };\nexport type Word = string;\n",
  };
}

describe('TypeScript modules in archives', () => {
  test(stripsTypes ? 'reload in place, types erased' : 'fail as on disk where Node cannot run TypeScript', async () => {
    const dir = makeApp('hotzip-ts-');
    dirs.push(dir);
    const archive = path.join(dir, 'app.zip');
    writeZip(archive, tree('hello'));
    if (!stripsTypes) {
      writeTree(dir, { 'disk/x.ts': 'export const x: number = 1;\n' });
      const native = await runNode(
        ['--input-type=module', '-e', "import('./disk/x.ts').catch((e) => console.log(e.code))"],
        {
          cwd: dir,
          native: true,
        },
      );
      const zipped = await runNode(
        ['--input-type=module', '-e', "import('zip:./app.zip!/lib/greet.ts').catch((e) => console.log(e.code))"],
        { cwd: dir },
      );
      assert.equal(native.stdout, 'ERR_UNKNOWN_FILE_EXTENSION\n');
      assert.equal(zipped.stdout, native.stdout);
      return;
    }
    const imports = "import { greet, word } from 'zip:./app.zip!/lib/index.mts';\nconst captured = greet;";
    const app = new HotApp(
      dir,
      hostMain(imports, "({ word, live: greet('you'), captured: captured('me', { loud: true }) })"),
    );
    apps.push(app);
    await app.next(/READY/);
    assert.deepEqual(await app.state(), { word: 'hello', live: 'hello you', captured: 'HELLO ME' });
    writeZip(archive, tree('goodbye'));
    const event = await app.event();
    assert.equal(event.name, 'update');
    assert.deepEqual(
      event.updated.map((url) => url.split('!')[1]),
      ['/lib/greet.ts'],
    );
    assert.deepEqual(await app.state(), { word: 'goodbye', live: 'goodbye you', captured: 'GOODBYE ME' });
    // A type error is not a syntax error: Node erases types without checking them, and so does the update.
    writeZip(archive, tree('typed', 'export const n: number = "not a number" as unknown as number;'));
    assert.equal((await app.event()).name, 'update');
    assert.deepEqual(await app.state(), { word: 'typed', live: 'typed you', captured: 'TYPED ME' });
    // A syntax error in a new version (an enum, which erasing refuses; malformed types; an error only the engine
    // sees) is located where Node locates it, not at the module's first type annotation.
    const broken = [
      ['export enum Mood { Happy }', 8],
      ['const broken: number = ;', 24],
      ['let twice: number = 1; let twice = 2;', 28],
    ] as const;
    for (const [extra, column] of broken) {
      writeZip(archive, tree('typed', extra));
      const rejected = await app.event();
      assert.equal(rejected.name, 'error');
      assert.match(rejected.message ?? '', new RegExp(`/lib/greet\\.ts:7:${column} has a syntax error`));
      assert.equal(rejected.entry, 'lib/greet.ts');
    }
    assert.deepEqual(await app.state(), { word: 'typed', live: 'typed you', captured: 'TYPED ME' });
    assert.doesNotMatch(app.stderr, /ExperimentalWarning: stripTypeScriptTypes/);
  });
});
