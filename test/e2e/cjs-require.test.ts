/**
 * CommonJS in archives against Node itself: one tree shaped like real packages (JSON requires, directory requires,
 * `main` without an extension, nested node_modules, `exports` with `require`/`import` conditions, a host package,
 * cycles, re-exports) is run by plain Node extracted on disk and by hotzip from an archive, and every case must give
 * the same values and error codes. The expected differences are the ones the README's support matrix lists: the
 * `module-sync` condition in hotzip's own loader, and `require()` of an archive ES module with `module.register`.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { readConfig } from '../../lib/config.js';
import { chooseHookApi, nativeCjsRequire } from '../../lib/node-support.js';
import { makeApp, resultLines, runNode, type Tree, writeTree, writeZip } from '../helpers/fixtures.js';

/** Each case: a name and an expression evaluated inside the archive's CommonJS (`cases.cjs`). */
const requireCases: ReadonlyArray<readonly [string, string]> = [
  ['json', "require('./data/config.json')"],
  ['json-probed', "require('./data/config')"],
  ['relative-no-extension', "require('./lib/util')"],
  ['relative-json-before-dir', "require('./lib/both')"],
  ['directory-index', "require('./lib')"],
  ['directory-main-no-extension', "require('./pkgdir')"],
  ['directory-trailing-slash', "require('./pkgdir/')"],
  ['bare-exports-require', "require('cond')"],
  ['bare-exports-subpath', "require('cond/feature')"],
  ['bare-exports-not-exported', "require('cond/secret.js')"],
  ['bare-main-no-extension', "require('legacy')"],
  ['bare-subpath-no-extension', "require('legacy/extra')"],
  ['bare-nested-node-modules', "require('legacy').inner"],
  ['bare-scoped', "require('@scope/tool')"],
  ['bare-self', "require('app/feature')"],
  ['host-package', "require('host-pkg')"],
  ['host-json', "require('host-pkg/package.json').name"],
  ['builtin', "require('node:path').posix.join('a', 'b')"],
  ['builtin-bare', "typeof require('fs').readFileSync"],
  ['missing-relative', "require('./nope')"],
  ['missing-bare', "require('no-such-package')"],
  ['missing-in-package', "require('legacy/nope')"],
  ['cycle', "require('./cycle/a.js')"],
  ['same-instance', "require('./lib/util') === require('./lib/util.js')"],
  ['resolve-relative', "require.resolve('./lib')"],
  ['resolve-json', "require.resolve('./data/config')"],
  ['resolve-bare', "require.resolve('cond')"],
  ['resolve-host', "require.resolve('host-pkg')"],
  ['resolve-builtin', "require.resolve('fs')"],
  ['resolve-builtin-prefixed', "require.resolve('node:fs')"],
  ['resolve-missing', "require.resolve('./nope')"],
  ['filename', '__filename'],
  ['dirname', '__dirname'],
  ['nested-filename', "require('./lib/where').filename"],
  ['module-loaded-while-running', "require('./lib/where').loaded"],
  ['this-is-exports', "require('./lib/where').thisIsExports"],
  [
    'throws-then-retries',
    "(() => { try { require('./lib/throws'); } catch {} try { require('./lib/throws'); } catch (e) { return e.message; } })()",
  ],
  ['syntax-error', "require('./lib/broken')"],
  ['unknown-extension-as-js', "require('./lib/template.txt')"],
  ['json-syntax-error', "require('./data/broken.json')"],
  ['require-esm', "require('./esm/m.mjs')"],
  ['require-module-sync', "require('dual')"],
];

/** ES module cases in `entry.mjs`: what `import` of the same CommonJS gives (namespace keys and values). */
const importCases: ReadonlyArray<readonly [string, string]> = [
  ['import-named', "import('./lib/named.cjs')"],
  ['import-es-module-flag', "import('./lib/transpiled.cjs')"],
  ['import-reexport', "import('./lib/reexport.cjs')"],
  ['import-export-star', "import('./lib/star.cjs')"],
  ['import-reexport-dropped', "import('./lib/dropped.cjs')"],
  ['import-conditional', "import('cond')"],
  ['import-nested-conditional', "import('legacy/esm.mjs')"],
  ['import-shares-require-instance', "import('./lib/util.js').then((ns) => ({ same: ns.default === cases.utilRef }))"],
];

