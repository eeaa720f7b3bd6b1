/**
 * Syntax error positions for module sources (Node gives none for a caught module SyntaxError) and code frames.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { codeFrame, syntaxErrorPosition } from '../../lib/code-frame.js';

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
