/**
 * Format detection against Node itself: a seeded set of generated sources with no `type` in scope is written to disk
 * and into an archive; one child Node process per option set asks Node's own load step (a hook's `nextLoad`) for
 * each file's format, and hotzip's `formatOf` for the same bytes in the archive, and the two must agree.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { typeScriptMode } from '../../lib/node-support.js';
import {
  makeApp,
  nodeMajor,
  repoRoot,
  runArchive,
  runNode,
  runProcess,
  type Tree,
  writeTree,
  writeZip,
} from '../helpers/fixtures.js';
import { prng } from '../helpers/prng.js';

const SEED = 0x5eed12;
const COUNT = 420;
const typescript = Boolean(typeScriptMode);

/** Pieces of programs, by kind; a source joins a few of them. */
const pieces = {
  cjs: [
    'module.exports = { a: 1 };',
    "const path = require('node:path')",
    'exports.x = __filename + __dirname;',
    'var require = globalThis.require;',
    'function module() {}',
    "if (typeof module !== 'undefined') module.exports = 1",
    'return;',
    'const target = new.target;',
    '<!-- an HTML-like comment',
    'with (Math) { max(1, 2); }',
    'var legacy = 010;',
    "import('node:fs').then(() => {});",
  ],
  esm: [
    "import fs from 'node:fs';",
    "import { join } from 'node:path'",
    "import 'node:os';",
    "import * as util from 'node:util';",
    'export const a = 1;',
    'export default function () {}',
    'export {};',
    'export { a as b };',
    "export * from 'node:fs';",
    'const url = import.meta.url;',
    'export default await p;',
  ],
  tla: [
    'await p;',
    'if (await p) {}',
    'const v = await p;',
    'f(await p);',
    'for await (const x of y) {}',
    'await Promise.resolve(1)',
    'x = [await a, await b];',
    'try { await p } catch {}',
    '(await p).x;',
    'await /re/g;',
    'await /x/.test(s);',
    'if (await /[/(]/.test(s)) {}',
    'await (x);',
    'x = await\n(y);',
  ],
  awaitName: [
    'var await = 1;',
    'await = 2;',
    'const o = { await: 1 };',
    'function f() { var await; return await; }',
    'async function g() { await p; }',
    'const h = async () => await p;',
    'class C { async m() { await this.x; } }',
    'async function* k() { for await (const x of y) yield x; }',
  ],
  hidden: [
    'const s = \'await p; import x from "y"\';',
    '// await p; export default 1',
    '/* export default 1; import.meta */',
    'const r = /await p|import.meta|export {}/;',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal, on purpose
    'const t = `${a} await p; export {}`;',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal, on purpose
    'const t2 = `import.meta ${`nested await p`}`;',
    'const q = \'require("x"); module.exports = 1\';',
  ],
  redeclare: [
    "const require = createRequire('/');",
    'let module = {};',
    'class exports {}',
    "const __filename = 'f';",
    "let __dirname = '.';",
    'const { require: r2, module: m2 } = globalThis;',
    'const require = createRequire(import.meta.url);',
  ],
  broken: ['a b;', 'let let = 1;', '}', 'if (', 'const = 1;', 'function () {}', '"unterminated', 'x = 1 +;', '`open'],
  types: [
    'const n: number = 1;',
    'function id<T>(x: T): T { return x; }',
    'interface Shape { a: string }',
    'type U = string | number;',
    'let w = n as unknown;',
  ],
} as const;

type Kind = keyof typeof pieces;
const kinds: readonly Kind[] = ['cjs', 'cjs', 'esm', 'tla', 'tla', 'awaitName', 'hidden', 'redeclare', 'broken'];

/** One generated file: where it goes and its bytes. */
interface Generated {
  name: string;
  text: string;
}

