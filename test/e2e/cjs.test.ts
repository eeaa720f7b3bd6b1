/**
 * CommonJS served from archives: `import` of it and `require()` inside it, with each hook API: through Node's own
 * loader where it routes require() through the hooks, through hotzip's own loader elsewhere (the support matrix in
 * the README). Parity with Node on disk is in e2e-cjs-require.test.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { readConfig } from '../../lib/config.js';
import { chooseHookApi, type HookApi } from '../../lib/node-support.js';
import { makeApp, runNode, writeTree, writeZip } from '../helpers/fixtures.js';

let app = '';
before(() => {
  app = makeApp('hotzip-cjs-');
  writeTree(app, {
    'node_modules/host-cjs/package.json': '{ "name": "host-cjs", "main": "index.js" }',
    'node_modules/host-cjs/index.js': "module.exports = 'host-cjs';\n",
  });
  writeZip(path.join(app, 'c.zip'), {
    'index.mjs': [
      "import lib, { named, sum } from './lib.cjs';",
      "import { fromRequire } from './requirer.cjs';",
      'console.log(lib.named, named, sum(2, 3));',
      'console.log(JSON.stringify(fromRequire));',
    ].join('\n'),
    'lib.cjs': "exports.named = 'named';\nexports.sum = (a, b) => a + b;\n",
    'other.cjs': "module.exports = 'other';\n",
    'requirer.cjs': [
      '"use strict";',
      "const path = require('node:path');",
      "const host = require('host-cjs');",
      "const inner = require('./other.cjs');",
      "exports.fromRequire = { join: path.join('a', 'b'), host, inner, strict: (function () { return this; })() === undefined };",
    ].join('\n'),
  });
  writeZip(path.join(app, 'main.zip'), {
    'package.json': '{ "main": "server.cjs" }',
    'server.cjs': [
      "const child = require('./child.cjs');",
      "let line = '';",
      "try { require('./thrower.cjs').boom(); } catch (e) { line = e.stack.split('\\n')[1].trim(); }",
      "import('./esm.mjs').then((ns) => console.log(require.main === module, child.sawMain, ns.value, line));",
    ].join('\n'),
    'child.cjs': 'exports.sawMain = require.main === module.parent;\n',
    'thrower.cjs': "// line 1\nexports.boom = function () {\n    throw new Error('here');\n};\n",
    'esm.mjs': "export const value = 'from import()';\n",
  });
  // Dependencies vendored into a search-path archive (its root is a node_modules folder), required by archive code.
  writeZip(path.join(app, 'deps.zip'), {
    'vendored/package.json': '{ "name": "vendored", "main": "lib/index" }',
    'vendored/lib/index.js': "module.exports = { codes: require('../codes.json'), helper: require('helper') };\n",
    'vendored/codes.json': '{ "404": "Not Found" }',
    'helper/index.js': "module.exports = 'helper';\n",
  });
  writeZip(path.join(app, 'routes.zip'), {
    'package.json': '{ "main": "server.cjs" }',
    'server.cjs':
      "const v = require('vendored');\nconsole.log(v.codes['404'], v.helper, require.resolve('vendored'));\n",
  });
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

describe('CommonJS in archives', () => {
  for (const api of ['auto', 'register', 'registerHooks'] as const) {
    test(`import and require() with HOTZIP_HOOKS=${api}`, async (t) => {
      const env = api === 'auto' ? {} : { HOTZIP_HOOKS: api };
      const chosen: HookApi = chooseHookApi(process.versions.node, readConfig(env).hooks);
      if (api === 'registerHooks' && chosen !== 'registerHooks') {
        t.diagnostic(`module.registerHooks is not available on Node ${process.versions.node}`);
      }
      const result = await runNode(['c.zip'], { cwd: app, env });
      assert.equal(result.code, 0, result.stderr);
      const fromRequire = { join: path.join('a', 'b'), host: 'host-cjs', inner: 'other', strict: true };
      assert.equal(result.stdout, `named named 5\n${JSON.stringify(fromRequire)}\n`);
    });

    test(`an archive CommonJS entry point is require.main, keeps its positions, can import() (HOTZIP_HOOKS=${api})`, async () => {
      const env = api === 'auto' ? {} : { HOTZIP_HOOKS: api };
      const result = await runNode(['main.zip'], { cwd: app, env });
      assert.equal(result.code, 0, result.stderr);
      const zipUrl = `zip://${pathToFileURL(path.join(app, 'main.zip')).pathname}!/thrower.cjs`;
      assert.equal(result.stdout, `true true from import() at exports.boom (${zipUrl}:3:11)\n`);
    });

    test(`archive CommonJS requires packages vendored on HOTZIP_PATH (HOTZIP_HOOKS=${api})`, async () => {
      const env = { HOTZIP_PATH: 'deps.zip', ...(api === 'auto' ? {} : { HOTZIP_HOOKS: api }) };
      const result = await runNode(['routes.zip'], { cwd: app, env });
      assert.equal(result.code, 0, result.stderr);
      const resolved = `zip://${pathToFileURL(path.join(app, 'deps.zip')).pathname}!/vendored/lib/index.js`;
      assert.equal(result.stdout, `Not Found helper ${resolved}\n`);
    });
  }
});
