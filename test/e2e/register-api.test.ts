/**
 * `register(options)` from the runtime API: a program that starts hotzip itself, with a search path given in code.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { makeApp, runNode, writeTree, writeZip } from '../helpers/fixtures.js';

let app = '';
after(() => fs.rmSync(app, { recursive: true, force: true }));

test('register({ searchPath }) installs the hooks once, with archives on the search path', async () => {
  app = makeApp('hotzip-register-');
  writeZip(path.join(app, 'vendor', 'deps.zip'), {
    'greeter/package.json': JSON.stringify({ name: 'greeter', exports: { import: './esm.js', default: './cjs.cjs' } }),
    'greeter/esm.js': "export const greet = (name) => 'hello ' + name;\n",
    'greeter/cjs.cjs': "exports.greet = (name) => 'cjs ' + name;\n",
    'solo.mjs': "export const solo = 'root module';\n",
  });
  writeTree(app, {
    'main.mjs': [
      "import { register } from 'hotzip';",
      "console.log(register({ searchPath: ['vendor/deps.zip'] }), register({ searchPath: [] }));",
      "const { greet } = await import('greeter');",
      "const { solo } = await import('solo');",
      "console.log(greet('world'), solo);",
      "try { await import('nowhere'); } catch (e) { console.log(e.code, e.message.includes('deps.zip')); }",
    ].join('\n'),
  });
  const result = await runNode(['main.mjs'], { cwd: app, native: true });
  assert.equal(result.stdout, 'true false\nhello world root module\nERR_MODULE_NOT_FOUND true\n', result.stderr);
});
