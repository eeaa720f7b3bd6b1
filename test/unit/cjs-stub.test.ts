/**
 * The import stub for archive CommonJS (lib/load/cjs-stub.ts): what it runs, and which re-exported sources it carries for
 * Node's export lexer. Its effect on real namespaces is tested against Node in e2e-cjs-require.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CJS_REGISTRY_KEY, cjsImportStub, type Reexported } from '../../lib/load/cjs-stub.js';

const sources: Record<string, string> = {
  'zip:///a.zip!/star.js': "__exportStar(require('./deep.js'), exports);\n",
  'zip:///a.zip!/deep.js': "exports.deep = 1;\nmodule.exports = require('./index.js');\n",
  'zip:///a.zip!/old.js': 'exports.old = 1;\n',
  'zip:///a.zip!/spread.js': 'exports.spread = 1;\n',
  'zip:///a.zip!/first.js': 'exports.first = 1;\n',
  'zip:///a.zip!/dropped.js': 'exports.dropped = 1;\n',
};

function read(specifier: string, parent: Reexported): Reexported | undefined {
  const url = new URL(specifier, parent.url.replace('zip:', 'file:')).href.replace('file:', 'zip:');
  const source = sources[url];
  return source === undefined ? undefined : { url, source };
}

const index = [
  '#!/usr/bin/env node',
  "module.exports = require('./first.js');",
  'module.exports = function replaced() {};',
  "__exportStar(require('./dropped.js'), exports);",
  "module.exports = { ...require('./spread.js') };",
  "(0, tslib_1.__exportStar)(require('./star.js'), exports);",
  "__export(require('./old.js'));",
  "require('./not-a-reexport.js');",
].join('\n');

test('the stub returns the registry instance first, and keeps the source as dead code', () => {
  const stub = cjsImportStub({ url: 'zip:///a.zip!/index.js', source: index });
  const [first, ...rest] = stub.split('\n');
  assert.equal(
    first,
    `module.exports = module.constructor["${CJS_REGISTRY_KEY}"]("zip:///a.zip!/index.js", module); return;`,
  );
  // A hashbang is valid only at the very start: it becomes a comment of the same length.
  assert.equal(rest.join('\n'), index.replace('#!', '//'));
});

test('re-exported sources are carried transitively, once each, as the lexer keeps them', () => {
  const stub = cjsImportStub({ url: 'zip:///a.zip!/index.js', source: index }, read);
  const carried = ['deep', 'old', 'spread', 'first', 'dropped'].filter((name) => stub.includes(`exports.${name} = 1;`));
  // A later `module.exports =` drops the re-exports before it (first.js, dropped.js).
  assert.deepEqual(carried, ['deep', 'old', 'spread']);
  // deep.js re-exports index.js again: the cycle ends there.
  assert.equal(stub.split("__export(require('./old.js'))").length, 2);
  // Each carried module in a function of its own: its declarations cannot clash with the module's.
  assert.ok(stub.includes(';(function () {\nexports.old = 1;\n\n});'));
});

test('without a reader nothing is carried but the module itself', () => {
  const stub = cjsImportStub({ url: 'zip:///a.zip!/index.js', source: index });
  assert.ok(!stub.includes('exports.deep'));
});

test('the reader is handed back the module it returned, with whatever it added', () => {
  type Traced = Reexported & { depth: number };
  const parents: Traced[] = [];
  const traced = (specifier: string, parent: Traced): Traced | undefined => {
    parents.push(parent);
    const found = read(specifier, parent);
    return found === undefined ? undefined : { ...found, depth: parent.depth + 1 };
  };
  const stub = cjsImportStub({ url: 'zip:///a.zip!/index.js', source: index, depth: 0 }, traced);
  assert.ok(stub.includes('exports.deep = 1;'));
  // star.js (depth 1) was read from index.js, and deep.js (depth 2) from star.js: each time from the object returned.
  assert.deepEqual(
    [...new Set(parents.map((parent) => `${parent.url.slice('zip:///a.zip!/'.length)}@${parent.depth}`))],
    ['index.js@0', 'star.js@1', 'deep.js@2'],
  );
});
