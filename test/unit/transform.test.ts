/**
 * The hot transform and its scanner: what the rewrite inserts, that every line stays where it was, and that the
 * description handed to the runtime (locals, reassigned exports, imports, re-exports) is right.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { topLevelDeclarations, variableStatement, Writes } from '../../lib/transform/declarations.js';
import { BRACKETS, classBodyStart, codeStops, expressionEnd, isSpaceCode, scanCode } from '../../lib/transform/scan.js';
import {
  fromListItem,
  listItem,
  modeGlobal,
  RUNTIME_SYMBOL,
  reexportItems,
  transformModule,
} from '../../lib/transform/transform.js';
import { repoRoot } from '../helpers/fixtures.js';
import { checkTransformed } from '../helpers/syntax-check.js';

const url = 'zip:///srv/app.zip!/m.js';
/** The trampolines' test of the module's mode global, as the transform writes it for `url`. */
const mode = `globalThis.${modeGlobal(url)}!==0&&ÿ?`;
/** The runtime's symbol as a pattern. */
const SYMBOL = RUNTIME_SYMBOL.replaceAll('.', '\\.');
const REGISTRATION = new RegExp(
  `var ÿ=globalThis\\[Symbol\\.for\\("${SYMBOL}"\\)\\]\\?\\.register\\("([^"]+)",\\{e:function ÿ\\(\\)\\{return arguments\\[0\\]\\?eval\\(arguments\\[0\\]\\):import\\.meta\\},?(.*?)\\}\\);`,
);
/** What the runtime reads a field the registration leaves out as (it leaves out empty ones). */
const EMPTY_FIELDS = { m: [], i: [], r: '', h: 0 };

/** The transformed code, the code without its registration, the registration's description and where it went. */
function run(
  source: string,
  versioned = false,
): { code: string; body: string; description: Record<string, unknown>; at: number } {
  const { code } = transformModule(source, { url, versioned });
  const match = REGISTRATION.exec(code);
  assert.ok(match, code);
  assert.equal(match[1], url);
  const description = { ...EMPTY_FIELDS, ...(Function(`return {${match[2]}}`)() as Record<string, unknown>) };
  return { code, body: code.replace(match[0], ''), description, at: match.index };
}

/** Every identifier of `source` not in `except`, with its line and column. */
function tokens(source: string, except: ReadonlySet<string>): string[] {
  const found: string[] = [];
  source.split('\n').forEach((line, row) => {
    // A comment after an edit may move; it is not code.
    for (const match of line.replace(/\/\/.*$/, '').matchAll(/[A-Za-z_$][\w$]*/g)) {
      if (!except.has(match[0])) found.push(`${row}:${match.index}:${match[0]}`);
    }
  });
  return found;
}

/** Asserts that every token of `source` but the rewritten keywords is at the same line and column in `code`. */
function assertColumnsKept(source: string, code: string): void {
  const rewritten = new Set(['export', 'default', 'const']);
  const after = new Set(tokens(code, new Set()));
  for (const token of tokens(source, rewritten)) assert.ok(after.has(token), `${token} moved in:\n${code}`);
}