function generate(seed: number, count: number): Generated[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const out: Generated[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    const extension = roll < 0.12 ? '' : roll < 0.26 && typescript ? '.ts' : '.js';
    // Mostly one or two pieces, so that a single top-level await or redeclaration often decides alone.
    const size = 1 + Math.floor(random() * random() * 4);
    const parts: string[] = [];
    for (let j = 0; j < size; j++) parts.push(pick(pieces[pick(kinds)]));
    if (extension === '.ts') parts.splice(Math.floor(random() * (parts.length + 1)), 0, pick(pieces.types));
    let text = parts.join(random() < 0.8 ? '\n' : ' ');
    const prefix = random();
    if (prefix < 0.1) text = `#!/usr/bin/env node\n${text}`;
    else if (prefix < 0.2) text = `'use strict';\n${text}`;
    else if (prefix < 0.25) text = `/* header */ ${text}`;
    out.push({ name: `f${i}${extension}`, text: `${text}\n` });
  }
  return out;
}

/** Run by each child: Node's format from its own load step through a hook, hotzip's from `formatOf` on the archive. */
const probe = `
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { pathToFileURL } from 'node:url';
const [dir, archivePath, listFile, libUrl] = process.argv.slice(2);
const entries = JSON.parse(fs.readFileSync(listFile, 'utf8'));
const hooks = new URL('./hooks.mjs', pathToFileURL(listFile));
if (typeof nodeModule.registerHooks === 'function') nodeModule.registerHooks(await import(hooks));
else nodeModule.register(hooks);
const { formatOf } = await import(libUrl + 'load/format.js');
const { openArchiveAt } = await import(libUrl + 'archive/cache.js');
const { treeOf } = await import(libUrl + 'resolve/resolve.js');
const archive = openArchiveAt(archivePath, undefined);
const tree = treeOf(archive);
const zipBase = 'zip://' + pathToFileURL(archivePath).pathname + '!/';
const compiles = (make) => { try { make(); return true; } catch { return false; } };
const results = [];
for (const entry of entries) {
  const node = (await import(pathToFileURL(path.join(dir, entry)).href)).default;
  let hotzip;
  try {
    hotzip = formatOf(tree, entry, zipBase + entry, () => new TextDecoder().decode(archive.read(entry)));
  } catch (error) {
    hotzip = 'throws ' + error.code;
  }
  const text = fs.readFileSync(path.join(dir, entry), 'utf8');
  // TypeScript that cannot be stripped makes Node's format step throw: it compiles as nothing.
  let js = text;
  if (entry.endsWith('.ts')) js = compiles(() => nodeModule.stripTypeScriptTypes(text)) ? nodeModule.stripTypeScriptTypes(text) : '}';
  results.push({
    entry, node, hotzip,
    cjs: compiles(() => vm.compileFunction(js, ['exports', 'require', 'module', '__filename', '__dirname'])),
    esm: compiles(() => new vm.SourceTextModule(js)),
  });
}
process.stdout.write(JSON.stringify(results));
`;

/** The hook: asks the rest of the chain (Node's default load) for the format, and serves that name instead. */
function hooksSource(prefix: string): string {
  return `
const prefix = ${JSON.stringify(prefix)};
const serve = (format) => ({ format: 'module', source: 'export default ' + JSON.stringify(format ?? null) + ';', shortCircuit: true });
export function load(url, context, nextLoad) {
  if (!url.startsWith(prefix)) return nextLoad(url, context);
  let result;
  try { result = nextLoad(url, context); } catch (error) { return serve('throws ' + error.code); }
  if (typeof result?.then === 'function') return result.then((r) => serve(r.format), (error) => serve('throws ' + error.code));
  return serve(result.format);
}
`;
}

interface Verdict {
  entry: string;
  node: string;
  hotzip: string;
  cjs: boolean;
  esm: boolean;
}

let app = '';
let files: Generated[] = [];
const entries: string[] = [];

