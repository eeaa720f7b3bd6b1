/**
 * The hot transform proven on syntax. A seeded generator composes modules from fragments aimed at every place the
 * transform inserts or rewrites code — without semicolons, with lines that start with `(`, `[`, `` ` ``, `/`, `+`
 * or `-` after them, behind a hashbang, `'use strict'` or comments, with regexes and templates that spell `export`
 * and `import`, HTML-like comment tokens and Unicode identifiers, in every export shape — and checks that:
 * - the output parses as a module (acorn) and keeps the import and export lists (checkTransformed);
 * - for a sample, each module evaluated from an archive under hotzip has the namespace (keys and values) it has
 *   natively from disk.
 * Then every ES module installed here and the test262 module sources go through checkTransformed as a smoke check.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { RUNTIME_SYMBOL } from '../../lib/transform/transform.js';
import { makeApp, repoRoot, runNode, type Tree, writeTree, writeZip, zipBytes } from '../helpers/fixtures.js';
import { prng } from '../helpers/prng.js';
import { checkTransformed } from '../helpers/syntax-check.js';

const SEED = Number(process.env.HOTZIP_SYNTAX_SEED ?? 0x5717a);
const UNIT_MODULES = Number(process.env.HOTZIP_SYNTAX_MODULES ?? 600);
const E2E_MODULES = 80;

/** A helper module every generated module may import from. */
const DEP = [
  'export const dep = "dep"',
  'export let counter = 1',
  'export function depFn(a) { return a }',
  'export default function depDefault() {}',
  '',
].join('\n');

/** Declarations the fragments lean on (a callable that returns itself, a counter, an object with keyword keys). */
const PRELUDE = [
  'function hzf() { return hzf }',
  'hzf[0] = hzf',
  'let hzc = 0',
  'const hzo = { a: 1, new: 2, typeof: 3 }',
];

/**
 * `export default` expressions, each with a next line that the grammar either continues (`(`, `[`, a template,
 * `/`, `+`, `-`, `.`, `?`, `in`…) or ends by ASI (`++`, `--`, a literal, `!`, a block, a name, after an arrow's
 * block body). Natively all are valid, with a deterministic value.
 */
const DEFAULTS: readonly (readonly [string, string])[] = [
  ['hzf', '(1)'],
  ['[hzf]', '[0]'],
  ['hzf', '`x`'],
  ['8', '/2/1'],
  ['8', '+1'],
  ['8', '-1'],
  ['8', '++hzc'],
  ['8', '--hzc'],
  ['8', '+ +hzc'],
  ['"str"', '.length'],
  ['hzo', '?.a'],
  ['hzo', '? 1 : 2'],
  ['() => {}', '(1)'],
  ['async () => {}', '[1].map(String)'],
  ['x => {}', '/re/.test("re")'],
  ['x => {}', '`t`'],
  ['x => {}', '+1'],
  ['(x) => x', '(1)'],
  ['x => y => ({})', '(1)'],
  ['{ a: 1 }', '["a"]'],
  ['hzc', '<!--hzc'],
  ['hzc--', 'hzf()'],
  ['typeof', 'hzf'],
  ['void', '0'],
  ['new', 'Array(2)'],
  ['hzf', 'instanceof Function'],
  ['"a"', 'in hzo'],
  ['1e+5', '-1'],
  ['0x1e', '+1'],
  ['.5', '+1'],
  ['/re/g', '.source'],
  ['/[/]export default 1/', '.source'],
  [`\`t\${1}\``, '.length'],
  [`\`import x from "y"\${hzc}\``, '.length'],
  ['hzf // c', '(1)'],
  ['hzf /* a\nb */', '++hzc'],
  ['hzf', "'str'"],
  ['hzf', '!hzc'],
  ['hzf', '~hzc'],
  ['hzf', '{ hzc }'],
  ['hzf', '1'],
  ['hzo.new', 'hzf()'],
  ['hzo.typeof', '/2/1'],
  ['hzo', '.typeof'],
  ['true ? () => {}', ': 2'],
  ['(class {})', '.name'],
  ['(function () {})', '.name'],
  ['class {}', '[1]'],
  ['class extends Object {}', '(1)'],
  ['class Named {}', '`x`'],
  ['function () {}', '(1)'],
  ['function* () {}', '[0]'],
  ['async function () {}', '`x`'],
  ['async function* () {}', '-1'],
  ['function named(a, b) { return a }', '/x/g.test("x")'],
  ['/* c */ function () {}', '(1)'],
  ['async /* c */ function () {}', '(1)'],
  ['await hzf', '(1)'],
  ['(1, 2)', '+1'],
  ['hzf\n', '\n(1)'],
  ['\nhzc', '+1'],
  ['þ', '(1)\nfunction þ() { return 2 }'],
  ['ª', '.name\nfunction ª() {}'],
  ['"ª º þ ð"', '.length'],
  ['async', '\nfunction async() { return 4 }'],
  ['function () { "use strict"\n  return 1 }', '(1)'],
  ['hzf', '(1) // no newline after me'],
];

