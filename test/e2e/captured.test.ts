/**
 * Functions captured before an update (a stored callback, a server's handler) follow the newest version whatever
 * their shape, with native `name`, `length`, `this`, `arguments`, `new` and `new.target`; parameters are bound once,
 * by the version that runs; a function whose export went away runs its own body. Exported bindings reach importers
 * however the module assigns them, and `const` stays constant. Each in a real process, on every hook API.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { makeApp, type Tree, writeZip } from '../helpers/fixtures.js';
import { HotApp, hookApis, hostMain, moduleOf, moduleTree } from '../helpers/hot-app.js';

const apps: HotApp[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function start(tree: Tree, imports: string, state: string, api: string) {
  const dir = makeApp('hotzip-captured-');
  dirs.push(dir);
  writeZip(path.join(dir, 'app.zip'), tree);
  const app = new HotApp(dir, hostMain(imports, state), { HOTZIP_HOOKS: api, HOTZIP_LOG: 'silent' });
  apps.push(app);
  await app.next(/^READY/);
  return { app, archive: path.join(dir, 'app.zip') };
}

/**
 * Starts an app on `version(1)` under hook API `api`, then writes each later version up to `last`: at every version
 * `v`, the state the host prints must be `expected(v)`.
 */
async function follow(
  api: string,
  version: (v: number) => Tree,
  imports: string,
  state: string,
  expected: (v: number) => unknown,
  last = 2,
): Promise<void> {
  const { app, archive } = await start(version(1), imports, state, api);
  for (let v = 1; v <= last; v++) {
    if (v > 1) await app.change(archive, version(v));
    assert.deepEqual(await app.state(), expected(v), `version ${v}`);
  }
}

/**
 * The shapes for which the transform declares names in a module, at version `v`: an exported const the module assigns
 * (an alias), and an exported function the module reassigns (a kept function in a new version).
 */
function declaringShapes(v: number): string[] {
  return [
    `export const fixed = 'fixed${v}';`,
    'export function tryAssign() { try { fixed = 0; } catch (error) { return error.name; } }',
    `export let handler = function () { return 'handler${v}'; };`,
    'const original = handler;',
    "handler = function () { return 'wrapped:' + original(); };",
  ];
}

/** Every shape of exported function, each returning its version `v`. */
function shapes(v: number): Tree {
  return moduleTree({
    'arrows.js': [
      `export const block = (a, b) => { return 'block${v}:' + a + b; };`,
      `export const expr = (a) => 'expr${v}:' + a;`,
      `export const asyncArrow = async (a) => 'async${v}:' + a;`,
      `export const fnExpr = function (a) { return 'fnExpr${v}:' + a; };`,
      `export let letArrow = a => 'let${v}:' + a;`,
      `export var varFn = async function named(a) { return 'var${v}:' + a; };`,
      `export const first = () => 'first${v}', second = () => 'second${v}';`,
    ].join('\n'),
    'clause.js': [
      `function h(a) { return 'clause${v}:' + a; }`,
      `const k = (a) => 'k${v}:' + a;`,
      'export { h, k as renamed };',
      'export default k;',
    ].join('\n'),
    'default-arrow.js': `export default (a) => 'defaultArrow${v}:' + a;\n`,
    'default-async.js': `export default async (a) => 'defaultAsync${v}:' + a;\n`,
    'default-anon.js': `export default function (a) { return 'defaultAnon${v}:' + a; }\n`,
    'decl.js': `export function decl(a) { return 'decl${v}:' + a; }\n`,
    // As esbuild writes a default export.
    'bundled.js': `var handler = async (req) => 'bundled${v}:' + req;\nvar src_default = handler;\nexport {\n  src_default as default\n};\n`,
    'more.js': [
      `export const genExpr = function* (a, b = 1) { yield 'genExpr${v}:' + a + b; };`,
      `export async function* genAsync({ a } = { a: 'x' }) { yield 'genAsync${v}:' + a; }`,
      `export async function patterns({ a } = {}, ...rest) { return 'patterns${v}:' + a + rest.length; }`,
      `export const patternArrow = async ([a] = [], b = 2) => 'patternArrow${v}:' + a + b;`,
    ].join('\n'),
  });
}

