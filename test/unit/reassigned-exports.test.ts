/**
 * The oracle of reassigned exports (test/helpers/reassigned-exports.ts), itself checked on the scopes it must see
 * through, then held against the transform on minimal modules: every export the module reassigns must be in a new
 * version's list, or importers would keep the value it had when the update came.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { transformModule } from '../../lib/transform/transform.js';
import { listedReassigned, reassignedExports } from '../helpers/reassigned-exports.js';

/** Modules, each with the exports it reassigns. */
const REASSIGNING: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['export let n = 0; export function inc() { n++ }', ['n']],
  ['export let a, b; [a, b] = [1, 2];', ['a', 'b']],
  ['export let a, b; ({ k: a, ...b } = {});', ['a', 'b']],
  ['export let x; for (x in {}) ;', ['x']],
  ['export let x; x ??= 1; export let y; y &&= 2', ['x', 'y']],
  ['export let x; function g() { return () => { x = 2 } }', ['x']],
  ['export let x; class C { static { x = 1 } }', ['x']],
  ['export let x; class K { f = (x = 1); }', ['x']],
  ['export let x; try {} catch ({ y }) { x = y }', ['x']],
  ['let x; export { x as y, x as "s n", x as default }; x = 1;', ['default', 's n', 'y']],
  ['export default function f() {} f = 1;', ['default']],
  ['export class C {} C = 1;', ['C']],
  ['export let q; for ([q] of []) ;', ['q']],
  ['export let q; for ({ q } of []) ;', ['q']],
  ['export let q; for ({ k: [q] } of []) ;', ['q']],
  ['export let x; for ([x] in {}) ;', ['x']],
  ['export let x; async function g() { for await ([x] of []) ; }', ['x']],
  ['export let x; for (/* c */x of []) ;', ['x']],
  ['export let x; (x) = 1;', ['x']],
  ['export let x; (x)++;', ['x']],
  ['export let x; ((x)) += 1;', ['x']],
  ['export let x; [(x)] = [1];', ['x']],
  ['export let x; ({ a: (x) } = {});', ['x']],
  ['export let x; ++\nx;', ['x']],
  ['export let x; ++\tx;', ['x']],
  ['export let x; ++/* c */x;', ['x']],
  ['export let x; [a.b, x] /* c */ = [1, 2];', ['x']],
  ['export let x; [x, y = "]"] = [1]', ['x']],
  ['export let x; [x, y = "["] = [1]', ['x']],
  ['export let x; [x, /* ] */ y] = [1]', ['x']],
  ['export let x; [x, y = /]/] = [1]', ['x']],
  ['export let x; [x, y = `]`] = [1]', ['x']],
  ['export let x; for ([x, y = "["] of []) ;', ['x']],
  ['export var v = 1; var v = 2;', ['v']],
  ['export var v = 1; { var v = 2; }', ['v']],
  ['export var v = 1; for (var v of []) ;', ['v']],
  ['export let x; function f() { return [x] = [1]; }', ['x']],
  ['export let x, y; if (x) [x, y] = [y, x];', ['x', 'y']],
  ['export let x; export default [x] = [1];', ['x']],
  ['export let x; const o = {}; o[x] = 1; o[0][x] = 2; [x] = [3];', ['x']],
];

/** Modules that write a name an export has, but never the exported binding. */
const NOT_REASSIGNING: readonly string[] = [
  'export function f(f = 1) { f = 2 }',
  'export let x; function g(x) { x = 1 }',
  'export let x; function g() { var x; x = 1 }',
  'export let x; { let x; x = 1 }',
  'export let x; try {} catch (x) { x = 1 }',
  'export let x; for (let x of []) x = 1;',
  'export let x; const o = { x: 1 }; o.x = 2;',
  'export class C { m() { try { C = 1 } catch {} } }',
  'export const k = 1;',
  'let x = 1; export default x; x = 2;',
  'export let x; (function x() { x = 1 })',
  'export let x; class K { static { var x = 1; x++ } }',
  'export let x; const o = {}; o[x] = 1; o[0][x] = 2; o.k[x] = 3;',
  'export let x; class K { static [x] = 1; [x] = 2 }',
];

describe('reassigned exports oracle', () => {
  test('finds every write of a module-level binding, through every scope', () => {
    for (const [source, names] of REASSIGNING) assert.deepEqual(reassignedExports(source), names, source);
  });

  test('sees parameters, nested declarations, catch bindings and a class name inside its class as other bindings', () => {
    for (const source of NOT_REASSIGNING) assert.deepEqual(reassignedExports(source), [], source);
  });

  test("a new version lists every export the module reassigns (the parser's answer)", () => {
    for (const [source] of REASSIGNING) {
      const code = transformModule(source, { url: 'zip:///srv/app.zip!/m.js', versioned: true }).code;
      const listed = listedReassigned(code);
      for (const name of reassignedExports(source)) assert.ok(listed.includes(name), `${name} in ${source}`);
    }
  });

  test('reads the list from the registration, empty when the module reassigns nothing', () => {
    const listed = (source: string) =>
      listedReassigned(transformModule(source, { url: 'zip:///srv/app.zip!/m.js', versioned: true }).code);
    assert.deepEqual(listed('export let a = 0, b = 0; a++; b = 1;'), ['a', 'b']);
    assert.deepEqual(listed('export let a = 0; export const k = 1;'), []);
  });
});
