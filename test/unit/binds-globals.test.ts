/**
 * The transform's search for declarations that bind `globalThis`, `Symbol` or `Object` (which then makes the inserted
 * code look them up the long way): tried only where those names occur, it must say exactly what the whole-source
 * regex says.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bindsGlobals, GLOBAL_BINDING, mayAwait } from '../../lib/transform/transform.js';
import { prng } from '../helpers/prng.js';

describe('bindsGlobals', () => {
  test('finds each form of binding, and none of the mere uses', () => {
    for (const source of [
      'var Symbol = root.Symbol;',
      'let  Object = {};',
      'const\nglobalThis = 1;',
      'import Symbol from "./s.js";',
      'import { a as Object } from "./o.js";',
      'function Object() {}',
      'function* Symbol() {}',
      'class globalThis {}',
      'const { Symbol } = x;',
      'const [a, Object] = x;',
      'export { x as Symbol }',
    ]) {
      assert.equal(bindsGlobals(source), true, source);
    }
    for (const source of [
      'Object.keys(x); Symbol("s"); globalThis.a = 1;',
      'var MySymbol = 1; let Objects = 2;',
      'const a = [Object.create(null)];',
      'f(Symbol.iterator, Object(x))',
      '',
    ]) {
      assert.equal(bindsGlobals(source), false, source);
    }
  });

  test('agrees with the whole-source regex on generated sources', () => {
    const parts = [
      'Object',
      'Symbol',
      'globalThis',
      ' ',
      '\n',
      '\t',
      '\u00a0',
      'function',
      'function*',
      'class',
      'var',
      'let',
      'const',
      'import',
      'as',
      'xas',
      '{',
      ',',
      '[',
      '(',
      '.',
      '=',
      ';',
      '*',
      'x',
      '$',
      '_',
      'é',
    ];
    const random = prng(15);
    let found = 0;
    for (let i = 0; i < 50_000; i++) {
      let source = '';
      const length = 1 + Math.floor(random() * 8);
      for (let k = 0; k < length; k++) source += parts[Math.floor(random() * parts.length)];
      const expected = GLOBAL_BINDING.test(source);
      if (expected) found++;
      assert.equal(bindsGlobals(source), expected, JSON.stringify(source));
    }
    // The generator reaches both answers often.
    assert.ok(found > 1000 && found < 49_000, String(found));
  });
});

describe('mayAwait', () => {
  test('the word await, not a longer name', () => {
    assert.equal(mayAwait('await x;'), true);
    assert.equal(mayAwait('const a = 1;\nawait\n'), true);
    assert.equal(mayAwait('const awaited = 1; x.awaitable();'), false);
    assert.equal(mayAwait('const a = 1;'), false);
  });
});
