/**
 * Stack traces name the archive entry's own line and column, as the same files on disk would: the hot transform
 * moves no line and, in almost all code, no column; with HOTZIP_SOURCE_MAPS=1 the few modules where it does carry a
 * map. Checked against native runs of the extracted tree, before and after an update.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { chooseHookApi } from '../../lib/node-support.js';
import { HANDLE, modeCondition, trampolineTest } from '../../lib/transform/trampoline.js';
import { makeApp, runNode, type Tree, writeTree, writeZip } from '../helpers/fixtures.js';

let app = '';
before(() => {
  app = makeApp('hotzip-positions-');
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

/** Modules in the shapes the transform treats differently; `tag` changes between versions without moving code. */
function shapes(tag: string): Tree {
  return {
    'package.json': '{ "type": "module" }\n',
    // Code first, nothing moved: the registration goes at the end.
    'a.js': `export function a() {\n  throw new Error('${tag}');\n}\n`,
    // Imports first, a one-line body after the trampoline: that line moves, so the module carries a map.
    'b.js': `import { a } from './a.js';\nexport function b() { return a() + 1; }\n`,
    // A default arrow function: \`export default \` becomes a binding of the same width.
    'c.js': `export default () => { throw new Error('${tag}'); };\n`,
    // An anonymous default function renamed in place; its name is set back early, so line 1 holds the registration.
    'd.js': `export default function () {\n  throw new Error('${tag}');\n}\n`,
    // Reads import.meta: registered on line 1 too, and mapped.
    'e.js': `const x = import.meta.url.length;\nexport const e = () => { throw new Error('${tag}' + x); };\n`,
    // Several statements on one line with const → let.
    'f.js': `export const f = () => { throw new Error('${tag}'); }; export const g = 1;\n`,
    // A default expression closed before a trailing comment on its line.
    'h.js': `function make() { return () => { throw new Error('${tag}'); }; }\nexport default make() // made\n`,
  };
}

/** The main module: calls every shape, prints each frame in the modules as `name file:line:column`. */
function main(base: string, update: string): string {
  return [
    `import { a } from '${base}a.js';`,
    `import { b } from '${base}b.js';`,
    `import c from '${base}c.js';`,
    `import d from '${base}d.js';`,
    `import { e } from '${base}e.js';`,
    `import { f } from '${base}f.js';`,
    `import h from '${base}h.js';`,
    'const frames = (fn) => {',
    '  try { fn(); } catch (error) {',
    "    return error.stack.split('\\n').slice(1)",
    '      .map((line) => /at (?:(\\S+) \\()?(\\S+?)(?:\\?[^:]*)?:(\\d+):(\\d+)\\)?$/.exec(line.trim()))',
    '      .filter((m) => m && /\\/[a-h]\\.js$/.test(m[2]))',
    // Node's source-map formatting says <anonymous> where its plain one says nothing: the position is what counts.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the child's own template literal
    "      .map((m) => `${m[1] === undefined || m[1] === '<anonymous>' ? '-' : m[1]} ${m[2].slice(m[2].lastIndexOf('/') + 1)}:${m[3]}:${m[4]}`).join(', ');",
    '  }',
    '};',
    'const report = () => [a, b, c, d, e, f, h].map(frames).join("\\n");',
    'console.log(report());',
    update,
  ].join('\n');
}

/** The archive copies of `shapes`, the hot and native mains; returns what native Node prints. */
async function setUp(): Promise<string> {
  writeTree(path.join(app, 'tree'), shapes('one'));
  fs.writeFileSync(path.join(app, 'native.mjs'), main('./tree/', ''));
  fs.writeFileSync(
    path.join(app, 'hot.mjs'),
    main(
      'zip:./app.zip!/',
      [
        "import { copyFileSync } from 'node:fs';",
        "import { reload } from 'hotzip';",
        "copyFileSync('next.zip', 'app.zip');",
        'const report2 = await reload();',
        "console.log(report2.error?.message ?? 'updated ' + report2.updated.length);",
        'console.log(report());',
      ].join('\n'),
    ),
  );
  const native = await runNode(['native.mjs'], { cwd: app, native: true });
  assert.equal(native.stderr, '');
  const expected = native.stdout.trim();
  assert.equal(expected.split('\n').length, 7, expected);
  return expected;
}

/** Runs the hot main (first version, update, second version) and returns its two reports. */
async function runHot(env: Record<string, string>): Promise<[string, string]> {
  writeZip(path.join(app, 'app.zip'), shapes('one'));
  writeZip(path.join(app, 'next.zip'), shapes('two'));
  const hot = await runNode(['hot.mjs'], { cwd: app, env: { HOTZIP_LOG: 'silent', ...env } });
  assert.equal(hot.stderr, '');
  const lines = hot.stdout.trim().split('\n');
  // b.js has no tag: it stays, and calls the new a.js.
  assert.equal(lines[7], 'updated 6');
  return [lines.slice(0, 7).join('\n'), lines.slice(8).join('\n')];
}

test('with HOTZIP_SOURCE_MAPS=1, every frame names the same line and column as the files on disk, before and after an update', async () => {
  const expected = await setUp();
  const [before, after] = await runHot({ HOTZIP_SOURCE_MAPS: '1' });
  assert.equal(before, expected);
  assert.equal(after, expected);
});

test('without maps, only the rest of a line after a one-line exported body moves; lines never do', async () => {
  const expected = await setUp();
  const [before, after] = await runHot({});
  // A one-line body moves the rest of its line by what its trampoline inserts: b.js's `return a() + 1;` by the
  // function's test; the one-line arrows of c.js, e.js and f.js also by the `{name` that makes each a method.
  // Every module's mode global has a name of the same length; hooks in the modules' own thread read it bare.
  const defined = chooseHookApi() === 'registerHooks';
  const test = (index: number, constructible: boolean) =>
    trampolineTest(
      index,
      { constructible, generator: false },
      { condition: modeCondition('zip:x', false, defined), handle: 'ÿ', prefix: HANDLE },
    ).length;
  const shifts: Record<string, number> = {
    b: test(0, true),
    c: '{default'.length + test(0, false),
    e: '{e'.length + test(0, false),
    f: '{f'.length + test(0, false),
  };
  const moved = expected.replace(
    /(\S+) ([bcef])\.js:(\d+):(\d+)/g,
    (_, fn: string, file: string, line, column) => `${fn} ${file}.js:${line}:${Number(column) + (shifts[file] ?? 0)}`,
  );
  assert.notEqual(moved, expected);
  assert.equal(before, moved);
  assert.equal(after, moved);
});
