/**
 * The hot transform and its scanner: what the rewrite inserts, that every line stays where it was, and that the
 * description handed to the runtime (locals, reassigned exports, imports, re-exports) is right.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classBodyStart, expressionEnd, functionBodyStart, topLevelConstDeclarations } from '../lib/scan.js';
import { transformModule } from '../lib/transform.js';

const url = 'zip:///srv/app.zip!/m.js';

function run(source: string, versioned = false): { code: string; body: string; description: Record<string, unknown> } {
  const { code } = transformModule(source, { url, versioned });
  const end = code.indexOf('??{m:0};') + '??{m:0};'.length;
  const registration = code.slice(0, end);
  const match =
    /register\("([^"]+)",\(\)=>import\.meta,\{e:\(__hz\$c,__hz\$v\)=>eval\(__hz\$c\),(.*)\}\)\?\?\{m:0\};$/.exec(
      registration,
    );
  assert.ok(match, registration);
  assert.equal(match[1], url);
  const description = Function(`return {${match[2]}}`)() as Record<string, unknown>;
  return { code, body: code.slice(end), description };
}

describe('transformModule', () => {
  test('keeps every line in place: edits only insert on existing lines, plus one appended line for defaults', () => {
    const source = 'export const a = 1;\n\nexport function f(x) {\n  return x;\n}\nexport default (y) => y;\n';
    const after = run(source).code.split('\n');
    assert.equal(after.length, source.split('\n').length + 1);
    assert.match(after[0] ?? '', /export let {3}a = 1;$/);
    assert.equal(after[1], '');
    assert.match(after[2] ?? '', /^export function f\(x\) \{if\(__hz\$\?\.m\)/);
    assert.equal(after[3], '  return x;');
    assert.equal(after[5], 'let __hz$default=({default: (y) => y}).default;');
  });

  test('export const becomes a reassignable let of the same length', () => {
    const { body } = run('export const a = 1, b = 2;\n');
    assert.equal(body, 'export let   a = 1, b = 2;\n');
  });

  test('a top-level const exported by a clause becomes let; one inside a block does not', () => {
    const { body } = run('const a = 1;\n{ const a = 2; }\nexport { a };\n');
    assert.equal(body, 'let   a = 1;\n{ const a = 2; }\nexport { a };\n');
  });

  test('default expressions get a local binding that keeps the name "default"', () => {
    const { body, description } = run('export default (function () {});\n');
    assert.equal(body, 'let __hz$default=({default: (function () {})}).default;\n\nexport{__hz$default as default};');
    assert.equal(description.l, 'default=__hz$default');
  });

  test('anonymous default declarations get a name, and their name property is set back to "default"', () => {
    const fn = run('export default function () { return 1; }\n');
    assert.match(
      fn.code,
      /^var __hz\$=.*Object\.defineProperty\(__hz\$default,'name',\{value:'default'\}\);export default function {2}__hz\$default \(\)/,
    );
    const cls = run('export default class { static name() {} }\n');
    assert.match(
      cls.body,
      /class {2}__hz\$default \{static\{if\(Object\.getOwnPropertyDescriptor\(this,'name'\)\?\.value==="__hz\$default"\)/,
    );
  });

  test('exported functions start with a trampoline; generators delegate, async and generators skip new.target', () => {
    const { body } = run(
      'export function f(a = {}) { return a; }\nexport async function g() {}\nexport function* h() {}\n',
    );
    assert.equal(
      body,
      [
        'export function f(a = {}) {if(__hz$?.m)return __hz$.t(0,this,arguments,new.target); return a; }',
        'export async function g() {if(__hz$?.m)return __hz$.t(1,this,arguments);}',
        'export function* h() {if(__hz$?.m)return yield*__hz$.t(2,this,arguments);}',
        '',
      ].join('\n'),
    );
  });

  test('lists only the exports the module reassigns as mutable', () => {
    const { description } = run(
      'export let a = 1, b = 2;\nexport let c = 3;\nexport function inc() { a++; b += 1; }\nexport function f() {}\nf.x = 1;\nlet o = { c: 1 };\n',
    );
    assert.deepEqual(description.m, ['a', 'b']);
    assert.equal(description.l, 'a,b,c,inc,f');
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

  test('a new version waits at its gate; a first instance does not', () => {
    assert.match(run('export const a = 1;\n', true).code, /if\(__hz\$\.g\)await __hz\$\.g;/);
    assert.doesNotMatch(run('export const a = 1;\n', false).code, /await/);
  });

  test('a hashbang line stays first', () => {
    assert.match(
      transformModule('#!/usr/bin/env node\nexport const a = 1;\n', { url, versioned: false }).code,
      /^#!\/usr\/bin\/env node\nvar __hz\$=/,
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
});

describe('scan', () => {
  test('functionBodyStart skips parameters with defaults, strings, regexes and comments', () => {
    const source = "function f(a = '(', b = /\\)/, c = { d: ')' } /* ) */) {";
    assert.equal(functionBodyStart(source, 0), source.length - 1);
  });

  test('classBodyStart skips an extends expression', () => {
    const source = 'class extends mix({ a: 1 }, (x) => x) {';
    assert.equal(classBodyStart(source, 0), source.length - 1);
  });

  test('expressionEnd finds the end of a default expression, with ASI and continuations', () => {
    assert.deepEqual(expressionEnd('export default 1 + f(2, 3);', 14), { at: 26, semicolon: true });
    assert.deepEqual(expressionEnd('export default a\nconst b = 1', 14), { at: 17, semicolon: false });
    assert.deepEqual(expressionEnd('export default a\n+ b\nlet c', 14), { at: 21, semicolon: false });
    assert.deepEqual(expressionEnd('export default "x" // c\nfoo()', 14), { at: 24, semicolon: false });
    assert.equal(expressionEnd('export default a)', 14), undefined);
  });

  test('topLevelConstDeclarations finds `const name =` at depth 0 only', () => {
    const found = topLevelConstDeclarations('{ const a = 1; }\nconst a = 2;\nconst b = 3;', new Set(['a', 'c']));
    assert.deepEqual([...found], [['a', 17]]);
  });
});