/** Statements that start with an ASI hazard, for after a declaration or an import (which they cannot continue). */
const HAZARDS = ['(0)', '[0].map(String)', '`x`', '/x/g.test("x")', '+1', '-1', '++hzc', '--hzc'];
/** The hazards that need nothing declared (an import's next line may come before the prelude). */
const PLAIN_HAZARDS = HAZARDS.filter((line) => !line.includes('hzc'));

/** Leading lines: a hashbang, directives, comments, or nothing. */
const STARTS = [
  '',
  '#!/usr/bin/env node',
  "'use strict'",
  '"use strict"',
  '// leading comment',
  '/* block */',
  '/**\n * jsdoc\n */',
  '#!/usr/bin/env node\n// after a hashbang',
  "'use strict' // directive",
  '/* a */ /* b */',
];

/** Unicode identifier stems, including the Latin-1 letters the transform uses for default locals. */
const UNICODE = ['ª', 'º', 'þ', 'ð', 'café', 'π', '日本', 'Ωmega', 'ǅx', 'x\u200d'];

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/** Named-export fragments; `n` makes their names unique in the module. */
function namedFragment(random: Random, n: number, dep: string): string {
  const u = `${pick(random, UNICODE)}${n}`;
  const fragments = [
    () => `export const c${n} = ${n}`,
    () => `export let l${n} = ${n}, m${n}\nl${n}++`,
    () => `export var v${n} = "${n}"`,
    () => `export const { d${n}, e${n}: f${n} = 2, ...r${n} } = { d${n}: 1, e${n}: undefined, z: 3 }`,
    () => `export let [g${n}, , h${n} = 4, ...i${n}] = [1, 2, undefined, 5]`,
    () => `export function fn${n}(a, b = 1) { return a + b }`,
    () => `export async function af${n}() { return ${n} }`,
    () => `export function* gen${n}() { yield ${n} }`,
    () => `export async function* ag${n}() {}`,
    () => `export class K${n} { static x = ${n}; m() { return 1 } }`,
    () => `export class E${n} extends Object { #p = 1; get p() { return this.#p } }`,
    () => `const k${n} = ${n}\nexport { k${n} as kk${n}, k${n} }`,
    () => `let q${n} = ${n}\nexport { q${n} as "s-${n}" }\nq${n} += 1`,
    () => `export * as ns${n} from '${dep}'`,
    () => `export { dep as dep${n}, default as dd${n} } from '${dep}'`,
    () => `import def${n}, { depFn as dp${n} } from '${dep}'\nexport { def${n}, dp${n} }`,
    () => `export const re${n} = /export default \\d+|import\\('x'\\)/g`,
    () => `export const t${n} = \`export default \${1}\nimport x from 'y'\``,
    () => `export const s${n} = 'export { x }; import y from "z"'`,
    () => `let x${n} = 5\nexport const h${n} = 1 <!--x${n}\nexport const j${n} = x${n}-->0`,
    () => `export const ${u} = ${n}`,
    () => `export function ${u}f() { return ${n} }`,
    () => `const ${u}c = ${n}\nexport { ${u}c }`,
    () => `export let ${u}l = 1\n${u}l++`,
    () => `export const w${n} = await Promise.resolve(${n})`,
    () => `await null\nexport let aw${n} = await hzf`,
    () => `export const o${n} = {\n  a: 1,\n  b: [2, 3]\n}`,
    () => `export const fa${n} = () => {}\nexport const fb${n} = async (x) => x`,
    () => `export /* c */ const cc${n} = ${n}`,
    () => `export // c\nlet lc${n} = ${n}`,
    () => `export const div${n} = ${n} / 2 / 1`,
    () => `export const cf${n} = hzf\n(1)`,
    () => `export let lb${n} = 8\n++hzc`,
    () => `export var vm${n} = 8\n-1`,
    () => `export const ta${n} = hzf\n\`x\``,
    () => `if (hzc === 0) /'/.test("'")\nconst ks${n} = \`const ks${n} = 1\`\nexport { ks${n} }`,
    () => `export {}`,
    () => `export const mu${n} = import.meta.url.length > 0`,
    // The inserted code's own global names, bound by the module (lodash-es: `var Symbol = root.Symbol`).
    () => `var ${pick(random, ['Symbol', 'Object', 'globalThis'])} = 'shadow'\nexport { hzo as sh${n} }`,
    () => `import { dep as Symbol${n} } from '${dep}'\nexport { Symbol${n} }`,
    () => `export function us${n}() { 'use strict'\n  return ${n} }`,
    () => `export async function ua${n}() { "use strict"; 'x' }`,
    () => `export class S${n} { static { this.s = 'export default 1' } static #p = /import/ }`,
    () => `import json${n} from './j.json' with { type: 'json' }\nexport { json${n} }`,
  ];
  return pick(random, fragments)();
}

