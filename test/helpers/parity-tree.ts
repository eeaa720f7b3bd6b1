/**
 * One fixture tree exercised twice by the parity test: extracted on disk under plain Node, and as an archive under
 * hotzip. Each case is a module in `cases/` that does one import and exports what it saw; the probe prints every
 * case's result, and the two runs must print the same.
 */
import type { Tree } from './fixtures.js';

/** A parity case: a dynamic import done from `cases/<name>.js`. */
interface Case {
  name: string;
  specifier: string;
  attributes?: Record<string, string>;
}

const dynamicCases: Case[] = [
  { name: 'relative', specifier: '../lib/a.js' },
  { name: 'relative-query', specifier: '../lib/b.js?x=1#h' },
  { name: 'missing-file', specifier: '../lib/nope.js' },
  { name: 'missing-extension', specifier: '../lib/a' },
  { name: 'directory', specifier: '../lib' },
  { name: 'directory-slash', specifier: '../lib/' },
  { name: 'encoded-slash', specifier: '../lib%2Fa.js' },
  { name: 'encoded-name', specifier: '../lib/sp%20ace.js' },
  { name: 'json', specifier: '../data/d.json', attributes: { type: 'json' } },
  { name: 'json-no-attribute', specifier: '../data/d.json' },
  { name: 'json-css-attribute', specifier: '../data/d.json', attributes: { type: 'css' } },
  { name: 'js-json-attribute', specifier: '../lib/b.js', attributes: { type: 'json' } },
  { name: 'unknown-extension', specifier: '../data/notes.txt' },
  { name: 'imports-relative', specifier: '#util' },
  { name: 'imports-pattern', specifier: '#lib/b.js' },
  { name: 'imports-bare-target', specifier: '#dep' },
  { name: 'imports-undefined', specifier: '#nope' },
  { name: 'self-main', specifier: 'app' },
  { name: 'self-subpath', specifier: 'app/feature' },
  { name: 'self-not-exported', specifier: 'app/lib/a.js' },
  { name: 'bare-conditional', specifier: 'dep-a' },
  { name: 'bare-pattern', specifier: 'dep-a/sub/x' },
  { name: 'bare-not-exported', specifier: 'dep-a/package.json' },
  { name: 'bare-scoped', specifier: '@scope/pkg' },
  { name: 'bare-legacy-main', specifier: 'legacy' },
  { name: 'bare-legacy-file', specifier: 'legacy/other.js' },
  { name: 'bare-missing', specifier: 'no-such-package' },
  { name: 'bare-invalid', specifier: '@scope' },
  { name: 'host-dependency', specifier: 'hostdep' },
  { name: 'builtin-prefixed', specifier: 'node:path' },
  { name: 'builtin-bare', specifier: 'path' },
  { name: 'cjs-extension', specifier: '../cjs/c.cjs' },
  { name: 'cjs-by-type', specifier: '../cjs/pkg/m.js' },
  { name: 'esm-by-mjs', specifier: '../cjs/pkg/e.mjs' },
  { name: 'detect-esm', specifier: '../detect/esm.js' },
  { name: 'detect-cjs', specifier: '../detect/cjs.js' },
  { name: 'detect-tla', specifier: '../detect/tla.js' },
  { name: 'cycle', specifier: '../cycle/x.js' },
  { name: 'cycle-tdz', specifier: '../cycle/tdz-a.js' },
  { name: 'star-ambiguity', specifier: '../star/index.js' },
  { name: 'star-explicit-ambiguous', specifier: '../star/explicit.js' },
  { name: 'tla', specifier: '../tla/a.js' },
  { name: 'meta', specifier: '../lib/meta.js' },
  { name: 'live-binding', specifier: '../lib/live-user.js' },
  { name: 'hoisting', specifier: '../lib/hoist-user.js' },
  { name: 'link-error', specifier: '../lib/link-error.js' },
  { name: 'syntax-error', specifier: '../bad/syntax.js' },
  { name: 'throws', specifier: '../bad/throws.js' },
  { name: 'throws-again', specifier: '../bad/throws.js' },
  { name: 'default-function-name', specifier: '../lib/defaults.js' },
  // A name that reads as a dot segment once decoded: its own URL must lead back to it, as a file: URL does.
  { name: 'escaped-dot-name', specifier: '../pct/%252e%252e/outer.js' },
  { name: 'file-slash', specifier: '../lib/a.js/' },
  { name: 'file-dot', specifier: '../lib/a.js/.' },
  // The URL parser drops tabs and newlines, and leading or trailing spaces, before resolving.
  { name: 'tab-in-specifier', specifier: '../lib/\ta.js' },
  { name: 'trailing-space', specifier: '../lib/a.js ' },
  // require() reads a path, not a URL: nothing is dropped or decoded.
  { name: 'require-no-url', specifier: '../cjs/require-paths.cjs' },
];

