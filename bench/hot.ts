/**
 * Hot-reload figures for `npm run bench` (issue targets, checked here and never by timed unit tests):
 * - update latency: archive replaced on disk → the running app observes the new code, p50/p95, one changed module of
 *   the 500-module app, next to a full process restart of the same app;
 * - call overhead (see ./calls.ts): named-import bindings and captured functions against direct calls;
 * - heap kept per update against natively re-importing the changed module.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeTree, writeZip } from '../test/helpers/fixtures.js';
import { type BenchStyle, benchApp } from './app.js';
import { callOverhead } from './calls.js';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function median(values: number[]): number {
  return percentile(values, 50);
}

const nodeEnv = { ...process.env, NODE_OPTIONS: '', HOTZIP_LOG: 'silent' };

/** Time from `spawn` to the app's first line of output, in ms. */
async function timeToFirstOutput(args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, env: nodeEnv });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () => {
      resolve(performance.now() - started);
      child.kill();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== null && code !== 0) reject(new Error(`exit ${code}`));
    });
  });
}

/**
 * The app itself replaces its archive and times until the update event shows the new code: one clock, no pipe
 * latency, and the same path a deploy takes (rename over the archive in use).
 */
const LATENCY_SCRIPT = `
import { copyFileSync, renameSync } from 'node:fs';
import { result } from 'zip:./hot.zip!/main.js';
import { fn250 } from 'zip:./hot.zip!/m250.js';
import { off, on } from 'hotzip';
const updates = Number(process.argv[2]);
const initial = fn250(0);
const latencies = [];
const alive = setInterval(() => {}, 1000); // the watcher itself never keeps a process alive
// A user's first edit comes after start-up has settled, when hotzip has warmed its update path (a second after the
// last module started): the updates start two seconds after the imports.
await new Promise((resolve) => setTimeout(resolve, 2000));
for (let i = 1; i <= updates; i++) {
  copyFileSync('hot-' + i + '.zip', 'hot.zip.tmp');
  // One listener at a time: listeners left behind would make every later event call them all.
  const seen = new Promise((resolve) => {
    const listener = (report) => {
      off('update', listener);
      resolve(report);
    };
    on('update', listener);
  });
  const start = performance.now();
  renameSync('hot.zip.tmp', 'hot.zip');
  await seen;
  const value = fn250(0);
  latencies.push(performance.now() - start);
  if (value !== initial + i * 1000) throw new Error('stale code after update ' + i + ': ' + value);
  await new Promise((resolve) => setTimeout(resolve, 30));
}
clearInterval(alive);
console.log(JSON.stringify(latencies));
`;

/**
 * The machine's own floor under the same load: a process without hotzip renames a file of the archive's size over
 * another in a watched directory and times until its `fs.watch` callback runs (the first step of every update), as
 * often as the update rows do. What this takes beyond a millisecond is waiting for the CPU or the wake-up, which no
 * loader can shorten.
 */
const WAKE_SCRIPT = `
import { copyFileSync, renameSync, watch } from 'node:fs';
const rounds = Number(process.argv[2]);
const times = [];
let seen;
watch('.', { persistent: false }, (_event, name) => {
  if (name !== 'hot.zip' || seen === undefined) return;
  const resolve = seen;
  seen = undefined;
  setImmediate(() => resolve(performance.now()));
});
const alive = setInterval(() => {}, 1000);
for (let i = 0; i < rounds; i++) {
  copyFileSync('../hot-1.zip', 'hot.zip.tmp');
  const done = new Promise((resolve) => (seen = resolve));
  const start = performance.now();
  renameSync('hot.zip.tmp', 'hot.zip');
  times.push((await done) - start);
  await new Promise((resolve) => setTimeout(resolve, 30));
}
clearInterval(alive);
console.log(JSON.stringify(times));
`;

/** Starts `count` processes that keep a core busy each, and returns a function that stops them. */
function busyProcesses(count: number): () => void {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { env: nodeEnv, stdio: 'ignore' }),
  );
  return () => {
    for (const child of children) child.kill('SIGKILL');
  };
}

/**
 * Update latency in the 500-module app, next to restarts (also alone: `bench.js --update`). The latency is measured
 * three times: on the machine as it is, with one core kept busy by another process, and with every core kept busy
 * (the loaded machine the targets are set for, made by the benchmark itself so that runs compare).
 */
