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
import { chooseHookApi } from '../lib/node-support.js';
import { modeGlobal } from '../lib/transform/trampoline.js';
import { transformModule } from '../lib/transform/transform.js';
import { makeApp, type Tree, writeTree, writeZip } from '../test/helpers/fixtures.js';
import { benchApp } from './app.js';
import { heapBench, hotBench, manyExportsBench, updateLatency } from './hot.js';
import { vendoringBench } from './vendoring.js';

const quick = process.argv.includes('--quick');
/** `--start`: only the cold-start rows (native, the no-op loader, hotzip with hot reload off and on, the cache). */
const startOnly = process.argv.includes('--start');
const runsArgument = process.argv.find((argument) => argument.startsWith('--runs='));
const runs = runsArgument !== undefined ? Number(runsArgument.slice('--runs='.length)) : quick ? 3 : 9;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function spread(values: number[]): string {
  return `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
}

type Variant =
  | 'native'
  | 'floor'
  | 'rewritten'
  | 'zip-only'
  | 'hotzip'
  | 'first'
  | 'cached'
  | 'native-one-line'
  | 'hotzip-one-line';

/** How one variant is started: options before the script, what it imports, and its environment. */
interface Setup {
  preload: string[];
  target: string;
  env: Record<string, string>;
}

/** One variant's samples: import ms, whole process ms, and the CPU ms the process spent importing. */
type Samples = [number[], number[], number[]];

/** Runs the timing script in a fresh process and returns [import ms, whole process ms, import CPU ms]. */
function timeImport(cwd: string, setup: Setup): [number, number, number] {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...setup.preload, 'time-import.mjs', setup.target], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      NODE_COMPILE_CACHE: '',
      HOTZIP_HOT: '1',
      HOTZIP_SOURCE_MAPS: '0',
      HOTZIP_CACHE: '0',
      ...setup.env,
    },
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`benchmark run failed: ${result.stderr}`);
  const [imported, cpu] = result.stdout.trim().split(' ').map(Number);
  return [imported ?? Number.NaN, wall, cpu ?? Number.NaN];
}

/**
 * A loader that does nothing, installed through the same hook API hotzip picks on this Node: the cost of merely
 * having module hooks (large for Node 20's hooks thread), so the table shows how much of hotzip's ratio is its own.
 */
function noopLoader(api: string): string {
  if (api === 'registerHooks') {
    return "import { registerHooks } from 'node:module';\nregisterHooks({ resolve: (s, c, n) => n(s, c), load: (u, c, n) => n(u, c) });\n";
  }
  return [
    "import { register } from 'node:module';",
    "register('data:text/javascript,' + encodeURIComponent('export const resolve = (s, c, n) => n(s, c); export const load = (u, c, n) => n(u, c);'));",
  ].join('\n');
}

/**
 * The app as hotzip's first start serves it (every exported function with its forwarding test), written to disk for
 * Node to load with no hooks, and a preload defining the mode globals those tests read as the runtime does: what
 * compiling and running the rewritten sources costs by itself, before reading the archive or transforming anything.
 * No first start can cost less while every captured function must be able to forward to a newer version.
 */
function writeRewritten(dir: string, tree: Tree): string {
  const names: string[] = [];
  const rewritten: Tree = {};
  for (const [entry, source] of Object.entries(tree)) {
    if (typeof source !== 'string' || !entry.endsWith('.js')) {
      rewritten[entry] = source;
      continue;
    }
    const url = pathToFileURL(path.join(dir, entry)).href;
    rewritten[entry] = transformModule(source, { url, modeDefined: true }).code;
    names.push(modeGlobal(url));
  }
  writeTree(dir, rewritten);
  const define = (name: string): string =>
    `Object.defineProperty(globalThis, ${JSON.stringify(name)}, { value: 0, writable: true, enumerable: false });`;
  const preload = path.join(dir, '..', 'mode-globals.mjs');
  fs.writeFileSync(preload, `${names.map(define).join('\n')}\n`);
  return preload;
}

function row(label: string, samples: Samples): string {
  const [imports, processes, cpu] = samples;
  return `  ${label.padEnd(46)}import ${median(imports).toFixed(1)} (${spread(imports)})   process ${median(processes).toFixed(1)} (${spread(processes)})   import CPU ${median(cpu).toFixed(1)}`;
}

function ratio(label: string, a: Samples, b: Samples, note = ''): string {
  const imports = (median(a[0]) / median(b[0])).toFixed(2);
  const processes = (median(a[1]) / median(b[1])).toFixed(2);
  const cpu = (median(a[2]) / median(b[2])).toFixed(2);
  return `  ${label.padEnd(46)}import ${imports}×   process ${processes}×   import CPU ${cpu}×${note}`;
}

async function main(): Promise<void> {
  const app = makeApp('hotzip-bench-');
  try {
    const tree = benchApp();
    const bytes = Object.values(tree).reduce((sum, content) => sum + content.length, 0);
    writeTree(path.join(app, 'tree'), tree);
    const modeGlobals = writeRewritten(path.join(app, 'tree-rewritten'), tree);
    const archive = writeZip(path.join(app, 'app.zip'), tree, 6);
    // The same graph with one-line function bodies: with HOTZIP_SOURCE_MAPS=1 every module carries a source map.
    const oneLine = benchApp(500, 5000, 'one-line');
    writeTree(path.join(app, 'tree-one-line'), oneLine);
    const oneLineArchive = writeZip(path.join(app, 'app-one-line.zip'), oneLine, 6);
    const api = chooseHookApi();
    writeTree(app, {
      'time-import.mjs': [
        'const c0 = process.cpuUsage();',
        'const t0 = performance.now();',
        'const m = await import(process.argv[2]);',
        'if (!Array.isArray(m.result)) throw new Error("bad app");',
        'const t = performance.now() - t0;',
        'const c = process.cpuUsage(c0);',
        // CPU time: what a loaded machine changes least (the wall-clock figures wait for other processes too).
        'console.log(t.toFixed(3), ((c.user + c.system) / 1000).toFixed(3));',
      ].join('\n'),
      'noop-loader.mjs': noopLoader(api),
    });
    const nativeTarget = pathToFileURL(path.join(app, 'tree', 'main.js')).href;
    const zipTarget = `zip://${pathToFileURL(archive).pathname}!/main.js`;
    const hooked = ['--import', 'hotzip/register'];
    const setups: Record<Variant, Setup> = {
      native: { preload: [], target: nativeTarget, env: {} },
      floor: { preload: ['--import', './noop-loader.mjs'], target: nativeTarget, env: {} },
      rewritten: {
        preload: ['--import', pathToFileURL(modeGlobals).href],
        target: pathToFileURL(path.join(app, 'tree-rewritten', 'main.js')).href,
        env: {},
      },
      'zip-only': { preload: hooked, target: zipTarget, env: { HOTZIP_HOT: '0' } },
      hotzip: { preload: hooked, target: zipTarget, env: {} },
      // The default: a first start fills the cache (a new, empty one for each run), a repeat start is served by it.
      first: { preload: hooked, target: zipTarget, env: {} },
      cached: { preload: hooked, target: zipTarget, env: { HOTZIP_CACHE: path.join(app, 'transform-cache') } },
      'native-one-line': {
        preload: [],
        target: pathToFileURL(path.join(app, 'tree-one-line', 'main.js')).href,
        env: {},
      },
      // What exact source maps cost where every module needs one.
      'hotzip-one-line': {
        preload: hooked,
        target: `zip://${pathToFileURL(oneLineArchive).pathname}!/main.js`,
        env: { HOTZIP_SOURCE_MAPS: '1' },
      },
    };
    const startVariants: Variant[] = ['native', 'floor', 'rewritten', 'zip-only', 'hotzip', 'first', 'cached'];
    let fresh = 0;
    const setupOf = (variant: Variant): Setup =>
      variant === 'first'
        ? { ...setups.first, env: { HOTZIP_CACHE: path.join(app, `first-cache-${fresh++}`) } }
        : setups[variant];
    const variants = (startOnly ? startVariants : Object.keys(setups)) as Variant[];
    const samples = Object.fromEntries(variants.map((variant) => [variant, [[], [], []] as Samples])) as Record<
      Variant,
      Samples
    >;
    // Warms the OS caches for all, and fills the transform cache the `cached` runs are then served from.
    for (const variant of variants) timeImport(app, setupOf(variant));
    for (let i = 0; i < runs; i++) {
      for (const variant of variants) {
        const [imported, wall, cpu] = timeImport(app, setupOf(variant));
        samples[variant][0].push(imported);
        samples[variant][1].push(wall);
        samples[variant][2].push(cpu);
      }
    }
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(`hotzip bench — Node ${process.versions.node}, ${os.cpus().length} cores (${cpu}), ${runs} runs each`);
    console.log(
      `app: ${Object.keys(tree).length - 1} modules, ${(bytes / 1e6).toFixed(2)} MB of source, archive ${(fs.statSync(archive).size / 1e6).toFixed(2)} MB deflated; hook API: ${api}`,
    );
    console.log('');
    console.log('cold import of the 500-module app   median ms (min–max)');
    console.log(row('native, extracted tree', samples.native));
    console.log(row(`no-op ${api} loader, extracted tree`, samples.floor));
    console.log(row('native, hotzip-rewritten tree, no hooks', samples.rewritten));
    console.log(row('hotzip HOTZIP_HOT=0, deflated archive', samples['zip-only']));
    console.log(row('hotzip (hot reload on), HOTZIP_CACHE=0', samples.hotzip));
    console.log(row('hotzip, first start, filling the cache', samples.first));
    console.log(row('hotzip, repeat start from the cache', samples.cached));
    console.log(ratio('ratio hotzip HOTZIP_HOT=0/native', samples['zip-only'], samples.native, '   (target ≤ 1.00×)'));
    console.log(ratio('ratio hotzip HOTZIP_CACHE=0/native', samples.hotzip, samples.native, '   (target ≤ 1.15×)'));
    console.log(ratio('ratio hotzip first start/native', samples.first, samples.native, '   (target ≤ 1.15×)'));
    console.log(ratio('ratio hotzip repeat start/native', samples.cached, samples.native, '   (target ≤ 1.05×)'));
    console.log(ratio('ratio no-op loader/native (floor)', samples.floor, samples.native));
    console.log(ratio('ratio hotzip/no-op loader', samples.hotzip, samples.floor));
    console.log(
      ratio(
        'ratio rewritten tree/native',
        samples.rewritten,
        samples.native,
        '   (the floor of any first start with forwarding)',
      ),
    );
    if (startOnly) return;
    console.log(row('native, one-line bodies', samples['native-one-line']));
    console.log(row('hotzip HOTZIP_SOURCE_MAPS=1, one-line bodies', samples['hotzip-one-line']));
    console.log(
      ratio(
        'ratio with maps/native, one-line bodies',
        samples['hotzip-one-line'],
        samples['native-one-line'],
        '   (every module mapped)',
      ),
    );
    console.log('');
    console.log('hot reload');
    for (const line of await hotBench(app, quick)) console.log(`  ${line}`);
    console.log('');
    for (const line of vendoringBench(app, quick ? 3 : 9)) console.log(line);
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
  }
}

if (process.argv.includes('--exports')) {
  // Only the update of a module with many exports: a focused run of one row.
  const app = makeApp('hotzip-bench-');
  try {
    console.log(`hotzip bench — Node ${process.versions.node}, ${os.cpus().length} cores`);
    for (const line of manyExportsBench(app, quick)) console.log(`  ${line}`);
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
  }
} else if (process.argv.includes('--update') || process.argv.includes('--heap')) {
  // Only the update rows: latency in the 500-module app (--update) and heap kept per update (--heap).
  const app = makeApp('hotzip-bench-');
  try {
    console.log(`hotzip bench — Node ${process.versions.node}, ${os.cpus().length} cores`);
    if (process.argv.includes('--update'))
      for (const line of await updateLatency(app, quick ? 20 : 60, 3)) console.log(`  ${line}`);
    if (process.argv.includes('--heap')) for (const line of heapBench(app, quick)) console.log(`  ${line}`);
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
  }
} else if (process.argv.includes('--peers')) {
  const { peersBench } = await import('./peers.js');
  await peersBench(quick);
} else {
  await main();
}