function caseModule(item: Case): string {
  const options = item.attributes ? `, { with: ${JSON.stringify(item.attributes)} }` : '';
  return `export default await import(${JSON.stringify(item.specifier)}${options});\n`;
}

/** The names of all cases, in the order the probe runs them. */
export const caseNames = dynamicCases.map((item) => item.name);

/** The tree: a `type: module` app with packages in its own node_modules, CommonJS, JSON and every ESM corner. */
export function parityTree(): Tree {
  const tree: Tree = {
    'package.json': JSON.stringify({
      name: 'app',
      type: 'module',
      exports: { '.': './main.js', './feature': { require: './lib/feature-cjs.cjs', import: './lib/feature.js' } },
      imports: { '#util': './lib/util.js', '#lib/*': './lib/*', '#dep': 'dep-a' },
    }),
    'main.js': "export const main = 'main';\n",
    'lib/a.js': "import { b } from './b.js';\nexport const a = 'a' + b;\n",
    'pct/%2e%2e/inner.js': 'export const url = import.meta.url;\n',
    'pct/%2e%2e/outer.js':
      "import { url } from './inner.js';\nexport const same = (await import(url)).url === url;\nexport const tail = url.slice(url.lastIndexOf('/pct/'));\n",
    'lib/b.js': "export const b = 'b';\nexport const url = import.meta.url;\n",
    'lib/sp ace.js': 'export const spaced = true;\n',
    'lib/util.js': "export const util = 'util';\n",
    'lib/feature.js': "export const feature = 'import';\n",
    'lib/feature-cjs.cjs': "module.exports = { feature: 'require' };\n",
    'lib/meta.js': [
      'export const url = import.meta.url;',
      "export const resolved = import.meta.resolve('./b.js');",
      "export const resolvedBare = import.meta.resolve('dep-a');",
      "export const resolvedBuiltin = import.meta.resolve('fs');",
    ].join('\n'),
    'lib/live.js': 'export let count = 0;\nexport function increment() { count++; }\n',
    'lib/live-user.js':
      "import { count, increment } from './live.js';\nconst before = count;\nincrement();\nincrement();\nexport const seen = [before, count];\n",
    'lib/hoist.js': "export function early() { return 'hoisted'; }\nexport const late = 'late';\n",
    'lib/hoist-user.js': "import { early } from './hoist.js';\nexport const value = early();\n",
    'lib/link-error.js': "import { nope } from './b.js';\nexport const x = nope;\n",
    'lib/defaults.js': [
      "import f from './default-fn.js';",
      "import c from './default-class.js';",
      "import e from './default-expr.js';",
      "import a from './default-arrow.js';",
      'export const names = [f.name, c.name, typeof e, a.name];',
    ].join('\n'),
    'lib/default-fn.js': 'export default function () {}\n',
    'lib/default-class.js': 'export default class {}\n',
    'lib/default-expr.js': 'export default 40 + 2;\n',
    'lib/default-arrow.js': 'export default () => 1;\n',
    'data/d.json': '{ "answer": 42, "list": [1, 2] }\n',
    'data/notes.txt': 'plain text\n',
    'cjs/c.cjs': "exports.named = 'n';\nexports.other = 1;\nmodule.exports.third = typeof require;\n",
    'cjs/require-paths.cjs': [
      'const code = (specifier) => { try { return Object.keys(require(specifier)).join(); } catch (e) { return e.code; } };',
      "module.exports = { space: code('./c.cjs '), tab: code('./c\\t.cjs'), percent: code('./c%2ecjs'), plain: code('./c.cjs') };",
    ].join('\n'),
    'cjs/pkg/package.json': '{ "type": "commonjs" }\n',
    'cjs/pkg/m.js': 'module.exports = { fromTypeCommonjs: true, filenameType: typeof __filename };\n',
    'cjs/pkg/e.mjs': 'export const esm = true;\n',
    'detect/package.json': '{ "name": "detect" }\n',
    'detect/esm.js': "export const detected = 'esm';\n",
    'detect/cjs.js': "module.exports.detected = 'cjs';\n",
    'detect/tla.js': 'await Promise.resolve();\nconst detected = "tla";\nexport { detected };\n',
    'cycle/x.js':
      "import { y, yFn } from './y.js';\nexport function xFn() { return 'x'; }\nexport const seen = y + yFn();\n",
    'cycle/y.js':
      "import { xFn } from './x.js';\nexport const y = 'y' + xFn();\nexport function yFn() { return 'Y'; }\n",
    'cycle/tdz-a.js': "import './tdz-b.js';\nexport let early = 'a';\n",
    'cycle/tdz-b.js':
      "import { early } from './tdz-a.js';\nlet error;\ntry { early; } catch (e) { error = e.name; }\nexport const tdz = error;\n",
    'star/index.js': "export * from './s1.js';\nexport * from './s2.js';\n",
    'star/s1.js': 'export const dup = 1;\nexport const one = 1;\n',
    'star/s2.js': 'export const dup = 2;\nexport const two = 2;\n',
    'star/explicit.js': "import { dup } from './index.js';\nexport { dup };\n",
    'tla/a.js': "import { t } from './b.js';\nexport const seen = t;\n",
    'tla/b.js': "await new Promise((r) => setTimeout(r, 5));\nexport const t = 'after-await';\n",
    'bad/syntax.js': 'export const = 1;\n',
    'bad/throws.js': "throw new Error('boom at evaluation');\n",
    'node_modules/dep-a/package.json': JSON.stringify({
      name: 'dep-a',
      exports: {
        '.': { node: { import: './esm.js', require: './cjs.cjs' }, default: './fallback.js' },
        './sub/*': './sub/*.js',
      },
    }),
    'node_modules/dep-a/esm.js': "export const dep = 'esm';\n",
    'node_modules/dep-a/cjs.cjs': "exports.dep = 'cjs';\n",
    'node_modules/dep-a/fallback.js': "export const dep = 'fallback';\n",
    'node_modules/dep-a/sub/x.js': "export const sub = 'x';\n",
    'node_modules/@scope/pkg/package.json': '{ "name": "@scope/pkg", "type": "module", "main": "./lib/index.js" }\n',
    'node_modules/@scope/pkg/lib/index.js': 'export const scoped = true;\n',
    'node_modules/legacy/package.json': '{ "name": "legacy", "main": "lib/main" }\n',
    'node_modules/legacy/lib/main.js': "module.exports = { legacy: 'main' };\n",
    'node_modules/legacy/other.js': "module.exports = { legacy: 'other' };\n",
  };
  for (const item of dynamicCases) tree[`cases/${item.name}.js`] = caseModule(item);
  return tree;
}

/** The host app around the tree: a dependency that only the host has, and the probe that prints every case. */
export function hostFiles(): Tree {
  return {
    'node_modules/hostdep/package.json': '{ "name": "hostdep", "exports": { "import": "./index.mjs" } }\n',
    'node_modules/hostdep/index.mjs': "export const host = 'host';\n",
    'probe.mjs': `
const base = process.argv[2];
const names = ${JSON.stringify(caseNames)};
function show(value, depth = 0) {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? 'function ' + value.name : value;
  if (depth > 3) return '…';
  const out = {};
  for (const key of Object.keys(value).sort()) out[key] = show(value[key], depth + 1);
  if (Object.prototype.toString.call(value) === '[object Module]') out['@@toStringTag'] = 'Module';
  return out;
}
for (const name of names) {
  let result;
  try {
    const ns = await import(base + 'cases/' + name + '.js');
    result = { ok: show(ns.default) };
  } catch (error) {
    result = { error: error?.code ?? error?.name, name: error?.name };
    if (!error?.code) result.message = String(error?.message);
  }
  console.log(name + ' ' + JSON.stringify(result));
}
`,
  };
}