const shapeImports = [
  "import * as arrows from 'zip:./app.zip!/arrows.js';",
  "import * as clause from 'zip:./app.zip!/clause.js';",
  "import defaultArrow from 'zip:./app.zip!/default-arrow.js';",
  "import defaultAsync from 'zip:./app.zip!/default-async.js';",
  "import defaultAnon from 'zip:./app.zip!/default-anon.js';",
  "import { decl } from 'zip:./app.zip!/decl.js';",
  "import * as more from 'zip:./app.zip!/more.js';",
  "import bundled from 'zip:./app.zip!/bundled.js';",
  // Captured: plain values holding the functions, never re-read from a binding.
  'const captured = { ...arrows, h: clause.h, renamed: clause.renamed, clauseDefault: clause.default, defaultArrow, defaultAsync, defaultAnon, decl, bundled, ...more };',
  'const call = async () => { const out = {}; for (const [key, fn] of Object.entries(captured)) { const r = fn("x"); if (key.startsWith("gen")) { const all = []; for await (const x of r) all.push(x); out[key] = all.join(); } else out[key] = await r; } return out; };',
  'const meta = () => Object.fromEntries(Object.entries(captured).map(([key, fn]) => [key, fn.name + "/" + fn.length + "/" + ("prototype" in fn)]));',
].join('\n');

/** name/length/has-prototype of each, as Node gives them natively. */
const nativeMeta = {
  block: 'block/2/false',
  expr: 'expr/1/false',
  asyncArrow: 'asyncArrow/1/false',
  fnExpr: 'fnExpr/1/true',
  letArrow: 'letArrow/1/false',
  varFn: 'named/1/false',
  first: 'first/0/false',
  second: 'second/0/false',
  h: 'h/1/true',
  renamed: 'k/1/false',
  clauseDefault: 'k/1/false',
  defaultArrow: 'default/1/false',
  defaultAsync: 'default/1/false',
  defaultAnon: 'default/1/true',
  decl: 'decl/1/true',
  bundled: 'handler/1/false',
  genExpr: 'genExpr/1/true',
  genAsync: 'genAsync/0/true',
  patterns: 'patterns/0/false',
  patternArrow: 'patternArrow/0/false',
};

/**
 * What each captured function returns at version `v`: `<key><v>:x` for most; these return another label, or another
 * tail after it (what their parameters make of the call).
 */
function expected(v: number): Record<string, string> {
  const label: Record<string, string> = {
    asyncArrow: 'async',
    letArrow: 'let',
    varFn: 'var',
    h: 'clause',
    renamed: 'k',
    clauseDefault: 'k',
  };
  const tail: Record<string, string> = {
    block: ':xundefined',
    first: '',
    second: '',
    genExpr: ':x1',
    genAsync: ':undefined',
    patterns: ':undefined0',
    patternArrow: ':x2',
  };
  return Object.fromEntries(
    Object.keys(nativeMeta).map((key) => [key, `${label[key] ?? key}${v}${tail[key] ?? ':x'}`]),
  );
}