export async function updateLatency(app: string, updates: number, restarts: number): Promise<string[]> {
  const tree = benchApp();
  const base = path.join(app, 'hot-0.zip');
  writeZip(base, tree);
  for (let i = 1; i <= updates; i++) {
    const source = tree['m250.js']?.toString() ?? '';
    writeZip(path.join(app, `hot-${i}.zip`), {
      ...tree,
      'm250.js': source.replace('value250 = 250;', `value250 = ${250 + i * 1000};`),
    });
  }
  writeTree(app, {
    'latency.mjs': LATENCY_SCRIPT,
    'hot-start.mjs': "import { result } from 'zip:./hot.zip!/main.js';\nconsole.log('ready ' + result.length);\n",
    'native-start.mjs': "import { result } from './tree/main.js';\nconsole.log('ready ' + result.length);\n",
  });
  writeTree(path.join(app, 'tree'), tree);
  writeTree(path.join(app, 'wake'), { 'wake.mjs': WAKE_SCRIPT });
  const cores = os.cpus().length;
  const loads: Array<[busy: number, label: string]> = [
    [0, 'as the machine is'],
    [1, '1 busy process'],
    [cores, `${cores} busy processes (all cores)`],
  ];
  const lines: string[] = [];
  let idleP50 = Number.NaN;
  for (const [busy, label] of loads) {
    fs.copyFileSync(base, path.join(app, 'hot.zip'));
    const stop = busyProcesses(busy);
    let result: ReturnType<typeof spawnSync>;
    let wake: ReturnType<typeof spawnSync>;
    try {
      result = spawnSync(process.execPath, ['--import', 'hotzip/register', 'latency.mjs', String(updates)], {
        cwd: app,
        env: nodeEnv,
        encoding: 'utf8',
      });
      wake = spawnSync(process.execPath, ['wake.mjs', String(updates)], {
        cwd: path.join(app, 'wake'),
        env: nodeEnv,
        encoding: 'utf8',
      });
    } finally {
      stop();
    }
    if (result.status !== 0) throw new Error(`latency bench failed: ${result.stderr}`);
    if (wake.status !== 0) throw new Error(`wake-up floor failed: ${wake.stderr}`);
    const wakes = JSON.parse(String(wake.stdout).trim()) as number[];
    const latencies = JSON.parse(String(result.stdout).trim()) as number[];
    const p50 = median(latencies);
    if (busy === 0) idleP50 = p50;
    // The first update of a process runs the update path for the first time (code not compiled yet): said apart.
    lines.push(
      `update latency, 1 of 500 modules changed, ${label.padEnd(30)} (${updates} updates)   p50 ${p50.toFixed(1)} ms   p95 ${percentile(latencies, 95).toFixed(1)} ms   first ${(latencies[0] ?? Number.NaN).toFixed(1)} ms   (target on a loaded machine: p50 ≤ 10 ms, p95 ≤ 20 ms)`,
      `  floor: fs.watch wake-up alone, no hotzip, same load (${wakes.length})   p50 ${median(wakes).toFixed(1)} ms   p95 ${percentile(wakes, 95).toFixed(1)} ms   max ${Math.max(...wakes).toFixed(1)} ms`,
    );
  }
  const hotRestart: number[] = [];
  const nativeRestart: number[] = [];
  for (let i = 0; i < restarts; i++) {
    hotRestart.push(await timeToFirstOutput(['--import', 'hotzip/register', 'hot-start.mjs'], app));
    nativeRestart.push(await timeToFirstOutput(['native-start.mjs'], app));
  }
  return [
    ...lines,
    `restart to first output (median of ${restarts})   hotzip ${median(hotRestart).toFixed(0)} ms   native ${median(nativeRestart).toFixed(0)} ms`,
    `restart / update p50 (machine as it is)        ${(median(nativeRestart) / idleP50).toFixed(0)}× (native restart)   ${(median(hotRestart) / idleP50).toFixed(0)}× (hotzip restart)   (target ≥ 30×)`,
  ];
}

/**
 * A module of `functions` exported functions. `leadingImport`: it starts with an import, as most modules do, where
 * a new version's gate can be an await among its imports; else its line 1 is code and each version imports a gate.
 */
