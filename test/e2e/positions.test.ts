/**
 * Stack traces name the archive entry's own line and column, as the same files on disk would: the hot transform
 * moves no line and, in almost all code, no column; with HOTZIP_SOURCE_MAPS=1 the few modules where it does carry a
 * map. Their frames name every shape of exported function as natively, and functions keep their `name` and
 * `length`. Checked against native runs of the extracted tree, before and after an update.
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

/**
 * Exported functions of every shape the transform treats differently, each throwing `tag` from its body (or, for
 * `destructure`, from binding its parameters), with the ways the probe calls it: export name → [source, calls]. Some
 * bodies read their own name, or a parameter shadows it.
 */
const NAMED: Record<string, readonly [source: string, calls: string]> = {
  plain: ['export function plain(a, b) { THROW }', 'call method new'],
  defaults: ['export function defaults(a, b = 1) { THROW }', 'call method new'],
  pattern: ['export function pattern({ a } = {}, [b] = []) { THROW }', 'call'],
  destructure: ['export function destructure({ a }) { THROW }', 'call'],
  rest: ['export function rest(a, ...more) { THROW }', 'call method'],
  self: ["export function self(a = 1) { if (typeof self !== 'function') return; THROW }", 'call'],
  asyncPlain: ['export async function asyncPlain(a) { THROW }', 'await'],
  asyncDefaults: ['export async function asyncDefaults(a = 1) { THROW }', 'await'],
  asyncLate: ['export async function asyncLate(a = 1) { await null; THROW }', 'await'],
  gen: ['export function* gen(a) { THROW }', 'next'],
  genDefaults: ['export function* genDefaults(a = 1) { THROW }', 'next'],
  asyncGen: ['export async function* asyncGen(a) { THROW }', 'anext'],
  asyncGenDefaults: ['export async function* asyncGenDefaults(a = 1) { THROW }', 'anext'],
  arrow: ['export const arrow = (a) => { THROW };', 'call method'],
  arrowDefaults: ['export const arrowDefaults = (a = 1) => { THROW };', 'call method'],
  asyncArrowDefaults: ['export const asyncArrowDefaults = async ({ a } = {}) => { THROW };', 'await'],
  arrowSelf: ["export const arrowSelf = (a = 1) => { if (typeof arrowSelf !== 'function') return; THROW };", 'call'],
  expression: ['export const expression = function (a = 1) { THROW };', 'call method'],
  ownName: ["export const ownName = function own(a = 1) { if (typeof own !== 'function') return; THROW };", 'call'],
  viaClause: ['function local(...a) { THROW }\nexport { local as viaClause };', 'call'],
  ['__proto__']: ['export function __proto__(a = 1) { THROW }', 'call'],
};

/** Default exports, one module each: module name → [source, calls]. */
const DEFAULTS: Record<string, readonly [source: string, calls: string]> = {
  fn: ['export default function (a) { THROW }', 'call method new'],
  fnDefaults: ['export default function (a = 1) { THROW }', 'call method new'],
  genDefaults: ['export default function* (a = 1) { THROW }', 'next'],
  asyncDefaults: ['export default async function (a = 1) { THROW }', 'await'],
  arrow: ['export default (a) => { THROW };', 'call'],
  arrowDefaults: ['export default (a = 1) => { THROW };', 'call method'],
  asyncArrow: ['export default async ([a] = []) => { THROW };', 'await'],
  named: ['export default function named(a = 1) { THROW }', 'call'],
  klass: [
    'export default class { constructor(a = 1) { if (a === 2) THROW } m(a = 1) { THROW } static s(a) { THROW } }',
    'construct proto static',
  ],
};

/** The tree of NAMED and DEFAULTS at version `tag`; a parameter named as its function gets a module of its own. */
function functionShapes(tag: string): Tree {
  const body = (source: string) => source.replaceAll('THROW', `throw new Error('${tag}');`);
  const tree: Tree = {
    'package.json': '{ "type": "module" }\n',
    'm.js': `${Object.values(NAMED)
      .map(([source]) => body(source))
      .join('\n')}\n`,
    'shadow.js': `${body('export function shadow(shadow = 1) { THROW }')}\n`,
  };
  for (const [name, [source]] of Object.entries(DEFAULTS)) tree[`d-${name}.js`] = `${body(source)}\n`;
  return tree;
}

/**
 * The main module of the names test: for each function and each way of calling it, prints its `name` and `length`,
 * the error's message, the name of the frame that threw and the names of all its frames in the modules. `report` runs
 * on the live bindings as they are when it is called, or on `captured`, those read at the start.
 */
