/**
 * The HOTZIP_PATH bench line: start-up of a small app whose dependencies (es-module-lexer, magic-string,
 * fflate, copied from this repository's node_modules) are installed, against the same app with its dependency tree
 * packed into one archive on HOTZIP_PATH and node_modules gone.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packDirectory } from '../lib/archive/pack.js';
import { repoRoot, writeTree } from '../test/helpers/fixtures.js';

const APP = [
  "import { parse } from 'es-module-lexer';",
  "import MagicString from 'magic-string';",
  "import { strToU8, zipSync } from 'fflate';",
  'const source = "import { a } from \'./a.js\';\\nexport const b = a + 1;\\n";',
  'const [imports] = parse(source);',
  "const edited = new MagicString(source).overwrite(imports[0].start, imports[0].end, './b.js');",
  "console.log(edited.toString().split('\\n')[0], zipSync({ 'x.txt': strToU8('hello') }).length);",
].join('\n');

const DEPENDENCIES = ['es-module-lexer', 'magic-string', 'fflate', '@jridgewell'];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Runs the comparison in `app` (a scratch directory with hotzip linked) and returns the report lines. */
export function vendoringBench(app: string, runs: number): string[] {
  const installed = path.join(app, 'installed');
  const vendored = path.join(app, 'vendored');
  for (const name of DEPENDENCIES) {
    fs.cpSync(path.join(repoRoot, 'node_modules', name), path.join(installed, 'node_modules', name), {
      recursive: true,
    });
  }
  writeTree(installed, { 'app.mjs': APP });
  writeTree(vendored, { 'app.mjs': APP });
  const packed = packDirectory(path.join(installed, 'node_modules'), path.join(vendored, 'deps.zip'), { level: 6 });
  const cases: Array<[string, string, string[], Record<string, string>]> = [
    ['installed node_modules, plain node', installed, ['app.mjs'], {}],
    ['installed node_modules + hotzip/register', installed, ['--import', 'hotzip/register', 'app.mjs'], {}],
    [
      'HOTZIP_PATH=deps.zip + hotzip/register',
      vendored,
      ['--import', 'hotzip/register', 'app.mjs'],
      { HOTZIP_PATH: 'deps.zip' },
    ],
  ];
  const samples: number[][] = cases.map(() => []);
  let expected: string | undefined;
  for (let round = 0; round < runs + 1; round++) {
    cases.forEach(([, cwd, args, env], index) => {
      const started = performance.now();
      const result = spawnSync(process.execPath, args, {
        cwd,
        env: { ...process.env, NODE_OPTIONS: '', ...env },
        encoding: 'utf8',
      });
      const ms = performance.now() - started;
      if (result.status !== 0) throw new Error(`vendoring bench failed: ${result.stderr}`);
      expected ??= result.stdout;
      if (result.stdout !== expected) throw new Error(`vendored output differs: ${result.stdout} vs ${expected}`);
      if (round > 0) samples[index]?.push(ms);
    });
  }
  const base = median(samples[0] ?? []);
  return [
    `vendoring: ${packed.entries} files of node_modules packed into deps.zip; process wall time, median of ${runs}`,
    ...cases.map(([label], index) => {
      const ms = median(samples[index] ?? []);
      return `  ${label.padEnd(46)}${ms.toFixed(0)} ms   ${(ms / base).toFixed(2)}×`;
    }),
  ];
}