/** The tree, extracted on disk and packed as the archive. */
function tree(): Tree {
  const lines = requireCases.map(([name, expression]) => `run(${JSON.stringify(name)}, () => ${expression});`);
  return {
    'package.json': JSON.stringify({
      name: 'app',
      main: 'entry.mjs',
      exports: { '.': './entry.mjs', './feature': './lib/feature.js' },
    }),
    'entry.mjs': [
      "import cases from './cases.cjs';",
      'const show = (value) => JSON.stringify(value, (key, v) => (typeof v === "function" ? "[function " + v.name + "]" : v));',
      'const describe = (ns) => Object.keys(ns).sort().map((key) => [key, show(ns[key])]);',
      'for (const [name, result] of Object.entries(cases.results)) console.log(name, result);',
      ...importCases.map(
        ([name, expression]) =>
          `try { const ns = await ${expression}; console.log(${JSON.stringify(name)}, JSON.stringify(describe(ns))); } catch (e) { console.log(${JSON.stringify(name)}, 'throws', e.code); }`,
      ),
    ].join('\n'),
    'cases.cjs': [
      "'use strict';",
      'const results = {};',
      'const show = (value) => JSON.stringify(value, (key, v) => (typeof v === "function" ? "[function " + v.name + "]" : v));',
      'function run(name, fn) {',
      '  try { results[name] = "= " + show(fn()); }',
      '  catch (e) { results[name] = "throws " + (e.code ?? e.name); results[name + ".message"] = JSON.stringify(e.message); }',
      '}',
      ...lines,
      "module.exports = { results, utilRef: require('./lib/util') };",
    ].join('\n'),
    'data/config.json': '{ "port": 8080, "tags": ["a", "b"] }\n',
    'data/broken.json': '{ "port": }\n',
    'lib/index.js': "module.exports = { index: 'lib/index.js' };\n",
    'lib/util.js': "exports.util = 'util';\nexports.twice = (x) => x * 2;\n",
    'lib/both.json': '{ "from": "both.json" }\n',
    'lib/both/index.js': "module.exports = 'both/index.js';\n",
    'lib/where.js':
      'module.exports = { filename: __filename, loaded: module.loaded, thisIsExports: this === module.exports };\n',
    'lib/throws.js':
      "globalThis.__throwCount = (globalThis.__throwCount || 0) + 1;\nthrow new Error('boom ' + globalThis.__throwCount);\n",
    'lib/broken.js': 'module.exports = {;\n',
    'lib/template.txt': "module.exports = 'a .txt run as JavaScript';\n",
    'lib/feature.js': "module.exports = 'self feature';\n",
    'lib/named.cjs':
      "const named_1 = 1;\nexports.alpha = named_1;\nexports.beta = function beta() {};\nmodule.exports.gamma = 'g';\n",
    'lib/transpiled.cjs': [
      '"use strict";',
      'Object.defineProperty(exports, "__esModule", { value: true });',
      'exports.default = "the default";',
      'exports.named = 42;',
    ].join('\n'),
    'lib/reexport.cjs': "module.exports = require('./named.cjs');\n",
    'lib/star.cjs': [
      '"use strict";',
      'var __exportStar = (this && this.__exportStar) || function (m, e) { for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(e, p)) e[p] = m[p]; };',
      'Object.defineProperty(exports, "__esModule", { value: true });',
      'const named_1 = require("./named.cjs");',
      '__exportStar(require("./named.cjs"), exports);',
      'exports.own = true;',
    ].join('\n'),
    'lib/dropped.cjs': [
      'var __exportStar = function (m, e) { for (var p in m) e[p] = m[p]; };',
      '__exportStar(require("./named.cjs"), exports);',
      'module.exports = function main() {};',
      'module.exports.extra = 1;',
    ].join('\n'),
    'pkgdir/package.json': '{ "main": "./start" }\n',
    'pkgdir/start.js': "module.exports = 'pkgdir/start.js';\n",
    'cycle/a.js':
      "exports.early = 'a';\nconst b = require('./b.js');\nexports.late = 'a done';\nmodule.exports.sawB = b;\n",
    'cycle/b.js': "const a = require('./a.js');\nmodule.exports = { partialA: Object.keys(a), done: true };\n",
    'esm/m.mjs': "import { dep } from './dep.mjs';\nexport const fromEsm = dep;\n",
    'esm/dep.mjs': "export const dep = 'esm dep';\n",
    'node_modules/cond/package.json': JSON.stringify({
      name: 'cond',
      exports: {
        '.': { import: './imp.mjs', require: './req.cjs' },
        './feature': { require: './feature-req.js', default: './feature-imp.mjs' },
      },
    }),
    'node_modules/cond/req.cjs': "module.exports = { cond: 'require' };\n",
    'node_modules/cond/imp.mjs': "export const cond = 'import';\n",
    'node_modules/cond/feature-req.js': "module.exports = 'feature require';\n",
    'node_modules/cond/feature-imp.mjs': "export default 'feature import';\n",
    'node_modules/cond/secret.js': "module.exports = 'secret';\n",
    'node_modules/dual/package.json': JSON.stringify({
      name: 'dual',
      exports: { 'module-sync': './sync.mjs', default: './default.cjs' },
    }),
    'node_modules/dual/sync.mjs': "export const chosen = 'module-sync';\n",
    'node_modules/dual/default.cjs': "exports.chosen = 'default';\n",
    'node_modules/legacy/package.json': '{ "name": "legacy", "main": "lib/main" }\n',
    'node_modules/legacy/lib/main.js': "module.exports = { legacy: 'main', inner: require('inner') };\n",
    'node_modules/legacy/extra.js': "module.exports = 'legacy extra';\n",
    'node_modules/legacy/node_modules/inner/package.json': JSON.stringify({
      name: 'inner',
      exports: { import: './inner.mjs', require: './index.js' },
    }),
    'node_modules/legacy/node_modules/inner/inner.mjs': "export default 'nested inner 2, imported';\n",
    'node_modules/legacy/esm.mjs': "export { default as inner } from 'inner';\n",
    'node_modules/legacy/node_modules/inner/index.js': "module.exports = 'nested inner 2';\n",
    'node_modules/inner/index.js': "module.exports = 'top-level inner 1';\n",
    'node_modules/@scope/tool/package.json': '{ "name": "@scope/tool", "main": "./dist/tool.js" }\n',
    'node_modules/@scope/tool/dist/tool.js': "module.exports = { scoped: require('../package.json').name };\n",
  };
}

