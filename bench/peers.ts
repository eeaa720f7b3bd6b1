/**
 * `npm run bench -- --peers`: hotzip side by side with dynohot, hot-hook and native Node (`node --watch` restarts),
 * the same generated apps under each, in one run on one machine. Writes docs/bench.md and docs/bench.svg (full mode
 * only; `--quick` prints the table and leaves docs/ alone).
 *
 * dynohot and hot-hook are installed with npm into the bench's temp folder at run time, never as hotzip dependencies.
 * Each is used as its README says: `node --import dynohot app.js` with `import.meta.hot.accept`, and hot-hook's
 * `await hot.init({ root })` with the reloadable part imported dynamically through `import.meta.hot?.boundary`.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, type Tree, writeTree, writeZip } from '../test/helpers/fixtures.js';
import { benchApp } from './app.js';
import { type Bar, barChart } from './chart.js';

type AppName = 'big' | 'small';
type StartTool = 'native' | 'hotzip' | 'dynohot' | 'hot-hook';
type HotTool = 'hotzip' | 'dynohot' | 'hot-hook';

/** Distinct versions of the changed module, cycled through by the updates (consecutive updates always differ). */
const VERSIONS = 10;
const UPDATE_TIMEOUT_MS = 10_000;
const env = { ...process.env, NODE_OPTIONS: '', HOTZIP_LOG: 'silent' };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A table cell: a median with the min–max spread over runs, or the reason there is no figure. */
interface Cell {
  value?: number;
  low?: number;
  high?: number;
  note?: string;
}

function cell(samples: number[]): Cell {
  return { value: median(samples), low: Math.min(...samples), high: Math.max(...samples) };
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function show(c: Cell, unit = 'ms', digits?: number): string {
  if (c.value === undefined || !Number.isFinite(c.value)) return c.note ?? 'n/a';
  const f = (v: number): string => (digits === undefined ? fmt(v) : v.toFixed(digits));
  const spread = c.low !== undefined && c.high !== undefined ? ` (${f(c.low)}–${f(c.high)})` : '';
  return `${f(c.value)} ${unit}${spread}`;
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /error|Error|failed|not observed/.test(l)) ?? text.split('\n')[0];
  return (line ?? 'failed').slice(0, 140);
}

/** The two apps: the 500-module bench app and a 2-module one, each with `probe.js` exporting `probe` and `result`. */
function apps(): Record<AppName, { tree: Tree; target: string; search: string; value: number }> {
  const big = benchApp();
  big['probe.js'] = "export { result } from './main.js';\nexport { fn250 as probe } from './m250.js';\n";
  const small: Tree = {
    'package.json': '{ "name": "bench-small", "type": "module" }\n',
    'm1.js': 'export const value1 = 1;\nexport function fn1(x) { return x + value1; }\n',
    'main.js': "import { fn1 } from './m1.js';\nexport const result = [fn1(1)];\n",
    'probe.js': "export { result } from './main.js';\nexport { fn1 as probe } from './m1.js';\n",
  };
  return {
    big: { tree: big, target: 'm250.js', search: 'value250 = 250;', value: 250 },
    small: { tree: small, target: 'm1.js', search: 'value1 = 1;', value: 1 },
  };
}

/** The changed module's source for version `k` (1-based): its constant moved by k × 1000. */
function version(app: ReturnType<typeof apps>[AppName], k: number): string {
  const source = String(app.tree[app.target]);
  const name = app.search.split(' ')[0];
  return source.replace(app.search, `${name} = ${app.value + k * 1000};`);
}

