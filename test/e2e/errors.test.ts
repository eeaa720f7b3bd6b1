/**
 * Error messages a user meets first: each says what went wrong and what to do, names the importer, and its stack
 * starts outside hotzip's own code (whose frames appear only with HOTZIP_LOG=debug).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeApp, runNode, writeTree, writeZip } from '../helpers/fixtures.js';

let app: string;

before(() => {
  app = makeApp('hotzip-errors-');
  writeZip(path.join(app, 'bad-main.zip'), {
    'package.json': '{ "type": "module", "main": "dist/server.js" }\n',
    'src/server.js': 'export {};\n',
  });
  writeZip(path.join(app, 'no-main.zip'), { 'lib/x.js': 'export const x = 1;\n' });
  writeZip(path.join(app, 'a.zip'), { 'x.js': 'export const x = 1;\n' });
  writeTree(app, {
    'probe.mjs': `
for (const specifier of process.argv.slice(2)) {
  try {
    await import(specifier);
    console.log(JSON.stringify({ specifier, ok: true }));
  } catch (error) {
    const frames = error.stack.split('\\n').filter((line) => line.startsWith('    at '));
    console.log(JSON.stringify({ specifier, code: error.code, message: error.message, frame: frames[0] ?? '' }));
  }
}
`,
  });
});

after(() => {
  if (app !== undefined) fs.rmSync(app, { recursive: true, force: true });
});

interface Outcome {
  specifier: string;
  code?: string;
  message?: string;
  frame?: string;
}

async function probe(specifiers: string[], env: Record<string, string> = {}): Promise<Map<string, Outcome>> {
  const run = await runNode(['probe.mjs', ...specifiers], { cwd: app, env });
  assert.equal(run.code, 0, run.stderr);
  const outcomes = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Outcome);
  return new Map(outcomes.map((outcome) => [outcome.specifier, outcome]));
}

describe('error messages', () => {
  test('say what went wrong and what to do, and name the importer', async () => {
    const found = await probe([
      'zip:./bad-main.zip',
      'zip:./no-main.zip',
      'zip:./a.zip!x.js',
      'zip:./missing.zip!/x.js',
      'zip:./a.zip!/../x.js',
    ]);
    const badMain = found.get('zip:./bad-main.zip');
    assert.equal(badMain?.code, 'ERR_MODULE_NOT_FOUND');
    assert.match(
      badMain?.message ?? '',
      /bad-main\.zip: its package\.json "main" is "dist\/server\.js", which the archive does not contain/,
    );
    const noMain = found.get('zip:./no-main.zip');
    assert.match(noMain?.message ?? '', /no-main\.zip: no package\.json "exports" or "main".*hotzip pack -m/);
    const noSlash = found.get('zip:./a.zip!x.js');
    assert.equal(noSlash?.code, 'ERR_HOTZIP_INVALID_SPECIFIER');
    assert.match(noSlash?.message ?? '', /needs a '\/' after '!': write zip:\.\/a\.zip!\/x\.js/);
    const missing = found.get('zip:./missing.zip!/x.js');
    assert.equal(missing?.code, 'ERR_MODULE_NOT_FOUND');
    assert.match(missing?.message ?? '', /Cannot find archive '.*missing\.zip' imported from file:\/\/.*\/probe\.mjs$/);
    // The archive a zip: specifier names is not its importer.
    const escaping = found.get('zip:./a.zip!/../x.js');
    assert.equal(escaping?.code, 'ERR_HOTZIP_INVALID_SPECIFIER');
    assert.match(escaping?.message ?? '', /"zip:\.\/a\.zip!\/\.\.\/x\.js" leaves the archive \/.*\/a\.zip$/);
  });

  test("stacks start outside hotzip's code unless HOTZIP_LOG=debug", async () => {
    const ownCode = /hotzip\/dist\/|\/dist\/lib\//;
    const plain = await probe(['zip:./a.zip!x.js', 'zip:./missing.zip!/x.js']);
    for (const outcome of plain.values()) assert.doesNotMatch(outcome.frame ?? '', ownCode, outcome.specifier);
    const debug = await probe(['zip:./a.zip!x.js'], { HOTZIP_LOG: 'debug' });
    assert.match(debug.get('zip:./a.zip!x.js')?.frame ?? '', ownCode);
  });
});
