/**
 * Escapes: specifiers and entry names that try to leave the archive (`../`, `%2e%2e`, absolute paths,
 * backslashes, NUL, symlink entries) never read or run a file outside it. A sentinel module beside the archive
 * prints ESCAPED if it is ever evaluated.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { importEach, makeApp, runMain, writeTree } from '../helpers/fixtures.js';
import { buildZip } from '../helpers/zip-builder.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('no specifier or entry name reaches a file outside the archive', async () => {
  const dir = makeApp('hotzip-escape-');
  dirs.push(dir);
  const sentinel = "console.log('ESCAPED');\nexport const secret = 'outside';\n";
  writeTree(dir, { 'outside.mjs': sentinel, 'sub/outside.mjs': sentinel });
  const importers: Record<string, string> = {
    'dots.mjs': "import '../outside.mjs';",
    'deep-dots.mjs': "import './a/../../outside.mjs';",
    'encoded.mjs': "import './%2e%2e/outside.mjs';",
    'encoded-upper.mjs': "import './%2E%2E/outside.mjs';",
    'encoded-slash.mjs': "import '..%2foutside.mjs';",
    'backslash.mjs': "import '..\\\\outside.mjs';",
    'absolute.mjs': `import '${path.join(dir, 'outside.mjs')}';`,
    'root.mjs': "import '/outside.mjs';",
    'nul.mjs': "import './x\\u0000/../../outside.mjs';",
    'nested.mjs': "import 'zip:./evil.zip!/../outside.mjs';",
  };
  const archive = buildZip([
    { name: 'package.json', data: '{ "type": "module" }' },
    ...Object.entries(importers).map(([name, data]) => ({ name, data })),
    { name: '../outside.mjs', data: sentinel },
    { name: '/abs.mjs', data: sentinel },
    { name: 'sub\\..\\..\\outside.mjs', data: sentinel },
    { name: 'C:/outside.mjs', data: sentinel },
    { name: 'link.mjs', data: path.join(dir, 'outside.mjs'), unixMode: 0o120777 },
    { name: 'sub/link.mjs', data: '../../outside.mjs', unixMode: 0o120777 },
  ]);
  fs.writeFileSync(path.join(dir, 'evil.zip'), archive);
  const specifiers = [
    ...Object.keys(importers).map((name) => `zip:./evil.zip!/${name}`),
    'zip:./evil.zip!/../outside.mjs',
    'zip:./evil.zip!/%2e%2e/outside.mjs',
    'zip:./evil.zip!//abs.mjs',
    'zip:./evil.zip!/link.mjs',
    'zip:./evil.zip!/sub/link.mjs',
    'zip:./evil.zip!/sub/../../outside.mjs',
    'zip:./evil.zip!/C:/outside.mjs',
  ];
  const result = await runMain(dir, [
    "import { readFileSync } from 'hotzip';",
    ...importEach(specifiers, "'LOADED', JSON.stringify(ns)", 'e.code ?? e.name'),
    `for (const url of ${JSON.stringify(['zip:./evil.zip!/link.mjs', 'zip:./evil.zip!/../outside.mjs'])}) {`,
    "  try { readFileSync(new URL(url.replace('zip:./', 'zip://' + process.cwd() + '/'))); console.log(url, 'READ'); }",
    '  catch (e) { console.log(url, e.code ?? e.name); }',
    '}',
    "console.log('done');",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stdout, /ESCAPED|LOADED|READ|outside'/);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines.at(-1), 'done');
  for (const line of lines.slice(0, -1)) {
    assert.match(line, / (ERR_[A-Z_]+|TypeError)$/, line);
  }
});
