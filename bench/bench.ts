/**
 * `npm run bench`: hotzip measured against native Node in the same run, on the same machine.
 *
 * Cold import of a 500-module app (~2.5 MB of source): native Node importing the extracted tree, against hotzip
 * importing the same tree from a deflated archive. Each figure is the median of several runs of a fresh process,
 * alternating the two so that machine noise hits both alike; the ratio is what the targets are stated in.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeApp, writeTree, writeZip } from '../test/fixtures.js';
import { benchApp } from './app.js';

const quick = process.argv.includes('--quick');
const runs = quick ? 3 : 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spread(values: number[]): string {
  return `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
}

/** Runs the timing script in a fresh process and returns [import ms, whole process ms]. */
function timeImport(cwd: string, target: string, hot: boolean): [number, number] {
  const args = [...(hot ? ['--import', 'hotzip/register'] : []), 'time-import.mjs', target];
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`benchmark run failed: ${result.stderr}`);
  return [Number(result.stdout.trim()), wall];
}

function main(): void {
  const app = makeApp('hotzip-bench-');
  try {
    const tree = benchApp();
    const bytes = Object.values(tree).reduce((sum, content) => sum + content.length, 0);
    writeTree(path.join(app, 'tree'), tree);
    const archive = writeZip(path.join(app, 'app.zip'), tree, 6);
    writeTree(app, {
      'time-import.mjs': [
        'const t0 = performance.now();',
        'const m = await import(process.argv[2]);',
        'if (!Array.isArray(m.result)) throw new Error("bad app");',
        'console.log((performance.now() - t0).toFixed(3));',
      ].join('\n'),
    });
    const nativeTarget = pathToFileURL(path.join(app, 'tree', 'main.js')).href;
    const zipTarget = `zip://${pathToFileURL(archive).pathname}!/main.js`;
    const native: [number[], number[]] = [[], []];
    const hot: [number[], number[]] = [[], []];
    timeImport(app, nativeTarget, false); // warm the file cache for both
    timeImport(app, zipTarget, true);
    for (let i = 0; i < runs; i++) {
      const n = timeImport(app, nativeTarget, false);
      const h = timeImport(app, zipTarget, true);
      native[0].push(n[0]);
      native[1].push(n[1]);
      hot[0].push(h[0]);
      hot[1].push(h[1]);
    }
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(`hotzip bench — Node ${process.versions.node}, ${os.cpus().length} cores (${cpu}), ${runs} runs each`);
    console.log(
      `app: ${Object.keys(tree).length - 1} modules, ${(bytes / 1e6).toFixed(2)} MB of source, archive ${(fs.statSync(archive).size / 1e6).toFixed(2)} MB deflated`,
    );
    console.log('');
    console.log('cold import of the 500-module app   median ms (min–max)');
    console.log(
      `  native, extracted tree              import ${median(native[0]).toFixed(1)} (${spread(native[0])})   process ${median(native[1]).toFixed(1)} (${spread(native[1])})`,
    );
    console.log(
      `  hotzip, deflated archive            import ${median(hot[0]).toFixed(1)} (${spread(hot[0])})   process ${median(hot[1]).toFixed(1)} (${spread(hot[1])})`,
    );
    console.log(
      `  ratio hotzip/native                 import ${(median(hot[0]) / median(native[0])).toFixed(2)}×   process ${(median(hot[1]) / median(native[1])).toFixed(2)}×   (target ≤ 1.00×)`,
    );
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
  }
}

main();