for (const api of hookApis) {
  describe(`captured references (${api})`, () => {
    test('every shape of exported function follows updates, keeping name, length and prototype', async () => {
      const state = '{ calls: await call(), meta: meta() }';
      await follow(api, shapes, shapeImports, state, (v) => ({ calls: expected(v), meta: nativeMeta }), 3);
    });
  });

  describe(`exported functions before their module ran (${api})`, () => {
    test('a function called in an import cycle before its module body ran runs its own body, then follows updates', async () => {
      const version = (v: number): Tree =>
        moduleTree({
          'a.js': [
            "import { early } from './b.js';",
            `export function hello(x) { return 'hello${v}:' + x; }`,
            'export const seen = early;',
          ].join('\n'),
          // b.js runs first, and calls into a.js whose body (and registration) has not run yet.
          'b.js': "import { hello } from './a.js';\nexport const early = hello('early');\n",
        });
      const imports = "import { hello, seen } from 'zip:./app.zip!/a.js';\nconst h = hello;";
      const state = "{ seen, call: h('x'), keys: Object.keys(globalThis).filter((key) => key.startsWith('__hz')) }";
      await follow(api, version, imports, state, (v) => ({ seen: 'hello1:early', call: `hello${v}:x`, keys: [] }));
    });

    test('on a frozen global object, where no mode global can be defined, captured functions still follow', async () => {
      const version = (v: number): Tree => moduleTree({ 'm.js': `export function f(x) { return 'f${v}:' + x; }\n` });
      const imports = "Object.freeze(globalThis);\nconst { f } = await import('zip:./app.zip!/m.js');\nconst h = f;";
      const state =
        "{ call: h('x'), names: Object.getOwnPropertyNames(globalThis).filter((key) => key.startsWith('__hz')).length }";
      await follow(api, version, imports, state, (v) => ({ call: `f${v}:x`, names: 0 }));
    });
  });

  describe(`captured functions keep native call semantics (${api})`, () => {
    test('parameters are bound once, by the newest version: a stale pattern never throws, defaults run once', async () => {
      const version = (v: number): Tree =>
        moduleOf('params.js', [
          'export let sideEffects = 0;',
          'const count = () => ++sideEffects;',
          v === 1
            ? 'export function handle({ path }, n = count()) { return "v1 " + path; }'
            : 'export function handle(req, n = count()) { return "v2 " + (req === undefined ? "none" : req.path); }',
          v === 1
            ? 'export const arrow = ({ path }, n = count()) => "v1 " + path;'
            : 'export const arrow = (req, n = count()) => "v2 " + (req?.path ?? "none");',
        ]);
      const { app, archive } = await start(
        version(1),
        "import { handle, arrow, sideEffects } from 'zip:./app.zip!/params.js';\nconst h = handle, a = arrow;",
        '{ withArg: [h({ path: "/x" }), a({ path: "/y" })], none: [h, a].map((f) => { try { return f(); } catch (e) { return e.constructor.name; } }), effects: sideEffects, meta: [h.length, a.length] }',
        api,
      );
      assert.deepEqual(await app.state(), {
        withArg: ['v1 /x', 'v1 /y'],
        none: ['TypeError', 'TypeError'],
        effects: 2,
        meta: [1, 1],
      });
      await app.change(archive, version(2));
      // v1's `{ path }` would throw on undefined: only v2's list is bound, and its default runs once a call.
      assert.deepEqual(await app.state(), {
        withArg: ['v2 /x', 'v2 /y'],
        none: ['v2 none', 'v2 none'],
        effects: 4,
        meta: [1, 1],
      });
    });
  });

  describe(`captured functions: this, arguments, new and subclassing (${api})`, () => {
    test('forwarded calls keep this, every argument, construction and a subclass new.target', async () => {
      const version = (v: number): Tree =>
        moduleOf('fns.js', [
          `export function Point(x) { this.x = x; this.v = ${v}; }`,
          `export function args() { return '${v}:' + arguments.length + ':' + [...arguments].join(','); }`,
          `export function self() { return '${v}:' + (this === undefined ? 'none' : this.tag); }`,
          `export const arrowArgs = (a) => '${v}:' + a;`,
        ]);
      const { app, archive } = await start(
        version(1),
        [
          "import { Point, args, self, arrowArgs } from 'zip:./app.zip!/fns.js';",
          'const P = Point, A = args, S = self, R = arrowArgs;',
          'class Sub extends P { constructor() { super(7); this.sub = true; } }',
        ].join('\n'),
        '{ point: { ...new P(3), isP: new P(3) instanceof P }, sub: (() => { const s = new Sub(); return { ...s, isSub: s instanceof Sub }; })(), args: [A(), A(1, undefined, 3)], self: [S(), S.call({ tag: "t" }), ({ tag: "m", S }).S()], arrow: R(1, 2) }',
        api,
      );
      const state = (v: number) => ({
        point: { x: 3, v, isP: v === 1 },
        sub: { x: 7, v, sub: true, isSub: true },
        args: [`${v}:0:`, `${v}:3:1,,3`],
        self: [`${v}:none`, `${v}:t`, `${v}:m`],
        arrow: `${v}:1`,
      });
      assert.deepEqual(await app.state(), { ...state(1), point: { x: 3, v: 1, isP: true } });
      await app.change(archive, version(2));
      // `new P()` of the captured first version builds the newest version's object, as `new Point()` would.
      assert.deepEqual(await app.state(), state(2));
    });

    test('a captured function forwards to what the newest export holds now, when the newest version reassigns it', async () => {
      const version = (v: number): Tree =>
        moduleOf('swap.js', [
          `export let handler = (a) => 'first${v} ' + a;`,
          `export function swap() { handler = (a) => 'second${v} ' + a; }`,
        ]);
      const { app, archive } = await start(
        version(1),
        "import { handler, swap } from 'zip:./app.zip!/swap.js';\nconst captured = handler;",
        '{ before: captured(1), after: (swap(), captured(2)), binding: handler(3) }',
        api,
      );
      // Natively, a captured reference never follows a reassignment: the first instance's own function runs.
      assert.deepEqual(await app.state(), { before: 'first1 1', after: 'first1 2', binding: 'second1 3' });
      await app.change(archive, version(2));
      assert.deepEqual(await app.state(), { before: 'first2 1', after: 'second2 2', binding: 'second2 3' });
    });

    test('a captured function whose export was removed, or is no longer a function, runs its own body', async () => {
      const version = (v: number, body: string): Tree => moduleTree({ 'gone.js': `export const v = ${v};\n${body}\n` });
      const { app, archive } = await start(
        version(
          1,
          [
            "export function fn(a) { return 'own fn ' + a; }",
            "export const arrow = (a) => 'own arrow ' + a;",
            'globalThis.kept = { fn, arrow };',
          ].join('\n'),
        ),
        "import { v } from 'zip:./app.zip!/gone.js';",
        '{ v, fn: globalThis.kept.fn(1), arrow: globalThis.kept.arrow(2) }',
        api,
      );
      assert.deepEqual(await app.state(), { v: 1, fn: 'own fn 1', arrow: 'own arrow 2' });
      await app.change(archive, version(2, 'export const fn = 5;'));
      assert.deepEqual(await app.state(), { v: 2, fn: 'own fn 1', arrow: 'own arrow 2' });
      await app.change(archive, version(3, "export const fn = (a) => 'new fn ' + a;"));
      assert.deepEqual(await app.state(), { v: 3, fn: 'new fn 1', arrow: 'own arrow 2' });
    });
  });

  describe(`exported bindings as native semantics define them (${api})`, () => {
    test('every way a module assigns an exported binding reaches importers after an update', async () => {
      const version = (v: number): Tree =>
        moduleOf('values.js', [
          'export let lo = 0, hi = 0;',
          `export function range(a, b) { [lo, hi] = [a * ${v}, b * ${v}]; }`,
          `const unit = 'm', limit = ${v * 20};`,
          `const { mode } = { mode: 'mode${v}' };`,
          `export /* c */ const commented = ${v};`,
          'export { limit, mode, unit };',
        ]);
      const imports = "import { lo, hi, range, limit, mode, unit, commented } from 'zip:./app.zip!/values.js';";
      const state = '{ before: [lo, hi], after: (range(1, 2), [lo, hi]), limit, mode, unit, commented }';
      const values = (v: number) => ({
        before: [0, 0],
        after: [v, 2 * v],
        limit: 20 * v,
        mode: `mode${v}`,
        unit: 'm',
        commented: v,
      });
      await follow(api, version, imports, state, values);
    });

    test('an exported const stays constant: assigning it throws TypeError as natively, and updates still reach importers', async () => {
      const version = (v: number): Tree =>
        moduleOf('consts.js', [
          `export const k = ${v};`,
          `const hidden = ${v * 10};`,
          'export { hidden };',
          'export function assign() { try { k = 5; return "assigned"; } catch (e) { return e.constructor.name; } }',
          'export function assignHidden() { try { hidden++; return "assigned"; } catch (e) { return e.constructor.name; } }',
          'export function shadow() { let k = 1; k = 2; return k; }',
        ]);
      const imports = "import { k, hidden, assign, assignHidden, shadow } from 'zip:./app.zip!/consts.js';";
      const state =
        '{ k, hidden, assign: assign(), assignHidden: assignHidden(), shadow: shadow(), after: [k, hidden] }';
      const consts = (v: number) => ({
        k: v,
        hidden: v * 10,
        assign: 'TypeError',
        assignHidden: 'TypeError',
        shadow: 2,
        after: [v, v * 10],
      });
      await follow(api, version, imports, state, consts);
    });

    test('bindings named like the names hotzip writes into a module reach importers after an update', async () => {
      // The registration's eval runs the runtime's code in the module's scope: a name of its own there (a parameter,
      // a function expression's name) would stand for the module's binding of that name.
      const version = (v: number): Tree =>
        moduleOf('names.js', [
          `export const __hz$e = 'e${v}';`,
          `export let __hz$c = 'c${v}';`,
          `export function __hz$v() { return 'v${v}'; }`,
          `export const __hz$k = 'k${v}', __hz$x = 'x${v}', __hz$w = 'w${v}';`,
          `export const e = 'plain${v}';`,
        ]);
      const imports = "import { __hz$e, __hz$c, __hz$v, __hz$k, __hz$x, __hz$w, e } from 'zip:./app.zip!/names.js';";
      const state = '{ e: __hz$e, c: __hz$c, v: __hz$v(), accessor: __hz$k + __hz$x + __hz$w, plain: e }';
      await follow(
        api,
        version,
        imports,
        state,
        (v) => ({ e: `e${v}`, c: `c${v}`, v: `v${v}`, accessor: `k${v}x${v}w${v}`, plain: `plain${v}` }),
        3,
      );
    });
  });

  test(`a module declaring names like the ones hotzip declares in it loads, runs and updates as natively (${api})`, async () => {
    // An alias of a const the module assigns (`__hz$c0`), a version's kept function (`__hz$o2`: `handler`'s), an anonymous
    // default's binding (`__hz$default`) and the parameters standing in for a non-simple list (`__hz$0`): each of
    // these the module binds itself, so the transform must name its own otherwise.
    const version = (v: number): Tree =>
      moduleOf('declared.js', [
        `const __hz$c0 = 'alias${v}', __hz$o2 = 'own${v}', __hz$0 = 'stand-in${v}', __hz$default = 'default${v}';`,
        ...declaringShapes(v),
        `export function withDefaults(x, a = 'a${v}', { b } = { b: 'b${v}' }) { return [x, a, b, __hz$0].join(' '); }`,
        'export const own = () => [__hz$c0, __hz$o2, __hz$default].join(" ");',
        `export default function () { return 'anonymous${v}'; }`,
      ]);
    const imports =
      "import anonymous, { fixed, tryAssign, handler, withDefaults, own } from 'zip:./app.zip!/declared.js';";
    const state =
      "{ fixed, assign: tryAssign(), handler: handler(), defaults: withDefaults('x'), own: own(), anonymous: anonymous(), name: anonymous.name }";
    await follow(
      api,
      version,
      imports,
      state,
      (v) => ({
        fixed: `fixed${v}`,
        assign: 'TypeError',
        handler: `wrapped:handler${v}`,
        defaults: `x a${v} b${v} stand-in${v}`,
        own: `alias${v} own${v} default${v}`,
        anonymous: `anonymous${v}`,
        name: 'default',
      }),
      3,
    );
  });

  test(`captured functions follow versions whose declared names take different prefixes (${api})`, async () => {
    // Version 2 spells hotzip's prefix, version 3 every prefix of its width and the next two longer ones (its
    // anonymous defaults' names no longer fit in place), version 4 none: each version's declared names differ.
    const marker = ['', "'__hz$'", "'__hz$ __hZ$ __Hz$ __HZ$ __hz$$ __hz$$$'", ''];
    const version = (v: number): Tree =>
      moduleTree({
        'fn.js': [
          `export const marker = ${marker[v - 1] || "''"};`,
          ...declaringShapes(v),
          `export function withDefaults(x, a = 'a${v}', { b } = { b: 'b${v}' }) { return [x, a, b].join(' '); }`,
          `export default function () { return 'anonymous${v}'; }`,
          // Version 3 also spells every short handle: its handle takes the long prefix too.
          v === 3 ? '// \u00ff \u00de \u00d0 \u00dd' : '',
          `export const arrow = (x, { y } = { y: 'y${v}' }) => [x, y].join(' ');`,
        ].join('\n'),
        'arrow.js': [
          `export const marker = ${marker[v - 1] || "''"};`,
          `export default (x, { y } = { y: 'y${v}' }) => [x, y].join(' ');`,
        ].join('\n'),
        'cls.js': [`export const marker = ${marker[v - 1] || "''"};`, `export default class { v = ${v}; }`].join('\n'),
      });
    const imports = [
      "import anonymous, { fixed, tryAssign, handler, withDefaults } from 'zip:./app.zip!/fn.js';",
      "import K from 'zip:./app.zip!/cls.js';",
      "import defaultArrow from 'zip:./app.zip!/arrow.js';",
      "import { arrow } from 'zip:./app.zip!/fn.js';",
      'const d = anonymous, h = handler, w = withDefaults, a = arrow, da = defaultArrow;',
    ].join('\n');
    const state =
      "{ fixed, assign: tryAssign(), live: anonymous(), captured: d(), names: [anonymous.name, d.name, K.name], handler: [handler(), h()], defaults: w('x'), arrows: [arrow('x'), a('x'), defaultArrow('x'), da('x')], instance: new K().v }";
    await follow(
      api,
      version,
      imports,
      state,
      (v) => ({
        fixed: `fixed${v}`,
        assign: 'TypeError',
        live: `anonymous${v}`,
        captured: `anonymous${v}`,
        names: ['default', 'default', 'default'],
        handler: [`wrapped:handler${v}`, `wrapped:handler${v}`],
        defaults: `x a${v} b${v}`,
        arrows: [`x y${v}`, `x y${v}`, `x y${v}`, `x y${v}`],
        instance: v,
      }),
      4,
    );
  });

  test(`\`export default a\` followed by a line \`++b\` loads as natively (${api})`, async () => {
    const { app } = await start(
      moduleTree({ 'asi.js': 'let a = 1, b = 2;\nexport default a\n++b\nexport const seen = b;\n' }),
      "import a, { seen } from 'zip:./app.zip!/asi.js';",
      '{ a, seen }',
      api,
    );
    assert.deepEqual(await app.state(), { a: 1, seen: 3 });
  });

  test(`generators of a module that reassigns an export run once updated, live and captured (${api})`, async () => {
    // The newest version of such a module asks the runtime on every call (to copy the reassigned exports out); a
    // generator's body runs at its first next(), after the call has returned.
    const version = (v: number): Tree =>
      moduleOf('gen.js', [
        'export let count = 0;',
        `export function* gen(a) { count++; yield 'gen${v}:' + a; yield count; }`,
        `export async function* agen(a) { count++; yield 'agen${v}:' + a; }`,
        'export function bump() { count += 10; }',
      ]);
    const imports = [
      "import * as live from 'zip:./app.zip!/gen.js';",
      'const captured = { gen: live.gen, agen: live.agen };',
      'const all = async (it) => { const out = []; for await (const x of it) out.push(x); return out.join(); };',
    ].join('\n');
    const state =
      '{ live: [...live.gen("x")].join() + "/" + await all(live.agen("y")), captured: [...captured.gen("x")][0] + "/" + await all(captured.agen("y")) }';
    await follow(
      api,
      version,
      imports,
      state,
      (v) => ({ live: `gen${v}:x,1/agen${v}:y`, captured: `gen${v}:x/agen${v}:y` }),
      3,
    );
  });

  test(`an update after the application froze globalThis installs (${api})`, async () => {
    // The first version's mode global can no longer be written: its captured functions keep their own bodies.
    const version = (v: number): Tree =>
      moduleOf('frozen.js', [
        `export function f() { return 'f${v}'; }`,
        'export let n = 0;',
        'export function bump() { n++; }',
      ]);
    const imports = "import { f, n, bump } from 'zip:./app.zip!/frozen.js';\nObject.freeze(globalThis);";
    await follow(api, version, imports, '{ live: f(), n: (bump(), n) }', (v) => ({ live: `f${v}`, n: 1 }), 3);
  });

  test(`a module that wraps its own exported function keeps the original's body for the wrapper once updated (${api})`, async () => {
    // Natively the wrapper calls the function it saved, whose body runs; an updated version must not send that call
    // to what the export holds now (the wrapper again).
    const version = (v: number): Tree =>
      moduleOf('wrap.js', [
        `export let handler = function () { return 'handler${v}'; };`,
        'const original = handler;',
        "handler = function () { return 'wrapped:' + original(); };",
      ]);
    const imports = "import { handler } from 'zip:./app.zip!/wrap.js';";
    await follow(api, version, imports, '{ call: handler() }', (v) => ({ call: `wrapped:handler${v}` }));
  });

  test(`a module that wraps its own export keeps the original's body in every shape once updated (${api})`, async () => {
    // Each module saves its exported function, then assigns the export a wrapper that calls the saved one. Natively
    // the saved function runs its own body; the newest version's trampoline used to run what the export held (the
    // wrapper again), and a captured wrapper of the first version, whose saved original forwards, used to reach the
    // newest wrapper instead of the newest original: wrapped twice either way.
    const version = (v: number): Tree =>
      moduleTree({
        // A function declaration, reassigned after it.
        'decl.js': [
          `export function decl() { return 'decl${v}'; }`,
          'const original = decl;',
          "decl = function () { return 'wrapped:' + original(); };",
        ].join('\n'),
        // A generator: the trampoline's own steps would run the wrapper's generator.
        'gen.js': [
          `export let gen = function* () { yield 'gen${v}'; };`,
          'const original = gen;',
          "gen = function* () { yield 'wrapped'; yield* original(); };",
        ].join('\n'),
        // An async function: the saved one's promise, not the wrapper's.
        'async.js': [
          `export async function later() { return 'async${v}'; }`,
          'const original = later;',
          "later = async function () { return 'wrapped:' + (await original()); };",
        ].join('\n'),
        // An arrow (rewritten as a method), wrapped only when a function of the module is called.
        'install.js': [
          `export let handler = () => 'install${v}';`,
          'const original = handler;',
          "export function install() { handler = () => 'wrapped:' + original(); }",
        ].join('\n'),
      });
    const imports = [
      "import { decl } from 'zip:./app.zip!/decl.js';",
      "import { gen } from 'zip:./app.zip!/gen.js';",
      "import { later } from 'zip:./app.zip!/async.js';",
      "import * as installed from 'zip:./app.zip!/install.js';",
      'const captured = { decl, gen, later };',
    ].join('\n');
    const state = [
      '{ decl: decl(), gen: [...gen()].join(), later: await later(),',
      'install: (installed.install(), installed.handler()),',
      'captured: [captured.decl(), [...captured.gen()].join(), await captured.later()].join() }',
    ].join(' ');
    await follow(api, version, imports, state, (v) => ({
      decl: `wrapped:decl${v}`,
      gen: `wrapped,gen${v}`,
      later: `wrapped:async${v}`,
      install: `wrapped:install${v}`,
      captured: `wrapped:decl${v},wrapped,gen${v},wrapped:async${v}`,
    }));
  });

  test(`an export whose local name is written with an escape reaches importers once updated (${api})`, async () => {
    const version = (v: number): Tree =>
      moduleOf('esc-binding.js', [
        `const \\u00b5 = 'mu${v}', \\u0061b = 'ab${v}', cd = 'cd${v}';`,
        'export { \\u00b5 as mu, ab, \\u0063d as cd };',
      ]);
    const imports = "import { mu, ab, cd } from 'zip:./app.zip!/esc-binding.js';";
    await follow(api, version, imports, '{ mu, ab, cd }', (v) => ({ mu: `mu${v}`, ab: `ab${v}`, cd: `cd${v}` }));
  });

  test(`a function and a reassigned export named through escapes follow updates, live and captured (${api})`, async () => {
    // The function's trampoline and the write through the escaped spelling are found only if the scanners read the
    // escapes as the letters they spell.
    const version = (v: number): Tree =>
      moduleOf('esc-fn.js', [
        'export let \\u006e = 0;',
        `export function \\u0066n(a) { return 'fn${v}:' + a; }`,
        'export function bump() { \\u{6e} += 1; }',
      ]);
    const imports = "import { n, fn, bump } from 'zip:./app.zip!/esc-fn.js';\nconst captured = fn;";
    await follow(api, version, imports, '{ captured: captured(1), n: (bump(), n) }', (v) => ({
      captured: `fn${v}:1`,
      n: 1,
    }));
  });

  test(`a module that declares the handle's letters through escapes (\\u00ff, \\u{DE}) loads and forwards (${api})`, async () => {
    // As esbuild writes non-ASCII names by default: the source never spells the letters themselves.
    const version = (v: number): Tree =>
      moduleOf('esc.js', [
        "const \\u00ff = 'y', \\u{DE} = 'p', \\u00d0 = 'd', \\u00DD = 'e';",
        `export function f(x) { const \\u00ff = x; return \\u00ff + ${v}; }`,
        `export const g = () => \\u00ff + \\u{DE} + \\u00d0 + \\u00DD + ${v};`,
        // The default export's and the accessor's short names too.
        `const \\u00aa = 'a', \\u00ba = 'o', \\u00fe = 't', \\u00f0 = 'e';`,
        `export default \\u00aa + \\u00ba + \\u00fe + \\u00f0 + ${v};`,
      ]);
    const imports = "import d, { f, g } from 'zip:./app.zip!/esc.js';\nconst captured = { f, g };";
    const state = '{ f: captured.f("x"), g: captured.g(), live: f("x"), d }';
    await follow(api, version, imports, state, (v) => ({ f: `x${v}`, g: `ypde${v}`, live: `x${v}`, d: `aote${v}` }));
  });

  test(`a class captured before an update keeps constructing its own version; the binding gets the new one (${api})`, async () => {
    const version = (v: number): Tree =>
      moduleTree({ 'cls.js': `export class Thing { static version = ${v}; get v() { return ${v}; } }\n` });
    const imports = "import { Thing } from 'zip:./app.zip!/cls.js';\nconst Captured = Thing;";
    const state =
      '{ binding: [new Thing().v, Thing.version], captured: [new Captured().v, Captured.version, new Captured() instanceof Captured] }';
    await follow(api, version, imports, state, (v) => ({ binding: [v, v], captured: [1, 1, true] }));
  });
}
