/**
 * The idioms ES modules use to reach CommonJS and their own location, run from an archive as they run from disk:
 * `createRequire(import.meta.url)` (relative, JSON and bare requires, `require.resolve`, one instance shared with
 * `import`), `fileURLToPath(import.meta.url)` with `path.dirname`, and an archive CommonJS module reached through
 * require(esm) of an archive ES module, with each hook API.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chooseHookApi, nativeCjsRequire } from '../../lib/node-support.js';
import { makeApp, runNode, writeTree, writeZip } from '../helpers/fixtures.js';
import { hookApis } from '../helpers/hot-app.js';

let app = '';
let zipBase = '';
before(() => {
  app = makeApp('hotzip-create-require-');
  zipBase = `zip://${pathToFileURL(path.join(app, 'app.zip')).pathname}!/`;
  writeTree(app, {
    'node_modules/host-pkg/package.json': '{ "name": "host-pkg", "main": "index.js" }',
    'node_modules/host-pkg/index.js': "module.exports = 'host-pkg';\n",
    'plain.mjs': [
      "import { createRequire } from 'node:module';",
      "import { fileURLToPath } from 'node:url';",
      'const require = createRequire(import.meta.url);',
      "console.log(require('host-pkg'), fileURLToPath(import.meta.url) === new URL(import.meta.url).pathname);",
    ].join('\n'),
  });
  writeZip(path.join(app, 'app.zip'), {
    'lib/main.mjs': [
      "import { createRequire } from 'node:module';",
      "import nodeModule from 'node:module';",
      "import { fileURLToPath } from 'node:url';",
      "import * as path from 'node:path';",
      "import fromImport from './c.cjs';",
      'const require = createRequire(import.meta.url);',
      'const __filename = fileURLToPath(import.meta.url);',
      'const __dirname = path.dirname(__filename);',
      'export const seen = {',
      "  json: require('../data.json').x,",
      "  cjs: require('./c.cjs').name,",
      "  shared: require('./c.cjs') === fromImport,",
      "  bare: require('inner'),",
      "  host: require('host-pkg'),",
      "  builtin: typeof require('node:fs').readFileSync,",
      "  resolved: require.resolve('./c.cjs'),",
      '  filename: __filename,',
      '  dirname: __dirname,',
      "  fromFilename: createRequire(__filename)('./c.cjs') === fromImport,",
      "  fromUrlObject: nodeModule.createRequire(new URL(import.meta.url))('./c.cjs') === fromImport,",
      "  dual: [require('dual').kind, require.resolve('dual').split('/').pop()],",
      "  missing: (() => { try { require('./nope.cjs'); } catch (e) { return e.code; } })(),",
      '};',
    ].join('\n'),
    'lib/c.cjs': "exports.name = 'c';\n",
    'data.json': '{ "x": 1 }',
    'node_modules/inner/package.json': '{ "name": "inner", "main": "main.js" }',
    'node_modules/inner/main.js': "module.exports = 'inner';\n",
    'node_modules/dual/package.json':
      '{ "name": "dual", "exports": { "module-sync": "./sync.mjs", "require": "./req.cjs" } }',
    'node_modules/dual/sync.mjs': "export const kind = 'module-sync';\n",
    'node_modules/dual/req.cjs': "exports.kind = 'require';\n",
    // require(esm) of an archive ES module that imports archive CommonJS.
    'chain/a.cjs':
      "const b = require('./b.mjs');\nmodule.exports = { value: b.default, same: b.default === require('./c.cjs') };\n",
    'chain/b.mjs': "import x from './c.cjs';\nexport default x;\n",
    'chain/c.cjs': 'module.exports = { c: 1 };\n',
  });
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

const print = (entry: string, pick: string) =>
  `import('zip:./app.zip!/${entry}').then((ns) => console.log(JSON.stringify(${pick})), (e) => console.log(e.code, e.message))`;

describe('createRequire and fileURLToPath in archive ES modules', () => {
  const apis = hookApis;
  for (const api of apis) {
    test(`a require relative to the archive entry, sharing instances with import (HOTZIP_HOOKS=${api})`, async () => {
      // Node's own require() takes `module-sync` targets; hotzip's loader (and so its require.resolve) does not.
      const dual = nativeCjsRequire(api) ? ['module-sync', 'sync.mjs'] : ['require', 'req.cjs'];
      const result = await runNode(['-e', print('lib/main.mjs', 'ns.seen')], { cwd: app, env: { HOTZIP_HOOKS: api } });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), {
        json: 1,
        cjs: 'c',
        shared: true,
        bare: 'inner',
        host: 'host-pkg',
        builtin: 'function',
        resolved: `${zipBase}lib/c.cjs`,
        filename: `${zipBase}lib/main.mjs`,
        dirname: `${zipBase}lib`,
        fromFilename: true,
        fromUrlObject: true,
        dual,
        missing: 'MODULE_NOT_FOUND',
      });
    });

    test(`createRequire and fileURLToPath keep Node's answers for files on disk (HOTZIP_HOOKS=${api})`, async () => {
      const result = await runNode(['plain.mjs'], { cwd: app, env: { HOTZIP_HOOKS: api } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'host-pkg true\n');
      const refused = await runNode(['-e', "require('node:url').fileURLToPath('http://x/y')"], {
        cwd: app,
        env: { HOTZIP_HOOKS: api },
      });
      assert.match(refused.stderr, /ERR_INVALID_URL_SCHEME/);
    });
  }

  test('archive CommonJS imported by an archive ES module that archive CommonJS require()s', async () => {
    const api = chooseHookApi();
    const result = await runNode(['-e', print('chain/a.cjs', 'ns.default')], { cwd: app });
    assert.equal(result.code, 0, result.stderr);
    if (api === 'registerHooks') {
      assert.deepEqual(JSON.parse(result.stdout), { value: { c: 1 }, same: true });
    } else {
      // With module.register nothing can load an archive ES module synchronously: the documented limit.
      assert.match(result.stdout, /^ERR_HOTZIP_UNSUPPORTED require\(\) of the ES module entry "chain\/b\.mjs" of /);
    }
  });
});