/** Declarations ending in `}` after which any hazard line is a statement of its own. */
function declarationFragment(random: Random, n: number): string {
  return pick(random, [`export function dh${n}() {}`, `export class CH${n} {}`, `export async function ah${n}() {}`]);
}

/** One generated module's source (it may import ./dep.js, ./dep.mjs and ./j.json). */
function generateModule(random: Random, semicolons: boolean): string {
  const eol = random() < 0.15 ? '\r\n' : '\n';
  const dep = random() < 0.5 ? './dep.js' : './dep.mjs';
  const lines: string[] = [];
  const start = pick(random, STARTS);
  if (start) lines.push(start);
  const imports = Math.floor(random() * 3);
  for (let i = 0; i < imports; i++) {
    const comment = random() < 0.3 ? pick(random, [' // c', ' /* c */', ' /* c\n */']) : '';
    lines.push(
      `${pick(random, [`import { dep as im${i} } from '${dep}'`, `import * as im${i} from '${dep}'`, `import '${dep}'`, `import im${i}, { counter as ic${i} } from "${dep}"`, `export * from '${dep}'`, `import {\n  dep as im${i},\n  counter as ic${i}\n} from '${dep}'`, `import { dep as im${i} } from '${dep}'; import * as in${i} from '${dep}'`])}${comment}`,
    );
  }
  if (imports > 0 && random() < 0.4) lines.push(pick(random, PLAIN_HAZARDS));
  lines.push(...PRELUDE);
  const statements = 1 + Math.floor(random() * 5);
  let n = 0;
  const defaultAt = random() < 0.7 ? Math.floor(random() * (statements + 1)) : -1;
  for (let i = 0; i <= statements; i++) {
    if (i === defaultAt) {
      const [expression, next] = pick(random, DEFAULTS);
      // One entry: a `;` between the two would change what the next line means.
      lines.push(`${random() < 0.1 ? 'export /* c */ default' : 'export default'} ${expression}\n${next}`);
      continue;
    }
    if (random() < 0.25) {
      lines.push(declarationFragment(random, n++), pick(random, HAZARDS));
    } else lines.push(namedFragment(random, n++, dep));
    if (random() < 0.15) lines.push(`import { counter as late${n} } from '${dep}'`);
  }
  // With semicolons, only between entries: the lines within one are a single statement or need no `;`.
  const source = lines.join(semicolons ? ';\n' : '\n');
  return `${source}${random() < 0.5 ? '\n' : ''}`.replace(/\n/g, eol);
}

/** The generated modules of one seed, named m<index>.js / .mjs. */
function generateModules(seed: number, count: number): Tree {
  const random = prng(seed);
  const tree: Tree = {};
  for (let i = 0; i < count; i++) {
    tree[`m${i}.${random() < 0.8 ? 'js' : 'mjs'}`] = generateModule(random, random() < 0.2);
  }
  return tree;
}