describe('transformModule', () => {
  test('keeps every line and column of code in place; the one appended line carries the export clauses', () => {
    const source = [
      "import { helper } from './helper.js';",
      'export const a = 1;',
      '',
      'export function f(x) {',
      '  return helper(x);',
      '}',
      'export default [a, 1];',
      'export async function g() { // a comment after the brace',
      '  return 2;',
      '}',
      '',
    ].join('\n');
    const { code } = run(source);
    assert.equal(code.split('\n').length, source.split('\n').length + 1);
    assertColumnsKept(source, code);
    const lines = code.split('\n');
    assert.match(lines[0] ?? '', /^import \{ helper \} from '\.\/helper\.js';var ÿ=/);
    assert.equal(lines[1], 'export let   a = 1;');
    assert.match(lines[3] ?? '', /^export function f\(x\) \{if\(globalThis\.\$hz[\w$]{6}!==0&&ÿ\?\.s\(1\)\)/);
    assert.equal(lines[6], 'let ª={default:[a, 1]}.default;');
    assert.equal(lines.at(-1), 'export{ª as default};');
  });

  test('with its mode global defined beforehand, a trampoline reads it by its bare name, unless the module spells it', () => {
    const name = modeGlobal(url);
    const source = 'export function f(x) { return x; }\n';
    const bare = transformModule(source, { url, modeDefined: true }).code;
    assert.ok(bare.includes(`{if(${name}&&ÿ?.s(0))return ÿ.t(this,arguments,new.target);`), bare);
    assert.ok(!bare.includes(`globalThis.${name}`), bare);
    // A binding of that very name in the module would shadow the global: the read goes through the global object.
    const spelled = `${source}var ${name} = 1;\n`;
    assert.ok(transformModule(spelled, { url, modeDefined: true }).code.includes(`if(globalThis.${name}!==0&&`));
    // A module binding globalThis keeps the typeof form, which works for a missing global too.
    const shadows = `${source}const globalThis = {};\n`;
    assert.ok(transformModule(shadows, { url }).code.includes(`if(typeof ${name}!=='number'&&`));
    assert.ok(transformModule(shadows, { url, modeDefined: true }).code.includes(`{if(${name}&&`));
  });

  test('the handle has a one-letter name the module never spells, else the long one', () => {
    const source = 'export function f(x) { return x; }\n';
    for (const [extra, handle] of [
      ['', 'ÿ'],
      ['// ÿ\n', 'Þ'],
      ['// ÿ Þ Ð Ý\n', '__hz$'],
    ]) {
      const { code } = transformModule(`${source}${extra}`, { url });
      assert.ok(code.includes(`var ${handle}=globalThis[`), code);
      assert.ok(code.includes(`&&${handle}?.s(0))return ${handle}.t(this,arguments,new.target);`), code);
    }
  });

  test('a name spelled with escapes counts as spelled: the handle and the bare mode global avoid it', () => {
    const source = 'export function f(x) { return x; }\n';
    for (const [extra, handle] of [
      ['let \\u00ff = 1;\n', 'Þ'],
      ['let \\u{FF} = 1, \\u{000de} = 2;\n', 'Ð'],
      ['let \\u00FF, \\u00de, \\u00D0, \\u{dd};\n', '__hz$'],
    ]) {
      const { code } = transformModule(`${source}${extra}`, { url });
      assert.ok(code.includes(`var ${handle}=globalThis[`), code);
    }
    // The default export's local and the accessor's parameters as well.
    const defaults = 'let \\u00aa = 1;\nexport default \\u00aa + 1;\nexport function f() { return \\u00ff; }\n';
    assert.equal(checkTransformed(`${defaults}let \\u00ff;\n`, url), 'checked');
    assert.ok(!transformModule(defaults, { url }).code.includes('let ª='));
    // Enough exports for an inline accessor, one of them bound to `\u00b5` (µ): the accessor's parameters avoid it.
    const many = Array.from({ length: 300 }, (_, i) => `export let v${i} = ${i};`).join('\n');
    const accessor = transformModule(`let \\u00b5 = 1, \\u{df} = 2;\nexport { \\u00b5 as mu };\n${many}\n`, {
      url,
    }).code;
    assert.match(accessor, /,a:\(/, 'an inline accessor');
    assert.ok(!accessor.includes('µ') && !accessor.includes('ß'), accessor);
    // A binding of the mode global's name through an escape would shadow the global as the name itself does.
    const name = modeGlobal(url);
    const escaped = `${source}var \\u0024${name.slice(1)} = 1;\n`;
    assert.ok(transformModule(escaped, { url, modeDefined: true }).code.includes(`if(globalThis.${name}!==0&&`));
  });

  test('a local name spelled with escapes is the name it denotes, and keeps its spelling in the output', () => {
    // As esbuild writes non-ASCII names by default: `µ` is `\u00b5` in every place the module names it.
    const source = [
      "const \\u00b5 = 'mu', \\u0061b = 'ab', cd = 'cd';",
      'export { \\u00b5 as mu, ab, \\u0063d as cd, cd as \\u{65}f };',
      'export let \\u0067 = 1;',
      'export function set() { \\u0067 = 2; }',
    ].join('\n');
    const { body, description } = run(source, true);
    // Every const becomes let (nothing writes them), spelled as before; the clause is untouched.
    assert.ok(body.startsWith("let   \\u00b5 = 'mu', \\u0061b = 'ab', cd = 'cd';\nexport { \\u00b5 as mu,"), body);
    assert.equal(description.l, 'mu=\\u00b5,ab,cd=\\u0063d,ef=cd,g=\\u0067,set');
    // `g` is written by `set`, through its escaped spelling: a newer version copies it out.
    assert.deepEqual(description.m, ['g']);
    assert.equal(checkTransformed(source, url), 'checked');
  });

  test('a declaration spelled with escapes is matched to the export clause that names it plainly, and back', () => {
    // `let \u0061 = 1` declares `a`: reassigned later, it is listed as mutable under its export's name.
    const { description } = run('let \\u0061 = 1;\nexport { a };\nexport function bump() { a++; }\n', true);
    assert.deepEqual(description.m, ['a']);
    // A const written through the other spelling stays const: the write throws TypeError natively.
    const { body } = run('const ab = 1;\nexport { ab };\ntry { \\u0061b = 2; } catch {}\n');
    assert.ok(body.startsWith('const ab = 1;let __hz$c0=ab;'), body);
    const declarations = topLevelDeclarations(
      'const \\u0061b = 1, { x: \\u{63}, d\\u0065 } = o;\nfunction \\u0066() {}\n',
    );
    assert.deepEqual([...declarations.keys()].sort(), ['ab', 'c', 'de', 'f']);
    const statement = variableStatement('let \\u0061 = 1, b = 2;', 0);
    assert.deepEqual(
      statement?.declarators.map((d) => [d.simple, d.binding]),
      [
        ['a', [4, 10]],
        ['b', [16, 17]],
      ],
    );
    assert.equal(new Writes('\\u{61}b += 1').written('ab', [[0, 0]]), true);
  });

  test('a function whose name is spelled with escapes gets its trampoline, exported plainly or by default', () => {
    const source = [
      'export function \\u0066n(a) { return a; }',
      'function \\u0067(b) { return b; }',
      'export { g as \\u0068 };',
      'export default function \\u0064ef() {}',
    ].join('\n');
    const { body, description } = run(source);
    assert.ok(body.includes('export function \\u0066n(a) {if('), body);
    assert.ok(body.includes('function \\u0067(b) {if('), body);
    assert.ok(body.includes('export default function \\u0064ef() {if('), body);
    assert.equal(description.l, 'fn=\\u0066n,h=g,default=\\u0064ef');
    assert.equal(checkTransformed(source, url), 'checked');
  });

  test('an escape that spells no identifier character does not stop the transform: Node reports its SyntaxError', async () => {
    for (const source of ['const \\u0020x = 1;\nexport { \\u0020x as y };\n', 'export let a\\u{110000} = 1;\n']) {
      const { code } = transformModule(source, { url, versioned: true });
      const message = async (text: string): Promise<string> => {
        try {
          await import(`data:text/javascript,${encodeURIComponent(text)}`);
        } catch (error) {
          return `${(error as Error).name}: ${(error as Error).message}`;
        }
        return 'loaded';
      };
      const native = await message(source);
      assert.match(native, /^SyntaxError/);
      assert.equal(await message(code), native, code);
    }
  });

  test('the registration goes where it moves no code: after leading imports, before a comment, or at the end', () => {
    // After an import without its `;`, the registration brings its own: `'./a.js'var` would not parse.
    assert.match(run("import a from './a.js'\nexport const b = a;\n").code, /^import a from '\.\/a\.js';var ÿ=/);
    assert.match(
      run("import a from './a.js' // c\nexport const b = a\n").code,
      /^import a from '\.\/a\.js' ;var ÿ=.*;\/\/ c\n/,
    );
    // Before a CR LF, not between its two characters: JavaScript reads a lone CR as a line break of its own, which
    // would move every later line down by one (a new version's inline gate goes there too).
    const lines = (code: string): string[] => code.split(/\r\n|[\r\n\u2028\u2029]/);
    for (const source of [
      "import a from './a.js'\r\nconsole.log(a);\r\nthrow new Error();\r\nexport { a };\r\n",
      "// license\r\nimport a from './a.js'; \r\n\r\nconsole.log(a);\r\nexport { a };\r\n",
    ]) {
      const url = 'zip:///srv/app.zip!/a.js';
      for (const options of [{ url }, { url: `${url}?hz=2`, versioned: true, inlineGate: true }]) {
        const { code } = transformModule(source, options);
        assert.deepEqual(lines(code).slice(1, lines(source).length - 1), lines(source).slice(1, -1), code);
      }
    }
    assert.equal(run('// license\nexport const b = 1;\n').at, 0);
    assert.equal(run('/* one */ /* two */\nexport const b = 1;\n').at, '/* one */ /* two */'.length);
    // Otherwise on the appended last line, as the body ends. A dynamic import runs: nothing goes after it.
    for (const source of [
      'export const b = 1;\nexport function f() {}\n',
      "import('./a.js');\nexport const b = 1;\n",
    ]) {
      const { code, at } = run(source);
      assert.equal(code.slice(0, at).split('\n').length, source.split('\n').length + 1, code);
    }
  });

  test('a module that needs its registration before its body, with code first, takes line 1', () => {
    assert.equal(run('export const u = import.meta.hot;\n').at, 0);
    assert.equal(run('await 0;\nexport const a = 1;\n').at, 0);
    assert.equal(run('export default function () {}\n').at, 0);
    assert.equal(run('#!/usr/bin/env node\nexport const a = import.meta.url;\n').at, '#!/usr/bin/env node\n'.length);
  });

  test('export const becomes a reassignable let of the same length', () => {
    const { body } = run('export const a = 1, b = 2;\n');
    assert.equal(body, 'export let   a = 1, b = 2;\n\n');
  });

  test('a top-level const exported by a clause becomes let; one inside a block does not', () => {
    const { body } = run('const a = 1;\n{ const a = 2; }\nexport { a };\n');
    assert.equal(body, 'let   a = 1;\n{ const a = 2; }\nexport { a };\n\n');
  });

  test('default expressions get a local binding that keeps the name "default", in the columns of `export default`', () => {
    const { body, description } = run('export default (function () {});\n');
    assert.equal(body, 'let ª={default:(function () {})}.default;\n\nexport{ª as default};');
    assert.equal(description.l, 'default=ª');
    // Closed on its own line, before a trailing comment, when it ends by ASI or at the end of the source.
    assert.equal(run('export default 1 // one\n').body, 'let ª={default:1}.default; // one\n\nexport{ª as default};');
    assert.equal(run('export default f\ng()\n').body, 'let ª={default:f}.default;\ng()\n\nexport{ª as default};');
    // No room (a line break after `default`) or every short name taken: the long name, and the line's columns move.
    assert.match(run('export default\n(1);\n').body, /^let __hz\$default=\(\{default:\n\(1\)\}\)\.default;/);
    assert.match(run('export default 1; // ª º þ ð\n').body, /^let __hz\$default=\(\{default:1\}\)\.default;/);
  });

  test('anonymous default functions get a name in place of `export default`, set back; a class takes the expression form', () => {
    const fn = run('export default function () { return 1; }\n');
    assert.match(
      fn.code,
      /^var ÿ=.*Object\.defineProperty\(__hz\$default,'name',\{value:'default'\}\);function __hz\$default {3}\(\) \{if/,
    );
    assert.match(fn.body, /\nexport\{__hz\$default as default\};$/);
    // A class is never hoisted: as a default expression it is named "default" by V8 itself, whose stack frames name
    // its instances' methods after that name (`default.m`), not after a `name` property set back.
    const cls = run('export default class { static name() {} }\n');
    assert.equal(cls.body, 'let ª={default:class { static name() {} }}.default;\n\nexport{ª as default};');
    assert.match(
      run('export default class {}\n// ª º þ ð\n').body,
      /^let __hz\$default=\(\{default:class \{\}\}\)\.default;/,
    );
    // With non-simple parameters, the function binding them is named "default" too, and in a construct call gets no
    // receiver: the instance's type would be named after the declared name.
    assert.match(
      run('export default function (a = 1) {}\n').body,
      /return\{default:\(a = 1\)=> \{\}\}\.default\.apply\(new\.target\?void 0:this,arguments\)\}/,
    );
    // A `__proto__` key would set the literal's prototype: that name is computed.
    assert.match(
      run('export function __proto__(a = 1) {}\n').body,
      /return\{\["__proto__"\]:\(a = 1\)=> \{\}\}\.__proto__\.apply\(this,arguments\)\}/,
    );
    // Split over lines, the declaration keeps `export default` and gains the name after its keyword.
    assert.match(run('export default\nfunction () {}\n').body, /export default\nfunction +__hz\$default \(\)/);
  });

  test('exported functions start with a trampoline; generators delegate, async and generators skip new.target', () => {
    const { body } = run('export function f(a) { return a; }\nexport async function g() {}\nexport function* h() {}\n');
    assert.equal(
      body,
      [
        `export function f(a) {if(${mode}.s(0))return ÿ.t(this,arguments,new.target); return a; }`,
        `export async function g() {if(${mode}.s(1))return ÿ.t(this,arguments);}`,
        `export function* h() {if(${mode}.s(2))return yield*ÿ.t(this,arguments);}`,
        '',
        '',
      ].join('\n'),
    );
  });

  test('every shape of exported function gets a trampoline that tests before its parameters are bound', () => {
    const t = (index: number, delegate = '') => `if(${mode}.s(${index}))return ${delegate}ÿ.t(this,arguments);`;
    const { body } = run(
      [
        'export const a = x => x * 2;',
        'export const b = async (x) => {',
        '  return x;',
        '};',
        'export const c = function* (x, y = 1) { yield x; };',
        'export async function d({ p }, ...rest) { return p; }',
        'export const f = (x) => this;',
        'export const g = () => [1].map(function () { return this; });',
        'export default async ({ q }) => q;',
      ].join('\n'),
    );
    assert.equal(
      body,
      [
        // An arrow becomes a method of its own name: not constructible, no prototype, and it sees its arguments.
        `export let   a = {a(x)    {${t(0)}return x * 2}}.a;`,
        // `=>` becomes two spaces: a body on later lines keeps its columns.
        `export let   b = {async b(x)    {${t(1)}`,
        '  return x;',
        '}}.b;',
        // Non-simple parameters: plain stand-ins as many as `length`, the list bound once in the version that runs.
        // The function binding the list is named as the export by an object literal's key (a name of its own would
        // be a binding its body sees), and called with the call's receiver: stack frames name it as natively.
        `export let   c = function* (__hz$0){${t(2, 'yield*')}return yield*{c:function*(x, y = 1) { yield x; }}.c.apply(this,arguments)};`,
        `export async function d(__hz$0){${t(3)}return{d:async({ p }, ...rest)=> { return p; }}.d.apply(this,arguments)}`,
        // An arrow reading its own `this` would see the method's: it keeps no trampoline. Nested functions' own do not count.
        'export let   f = (x) => this;',
        `export let   g = {g()    {${t(5)}return [1].map(function () { return this; })}}.g;`,
        `let ª={default:{async default(__hz$0){${t(6)}return{default:async ({ q }) => q}.default.apply(this,arguments)}}.default}.default;`,
        'export{ª as default};',
      ].join('\n'),
    );
  });

  test('a module that binds globalThis itself reads its mode global by name', () => {
    const { code } = transformModule('const globalThis = {};\nexport function f() {}\n', { url });
    assert.equal(
      code.split('\n')[1],
      `export function f() {if(typeof ${modeGlobal(url)}!=='number'&&ÿ?.s(0))return ÿ.t(this,arguments,new.target);}`,
    );
  });

  test('functions exported by a clause or by `export default name` get the trampoline of their first export', () => {
    const { body, description } = run(
      'function h(a) {}\nconst k = () => 1, j = 2;\nexport { h as hh, k, j };\nexport default h;\n',
    );
    assert.equal(
      body,
      [
        `function h(a) {if(${mode}.s(0))return ÿ.t(this,arguments,new.target);}`,
        `let   k = {k()    {if(${mode}.s(1))return ÿ.t(this,arguments);return 1}}.k, j = 2;`,
        'export { h as hh, k, j };',
        'let ª={default:h}.default;',
        '',
        'export{ª as default};',
      ].join('\n'),
    );
    assert.equal(description.l, 'hh=h,k,j,default=ª');
    // A plain alias, as bundlers write a default export, leads to the function it names.
    const bundled = run(
      'var handler = (req) => req;\nvar src_default = handler;\nexport { src_default as default };\n',
    );
    assert.match(bundled.body, /^var handler = \{handler\(req\) {4}\{if\(globalThis\.\$hz[\w$]{6}!==0&&ÿ\?\.s\(0\)\)/);
  });

  test('a const the module itself assigns stays const; its exports go through aliases declared right after it', () => {
    const { body, description } = run('export const x = 1, y = 2;\nconst z = 3; export { z as zed };\nx = 2; z++;\n');
    assert.equal(
      body,
      [
        '       const x = 1, y = 2;let __hz$c0=x,__hz$c1=y;',
        'const z = 3;let __hz$c2=z; export { __hz$c2 as zed };',
        'x = 2; z++;',
        '',
        'export{__hz$c0 as x,__hz$c1 as y};',
      ].join('\n'),
    );
    assert.equal(description.l, 'x=__hz$c0,y=__hz$c1,zed=__hz$c2');
  });

  test('every const declaring an exported name becomes let when nothing in the module writes it', () => {
    const { body } = run(
      "const unit = 'm', limit = 20;\nconst { mode } = cfg;\nexport /* c */ const c = 1;\nexport { limit, mode };\n",
    );
    assert.equal(
      body,
      "let   unit = 'm', limit = 20;\nlet   { mode } = cfg;\nexport /* c */ let   c = 1;\nexport { limit, mode };\n\n",
    );
  });

  test('destructuring assignments to an export let make it mutable in a new version', () => {
    const { description } = run(
      'export let lo = 0, hi = 0, other = 0;\nexport function f(a, b) { [lo, hi] = [a, b]; }\n',
      true,
    );
    assert.deepEqual(description.m, ['lo', 'hi']);
  });

  test('an inline source map only where columns move, and it points back at the original column', () => {
    const sourceMapUrl = 'zip:///srv/app.zip!/m.js';
    const still = transformModule('export function f() {\n  throw new Error();\n}\n', {
      url,
      sourceMapUrl,
    });
    assert.doesNotMatch(still.code, /sourceMappingURL/);
    const source = "export function f() { throw new Error('x'); }\n";
    const moved = transformModule(source, { url, sourceMapUrl }).code;
    const data = /\/\/# sourceMappingURL=data:application\/json;charset=utf-8;base64,(\S+)/.exec(moved)?.[1];
    assert.ok(data, moved);
    const map = new SourceMap(JSON.parse(Buffer.from(data, 'base64').toString('utf8')));
    const generated = moved.indexOf('throw');
    const entry = map.findEntry(0, generated);
    assert.ok('originalColumn' in entry);
    assert.equal(entry.originalColumn, source.indexOf('throw'));
    assert.equal(entry.originalLine, 0);
  });

  test('lists only the exports a new version reassigns as mutable; a first instance needs none', () => {
    const source =
      'export let a = 1, b = 2;\nexport let c = 3;\nexport function inc() { a++; b += 1; }\nexport function f() {}\nf.x = 1;\nlet o = { c: 1 };\n';
    const { description } = run(source, true);
    assert.deepEqual(description.m, ['a', 'b']);
    assert.equal(description.l, 'a,b,c,inc,f');
    assert.deepEqual(run(source).description.m, []);
  });

  test('a new version keeps each function whose export it reassigns as declared, for its trampoline to run', () => {
    // The export may hold a wrapper of the saved function when that function's trampoline asks the runtime.
    const source = [
      "export let handler = () => 'h';",
      'const original = handler;',
      "handler = () => 'w:' + original();",
      'export function kept() {}',
    ].join('\n');
    const version = run(source, true);
    assert.ok(version.body.startsWith('export let handler = {handler()    {if('), version.body);
    assert.ok(version.body.includes('}}.handler;var __hz$o0=handler;\nconst original'), version.body);
    const owns = version.description.o as () => unknown;
    assert.equal(typeof owns, 'function');
    assert.ok(version.code.includes(',o:()=>({0:__hz$o0})'), version.code);
    // Not in a first instance (its importers link to it: its trampolines run their own bodies), nor for `kept`.
    assert.ok(!run(source).code.includes('__hz$o'));
    assert.ok(!version.code.includes('__hz$o1'));
    // A function declaration (hoisted, so the module may assign it first) with a registration before the body.
    const hoisted = run('// first\nf = null;\nexport function f() {}\n', true).code;
    assert.match(hoisted, /o:\(\)=>\(\{0:__hz\$o0\}\)\}\);var __hz\$o0=f;\/\/ first\nf = null;/);
    // Else right after its declaration.
    const after = run('f = null;\nexport function f() {}\n', true).code;
    assert.ok(after.includes('export function f() {if(') && after.includes('}var __hz$o0=f;\n'), after);
    for (const text of [source, 'f = null;\nexport function f() {}\n'])
      assert.equal(checkTransformed(text, url), 'checked');
  });

  test('records static imports with the names they take, and re-exports for comparison between versions', () => {
    const { description } = run(
      "import d, { x as y, z } from './a.js';\nimport * as ns from './b.js';\nexport { q } from './c.js';\nexport * from './d.js';\n",
    );
    assert.deepEqual(description.i, [
      ['./a.js', ['x', 'z', 'default']],
      ['./b.js', '*'],
      ['./c.js', ['q']],
      ['./d.js', '*'],
    ]);
    assert.equal(description.r, 'q:./c.js,*:./d.js');
  });

  test('the registration never awaits: a new version waits at a gate its loader appends (see load.ts)', () => {
    assert.doesNotMatch(run('export const a = 1;\n').code, /await/);
  });

  test('code without semicolons: every insertion parses as its own statement, with the same imports and exports', () => {
    for (const source of [
      // The registration after a leading import without `;`.
      "import { webcrypto as crypto } from 'node:crypto'\nexport const a = crypto\n",
      "import a from './a.js' // c\nexport const b = a\n",
      "import j from './j.json' with { type: 'json' }\n(function () {})()\nexport { j }\n",
      "export * from './a.js'\n[1].map(String)\nexport default function () {}\n",
      // A default expression ends where ASI ends it, and goes on where the next line continues it.
      'let b = 0\nexport default b\n++b\n',
      'let b = 0\nexport default b\n--b\n',
      'export default 1\n"x"\n',
      'export default 1\n!2\n',
      'export default 1\n{ }\n',
      'export default () => {}\n(1)\n',
      'export default async (x) => {}\n[1].map(String)\n',
      'export default x => {}\n`t`\n',
      'export default x => {}\n/re/.test("x")\n',
      'export default true ? () => {}\n: 2\n',
      'export default π\nfoo()\nvar π = 1\n',
      'export default ªª\nvar ªª = 1\n',
      'export default typeof\nx\n',
      'export default a.new\nb()\n',
      'export default a++\nb\n',
      'export default /* c */ function () {}\n(1)\n',
      'export /* c */ default 1\n',
      'export default function π() {}\n',
      'export const { a, b: [c] } = {}\n(1)\n',
      '#!/usr/bin/env node\rexport default function () {}\n',
    ]) {
      assert.equal(checkTransformed(source, url), 'checked', source);
    }
  });

  test('Unicode names: a named default function keeps its name; default imports and reassignments are seen', () => {
    assert.match(
      run('export default function π() {}\n').body,
      /^export default function π\(\) \{if\(globalThis\.\$hz[\w$]{6}!==0&&ÿ\?\.s\(0\)\)/,
    );
    assert.deepEqual(run("import π from './a.js'\nexport { π }\n").description.i, [['./a.js', ['default']]]);
    assert.deepEqual(run("import from from './a.js'\nexport { from }\n").description.i, [['./a.js', ['default']]]);
    const { description } = run('export let π = 1\nexport function inc() { π++ }\n', true);
    assert.deepEqual(description.m, ['π']);
  });

  test('comments between the export keywords change nothing', () => {
    assert.equal(run('export /* c */ default 1\n').description.l, 'default=ª');
    assert.match(run('export /* c */ const a = 1\n').body, /^export \/\* c \*\/ let {3}a = 1/);
    // So do a no-break space between them and a line comment ended by a carriage return alone.
    assert.match(
      run('export\u00a0const a = () => 1\n').body,
      /^export\u00a0let {3}a = \{a\(\) +\{if\(globalThis\.\$hz/,
    );
    assert.match(run('export const //c\rf = () => 1\n').body, /^export let {3}\/\/c\rf = \{f\(\) +\{if/);
    // Still a declaration: the next line is a statement of its own, not a call of the function.
    assert.match(
      run('export default /* c */ function () {}\n(1)\n').body,
      /;function __hz\$default +\(\) \{if.*\}\n\(1\)\n/,
    );
  });

  test('a trampoline goes after the directives of a function body', () => {
    assert.match(
      run('export function f() { "use strict"\n  return 1 }\n').body,
      /^export function f\(\) \{ "use strict";if\(globalThis\.\$hz[\w$]{6}!==0&&ÿ\?\.s\(0\)\)/,
    );
    assert.match(
      run("export function f() { 'a'; 'b' + 1 }\n").body,
      /^export function f\(\) \{ 'a';if\(globalThis\.\$hz[\w$]{6}!==0&&ÿ\?\.s\(0\)\).*; 'b' \+ 1 \}/,
    );
    assert.match(
      run("export function f() { 'a'\n.length }\n").body,
      /^export function f\(\) \{if\(globalThis\.\$hz[\w$]{6}!==0&&ÿ\?\.s\(0\)\)/,
    );
    // Every function shape: an arrow made a method, a function expression, one with non-simple parameters (whose
    // directive stays in its own body, where Node still rejects it).
    assert.match(
      run("export const f = (a) => { 'use strict'; return a }\n").body,
      /^export let {3}f = \{f\(a\) +\{ 'use strict';if\(globalThis\.\$hz[\w$]{6}!==0&&ÿ\?\.s\(0\)\)/,
    );
    assert.match(
      run("export const g = function () { 'use strict'\n}\n").body,
      /^export let {3}g = function \(\) \{ 'use strict';if\(globalThis\.\$hz/,
    );
    assert.match(
      run("export function h(a = 1) { 'use strict' }\n").body,
      /^export function h\(\)\{if\(globalThis\.\$hz.*\{h:\(a = 1\)=> \{ 'use strict' \}\}\.h\.apply/,
    );
  });

  test('a hashbang line ended by any line terminator stays first', () => {
    assert.equal(run('#!/usr/bin/env node\r\nexport default function () {}\n').at, '#!/usr/bin/env node\r\n'.length);
    assert.equal(run('#!/usr/bin/env node\rexport default function () {}\n').at, '#!/usr/bin/env node\r'.length);
    // Only a hashbang: the registration goes on a line of its own, not into the hashbang's comment.
    assert.equal(run('#!/usr/bin/env node').code.split('\n')[1]?.startsWith('var ÿ='), true);
  });

  test('registration lists escape the separators a string export name or a specifier may hold', () => {
    const { description } = run("let q = 1\nexport { q as 'a,b=c:d%' }\nexport { x as 'y,z' } from './d,e:p.js'\n");
    assert.equal(description.l, 'a%2cb%3dc%3ad%25=q');
    assert.equal(description.r, 'y%2cz=x:./d%2ce%3ap.js');
    for (const text of ['a,b=c:d%', 'plain', '%2c', '*']) assert.equal(fromListItem(listItem(text)), text);
  });

  test('the re-export list says what each re-export takes from where, and reads back', () => {
    const source = [
      "export { a } from './a.js'",
      "export { b as c, default as d } from './b.js'",
      "export * as ns from './n.js'",
      "export * from './s,:=*.js'",
      'export { "*" as star, x as "*" } from \'./t.js\'',
      "import { q as r } from './q.js'",
      'export { r as rr, r }',
      "export { \\u0061 as e } from './e.js'",
    ].join('\n');
    const { description } = run(source);
    assert.deepEqual(reexportItems(String(description.r)), [
      { star: false, name: 'a', imported: 'a', from: './a.js' },
      { star: false, name: 'c', imported: 'b', from: './b.js' },
      { star: false, name: 'd', imported: 'default', from: './b.js' },
      { star: false, name: 'ns', imported: null, from: './n.js' },
      { star: true, name: '*', imported: null, from: './s,:=*.js' },
      { star: false, name: 'star', imported: '*', from: './t.js' },
      { star: false, name: '*', imported: 'x', from: './t.js' },
      { star: false, name: 'rr', imported: 'q', from: './q.js' },
      { star: false, name: 'r', imported: 'q', from: './q.js' },
      { star: false, name: 'e', imported: 'a', from: './e.js' },
    ]);
  });

  test('a module that binds Symbol, Object or globalThis itself still finds the runtime and the real Object', () => {
    for (const source of [
      "import root from './root.js'\nvar Symbol = root.Symbol\nexport default Symbol\n",
      'var Object = 1\nexport default function () {}\n',
      'const globalThis = 1\nexport default class {}\n',
      "import { Object } from './o.js'\nexport default function () {}\n",
    ]) {
      const { code } = transformModule(source, { url });
      assert.doesNotMatch(code, /=globalThis\[/, code);
      assert.doesNotMatch(code, /(?<![\w$.])Object\.(?:define|get)/, code);
      assert.ok(
        code.includes(`(0,eval)(${JSON.stringify(`globalThis[Symbol.for(${JSON.stringify(RUNTIME_SYMBOL)})]`)})`),
        code,
      );
      assert.equal(checkTransformed(source, url), 'checked');
    }
    // Uses that bind nothing keep the short forms.
    assert.match(
      run('export const s = typeof Symbol + Object.keys({}) + globalThis.x\n').code,
      /=globalThis\[Symbol\.for/,
    );
  });

  test('a hashbang line stays first', () => {
    assert.match(
      transformModule('#!/usr/bin/env node\nexport const a = import.meta.url;\n', { url }).code,
      /^#!\/usr\/bin\/env node\nvar ÿ=/,
    );
  });

  test('a second export default is left for Node to reject in its own words', () => {
    const { body } = run('export default 1;\nexport default 2;\n');
    assert.match(body, /export default 2;/);
  });

  test('tells the runtime whether the module mentions import.meta', () => {
    assert.equal(run('export const u = import.meta.url;\n').description.h, 1);
    assert.equal(run('export const u = 1;\n').description.h, 0);
  });

  test('the names it declares take a prefix the module never spells, of the same width while one is free', () => {
    const declared = (code: string): string[] => [...new Set(code.match(/__h[zZ]\$+[\w$]*|__H[zZ]\$+[\w$]*/g))];
    const shapes =
      'export const k = 1;\nfunction set() { k = 2; }\nexport default function () {}\nexport function f(a, b = 1) {}\n';
    assert.deepEqual(declared(transformModule(shapes, { url }).code).sort(), ['__hz$0', '__hz$c0', '__hz$default']);
    const spelled = `const mine = '__hz$';\n${shapes}`;
    assert.deepEqual(
      declared(transformModule(spelled, { url }).code)
        .filter((name) => name !== '__hz$')
        .sort(),
      ['__hZ$0', '__hZ$c0', '__hZ$default'],
    );
    // Spelled through an escape, it is still the module's name.
    const escaped = transformModule(`const \\u005f_hz$c0 = 1;\n${shapes}`, { url }).code;
    assert.ok(escaped.includes('let __hZ$c0=k'), escaped);
    const all = transformModule(`const all = '__hz$ __hZ$ __Hz$ __HZ$';\n${shapes}`, { url }).code;
    assert.ok(all.includes('let __hz$$c0=k') && all.includes('function __hz$$default'), all);
  });

  test('the registration leaves its empty fields out; all of them when the module has nothing to list', () => {
    const plain = transformModule('export const u = 1;\n', { url }).code;
    assert.doesNotMatch(plain, /[{,][mirh]:/, plain);
    const full = run(
      "import { x } from './x.js';\nexport let n = 1;\nexport { y } from './y.js';\nn = import.meta.url;\n",
      true,
    ).description;
    assert.deepEqual(
      { m: full.m, i: full.i, r: full.r, h: full.h },
      {
        m: ['n'],
        i: [
          ['./x.js', ['x']],
          ['./y.js', ['y']],
        ],
        r: 'y:./y.js',
        h: 1,
      },
    );
  });

  test("the registration's eval runs code in the module's scope, and answers no code with its import.meta", async () => {
    const key = Symbol.for(RUNTIME_SYMBOL);
    const global = globalThis as unknown as Record<symbol, unknown>;
    const saved = global[key];
    let registered: { e(code: string): unknown } | undefined;
    global[key] = { register: (_url: string, raw: { e(code: string): unknown }) => (registered = raw) };
    try {
      // Names the transform writes elsewhere are the module's own here: the eval binds none of them.
      const source = "export const hidden = 41, __hz$e = 'e', __hz$c = 'c', __hz$v = 'v';\n";
      const { code } = transformModule(source, { url });
      await import(`data:text/javascript,${encodeURIComponent(code)}`);
      assert.ok(registered);
      assert.equal(registered.e('hidden + 1'), 42);
      assert.deepEqual(registered.e('[__hz$e, __hz$c, __hz$v]'), ['e', 'c', 'v']);
      const meta = registered.e('') as { url: string };
      assert.match(meta.url, /^data:text\/javascript,/);
    } finally {
      global[key] = saved;
    }
  });
});

describe('scan', () => {
  test('isSpaceCode matches exactly what \\s matches, for every UTF-16 code unit', () => {
    for (let code = 0; code <= 0xffff; code++) {
      assert.equal(isSpaceCode(code), /\s/.test(String.fromCharCode(code)), `U+${code.toString(16)}`);
    }
  });

  test('scanCode with stops visits exactly the characters of code a full scan visits that the stops match', () => {
    // Tricky snippets, then packages as published (not written by us): every string, comment, template and regex
    // must be skipped alike, or a bracket inside one would be counted.
    const snippets = [
      `f("(", '[', a / b, /* ) */ x) // ]`,
      String.raw`g(/\(/g, /[\]]/)`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal, scanned as source
      'h(`{${g(")")}`)',
      'if (a) /re[/(]x/.test(s); else { c = d / 2 / e; }',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal, scanned as source
      'x = `a${`b${[1, "}"].map((q) => q)}`}` + y[0]',
      'const { a, b: [c] } = o, e = (1, 2); function f(x = {}) { return x; }',
      'return /[/]/.source + typeof /}/ + void /)/',
    ];
    const published = ['magic-string/dist/index.mjs', 'fflate/esm/index.mjs', 'acorn/dist/acorn.mjs'].map((file) =>
      fs.readFileSync(path.join(repoRoot, 'node_modules', file), 'utf8'),
    );
    const patterns = [BRACKETS, codeStops('()[]{},;'), codeStops('()[]{}', 'const|let|var|function|async')];
    let visited = 0;
    for (const source of [...snippets, ...published]) {
      for (const pattern of patterns) {
        const full: string[] = [];
        scanCode(source, 0, (i, c) => {
          pattern.lastIndex = i;
          const match = pattern.exec(source);
          if (match?.index === i && !'"\'`/'.includes(c)) full.push(`${i}${c}`);
          return false;
        });
        const jumped: string[] = [];
        scanCode(
          source,
          0,
          (i, c) => {
            if (!'"\'`/'.includes(c)) jumped.push(`${i}${c}`);
            return false;
          },
          pattern,
        );
        assert.deepEqual(jumped, full, `${pattern.source} over ${source.slice(0, 40)}`);
        visited += full.length;
      }
    }
    assert.ok(visited > 10_000, `${visited} characters compared`);
  });

  test('codeStops escapes the characters of its class', () => {
    const stops = codeStops('-]^\\');
    for (const c of ['-', ']', '^', '\\', '"', '/']) {
      stops.lastIndex = 0;
      assert.equal(stops.exec(`ab${c}`)?.index, 2, c);
    }
    stops.lastIndex = 0;
    assert.equal(stops.exec('abc'), null);
  });

  test('classBodyStart skips an extends expression', () => {
    const source = 'class extends mix({ a: 1 }, (x) => x) {';
    assert.equal(classBodyStart(source, 0), source.length - 1);
  });

  test('expressionEnd finds the end of a default expression, with ASI and continuations', () => {
    // What follows `export default `, and where the expression ends (offset), with a semicolon or not.
    const ends = (cases: ReadonlyArray<readonly [string, number, true?]>) => {
      for (const [rest, at, semicolon = false] of cases) {
        assert.deepEqual(expressionEnd(`export default ${rest}`, 14), { at, semicolon }, rest);
      }
    };
    ends([
      ['1 + f(2, 3);', 26, true],
      ['a\nconst b = 1', 16],
      ['a\n+ b\nlet c', 20],
      ['a // c', 16],
      ['"x"', 18],
      ['"x" // c\nfoo()', 18],
    ]);
    assert.equal(expressionEnd('export default a)', 14), undefined);
    // No ASI inside: a postfix ++ / -- cannot follow a line break; a literal, `!` or a name cannot continue.
    for (const next of ['++b', '--b', '"x"', '!b', '1', 'b', '{ }', '#!']) {
      assert.deepEqual(expressionEnd(`export default a\n${next}`, 14), { at: 16, semicolon: false }, next);
    }
    for (const next of [
      '(b)',
      '[b]',
      '`t`',
      '/b/g',
      '+b',
      '-b',
      '.b',
      '?.b',
      '? b : c',
      'in b',
      'instanceof b',
      '= 1',
    ]) {
      assert.deepEqual(
        expressionEnd(`export default a\n${next}`, 14),
        { at: 17 + next.length, semicolon: false },
        next,
      );
    }
    ends([
      ['a++\nb', 18],
      ['typeof\nb', 23],
      ['a.new\nb', 20],
      ['π\nb', 16],
      // An arrow function's block body ends the expression at a line break (but for `:` of a conditional).
      ['() => {}\n(1)', 23],
      ['x => y => {}\n+1', 27],
      ['a ? () => {}\n: b', 31],
      ['(x) => x\n(1)', 27],
    ]);
  });

  test('topLevelDeclarations finds function and variable declarations at depth 0 only, never function expressions', () => {
    const source = [
      '{ const a = 1; }',
      'const a = 2, { b, c: [d] } = x;',
      'let e',
      'x = function f() {};',
      'async function g() {}',
      'export default function h() {}',
    ].join('\n');
    const found = topLevelDeclarations(source);
    assert.deepEqual([...found.keys()].sort(), ['a', 'b', 'd', 'e', 'g', 'h']);
    const a = found.get('a');
    assert.equal(a?.type === 'variable' && a.statement.keyword, 17);
    assert.deepEqual(a?.type === 'variable' && a.statement.declarators.map((d) => d.names), [['a'], ['b', 'd']]);
  });

  test('variableStatement reads every declarator and where the statement ends, with or without a semicolon', () => {
    const semi = variableStatement('const unit = f(1, 2), limit = 20; next()', 0);
    assert.deepEqual(
      semi?.declarators.map((d) => [d.simple, d.init]),
      [
        ['unit', 13],
        ['limit', 30],
      ],
    );
    assert.deepEqual(semi?.end, { at: 32, semicolon: true });
    const asi = variableStatement('let a = 1\nfoo(), bar()', 0);
    assert.deepEqual(
      asi?.declarators.map((d) => d.names),
      [['a']],
    );
    assert.deepEqual(asi?.end, { at: 9, semicolon: false });
  });

  test('Writes finds assignments, updates, for-of targets and destructuring assignments, not declarations', () => {
    const writes = (source: string, name: string) => new Writes(source).written(name, [[0, 0]]);
    for (const source of ['x = 1', 'x ??= 1', '++x', 'x--', 'for (x of xs) {}']) {
      assert.equal(writes(source, 'x'), true, source);
    }
    assert.equal(writes('[lo, hi] = [a, b]', 'hi'), true);
    assert.equal(writes('({ mode: m, ...rest } = cfg)', 'rest'), true);
    for (const source of ['const [x] = y; let { z = x } = w; o.x = 1; x == 2; f(x)', 'function f() { let x = 2; }']) {
      assert.equal(writes(source, 'x'), false, source);
    }
  });

  test('Writes finds writes behind parentheses, in for-of/in head patterns, across comments and line breaks', () => {
    const writes = (source: string, name: string, redeclarations = false) =>
      new Writes(source).written(name, [[0, 0]], false, redeclarations);
    for (const source of [
      'for ([x] of xs) ;',
      'for ({ x } of xs) ;',
      'for ({ k: [x] } in o) ;',
      'async function g() { for await ([x] of xs) ; }',
      'for (/* c */x of xs) ;',
      '(x) = 1',
      '(x)++',
      '((x)) += 1',
      '[(x)] = [1]',
      '({ a: (x) } = o)',
      '++\nx',
      '++\tx',
      '++/* c */x',
      '[a.b, x] /* c */ = [1, 2]',
      '[x, y = "]"] = [1]',
      '[x, y = "["] = [1]',
      '[x, /* ] */ y] = [1]',
      '[x, y = /]/] = [1]',
      '[x, y = `]`] = [1]',
      'for ([x, y = "["] of xs) ;',
    ]) {
      assert.equal(writes(source, 'x'), true, source);
    }
    // A `var` declarator with a value writes a module-level `var` (asked so), and shadows any other binding.
    for (const source of ['var x = 2', '{ var x = 2 }', 'for (var x of xs) ;']) {
      assert.equal(writes(source, 'x', true), true, source);
      assert.equal(writes(source, 'x'), false, source);
    }
    // A line comment ending in `--` or `++` is no operator; a condition is not a target (`(x) ++y` is on the safe side).
    for (const source of [
      '// ------\nx.m = 1',
      'if (x) y = 1',
      'f(x) == 1',
      'let [x] = a; for (const [x] of xs) ;',
      'o[x] = 1; o[0][x] = 2; o.k\n[x] = 3',
      'class K { static [x] = 1 }',
    ]) {
      assert.equal(writes(source, 'x'), false, source);
    }
  });

  test('Writes of a large source answers names it was not told to expect, and skips its own declarations', () => {
    // Over 100,000 characters the names are looked up in an index of the expected ones; others are searched.
    const names = Array.from({ length: 12_000 }, (_, i) => `v${i}`);
    const source = `export let ${names.map((name, i) => `${name}=${i}`).join(',')};\nv7 += 1; ß = 2; x.v9 = 3;\n`;
    const declared: Array<[number, number]> = names.map((name) => {
      const at = source.indexOf(`${name}=`);
      return [at, at + name.length];
    });
    const writes = new Writes(source);
    writes.expect(names);
    assert.ok(source.length > 100_000);
    assert.equal(writes.written('v7', declared), true);
    assert.equal(writes.written('v9', declared), false, 'a property of the same name is not the binding');
    assert.equal(writes.written('v11999', declared), false);
    assert.equal(writes.written('ß', declared), true, 'not expected: found by a search');
    assert.equal(writes.written('v7', []), true);
    // Declared ranges out of order are searched one by one.
    assert.equal(writes.written('v3', [...declared].reverse()), false);
  });

  test('Writes of a large source skips the declarations it is told of, and finds every kind of write', () => {
    // Names of two first characters (searched for, not read character by character), declared in one statement
    // whose declarations the index skips; the writes come after, in every form the scan knows.
    const names = Array.from({ length: 6_000 }, (_, i) => (i % 2 === 0 ? `k${i}` : `m${i}`));
    const declaration = `export let ${names.map((name, i) => `${name}=${i}`).join(',')};\n`;
    const tail = 'k2 = 1; m3 += 2; ++k4; m5--; [k6, m7] = [1, 2]; for (k8 of []); x.k10 = 1; k12x = 1; 3k14 = 1;';
    const source = `${declaration}${tail}\n`.padEnd(120_000, ' ');
    const declaredAt = names.map((name) => source.indexOf(`${name}=`));
    const declared: Array<[number, number]> = names.map((name, i) => [
      declaredAt[i] ?? 0,
      (declaredAt[i] ?? 0) + name.length,
    ]);
    const writes = new Writes(source);
    writes.expect(names, declaredAt);
    for (const name of ['k2', 'm3', 'k4', 'm5', 'k6', 'm7', 'k8'])
      assert.equal(writes.written(name, declared, true), true, name);
    for (const name of ['k10', 'k12', 'k14', 'm5999', 'k0'])
      assert.equal(writes.written(name, declared, true), false, name);
    // Asked about without saying it was announced, a name is looked up the same way.
    assert.equal(writes.written('k2', declared), true);
    assert.equal(writes.written('k16', declared), false);
    assert.equal(writes.mayWriteAny(), true);
    // Without the writes, none is found, and that is known without asking about each name.
    const unwritten = new Writes(`${declaration}x.k10 = 1; k12x = 1; f(k2, m3);\n`.padEnd(120_000, ' '));
    unwritten.expect(names, declaredAt);
    assert.equal(unwritten.mayWriteAny(), false);
    // A string's escape names nothing asked about: still known at once. A write through an escape is found.
    const strings = `${declaration}f('caf\\u00e9');\n`.padEnd(120_000, ' ');
    const quiet = new Writes(strings);
    quiet.expect(names, declaredAt);
    assert.equal(quiet.mayWriteAny(), false);
    const escaped = new Writes(`${declaration}\\u006b2 = 1;\n`.padEnd(120_000, ' '));
    escaped.expect(names, declaredAt);
    assert.equal(escaped.mayWriteAny(), true);
    assert.equal(escaped.written('k2', declared, true), true);
    assert.equal(escaped.written('k4', declared, true), false);
  });
});

test('a mode global is a 9-character identifier per instance URL', () => {
  const names = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const name = modeGlobal(`zip:///srv/app.zip!/m${i}.js?hz=${i % 7}`);
    assert.match(name, /^\$hz[A-Za-z0-9$_]{6}$/);
    names.add(name);
  }
  // 32 bits of hash: 2,000 URLs collide with a chance under 1 in 2,000.
  assert.ok(names.size >= 1999, `${names.size} distinct names`);
  assert.equal(modeGlobal('zip:///a.zip!/x.js'), modeGlobal('zip:///a.zip!/x.js'));
});