/** Start-up scripts: each prints `ready <probe(0)> <result.length>` once the app is loaded. */
function startFiles(app: AppName): Record<StartTool, { files: Tree; args: string[] }> {
  const print = "console.log('ready ' + probe(0) + ' ' + result.length);\n";
  return {
    native: {
      files: { [`start-native-${app}.mjs`]: `import { probe, result } from './${app}/probe.js';\n${print}` },
      args: [`start-native-${app}.mjs`],
    },
    hotzip: {
      files: { [`start-hotzip-${app}.mjs`]: `import { probe, result } from 'zip:./${app}.zip!/probe.js';\n${print}` },
      args: ['--import', 'hotzip/register', `start-hotzip-${app}.mjs`],
    },
    dynohot: {
      files: {
        [`start-dynohot-${app}.mjs`]: `import { probe, result } from './${app}/probe.js';\n${print}import.meta.hot?.accept('./${app}/probe.js');\n`,
      },
      args: ['--import', 'dynohot', `start-dynohot-${app}.mjs`],
    },
    'hot-hook': {
      files: {
        [`start-hot-hook-${app}.mjs`]: `import { hot } from 'hot-hook';\nawait hot.init({ root: import.meta.filename });\nawait import('./hh-start-${app}.mjs');\n`,
        [`hh-start-${app}.mjs`]: `const { probe, result } = await import('./${app}/probe.js', import.meta.hot?.boundary);\n${print}`,
      },
      args: [`start-hot-hook-${app}.mjs`],
    },
  };
}

/**
 * The in-process update loop: the app changes its own module file (or archive) and times until it observes the new
 * code, as bench/hot.ts does. `current()` reads the probe; tools with an update event wake the loop on it, hot-hook
 * (no event) is polled every millisecond by re-importing its boundary, as its README's request handler does.
 */
function updateScript(tool: HotTool): string {
  const head = {
    hotzip: [
      "import { probe } from 'zip:./big.zip!/probe.js';",
      "import { on } from 'hotzip';",
      "on('update', () => notify());",
      'const current = async () => probe(0);',
      'const POLL = 50;',
    ],
    dynohot: [
      "import { probe } from './big/probe.js';",
      "import.meta.hot?.accept('./big/probe.js', () => notify());",
      'const current = async () => probe(0);',
      'const POLL = 50;',
    ],
    'hot-hook': [
      'const current = async () => {',
      "  try { return (await import('./big/probe.js', import.meta.hot?.boundary)).probe(0); } catch { return Number.NaN; }",
      '};',
      'const POLL = 1;',
    ],
  }[tool];
  const payload = tool === 'hotzip' ? "'versions/big-' + (k + 1) + '.zip'" : "'versions/m250-' + (k + 1) + '.js'";
  const prepare = tool === 'hotzip' ? "writeFileSync('big.zip.tmp', payloads[k]);" : '';
  const apply =
    tool === 'hotzip' ? "renameSync('big.zip.tmp', 'big.zip');" : "writeFileSync('big/m250.js', payloads[k]);";
  return [
    "import { readFileSync, renameSync, writeFileSync } from 'node:fs';",
    'let wake = null;',
    'function notify() { const w = wake; wake = null; w?.(); }',
    ...head,
    'const updates = Number(process.argv[2]);',
    `const payloads = Array.from({ length: ${VERSIONS} }, (_, k) => readFileSync(${payload}));`,
    'const nextWake = (ms) => new Promise((resolve) => { wake = resolve; setTimeout(notify, ms); });',
    'const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));',
    'async function run() {',
    '  const initial = await current();',
    '  globalThis.gc(); const before = process.memoryUsage();',
    '  const latencies = [];',
    '  for (let i = 0; i < updates; i++) {',
    `    const k = i % ${VERSIONS}; const expected = initial + (k + 1) * 1000;`,
    `    ${prepare}`,
    '    const start = performance.now();',
    `    ${apply}`,
    '    while ((await current()) !== expected) {',
    `      if (performance.now() - start > ${UPDATE_TIMEOUT_MS}) throw new Error('update ' + i + ' not observed: ' + (await current()) + ' !== ' + expected);`,
    '      await nextWake(POLL);',
    '    }',
    '    latencies.push(performance.now() - start);',
    '    await sleep(30);',
    '  }',
    '  globalThis.gc(); const after = process.memoryUsage();',
    '  console.log(JSON.stringify({ latencies, heap: after.heapUsed - before.heapUsed, rss: after.rss - before.rss }));',
    '  process.exit(0);',
    '}',
    'run().catch((error) => { console.error(error); process.exit(1); });',
    '',
  ].join('\n');
}

function updateArgs(tool: HotTool): string[] {
  return {
    hotzip: ['--expose-gc', '--import', 'hotzip/register', 'update-hotzip.mjs'],
    dynohot: ['--expose-gc', '--import', 'dynohot', 'update-dynohot.mjs'],
    'hot-hook': ['--expose-gc', 'update-hot-hook-start.mjs'],
  }[tool];
}

