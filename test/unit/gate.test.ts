/**
 * A new version's gate: one short import in the version's source, resolved by the hooks to a module of the version's
 * own whose source reports that version linked.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { LoadFnOutput, ResolveFnOutput } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as acorn from 'acorn';
import { GATE_IMPORT } from '../../lib/load/gate.js';
import { createHooks } from '../../lib/load/hooks.js';
import { RUNTIME_SYMBOL, transformModule } from '../../lib/transform/transform.js';
import { writeZip } from '../helpers/fixtures.js';

const hooks = createHooks({ shimRequire: false, hot: true });
const version = 'zip:///srv/app.zip!/a.js?hz=3u';

function resolve(specifier: string, parentURL: string): ResolveFnOutput {
  const next = (): ResolveFnOutput => ({ url: 'next:', shortCircuit: true });
  return hooks.resolve(
    specifier,
    { conditions: ['node', 'import'], importAttributes: {}, parentURL },
    next,
  ) as ResolveFnOutput;
}

test('each version imports a gate of its own, whose source reports that version linked', () => {
  const specifier = JSON.parse(/import (".*");$/.exec(GATE_IMPORT)?.[1] ?? '""') as string;
  const gate = resolve(specifier, version).url;
  assert.notEqual(gate, resolve(specifier, 'zip:///srv/app.zip!/a.js?hz=4u').url);
  const next = (): LoadFnOutput => assert.fail('a gate is served by hotzip');
  const loaded = hooks.load(gate, { conditions: [], format: undefined, importAttributes: {} }, next) as LoadFnOutput;
  assert.equal(loaded.format, 'module');
  assert.equal(
    String(loaded.source),
    `await globalThis[Symbol.for(${JSON.stringify(RUNTIME_SYMBOL)})]?.linked("zip:///srv/app.zip!/a.js?hz=3u");`,
  );
  // Only a module in an archive is given one: elsewhere the specifier is the next hook's to resolve.
  assert.equal(resolve(specifier, 'file:///srv/main.js').url, 'next:');
});

describe('a version whose graph holds no other gated module awaits its go-ahead in its own body', () => {
  const url = 'zip:///srv/app.zip!/a.js?hz=5';
  const gate = `await globalThis[Symbol.for(${JSON.stringify(RUNTIME_SYMBOL)})]?.linked("${url}");`;
  const parse = (code: string): void => {
    acorn.parse(code, { sourceType: 'module', ecmaVersion: 'latest', allowHashBang: true });
  };
  const inline = (source: string, sourceMapUrl?: string) =>
    transformModule(source, { url, versioned: true, inlineGate: true, sourceMapUrl });

  test('among its leading imports, before its registration, moving no column', () => {
    for (const source of [
      "import { b } from './b.js'\n(b)();\nexport const a = 1;\n",
      "// a comment\nimport { b } from './b.js';\nexport function a() { return b; }\n",
      "import { b } from './b.js'; // why\nexport let a = b;\n",
    ]) {
      const { code, gatedInline } = inline(source);
      assert.equal(gatedInline, true, source);
      const at = code.indexOf(gate);
      assert.ok(at !== -1 && at < code.indexOf('var ÿ='), code);
      const lines = code.split('\n');
      source.split('\n').forEach((line, row) => {
        if (row === 0 || line.startsWith('export function')) return;
        assert.equal(lines[row], line.replace('export const', 'export let  '), code);
      });
      parse(code);
    }
  });

  test("after a first line that runs nothing observable, at that line's end, moving no column", () => {
    for (const source of [
      'export const version = 1;\nexport function f(a) { return a + version; }\n',
      "const name = 'x';\r\nexport { name };\r\n",
      '#!/usr/bin/env node\nexport let n = -0x1F;  \n(n)();\n',
      "'use strict';\nexport const a = 2;\n",
    ]) {
      const { code, gatedInline } = inline(source);
      assert.equal(gatedInline, true, source);
      const lines = code.split('\n');
      const row = source.startsWith('#!') ? 1 : 0;
      assert.ok(lines[row]?.replace(/\r$/, '').endsWith(gate), code);
      // The first line's code keeps its columns (a const becomes an equally wide let); later lines are untouched.
      assert.equal(lines[row]?.slice(0, 12), source.split('\n')[row]?.replace('const', 'let  ').slice(0, 12), code);
      assert.equal(lines.length, source.split('\n').length + 1, code);
      parse(code);
    }
    // Not inert: a call, a member read, no `;` of its own (the statement may go on), more code on the line.
    for (const first of [
      'export const a = f();',
      'const a = 1..x;',
      'export const a = 1',
      'const a = 1; f();',
      'const a = b;',
    ]) {
      assert.equal(inline(`${first}\nexport { a };\n`).gatedInline, undefined, first);
    }
  });

  test('a module whose line 1 is other code keeps its gate module: an await there would move that line', () => {
    const source = 'export const a = compute();\nexport function f() { return a; }\n';
    const { code, gatedInline } = inline(source);
    assert.equal(gatedInline, undefined);
    assert.ok(!code.includes('.linked('), code);
    // With a source map the columns are mapped back anyway: the await goes first.
    const mapped = inline(source, 'zip:///srv/app.zip!/a.js');
    assert.equal(mapped.gatedInline, true);
    assert.ok(mapped.code.startsWith(gate), mapped.code);
    parse(mapped.code);
  });

  test('one that takes line 1 anyway (it reads import.meta) awaits there, before registering', () => {
    const { code, gatedInline } = inline('console.log(import.meta.url);\nexport const a = 1;\n');
    assert.equal(gatedInline, true);
    assert.ok(code.startsWith(`${gate}var ÿ=`), code);
    parse(code);
  });

  test('a module of one hashbang line, and any module unless asked, keeps its gate module', () => {
    assert.equal(inline('#!/usr/bin/env node').gatedInline, undefined);
    const plain = transformModule("import { b } from './b.js';\nexport const a = b;\n", { url, versioned: true });
    assert.equal(plain.gatedInline, undefined);
    assert.ok(!plain.code.includes('.linked('), plain.code);
  });

  test('a module that binds globalThis finds the runtime in the global scope', () => {
    const { code, gatedInline } = inline("import { b } from './b.js';\nconst globalThis = b;\nexport const a = 1;\n");
    assert.equal(gatedInline, true);
    assert.match(code, /await \(\(\)=>\{try\{return\(0,eval\)\(.*\)\}catch\{\}\}\)\(\)\?\.linked\(/);
    parse(code);
  });
});

test('the load hook leaves out what the runtime lets a version leave out: its gate module, an unchanged export list', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-gate-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const archive = path.join(dir, 'app.zip');
  writeZip(archive, { 'a.js': "import './b.js';\nexport const a = 1;\n", 'b.js': 'export {};\n' });
  const asked: string[] = [];
  const gated = createHooks({
    shimRequire: false,
    hot: true,
    sameThread: true,
    versionHints: (url) => {
      asked.push(url);
      // Version 7 gates inline and keeps its predecessor's list; version 8 neither; version 9 has a changed list.
      if (url.endsWith('=8')) return { inlineGate: false, layout: 'a' };
      return { inlineGate: url.endsWith('=7'), layout: url.endsWith('=7') ? 'a' : 'a,b' };
    },
  });
  const base = `zip://${pathToFileURL(archive).pathname}!/a.js`;
  const load = (url: string): string => {
    const next = (): LoadFnOutput => assert.fail('served by hotzip');
    const context = { conditions: [], format: undefined, importAttributes: {} };
    return String((gated.load(url, context, next) as LoadFnOutput).source);
  };
  const inline = load(`${base}?hz=7`);
  assert.ok(inline.includes(`.linked("${base}?hz=7");var `) && !inline.includes(GATE_IMPORT), inline);
  assert.ok(!inline.includes(',l:'), inline);
  const gatedByModule = load(`${base}?hz=8`);
  assert.ok(gatedByModule.endsWith(GATE_IMPORT) && !gatedByModule.includes('.linked('), gatedByModule);
  assert.ok(!gatedByModule.includes(',l:'), gatedByModule);
  assert.ok(load(`${base}?hz=9`).includes(',l:"a",'));
  // A first instance is never asked.
  assert.ok(load(base).includes(',l:"a",'));
  assert.deepEqual(asked, [`${base}?hz=7`, `${base}?hz=8`, `${base}?hz=9`]);
});