before(() => {
  app = makeApp('hotzip-format-');
  // Node would look for package.json files above the temporary directory: there must be none, or `type` is in scope.
  for (let dir = path.dirname(app); ; dir = path.dirname(dir)) {
    assert.ok(!fs.existsSync(path.join(dir, 'package.json')), `${dir}/package.json puts the test files in a scope`);
    if (path.dirname(dir) === dir) break;
  }
  files = generate(SEED, COUNT);
  const tree: Tree = { 'typeless/package.json': '{"name":"typeless"}\n' };
  // Wasm's magic in an extensionless file: Wasm on Node 22+, JavaScript that does not compile on Node 20.
  files.push({ name: 'wasm', text: '\0asm\x01\0\0\0' });
  for (const file of files) {
    for (const scope of ['none', 'typeless']) {
      tree[`${scope}/${file.name}`] = file.text;
      entries.push(`${scope}/${file.name}`);
    }
  }
  writeTree(path.join(app, 'files'), tree);
  writeZip(path.join(app, 'files.zip'), tree);
  fs.writeFileSync(path.join(app, 'entries.json'), JSON.stringify(entries));
  fs.writeFileSync(path.join(app, 'hooks.mjs'), hooksSource(`${pathToFileURL(path.join(app, 'files')).href}/`));
  fs.writeFileSync(path.join(app, 'probe.mjs'), probe);
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

async function verdicts(flags: readonly string[]): Promise<Verdict[]> {
  const result = await runProcess(
    process.execPath,
    [
      '--experimental-vm-modules',
      ...flags,
      path.join(app, 'probe.mjs'),
      path.join(app, 'files'),
      path.join(app, 'files.zip'),
      path.join(app, 'entries.json'),
      `${pathToFileURL(path.join(repoRoot, 'dist', 'lib')).href}/`,
    ],
    { cwd: app, env: { ...process.env, NODE_OPTIONS: undefined }, timeoutMs: 60_000 },
  );
  assert.equal(result.code, 0, result.stderr);
  const parsed = JSON.parse(result.stdout) as Verdict[];
  assert.equal(parsed.length, entries.length);
  return parsed;
}

/** The generated text behind a verdict. */
function textOf(verdict: Verdict): string {
  return files.find((f) => verdict.entry.endsWith(`/${f.name}`))?.text ?? '';
}

/**
 * Every source gets Node's format, except one that compiles neither as CommonJS nor as a module: its load fails with
 * a SyntaxError whichever format it gets, and hotzip may name the other one (see the README on format detection).
 * TypeScript that cannot be stripped makes Node's format step throw; hotzip names a TypeScript format, whose load
 * then fails on the same stripping with the same error.
 */
function assertSameFormats(results: readonly Verdict[]): { diverged: number } {
  const wrong = results.filter((r) => {
    if (r.hotzip === r.node) return false;
    if (r.node === 'throws ERR_INVALID_TYPESCRIPT_SYNTAX') return !r.hotzip.endsWith('-typescript');
    return r.cjs || r.esm;
  });
  const detail = wrong.slice(0, 5).map((r) => `${r.entry}: node ${r.node}, hotzip ${r.hotzip}\n${textOf(r)}`);
  assert.deepEqual(detail, []);
  return { diverged: results.filter((r) => r.hotzip !== r.node && !r.node.startsWith('throws')).length };
}

describe('format detection equals Node', () => {
  test(`${COUNT} generated typeless sources, with and without a typeless package.json`, async (t) => {
    const results = await verdicts([]);
    const { diverged } = assertSameFormats(results);
    const count = (format: string) => results.filter((r) => r.node === format).length;
    // The set must exercise both answers of the detection, and the top-level-await retry among them.
    assert.ok(count('module') + count('module-typescript') > 150, `only ${count('module')} modules`);
    assert.ok(count('commonjs') + count('commonjs-typescript') > 150, `only ${count('commonjs')} CommonJS`);
    const retried = results.filter((r) => r.node === 'module' && !/\b(import|export)\b/.test(textOf(r)));
    assert.ok(retried.length > 20, `only ${retried.length} modules by top-level await or a redeclaration`);
    t.diagnostic(
      `${results.length} files: ${count('module')} module, ${count('commonjs')} commonjs, ` +
        `${count('module-typescript')} module-typescript, ${count('commonjs-typescript')} commonjs-typescript, ` +
        `${retried.length} modules without import/export, ${count('throws ERR_INVALID_TYPESCRIPT_SYNTAX')} TypeScript ` +
        `that does not strip, ${diverged} that compile neither way with the other format`,
    );
    if (typescript) assert.ok(count('module-typescript') > 10 && count('commonjs-typescript') > 10);
  });

  test('--no-experimental-detect-module makes every typeless file CommonJS', async () => {
    const results = await verdicts(['--no-experimental-detect-module']);
    assertSameFormats(results);
    assert.ok(results.every((r) => r.node !== 'module'));
  });

  test('--disallow-code-generation-from-strings changes nothing', async () => {
    assertSameFormats(await verdicts(['--disallow-code-generation-from-strings']));
  });

  if (nodeMajor === 20) {
    for (const type of ['module', 'commonjs']) {
      test(`Node 20's --experimental-default-type=${type}`, async () => {
        const results = await verdicts([`--experimental-default-type=${type}`]);
        assertSameFormats(results);
        assert.ok(results.filter((r) => r.entry.endsWith('.js')).every((r) => r.node === type));
      });
    }
  }
});

describe('an archive with no package.json', () => {
  test('a .js whose only module syntax is top-level await runs as a module', async () => {
    const result = await runArchive(
      path.join(app, 'tla'),
      'app.zip',
      {
        'index.js': [
          'const value = await Promise.resolve(42);',
          'if (await Promise.resolve(true)) {',
          '  console.log(value, typeof module, typeof require, this);',
          '}',
        ].join('\n'),
      },
      ['./app.zip'],
    );
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, '42 undefined undefined undefined\n');
  });

  // Node 20 strips no types: a .ts entry has no format there.
  if (typescript) {
    test('a .ts whose only module syntax is top-level await runs as a module, with the warnings Node gives', async () => {
      const dir = path.join(app, 'tla-ts');
      const tree: Tree = {
        'main.ts': 'const value: number = await Promise.resolve(42);\nconsole.log(value, typeof module, this);\n',
      };
      writeTree(path.join(dir, 'tree'), tree);
      writeZip(path.join(dir, 'app.zip'), tree);
      writeTree(dir, {
        'native.mjs': "await import('./tree/main.ts');\n",
        'zip.mjs': "await import('zip:./app.zip!/main.ts');\n",
      });
      const native = await runNode(['native.mjs'], { cwd: dir, native: true });
      const zip = await runNode(['zip.mjs'], { cwd: dir });
      assert.equal(native.stdout, '42 undefined undefined\n', native.stderr);
      assert.equal(zip.stdout, native.stdout, zip.stderr);
      const warnings = (stderr: string) => stderr.match(/\w+Warning: .*/g) ?? [];
      assert.deepEqual(warnings(zip.stderr), warnings(native.stderr));
    });
  }
});

describe('a package.json without type', () => {
  test("Node's MODULE_TYPELESS_PACKAGE_JSON warning, once per package.json and not under node_modules", async () => {
    const dir = path.join(app, 'typeless-warning');
    const tree: Tree = {
      'package.json': '{"name":"typeless"}\n',
      'a.js': "import './b.js';\nexport const a = 1;\n",
      'b.js': 'export const b = 2;\n',
      'c.js': 'module.exports = 3;\n',
      'node_modules/dep/package.json': '{"name":"dep"}\n',
      'node_modules/dep/index.js': 'export default 4;\n',
    };
    writeTree(path.join(dir, 'tree'), tree);
    writeZip(path.join(dir, 'app.zip'), tree);
    const main = (base: string) =>
      ['a.js', 'c.js', 'node_modules/dep/index.js'].map((entry) => `await import('${base}${entry}');`).join('\n');
    writeTree(dir, { 'native.mjs': main('./tree/'), 'zip.mjs': main('zip:./app.zip!/') });
    const native = await runNode(['native.mjs'], { cwd: dir, native: true });
    const zip = await runNode(['zip.mjs'], { cwd: dir });
    const warnings = (stderr: string) => stderr.match(/\[MODULE_TYPELESS_PACKAGE_JSON\]/g)?.length ?? 0;
    assert.equal(warnings(native.stderr), 1, native.stderr);
    assert.equal(warnings(zip.stderr), 1, zip.stderr);
    assert.match(zip.stderr, /Module type of zip:\/\/\S+app\.zip!\/a\.js is not specified/);
  });
});