/** Time from `spawn` to the app's first line of output, in ms (the child is then killed). */
function timeToFirstOutput(args: string[], cwd: string, timeoutMs = 60_000): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, env });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no output within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (!chunk.startsWith('ready ')) return;
      clearTimeout(timer);
      resolve(performance.now() - started);
      child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== null && code !== 0) reject(new Error(`exit ${code}: ${stderr}`));
    });
  });
}

/**
 * `node --watch` baseline, measured by the parent: the file is changed, and the time runs until the restarted
 * process prints the new value (its first output).
 */
async function watchRestarts(dir: string, updates: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--watch', 'start-native-big.mjs'], { cwd: dir, env });
  let buffer = '';
  let stderr = '';
  let waiting: { expected: string; resolve: () => void } | undefined;
  const seen: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      const match = /ready (-?\d+)/.exec(line);
      if (!match) continue;
      seen.push(match[1]!);
      if (waiting && match[1] === waiting.expected) waiting.resolve();
    }
  });
  const until = (expected: string): Promise<void> =>
    new Promise((resolve, reject) => {
      if (seen.includes(expected)) return resolve();
      const timer = setTimeout(
        () => reject(new Error(`node --watch: ${expected} not seen (${seen.join(',')}) ${stderr}`)),
        30_000,
      );
      waiting = {
        expected,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  const app = apps().big;
  try {
    const initial = 250 + 257; // fn250(0) = value250 + value257
    await until(String(initial));
    const latencies: number[] = [];
    for (let i = 0; i < updates; i++) {
      const k = (i % VERSIONS) + 1;
      seen.length = 0;
      await new Promise((resolve) => setTimeout(resolve, 300)); // let the restarted process settle its watchers
      const start = performance.now();
      fs.writeFileSync(path.join(dir, 'big', 'm250.js'), version(app, k));
      await until(String(initial + k * 1000));
      latencies.push(performance.now() - start);
    }
    return latencies;
  } finally {
    child.kill('SIGKILL');
  }
}

interface UpdateRun {
  latencies: number[];
  heap: number;
  rss: number;
}

function runUpdates(dir: string, tool: HotTool, updates: number): UpdateRun {
  const result = spawnSync(process.execPath, [...updateArgs(tool), String(updates)], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: updates * (UPDATE_TIMEOUT_MS + 1000) + 60_000,
  });
  if (result.status !== 0) throw new Error(`${tool} update run failed: ${result.stderr || result.error?.message}`);
  const last = result.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as UpdateRun;
}

/** Installs dynohot and hot-hook into `dir` (a temp folder) with npm; returns their versions, or the failure. */
function installPeers(dir: string): Record<'dynohot' | 'hot-hook', string> | Error {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(
    npm,
    ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', dir, 'dynohot', 'hot-hook'],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  if (result.status !== 0) return new Error(`npm install failed: ${result.stderr || result.error?.message}`);
  const versionOf = (name: string): string =>
    (JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;
  return { dynohot: versionOf('dynohot'), 'hot-hook': versionOf('hot-hook') };
}

interface Row {
  label: string;
  startBig: Cell;
  startSmall: Cell;
  p50: Cell;
  p95: Cell;
  heap: Cell;
  highlight?: boolean;
}

/** Runs the peer benchmarks; prints the table, and in full mode writes docs/bench.md and docs/bench.svg. */
export async function peersBench(quick: boolean): Promise<void> {
  const began = performance.now();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const startRuns = quick ? 3 : 7;
  const updateRuns = quick ? 2 : 3;
  const updates = quick ? 10 : 200;
  const watchUpdates = quick ? 3 : 15;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-peers-'));
  const log = (line: string): void =>
    console.error(`[peers ${((performance.now() - began) / 1000).toFixed(0)}s] ${line}`);
  try {
    log(`installing dynohot and hot-hook into ${dir}`);
    const installed = installPeers(dir);
    fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    fs.symlinkSync(repoRoot, path.join(dir, 'node_modules', 'hotzip'), 'dir');
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "hotzip-peers", "private": true, "type": "module" }\n');
    const all = apps();
    for (const name of ['big', 'small'] as const) {
      writeTree(path.join(dir, name), all[name].tree);
      writeZip(path.join(dir, `${name}.zip`), all[name].tree);
      for (const tool of Object.values(startFiles(name))) writeTree(dir, tool.files);
    }
    for (let k = 1; k <= VERSIONS; k++) {
      const source = version(all.big, k);
      writeTree(path.join(dir, 'versions'), { [`m250-${k}.js`]: source });
      writeZip(path.join(dir, 'versions', `big-${k}.zip`), { ...all.big.tree, 'm250.js': source });
    }
    writeTree(dir, {
      'update-hotzip.mjs': updateScript('hotzip'),
      'update-dynohot.mjs': updateScript('dynohot'),
      'update-hot-hook.mjs': updateScript('hot-hook'),
      'update-hot-hook-start.mjs':
        "import { hot } from 'hot-hook';\nawait hot.init({ root: import.meta.filename });\nawait import('./update-hot-hook.mjs');\n",
    });
    const restore = (): void => {
      fs.writeFileSync(path.join(dir, 'big', 'm250.js'), String(all.big.tree['m250.js']));
      writeZip(path.join(dir, 'big.zip'), all.big.tree);
    };

    const peerError = installed instanceof Error ? `not installed: ${errorText(installed)}` : undefined;
    const startTools: StartTool[] = peerError ? ['native', 'hotzip'] : ['native', 'hotzip', 'dynohot', 'hot-hook'];
    const startSamples = new Map<string, number[]>();
    const startErrors = new Map<string, string>();
    const startOnce = async (tool: StartTool, app: AppName): Promise<void> => {
      const key = `${tool}/${app}`;
      if (startErrors.has(key)) return;
      try {
        const ms = await timeToFirstOutput(startFiles(app)[tool].args, dir);
        startSamples.set(key, [...(startSamples.get(key) ?? []), ms]);
      } catch (error) {
        startErrors.set(key, `failed: ${errorText(error)}`);
      }
    };
    log(`start-up: ${startRuns} runs × ${startTools.length} tools × 2 apps`);
    // Warm-up run (file cache, compile cache): every tool in full mode, only native in quick mode to save time.
    for (const tool of quick ? (['native'] as const) : startTools) {
      for (const app of ['big', 'small'] as const) await startOnce(tool, app);
    }
    startSamples.clear();
    for (let run = 0; run < startRuns; run++) {
      for (const tool of startTools) for (const app of ['big', 'small'] as const) await startOnce(tool, app);
    }
    const startCell = (tool: StartTool, app: AppName): Cell => {
      if (peerError && (tool === 'dynohot' || tool === 'hot-hook')) return { note: peerError };
      const error = startErrors.get(`${tool}/${app}`);
      return error ? { note: error } : cell(startSamples.get(`${tool}/${app}`) ?? []);
    };

    const hotTools: HotTool[] = peerError ? ['hotzip'] : ['hotzip', 'dynohot', 'hot-hook'];
    const updateCells = new Map<HotTool, { p50: Cell; p95: Cell; heap: Cell }>();
    for (const tool of hotTools) {
      log(`updates: ${tool}, ${updateRuns} runs × ${updates} updates`);
      try {
        const runs: UpdateRun[] = [];
        for (let run = 0; run < updateRuns; run++) {
          restore();
          runs.push(runUpdates(dir, tool, updates));
        }
        updateCells.set(tool, {
          p50: cell(runs.map((r) => percentile(r.latencies, 50))),
          p95: cell(runs.map((r) => percentile(r.latencies, 95))),
          heap: cell(runs.map((r) => r.heap / 1024 / 1024)),
        });
      } catch (error) {
        const note = `failed: ${errorText(error)}`;
        updateCells.set(tool, { p50: { note }, p95: { note }, heap: { note } });
      }
    }
    restore();
    log(`node --watch: ${updateRuns} runs × ${watchUpdates} restarts`);
    let watch: { p50: Cell; p95: Cell };
    try {
      const runs: number[][] = [];
      for (let run = 0; run < updateRuns; run++) {
        restore();
        runs.push(await watchRestarts(dir, watchUpdates));
      }
      watch = {
        p50: cell(runs.map((r) => percentile(r, 50))),
        p95: cell(runs.map((r) => percentile(r, 95))),
      };
    } catch (error) {
      const note = `failed: ${errorText(error)}`;
      watch = { p50: { note }, p95: { note } };
    }
    restore();

    const hot = (tool: HotTool): { p50: Cell; p95: Cell; heap: Cell } => {
      const found = updateCells.get(tool);
      if (found) return found;
      const note = peerError ?? 'not run';
      return { p50: { note }, p95: { note }, heap: { note } };
    };
    const rows: Row[] = [
      {
        label: 'native Node, files',
        startBig: startCell('native', 'big'),
        startSmall: startCell('native', 'small'),
        p50: { note: 'no hot reload (see node --watch)' },
        p95: { note: '—' },
        heap: { note: '—' },
      },
      {
        label: 'node --watch (restart), files',
        startBig: { note: 'as native' },
        startSmall: { note: 'as native' },
        p50: watch.p50,
        p95: watch.p95,
        heap: { note: 'n/a: fresh process per update' },
      },
      {
        label: 'hotzip, zip archive',
        startBig: startCell('hotzip', 'big'),
        startSmall: startCell('hotzip', 'small'),
        ...hot('hotzip'),
        highlight: true,
      },
      {
        label: 'hotzip, files',
        startBig: { note: 'not supported: hotzip serves modules from zip archives only' },
        startSmall: { note: 'not supported' },
        p50: { note: 'not supported' },
        p95: { note: '—' },
        heap: { note: '—' },
      },
      {
        label: 'dynohot, files',
        startBig: startCell('dynohot', 'big'),
        startSmall: startCell('dynohot', 'small'),
        ...hot('dynohot'),
      },
      {
        label: 'hot-hook, files',
        startBig: startCell('hot-hook', 'big'),
        startSmall: startCell('hot-hook', 'small'),
        ...hot('hot-hook'),
      },
    ];

    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    const versions =
      installed instanceof Error
        ? 'dynohot and hot-hook not installed'
        : `dynohot ${installed.dynohot}, hot-hook ${installed['hot-hook']}`;
    const machine = `Node ${process.versions.node}, ${os.cpus().length} cores (${cpu}), ${os.type()} ${os.release()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, load average ${loadAtStart.toFixed(1)} at start`;
    const wall = (performance.now() - began) / 1000;
    const header =
      '| tool | start-up, 500 modules | start-up, 2 modules | update p50 | update p95 | restart p50 / update p50 | heap growth over ' +
      `${updates} updates |`;
    const speedup = (r: Row): string => {
      const [restart, own] = [watch.p50.value, r.p50.value];
      if (restart === undefined || own === undefined || r.label.startsWith('node --watch')) return '—';
      return `${(restart / own).toFixed(1)}×`;
    };
    const table = [
      header,
      '|---|---|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.highlight ? `**${r.label}**` : r.label} | ${show(r.startBig)} | ${show(r.startSmall)} | ${show(r.p50)} | ${show(r.p95)} | ${speedup(r)} | ${show(r.heap, 'MB', 1)} |`,
      ),
    ];
    const markdown = [
      '# hotzip, dynohot, hot-hook and native Node side by side',
      '',
      `Generated by \`npm run bench -- --peers${quick ? ' --quick' : ''}\` (bench/peers.ts) in ${wall.toFixed(0)} s on ${machine}; ${versions}, installed by the bench into a temp folder.`,
      '',
      ...table,
      '',
      '![update latency and start-up per tool](bench.svg)',
      '',
      '## How each figure is measured',
      '',
      `- **Start-up**: time from \`spawn\` to the app's first line of output (a fresh process that imports the app and prints one value), median of ${startRuns} runs, (min–max) over the runs, tools alternated run by run after one warm-up run each${quick ? ' (quick mode: native only)' : ''}. The 500-module app is bench/app.ts \`benchApp()\` (2.5 MB of source); the 2-module app is an entry importing one module. Native and dynohot and hot-hook load the files; hotzip loads the same tree from a deflated archive (\`node --import hotzip/register\`).`,
      `- **Update latency**: one module of the 500-module app (m250.js) changed → the running app observes the new code. Measured in the app itself, one clock: it writes the new file (hotzip: renames a new archive over the one in use) and times until the probe function returns the new value. hotzip wakes on its \`update\` event and dynohot on its \`import.meta.hot.accept\` callback (both live bindings, checked on wake-up); hot-hook has no update event, so the app re-imports its boundary every 1 ms, as its README's request handler would on each request. ${updates} updates per run, ${updateRuns} runs; p50 and p95 are the medians over runs of each run's percentile, (min–max) over runs.`,
      `- **node --watch** is the restart baseline: a parent runs \`node --watch\` on the native app, changes m250.js, and times until the restarted process prints the new value (${watchUpdates} restarts per run, ${updateRuns} runs).`,
      `- **Heap growth**: \`process.memoryUsage().heapUsed\` after \`gc()\` at the end of a run of ${updates} updates minus the same before the first, median over runs (min–max). Main thread only: loaders that run their hooks on Node's hooks thread (dynohot and hot-hook always, hotzip on Node < 22.15) keep part of their state there, which this does not count.`,
      '',
      '## What a tool cannot do here',
      '',
      "- **hotzip from files**: not supported; hotzip's hooks claim only `zip:` URLs and archive entry points, and plain files are loaded by Node and never re-evaluated (README), so it is measured on the archive of the same tree.",
      '- **native Node** has no hot reload: an update is a restart, which `node --watch` row measures; no heap figure (each update is a fresh process).',
      '- **dynohot and hot-hook** load from files only (they watch the file system); neither reads zip archives.',
      '- **What dominates the peers\' figures** (from their source): dynohot transforms every module with Babel as it loads (its start-up) and batches file changes behind a 100 ms debounce before it applies an update (its latency); it then loads the changed module and re-evaluates every importer up to the accepting module (it reports "reevaluated 86 existing modules" per update here). hot-hook cache-busts with a version query: each update imports a fresh copy of the changed module and of each of its 86 importers up to the boundary, and Node never frees the old copies, hence its heap growth. hotzip swaps the one changed module behind live bindings.',
      '- **hot-hook** reloads only code imported dynamically through a boundary (`import(..., import.meta.hot?.boundary)`), and it has no in-process update event: the app finds out by re-importing. A change to a module reachable without a boundary asks for a full process restart.',
      ...rows.flatMap((r) =>
        [r.startBig, r.startSmall, r.p50]
          .filter((c) => c.note?.startsWith('failed') || c.note?.startsWith('not installed'))
          .map((c) => `- **${r.label}** on Node ${process.versions.node}: ${c.note}`),
      ),
      '',
    ].join('\n');
    const bar = (r: Row, c: Cell): Bar => ({ label: r.label, ...c, highlight: r.highlight === true });
    const svg = barChart(
      [
        {
          title: 'update latency p50, one of 500 modules changed → new code observed (ms, log scale)',
          bars: rows.filter((r) => r.label !== 'native Node, files').map((r) => bar(r, r.p50)),
        },
        {
          title: 'start-up to first output, 500-module app (ms, log scale)',
          bars: rows.filter((r) => !r.label.startsWith('node --watch')).map((r) => bar(r, r.startBig)),
        },
      ],
      `median (min–max over runs); ${machine}; ${versions}`,
    );
    console.log(`hotzip peers bench — ${machine}; ${versions}`);
    console.log('');
    for (const line of table) console.log(line);
    console.log('');
    console.log(`wall time ${wall.toFixed(0)} s${quick ? ' (quick)' : ''}`);
    if (!quick) {
      const docs = path.join(repoRoot, 'docs');
      fs.mkdirSync(docs, { recursive: true });
      fs.writeFileSync(path.join(docs, 'bench.md'), markdown);
      fs.writeFileSync(path.join(docs, 'bench.svg'), svg);
      console.log(`wrote ${path.join(docs, 'bench.md')} and bench.svg`);
    } else {
      fs.writeFileSync(path.join(os.tmpdir(), 'hotzip-peers-quick.md'), markdown);
      fs.writeFileSync(path.join(os.tmpdir(), 'hotzip-peers-quick.svg'), svg);
      console.log(`quick mode: docs/ left alone; table and chart in ${os.tmpdir()}/hotzip-peers-quick.{md,svg}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