function bigModule(version: number, style: BenchStyle, functions = 450, leadingImport = false): string {
  const lines = [`export const version = ${version};`];
  if (leadingImport) lines.unshift("import { sep } from 'node:path';", 'export const separator = sep;');
  const body = (code: string): string => (style === 'formatted' ? `\n  ${code}\n` : ` ${code} `);
  for (let i = 0; i < functions; i++) {
    lines.push(
      `export function f${i}(a, b) {${body(`const s = 'v${version} f${i} ' + a; return s.length + (b ?? ${i});`)}}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Updates before the first window (not a multiple of the 4 payloads: each window must start with a change). */
const HEAP_WARM = 10;

/**
 * Both heap scripts print, as JSON, the heap kept per update over two windows of N updates each, one after the other
 * (after HEAP_WARM updates): `first` still carries what the process pays once, spread over N (the update path's
 * optimized code and its type feedback, which V8 goes on compiling for hundreds of updates: about 1.7 MB for the 1 KB
 * module on Node 24, with hotzip); `steady` is what each further update keeps, what a long session grows by.
 */
const HEAP_WINDOWS = `
const heapAt = () => { globalThis.gc(); return process.memoryUsage().heapUsed; };
const windows = async (update) => {
  for (let i = 0; i < ${HEAP_WARM}; i++) await update(i + 1);
  const h0 = heapAt();
  for (let i = 0; i < N; i++) await update(i);
  const h1 = heapAt();
  for (let i = N; i < 2 * N; i++) await update(i);
  const h2 = heapAt();
  console.log(JSON.stringify({ first: (h1 - h0) / N, steady: (h2 - h1) / N }));
};
`;

const HEAP_HOT = `
import { reload } from 'hotzip';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
await import('zip:./heap.zip!/big.js');
const N = Number(process.argv[2]);
const payloads = [1, 2, 3, 4].map((v) => readFileSync('heap-' + v + '.zip'));
${HEAP_WINDOWS}
await windows(async (i) => {
  writeFileSync('heap.zip.tmp', payloads[i % payloads.length]);
  renameSync('heap.zip.tmp', 'heap.zip');
  const report = await reload();
  if (report.updated.length !== 1) throw new Error('no update: ' + JSON.stringify(report));
});
`;

const HEAP_NATIVE = `
import { readFileSync, writeFileSync } from 'node:fs';
const N = Number(process.argv[2]);
const sources = [1, 2, 3, 4].map((v) => readFileSync('big-' + v + '.txt'));
await import('./big-native.mjs?v=start');
${HEAP_WINDOWS}
let imports = 0;
await windows(async (i) => {
  writeFileSync('big-native.mjs', sources[i % sources.length]);
  await import('./big-native.mjs?v=' + imports++);
});
`;

/**
 * One module shape the heap rows measure: its function count, body layout, whether source maps are on, and whether
 * it starts with an import (else its line 1 is code).
 */
interface HeapShape {
  functions: number;
  style: BenchStyle;
  maps: boolean;
  updates: number;
  leadingImport?: boolean;
}

/**
 * Heap kept per update of one module shape against natively re-importing the same sources. With maps on, one-line
 * bodies carry a source map per version (the trampolines move columns): what exact positions cost there.
 */
function heapPerUpdate(app: string, shape: HeapShape): string[] {
  const { functions, style, maps, updates, leadingImport = false } = shape;
  const dir = path.join(app, `heap-${style}-${functions}-${maps ? 'maps' : 'plain'}${leadingImport ? '-import' : ''}`);
  const variants = [1, 2, 3, 4].map((version) => bigModule(version, style, functions, leadingImport));
  const first = bigModule(0, style, functions, leadingImport);
  writeZip(path.join(dir, 'heap.zip'), { 'big.js': first, 'package.json': '{"type":"module"}' });
  writeTree(dir, { 'heap-hot.mjs': HEAP_HOT, 'heap-native.mjs': HEAP_NATIVE, 'big-native.mjs': first });
  variants.forEach((source, index) => {
    writeZip(path.join(dir, `heap-${index + 1}.zip`), { 'big.js': source, 'package.json': '{"type":"module"}' });
    writeTree(dir, { [`big-${index + 1}.txt`]: source });
  });
  const run = (args: string[]): { first: number; steady: number } => {
    const env = { ...nodeEnv, HOTZIP_SOURCE_MAPS: maps ? '1' : '0' };
    const result = spawnSync(process.execPath, ['--expose-gc', ...args], { cwd: dir, env, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`heap bench failed: ${result.stderr ?? result.error}`);
    return JSON.parse(result.stdout.trim()) as { first: number; steady: number };
  };
  const hot = run(['--import', 'hotzip/register', 'heap-hot.mjs', String(updates)]);
  const native = run(['heap-native.mjs', String(updates)]);
  const size =
    first.length >= 10240 ? `${(first.length / 1024).toFixed(0)} KB` : `${(first.length / 1024).toFixed(1)} KB`;
  const label = `${size} module, ${functions} ${style} functions${leadingImport ? ' after an import' : ''}${maps ? ', HOTZIP_SOURCE_MAPS=1' : ''}`;
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
  return [
    `heap kept per update, ${label} (2 × ${updates} updates)   steady: hotzip ${kb(hot.steady)}   native re-import ${kb(native.steady)}   ${(hot.steady / native.steady).toFixed(2)}×${maps ? '' : '   (target ≤ 1.2×)'}   first ${updates}: ${kb(hot.first)} / ${kb(native.first)} = ${(hot.first / native.first).toFixed(2)}×`,
  ];
}

/** The heap rows: small and large modules, formatted and one-line bodies (and one-line with maps, for reference). */
export function heapBench(app: string, quick: boolean): string[] {
  const few = quick ? 10 : 40;
  const shapes: HeapShape[] = [
    { functions: 12, style: 'formatted', maps: false, updates: quick ? 200 : 1000 },
    { functions: 12, style: 'one-line', maps: false, updates: quick ? 200 : 1000 },
    { functions: 450, style: 'formatted', maps: false, updates: few },
    { functions: 450, style: 'one-line', maps: false, updates: few },
    { functions: 1200, style: 'formatted', maps: false, updates: few },
    { functions: 1200, style: 'one-line', maps: false, updates: few },
    { functions: 450, style: 'one-line', maps: true, updates: few },
    // Most modules start with imports: there a new version's gate is an await among them, not a module of its own.
    { functions: 12, style: 'formatted', maps: false, updates: quick ? 200 : 1000, leadingImport: true },
    { functions: 450, style: 'formatted', maps: false, updates: few, leadingImport: true },
    { functions: 1200, style: 'formatted', maps: false, updates: few, leadingImport: true },
  ];
  return shapes.flatMap((shape) => heapPerUpdate(app, shape));
}

/** Runs the hot-reload benchmarks in `app` (a scratch directory with hotzip linked) and returns the report lines. */
export async function hotBench(app: string, quick: boolean): Promise<string[]> {
  return [
    ...(await updateLatency(app, quick ? 20 : 60, quick ? 3 : 7)),
    ...callOverhead(app, quick ? 2_000_000 : 10_000_000),
    ...heapBench(app, quick),
    ...manyExportsBench(app, quick),
  ];
}

/** The update of a module with many exports, at two sizes a factor 3 apart (also alone: `bench.js --exports`). */
export function manyExportsBench(app: string, quick: boolean): string[] {
  return (quick ? [2_000, 6_000] : [20_000, 60_000]).flatMap((count) => manyExports(app, count, quick ? 3 : 5));
}

/** A minified module of `count` exports on one line: half `export const` bindings, half exported functions. */
export function manyExportsModule(count: number, version: number): string {
  const half = count >> 1;
  const constants = Array.from({ length: half }, (_, i) => `a${i}=${i + version}`).join(',');
  const functions = Array.from({ length: count - half }, (_, i) => `export function f${i}(){return ${i + version}}`);
  return `export const ${constants};${functions.join('')}\n`;
}

const MANY_NATIVE = `
const t = performance.now();
await import('./many-native.mjs');
console.log(performance.now() - t);
`;

const MANY_HOT = `
import { reload } from 'hotzip';
import { renameSync } from 'node:fs';
const m = await import('zip:./many.zip!/many.js');
renameSync('many-next.zip', 'many.zip');
const t = performance.now();
const report = await reload();
const ms = performance.now() - t;
if (report.updated.length !== 1 || m.a0 !== 1 || m.f0() !== 1) throw new Error('no update: ' + JSON.stringify(report));
console.log(ms);
`;

/**
 * One update of a minified module with `count` exports against Node loading that module natively, each a fresh
 * process, alternated and repeated (medians): the ratio, and its stability as `count` grows, show that an update
 * costs a bounded multiple of a native load and grows linearly.
 */
function manyExports(app: string, count: number, runs: number): string[] {
  const dir = path.join(app, `many-${count}`);
  const pkg = '{"type":"module"}';
  writeTree(dir, { 'many-native.mjs': manyExportsModule(count, 0), 'native.mjs': MANY_NATIVE, 'hot.mjs': MANY_HOT });
  const run = (args: string[]): number => {
    const result = spawnSync(process.execPath, args, { cwd: dir, env: nodeEnv, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`many-exports bench failed: ${result.stderr ?? result.error}`);
    return Number(result.stdout.trim());
  };
  const native: number[] = [];
  const update: number[] = [];
  for (let i = 0; i < runs; i++) {
    writeZip(path.join(dir, 'many.zip'), { 'many.js': manyExportsModule(count, 0), 'package.json': pkg });
    writeZip(path.join(dir, 'many-next.zip'), { 'many.js': manyExportsModule(count, 1), 'package.json': pkg });
    native.push(run(['native.mjs']));
    update.push(run(['--import', 'hotzip/register', 'hot.mjs']));
  }
  const n = median(native);
  const u = median(update);
  return [
    `update of a one-line module of ${count.toLocaleString('en')} exports (median of ${runs})   native load ${n.toFixed(0)} ms   hotzip update ${u.toFixed(0)} ms   ${(u / n).toFixed(2)}×   (target ≤ 2×, flat as exports grow)`,
  ];
}
