/**
 * Syntax error positions for module sources (Node gives none for a caught module SyntaxError) and code frames.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { codeFrame, syntaxErrorPosition } from '../../lib/code-frame.js';
import { typeScriptSyntaxErrorPosition } from '../../lib/load/typescript.js';
import { typeScriptMode } from '../../lib/node-support.js';

describe('syntaxErrorPosition', () => {
  test('finds the line and column past import and export syntax', () => {
    const source = "import a from './a.js';\nexport const x = 1;\nexport default function () {}\nlet y = ;\n";
    assert.deepEqual(syntaxErrorPosition(source, 'zip:///a.zip!/m.js'), { line: 4, column: 9 });
  });

  test('allows top-level await and import.meta, as modules do', () => {
    assert.equal(syntaxErrorPosition('const u = import.meta.url;\nawait 1;\nexport { u };\n', 'm.js'), undefined);
  });

  test('still finds errors when the lexer gives up on the source', () => {
    assert.deepEqual(syntaxErrorPosition('export { a };\nconst a = 1;\nfoo(;\n', 'm.js'), { line: 3, column: 5 });
    assert.deepEqual(syntaxErrorPosition('export default 1;\nif (x {\n}\n', 'm.js'), { line: 2, column: 7 });
  });

  test('undefined for a sound module', () => {
    assert.equal(syntaxErrorPosition("export * from './b.js';\nexport let n = 1;\n", 'm.js'), undefined);
  });
});

describe('codeFrame', () => {
  test('numbers the lines around the error and puts a caret under the column', () => {
    const frame = codeFrame('one\ntwo\nthree x\nfour\nfive\nsix', { line: 3, column: 7 });
    assert.equal(
      frame,
      ['  1 | one', '  2 | two', '> 3 | three x', '    |       ^', '  4 | four', '  5 | five'].join('\n'),
    );
  });
});

describe('typeScriptSyntaxErrorPosition', { skip: typeScriptMode === undefined && 'this Node erases no types' }, () => {
  test('an erasing error is located in the source, tabs and wide characters included', () => {
    const source = 'interface A { a: number }\nconst s = "é€😀";\n\tlet x: A; enum E { B }\n';
    assert.deepEqual(typeScriptSyntaxErrorPosition(source, 'm.ts'), { line: 3, column: 12 });
    assert.deepEqual(typeScriptSyntaxErrorPosition('const t: string = "😀"; enum E { B }\n', 'm.ts'), {
      line: 1,
      column: 25,
    });
    assert.deepEqual(typeScriptSyntaxErrorPosition('let t = "中文e\u0301"; enum E { B }\n', 'm.ts'), {
      line: 1,
      column: 17,
    });
  });

  test('an error only the engine sees is located in the erased source; a sound module has none', () => {
    assert.deepEqual(typeScriptSyntaxErrorPosition('type T = 1;\nlet a: T = 1; let a = 2;\n', 'm.ts'), {
      line: 2,
      column: 19,
    });
    assert.equal(typeScriptSyntaxErrorPosition('export type T = 1;\nexport const a: T = 1;\n', 'm.ts'), undefined);
  });
});