/** A package beside the archive (and beside the extracted tree): found by the same walk up from either. */
const hostFiles: Tree = {
  'node_modules/host-pkg/package.json': '{ "name": "host-pkg", "main": "main.js" }\n',
  'node_modules/host-pkg/main.js': "module.exports = { host: true, helper: require('./helper') };\n",
  'node_modules/host-pkg/helper.js': "module.exports = 'host helper';\n",
};

/** The message of the error a case threw (printed as JSON, so that it stays on one line). */
function messageOf(results: Map<string, string>, name: string): string {
  const printed = results.get(`${name}.message`);
  assert.ok(printed !== undefined, `case ${name} threw no error`);
  return JSON.parse(printed) as string;
}

describe('CommonJS in archives against Node on disk', () => {
  let app = '';
  let archive = '';
  let disk = new Map<string, string>();
  const names = [...requireCases.map(([name]) => name), ...importCases.map(([name]) => name)];

  before(async () => {
    app = makeApp('hotzip-cjs-require-');
    writeTree(app, hostFiles);
    writeTree(path.join(app, 'tree'), tree());
    archive = writeZip(path.join(app, 'app.zip'), tree());
    const native = await runNode([path.join('tree', 'entry.mjs')], { cwd: app, native: true });
    assert.equal(native.code, 0, native.stderr);
    disk = resultLines(native.stdout, [path.join(app, 'tree'), pathToFileURL(path.join(app, 'tree')).href]);
  });
  after(() => fs.rmSync(app, { recursive: true, force: true }));

  test('the native run really ran the cases (parity with nothing proves nothing)', () => {
    for (const name of names) assert.ok(disk.has(name), `no native result for ${name}`);
    assert.equal(disk.get('json'), '= {"port":8080,"tags":["a","b"]}');
    assert.equal(disk.get('bare-nested-node-modules'), '= "nested inner 2"');
    assert.equal(disk.get('import-nested-conditional'), '[["inner","\\"nested inner 2, imported\\""]]');
    assert.equal(disk.get('missing-relative'), 'throws MODULE_NOT_FOUND');
    assert.equal(disk.get('bare-exports-not-exported'), 'throws ERR_PACKAGE_PATH_NOT_EXPORTED');
    assert.equal(disk.get('require-module-sync'), '= {"chosen":"module-sync"}');
    assert.equal(disk.get('require-esm'), '= {"fromEsm":"esm dep"}');
    assert.match(disk.get('import-export-star') ?? '', /"alpha"/);
  });

  for (const hooks of ['auto', 'register'] as const) {
    test(`same values and error codes as on disk (HOTZIP_HOOKS=${hooks})`, async () => {
      const env = hooks === 'auto' ? {} : { HOTZIP_HOOKS: hooks };
      const api = chooseHookApi(process.versions.node, readConfig(env).hooks);
      const result = await runNode([archive], { cwd: app, env });
      assert.equal(result.code, 0, result.stderr);
      const zipBase = `zip://${pathToFileURL(archive).pathname}!`;
      const zip = resultLines(result.stdout, [zipBase]);
      // hotzip's own loader does not use module-sync; with module.register it cannot require an ES module at all.
      const ownLoader = !nativeCjsRequire(api);
      const expected = [...(api === 'register' ? ['require-esm'] : []), ...(ownLoader ? ['require-module-sync'] : [])];
      const differences = names.filter((name) => zip.get(name) !== disk.get(name));
      assert.deepEqual(differences, expected, differences.map((name) => `${name}: ${zip.get(name)}`).join('\n'));
      if (ownLoader) assert.equal(zip.get('require-module-sync'), '= {"chosen":"default"}');
      if (api === 'register') {
        assert.equal(zip.get('require-esm'), 'throws ERR_HOTZIP_UNSUPPORTED');
        const message = messageOf(resultLines(result.stdout, []), 'require-esm');
        assert.match(message, /entry "esm\/m\.mjs" of .*app\.zip from zip:.*app\.zip!\/cases\.cjs/);
      }
    });

    test(`errors name the archive, the entry and the requiring module (HOTZIP_HOOKS=${hooks})`, async () => {
      const env = hooks === 'auto' ? {} : { HOTZIP_HOOKS: hooks };
      const result = await runNode([archive], { cwd: app, env });
      const zip = resultLines(result.stdout, []);
      const requirer = `${pathToFileURL(archive).pathname}!/cases.cjs`;
      for (const name of ['missing-relative', 'missing-bare', 'missing-in-package', 'resolve-missing']) {
        const message = messageOf(zip, name);
        assert.ok(message.includes(archive), `${name} names the archive: ${message}`);
        assert.ok(message.includes(requirer), `${name} names the requiring module: ${message}`);
      }
      assert.match(messageOf(zip, 'missing-relative'), /entry "nope"/);
      assert.match(messageOf(zip, 'json-syntax-error'), /app\.zip!\/data\/broken\.json/);
    });
  }
});
