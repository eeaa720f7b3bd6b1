/**
 * CommonJS served from archives: `import` of it and `require()` inside it, with each hook API: through Node's own
 * loader where it routes require() through the hooks, through hotzip's own loader elsewhere (the support matrix in
 * the README). Parity with Node on disk is in e2e-cjs-require.test.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chooseHookApi, type HookApi } from '../lib/node-support.js';
import { makeApp, runNode, writeTree, writeZip } from './fixtures.js';

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
      'let inner;',
      "inner = require('./other.cjs');",
      "exports.fromRequire = { join: path.join('a', 'b'), host, inner, strict: (function () { return this; })() === undefined };",
    ].join('\n'),
  });
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

describe('CommonJS in archives', () => {
  for (const api of ['auto', 'register', 'registerHooks'] as const) {
    test(`import and require() with HOTZIP_HOOKS=${api}`, async (t) => {
      const env = api === 'auto' ? {} : { HOTZIP_HOOKS: api };
      const chosen: HookApi = chooseHookApi(process.versions.node, env);
      if (api === 'registerHooks' && chosen !== 'registerHooks') {
        t.diagnostic(`module.registerHooks is not available on Node ${process.versions.node}`);
      }
      const result = await runNode(['c.zip'], { cwd: app, env });
      assert.equal(result.code, 0, result.stderr);
      const inner = 'other';
      assert.equal(
        result.stdout,
        `named named 5\n${JSON.stringify({ join: path.join('a', 'b'), host: 'host-cjs', inner, strict: true })}\n`,
      );
    });
  }
});