function namesMain(base: string, update: string): string {
  const calls: Record<string, string> = Object.fromEntries(Object.entries(NAMED).map(([name, [, how]]) => [name, how]));
  for (const [name, [, how]] of Object.entries(DEFAULTS)) calls[`d-${name}`] = how;
  calls.shadow = 'call';
  const defaults = Object.keys(DEFAULTS);
  return [
    `import * as m from '${base}m.js';`,
    `import * as shadow from '${base}shadow.js';`,
    ...defaults.map((name, i) => `import d${i} from '${base}d-${name}.js';`),
    `const live = () => ({ ...m, ...shadow, ${defaults.map((name, i) => `'d-${name}': d${i}`).join(', ')} });`,
    'const captured = live();',
    `const calls = JSON.parse(${JSON.stringify(JSON.stringify(calls))});`,
    'const how = {',
    '  call: (f) => f(), method: (f) => ({ f }).f(), new: (f) => new f(), await: (f) => f(), next: (f) => f().next(),',
    '  anext: (f) => f().next(), construct: (f) => new f(2), proto: (f) => new f().m(), static: (f) => f.s(),',
    '};',
    'const frames = (error) => error.stack.split("\\n").filter((line) => /\\/(m|shadow|d-\\w+)\\.js/.test(line))',
    '  .map((line) => /^\\s*at (?:(.+?) \\()?\\S+\\)?$/.exec(line)?.[1] ?? "<anonymous>");',
    'const report = async (label, fns) => {',
    '  for (const [name, ways] of Object.entries(calls)) {',
    '    const f = fns[name];',
    '    for (const way of ways.split(" ")) {',
    '      const result = { name: f.name, length: f.length };',
    '      try { await how[way](f); } catch (error) { Object.assign(result, { message: error.message, frames: frames(error) }); }',
    '      console.log(label, name, way, JSON.stringify(result));',
    '    }',
    '  }',
    '};',
    "await report('before', live());",
    update,
  ].join('\n');
}

/**
 * A frame's function name with what V8 adds from how the frame was called: `new ` for a construct call, ` [as key]`
 * when the receiver holds the function under another key. hotzip adds frames of the same function that were not
 * called so (see the names test).
 */
function calledName(name: string): string {
  return name.replace(/^new /, '').replace(/ \[as [^\]]+\]$/, '');
}

/**
 * The lines of a names report labelled `label`: for each call, the function's name and length, the error's message,
 * the frame that threw and the set of all frames in the modules, each frame's name as calledName gives it.
 */
function namesReport(output: string, label: string): string[] {
  return output
    .trim()
    .split('\n')
    .filter((line) => line.startsWith(`${label} `))
    .map((line) => {
      const [, call = '', json = '{}'] = /^\S+ (\S+ \S+) (.*)$/.exec(line) ?? [];
      const { name, length, message, frames = [] } = JSON.parse(json) as { [key: string]: unknown; frames?: string[] };
      const names = frames.map(calledName);
      return `${call} ${JSON.stringify({ name, length, message, threw: names[0], frames: [...new Set(names)].sort() })}`;
    });
}

test('stack frames name every shape of exported function as natively, and its name and length stay, before and after an update', async () => {
  const dir = path.join(app, 'names');
  writeTree(path.join(dir, 'one'), functionShapes('one'));
  writeTree(path.join(dir, 'two'), functionShapes('two'));
  fs.writeFileSync(path.join(dir, 'native-one.mjs'), namesMain('./one/', ''));
  fs.writeFileSync(path.join(dir, 'native-two.mjs'), namesMain('./two/', ''));
  writeZip(path.join(dir, 'names.zip'), functionShapes('one'));
  writeZip(path.join(dir, 'next.zip'), functionShapes('two'));
  fs.writeFileSync(
    path.join(dir, 'hot.mjs'),
    namesMain(
      'zip:./names.zip!/',
      [
        "import { copyFileSync } from 'node:fs';",
        "import { reload } from 'hotzip';",
        "copyFileSync('next.zip', 'names.zip');",
        'const updated = await reload();',
        "console.log('updated', updated.error?.message ?? updated.updated.length);",
        "await report('after', live());",
        "await report('captured', captured);",
      ].join('\n'),
    ),
  );
  fs.symlinkSync(path.join(app, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const [one, two, hot] = await Promise.all([
    runNode(['native-one.mjs'], { cwd: dir, native: true }),
    runNode(['native-two.mjs'], { cwd: dir, native: true }),
    runNode(['hot.mjs'], { cwd: dir, env: { HOTZIP_LOG: 'silent' } }),
  ]);
  for (const run of [one, two, hot]) assert.equal(run.stderr, '');
  const before = namesReport(one.stdout, 'before');
  const after = namesReport(two.stdout, 'before');
  // Every call threw from the body of the version it ran (or binding the parameters of `destructure`).
  const ways = [...Object.values(NAMED), ...Object.values(DEFAULTS)].map(([, calls]) => calls.split(' ').length);
  assert.equal(
    before.length,
    ways.reduce((sum, n) => sum + n, 1),
  );
  for (const line of before) assert.match(line, /"message":"(one|Cannot destructure[^"]*)","threw":"[^"]+"/, line);
  for (const line of after) assert.match(line, /"message":"(two|Cannot destructure[^"]*)","threw":"[^"]+"/, line);
  assert.match(hot.stdout, new RegExp(`^updated ${Object.keys(DEFAULTS).length + 2}$`, 'm'));
  assert.deepEqual(namesReport(hot.stdout, 'before'), before);
  assert.deepEqual(namesReport(hot.stdout, 'after'), after);
  // Functions read before the update run the newest version; a class keeps constructing its own (it has no
  // trampoline).
  const klass = (line: string) => line.startsWith('d-klass ');
  const captured = namesReport(hot.stdout, 'captured');
  assert.deepEqual(
    captured.filter((line) => !klass(line)),
    after.filter((line) => !klass(line)),
  );
  assert.deepEqual(captured.filter(klass), before.filter(klass));
  // The frame names really were compared: native Node names these ones so.
  const method = '{"name":"default","length":0,"message":"one","threw":"default.m","frames":["default.m"]}';
  assert.ok(before.includes(`d-klass proto ${method}`), before.join('\n'));
  assert.ok(
    before.some((line) => line.includes('"threw":"Object.defaults"')),
    before.join('\n'),
  );
});
