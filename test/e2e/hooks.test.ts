/**
 * The two hook adapters, what they claim and what they leave alone.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chooseHookApi } from '../../lib/node-support.js';
import { makeApp, runNode, writeTree, writeZip } from '../helpers/fixtures.js';

let app = '';
before(() => {
  app = makeApp('hotzip-hooks-');
  writeZip(path.join(app, 'p.zip'), {
    'x.mjs': "import { v } from 'virtual:answer';\nexport const x = 'x' + v;\n",
    'index.mjs': "console.log('main', (await import('./x.mjs')).x);\n",
  });
  writeZip(path.join(app, 'q.zip'), {
    'index.mjs': "console.log('main', (await import('./y.mjs')).y);\n",
    'y.mjs': 'export const y = 1;\n',
  });
  writeTree(app, {
    // Another loader, for composition: it serves `virtual:answer` and tags every file: module it loads.
    'other-loader.mjs': [
      "import { register } from 'node:module';",
      "register('./other-hooks.mjs', import.meta.url);",
    ].join('\n'),
    'other-hooks.mjs': [
      'export function resolve(specifier, context, next) {',
      "  if (specifier === 'virtual:answer') return { url: 'virtual:answer', shortCircuit: true };",
      '  return next(specifier, context);',
      '}',
      'export function load(url, context, next) {',
      "  if (url === 'virtual:answer') return { format: 'module', source: 'export const v = 42;', shortCircuit: true };",
      '  return next(url, context);',
      '}',
    ].join('\n'),
    'plain.mjs':
      "import { sep } from 'node:path';\nconsole.log(import.meta.url.startsWith('file:'), typeof import.meta.filename, sep);\n",
    'worker-main.mjs': [
      "import { Worker } from 'node:worker_threads';",
      "const w = new Worker(new URL('./worker.mjs', import.meta.url));",
      "w.on('message', (m) => { console.log('worker says', m); });",
    ].join('\n'),
    'worker.mjs': [
      "import { parentPort } from 'node:worker_threads';",
      "const { x } = await import('zip:./p.zip!/x.mjs');",
      'parentPort.postMessage(x);',
    ].join('\n'),
  });
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

describe('registration', () => {
  test('no deprecation warning from the API chosen for this Node', async (t) => {
    t.diagnostic(`Node ${process.versions.node} uses ${chooseHookApi()}`);
    const result = await runNode(['q.zip'], { cwd: app });
    assert.equal(result.stdout, 'main 1\n', result.stderr);
    assert.doesNotMatch(result.stderr, /DEP0205|DeprecationWarning/);
  });

  test('composes with another loader registered before or after hotzip', async () => {
    const before = await runNode(['--import', './other-loader.mjs', 'p.zip'], { cwd: app });
    assert.equal(before.stdout, 'main x42\n', before.stderr);
    const afterwards = await runNode(['--import', 'hotzip/register', '--import', './other-loader.mjs', 'p.zip'], {
      cwd: app,
      native: true,
    });
    assert.equal(afterwards.stdout, 'main x42\n', afterwards.stderr);
  });

  test('leaves plain files alone', async () => {
    const result = await runNode(['plain.mjs'], { cwd: app });
    assert.equal(result.stdout, `true string ${path.sep}\n`, result.stderr);
  });

  test('reaches worker threads through --import', async () => {
    const result = await runNode(['--import', './other-loader.mjs', 'worker-main.mjs'], { cwd: app });
    assert.equal(result.stdout, 'worker says x42\n', result.stderr);
  });

  test('HOTZIP_HOOKS=register forces the hooks thread; registerHooks the in-thread hooks where Node has them', async () => {
    for (const api of ['register', 'registerHooks']) {
      const result = await runNode(['--import', './other-loader.mjs', 'p.zip'], {
        cwd: app,
        env: { HOTZIP_HOOKS: api },
      });
      assert.equal(result.stdout, 'main x42\n', `${api}: ${result.stderr}`);
    }
  });
});