describe('transform: generated modules', () => {
  test(`${UNIT_MODULES} generated modules parse after the transform and keep their import and export lists`, () => {
    const modules = generateModules(SEED, UNIT_MODULES);
    const failures: string[] = [];
    for (const [name, source] of Object.entries(modules)) {
      const text = String(source);
      try {
        // A module acorn cannot parse natively would be a generator bug: it checks nothing.
        assert.equal(checkTransformed(text, `zip:///gen.zip!/${name}`, { sourceMaps: true }), 'checked');
      } catch (error) {
        failures.push(`--- ${name} (seed ${SEED})\n${text}\n${(error as Error).message}`);
      }
    }
    assert.deepEqual(failures.slice(0, 5), []);
  });

  test('the generator covers every insertion point it is meant to', () => {
    const all = Object.values(generateModules(SEED, UNIT_MODULES)).map(String).join('\n');
    for (const needle of [
      /^#!/m,
      /^'use strict'/m,
      /^import .* from '\.\/dep\.m?js'\n\(/m,
      /^export default 8\n\+\+hzc/m,
      /^export default \(\) => \{\}\n\(1\)/m,
      /<!--x\d/,
      /-->0/,
      /export const π\d+/,
      /export default þ\n/,
      /\r\n/,
      /;\n/,
    ]) {
      assert.match(all, needle);
    }
  });
});

describe('transform: generated modules end to end', () => {
  const app = makeApp('hotzip-syntax-');
  after(() => fs.rmSync(app, { recursive: true, force: true }));

  test(`${E2E_MODULES} generated modules have the same namespace from an archive under hotzip as from disk`, {
    timeout: 120_000,
  }, async (t) => {
    const modules = generateModules(SEED + 1, E2E_MODULES);
    const tree: Tree = {
      'package.json': '{ "type": "module" }',
      'dep.js': DEP,
      'dep.mjs': DEP,
      'j.json': '{ "k": 1 }',
      ...modules,
    };
    writeTree(path.join(app, 'tree'), tree);
    const archive = writeZip(path.join(app, 'gen.zip'), tree);
    writeTree(app, { 'probe.mjs': PROBE });
    const names = JSON.stringify(Object.keys(modules));
    const diskBase = `${pathToFileURL(path.join(app, 'tree')).href}/`;
    const zipBase = `zip://${pathToFileURL(archive).pathname}!/`;
    const native = await runNode(['probe.mjs', diskBase, names], { cwd: app, native: true, timeoutMs: 60_000 });
    assert.equal(native.code, 0, native.stderr);
    const hot = await runNode(['probe.mjs', zipBase, names], {
      cwd: app,
      timeoutMs: 60_000,
      env: { PROBE_UPDATE: '1' },
    });
    assert.equal(hot.code, 0, hot.stderr);
    const mapped = await runNode(['probe.mjs', zipBase, names], {
      cwd: app,
      timeoutMs: 60_000,
      env: { HOTZIP_SOURCE_MAPS: '1' },
    });
    assert.equal(mapped.code, 0, mapped.stderr);
    const expected = native.stdout.trim().split('\n');
    assert.equal(expected.length, E2E_MODULES);
    // Every module loads natively, but those with `<!--` or `-->`: V8 rejects those tokens in a module (acorn reads
    // them as operators), and hotzip must report the same error.
    assert.deepEqual(
      expected.filter((line) => line.includes('"error"') && !line.includes('HTML comments are not allowed')),
      [],
    );
    assert.ok(expected.filter((line) => !line.includes('"error"')).length > E2E_MODULES * 0.7);
    const differences = (output: string): string[] => {
      const lines = output.trim().split('\n');
      return expected
        .map((line, i) => [line, lines[i]] as const)
        .filter(([want, got]) => want !== got)
        .map(([want, got]) => {
          const name = (JSON.parse(want) as { name: string }).name;
          return `${name}:\n  native: ${want}\n  hotzip: ${got}\n${String(modules[name])}`;
        });
    };
    const [before = '', update = '', afterUpdate = ''] = hot.stdout.split(/^(UPDATE .*)\n/m);
    assert.deepEqual(differences(before).slice(0, 3), []);
    const report = JSON.parse(update.slice('UPDATE '.length)) as { updated: number; error?: string };
    t.diagnostic(update);
    assert.equal(report.error, undefined);
    assert.ok(report.updated >= E2E_MODULES * 0.7, update);
    assert.deepEqual(differences(afterUpdate).slice(0, 3), [], 'after an update of every module');
    assert.deepEqual(differences(mapped.stdout).slice(0, 3), []);
  });
});

describe('transform: registration lists', () => {
  const app = makeApp('hotzip-names-');
  after(() => fs.rmSync(app, { recursive: true, force: true }));

  test('string export names and specifiers holding `,` `=` `:` `%` survive an update', async () => {
    const tree = (v: number): Tree => ({
      'package.json': '{ "type": "module" }',
      'a.js': `let q = ${v}\nexport { q as "a,b", q as "c=d", q as "e:f", q as "%2c", q as plain }\nexport { x as "y,z" } from './d,e:p.js'\nexport function get() { return q }\n`,
      'd,e:p.js': `export const x = ${v}\n`,
    });
    writeZip(path.join(app, 'app.zip'), tree(1));
    writeTree(app, {
      'main.mjs': [
        "import { reload } from 'hotzip'",
        "import { writeFileSync } from 'node:fs'",
        "const ns = await import('zip:./app.zip!/a.js')",
        'const show = () => console.log(JSON.stringify({ ...ns }), ns.get())',
        'show()',
        "writeFileSync('app.zip', Buffer.from(process.argv[2], 'base64'))",
        'const report = await reload()',
        'console.log(report.updated.length, String(report.error))',
        'show()',
      ].join('\n'),
    });
    const next = Buffer.from(zipBytes(tree(2))).toString('base64');
    const result = await runNode(['main.mjs', next], { cwd: app });
    assert.equal(result.code, 0, result.stderr);
    const one = '{"%2c":1,"a,b":1,"c=d":1,"e:f":1,"plain":1,"y,z":1} 1';
    assert.equal(result.stdout, `${one}\n2 undefined\n${one.replaceAll('1', '2')}\n`);
  });
});

/**
 * Imports each module and prints its namespace as one JSON line: keys in order, and each value described (functions
 * by kind, name and arity; other values as JSON).
 */
const PROBE = `
const [base, names] = process.argv.slice(2)
const describe = (value, depth = 0) => {
  if (typeof value === 'function') {
    const kind = /^class\\b/.test(Function.prototype.toString.call(value)) ? 'class' : value.constructor.name
    return kind + ':' + value.name + '/' + value.length
  }
  if (value instanceof RegExp) return String(value)
  if (value && typeof value === 'object') {
    if (depth > 2) return '…'
    return Object.fromEntries(Object.keys(value).map((key) => [key, describe(value[key], depth + 1)]))
  }
  return typeof value === 'undefined' ? 'undefined' : value
}
const namespaces = async () => {
  for (const name of JSON.parse(names)) {
    try {
      const ns = await import(base + name)
      console.log(JSON.stringify({ name, ns: Object.fromEntries(Object.keys(ns).map((key) => [key, describe(ns[key])])) }))
    } catch (error) {
      console.log(JSON.stringify({ name, error: String(error) }))
    }
  }
}
await namespaces()
const runtime = globalThis[Symbol.for(${JSON.stringify(RUNTIME_SYMBOL)})]
if (runtime !== undefined && process.env.PROBE_UPDATE === '1') {
  // Every module evaluated again as a new version (the transform's versioned output), then read again.
  const report = await runtime.apply({ updated: runtime.moduleUrls, label: 'syntax' })
  console.log('UPDATE ' + JSON.stringify({ updated: report.updated.length, error: report.error && String(report.error), restart: report.restartRequired }))
  await namespaces()
}
`;

/** Every `.js`/`.mjs` file below `dir`. */
function scriptFiles(dir: string, into: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) scriptFiles(file, into);
    else if (/\.m?js$/.test(entry.name)) into.push(file);
  }
  return into;
}

describe('transform: real module sources', () => {
  test('every ES module installed in node_modules parses after the transform with the same imports and exports', () => {
    let checked = 0;
    for (const file of scriptFiles(path.join(repoRoot, 'node_modules'))) {
      // CommonJS that happens to parse as a module is checked too: harmless, and more syntax.
      if (checkTransformed(fs.readFileSync(file, 'utf8'), pathToFileURL(file).href) === 'checked') checked++;
    }
    assert.ok(checked >= 50, `only ${checked} modules checked`);
  });

  const test262 = process.env.TEST262_ROOT ?? '/work/shared/test262';
  test('every test262 module source (and its fixtures) parses after the transform with the same imports and exports', {
    skip: fs.existsSync(path.join(test262, 'test')) ? false : `no test262 checkout at ${test262}`,
  }, () => {
    let checked = 0;
    for (const file of scriptFiles(path.join(test262, 'test'))) {
      const source = fs.readFileSync(file, 'utf8');
      if (!/flags:\s*\[[^\]]*\bmodule\b/.test(source) && !/_FIXTURE\.js$/.test(file)) continue;
      if (checkTransformed(source, pathToFileURL(file).href) === 'checked') checked++;
    }
    assert.ok(checked >= 500, `only ${checked} test262 module sources checked`);
  });
});
