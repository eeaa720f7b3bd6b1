/**
 * The corpus suite's engine: for a batch of packages, builds a plain app (`load.mjs` beside the installed
 * node_modules) and one archive holding the same app with the node_modules the batch needs, runs driver.ts natively
 * and under `node --import <repo>/dist/loader/register.js` (hot reload on), and compares what each saw: before the
 * update that changes every module of the archive, and after it. Every difference is classified by cause, and the
 * few that Node itself forces (see `allowedDifferences`) are named with their reason.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chooseHookApi, nativeCjsRequire } from '../../lib/node-support.js';
import { lex } from '../../lib/transform/lex.js';
import { makeApp, repoRoot, runProcess, type Tree, writeZip } from '../helpers/fixtures.js';
import type { DriverConfig, Observation, ResultLine, SerializedReport } from './driver.js';
import { corpusDir, corpusModules } from './install.js';

/** Why a package differs between native and archive. */
export type Cause =
  | 'transform-insertion'
  | 'tla-format-detection'
  | 'cjs-require'
  | 'update-error'
  | 'shape'
  | 'smoke'
  | 'native-only-failure'
  | 'other';

/** What the comparison found for one package. */
export interface PackageOutcome {
  name: string;
  native: Observation;
  zip: Observation;
  /** The archive side after the update (undefined when it could not be imported before it). */
  after: Observation | undefined;
  parityBefore: boolean;
  parityAfter: boolean | undefined;
  /** The batch's update was applied without an error or restart request. */
  updateApplied: boolean | undefined;
  /** How many of this package's modules the update evaluated again. */
  updatedModules: number;
  /** Set for a difference: its cause, and a one-line detail. */
  cause?: Cause;
  detail?: string;
  /** Set when the difference is in `allowedDifferences`: its reason. */
  allowed?: string;
}

/** A difference Node itself forces on this version, with the reason it is allowed. */
export interface AllowedDifference {
  id: string;
  reason: string;
  applies: (outcome: PackageOutcome) => boolean;
}

const requireRoutedThroughHooks = nativeCjsRequire(chooseHookApi());

/**
 * The only differences accepted. Each is a documented limit of hotzip on a Node version that cannot do otherwise.
 */
export const allowedDifferences: readonly AllowedDifference[] = [
  {
    id: 'cjs-require-of-archive-entry',
    reason:
      'Node before 24.18 / 26.2 cannot route require() inside CommonJS served by hooks back through them, so a ' +
      'CommonJS package that requires its own files (or a dependency inside the archive) fails with ' +
      'ERR_HOTZIP_UNSUPPORTED (README: CommonJS support matrix)',
    applies: (outcome) =>
      !requireRoutedThroughHooks && failsWith(outcome, /cannot require\(\) modules served from archives/),
  },
  {
    id: 'require-esm-under-module-register',
    reason:
      'with module.register (Node 20, and wherever HOTZIP_HOOKS=register) the hooks run in another thread, so ' +
      'nothing can load an archive ES module synchronously for require(esm): ERR_HOTZIP_UNSUPPORTED (README: ' +
      'CommonJS support matrix)',
    applies: (outcome) =>
      chooseHookApi() === 'register' &&
      failsWith(outcome, /cannot require\(\) ES modules served from archives with module\.register/),
  },
];

/** Whether the archive side failed, before or after the update, with ERR_HOTZIP_UNSUPPORTED saying `message`. */
function failsWith(outcome: PackageOutcome, message: RegExp): boolean {
  return [outcome.zip, outcome.after].some(
    (seen) => seen?.error?.code === 'ERR_HOTZIP_UNSUPPORTED' && message.test(seen.error.message),
  );
}

/** Options of a corpus run. */
export interface RunOptions {
  /** Packages per child process. */
  batchSize: number;
  /** Limit per import or smoke call, ms. */
  timeoutMs: number;
  /** Told about each finished batch. */
  progress?: (message: string) => void;
}

/** Appended to every ES module entry of the update archive, so that every module changes. */
export const UPDATE_MARK = '\n// hotzip corpus: every module changed by this update\n';

/**
 * Whether `entry` of `tree` is an ES module, as Node decides for a file: `.mjs`; `.js` by its nearest package.json's
 * `type`, and without one by its syntax. A change to CommonJS the program loaded is restart-required (hotzip cannot
 * load it again), which would hold back the update of every module: the update changes ES modules alone.
 */
function isEsModule(tree: Tree, entry: string): boolean {
  if (entry.endsWith('.mjs')) return true;
  if (!entry.endsWith('.js')) return false;
  for (let dir = path.posix.dirname(entry); ; dir = path.posix.dirname(dir)) {
    const manifest = tree[dir === '.' ? 'package.json' : `${dir}/package.json`];
    if (manifest !== undefined) {
      let type: unknown;
      try {
        type = (JSON.parse(Buffer.from(manifest).toString('utf8')) as { type?: unknown }).type;
      } catch {
        // Node fails on such a package.json; the native side of the corpus shows it.
      }
      if (type === 'module') return true;
      if (type === 'commonjs') return false;
      break;
    }
    if (dir === '.') break;
  }
  try {
    return lex(Buffer.from(tree[entry] ?? '').toString('utf8'))[3];
  } catch {
    return false;
  }
}

function dependencyNames(dir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<
    string,
    Record<string, string> | undefined
  >;
  return [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ];
}

/** Finds `name` as Node would from inside `from`: the nearest node_modules up to `root`. */
function locate(from: string, name: string, root: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || path.dirname(dir) === dir) return undefined;
    dir = path.dirname(dir);
  }
}

/**
 * Package folders (logical paths below `root`, the corpus by default) that `names` need: themselves and their
 * dependency closure.
 */
export function closureOf(names: readonly string[], root = corpusDir): string[] {
  const found = new Set<string>();
  const queue = names.map((name) => path.join(root, 'node_modules', name));
  while (queue.length > 0) {
    const dir = queue.pop() as string;
    if (found.has(dir) || !fs.existsSync(path.join(dir, 'package.json'))) continue;
    found.add(dir);
    for (const dep of dependencyNames(dir)) {
      const at = locate(dir, dep, root);
      if (at !== undefined && !found.has(at)) queue.push(at);
    }
  }
  return [...found].sort();
}

/** The files of a package folder, without its nested node_modules. */
export function filesOf(packageDir: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const dirent of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, dirent.name);
      if (dirent.isDirectory()) {
        if (dirent.name !== 'node_modules') walk(file);
      } else if (dirent.isFile()) files.push(file);
    }
  };
  walk(packageDir);
  return files;
}

/** The app's `load.mjs`: imports a package by name from inside the app (the archive, or the extracted tree). */
export const LOAD_MODULE =
  '// The corpus app: imports a package by name.\nexport const load = (name) => import(name);\n';

/** The archive trees of a batch: the app as installed, and the same with every JavaScript file changed. */
export function batchTrees(names: readonly string[]): { tree: Tree; updated: Tree; entries: number } {
  const tree: Tree = { 'load.mjs': LOAD_MODULE };
  for (const dir of closureOf(names)) {
    for (const file of filesOf(dir)) {
      tree[path.relative(corpusDir, file).split(path.sep).join('/')] = fs.readFileSync(file);
    }
  }
  const updated: Tree = {};
  for (const [name, content] of Object.entries(tree)) {
    updated[name] = isEsModule(tree, name) ? Buffer.concat([Buffer.from(content), Buffer.from(UPDATE_MARK)]) : content;
  }
  return { tree, updated, entries: Object.keys(tree).length };
}

interface SideResult {
  observations: Map<string, { before?: Observation; after?: Observation }>;
  reports: SerializedReport[];
  /** Unhandled rejections the driver caught: `<package being imported>: <code>`. */
  unhandled: string[];
  stderr: string;
}

const driverPath = path.join(repoRoot, 'dist', 'test', 'corpus-npm', 'driver.js');
const registerPath = path.join(repoRoot, 'dist', 'loader', 'register.js');

/**
 * Runs the driver over `names` on one side. A process that dies mid-batch blames the package it was importing and
 * runs the ones after it in a fresh process, so one crash never hides the rest.
 */
async function runSide(
  mode: 'native' | 'zip',
  names: readonly string[],
  options: RunOptions,
  work: string,
): Promise<SideResult> {
  const result: SideResult = { observations: new Map(), reports: [], unhandled: [], stderr: '' };
  const apps: string[] = [];
  try {
    return await runRounds(mode, names, options, work, result, apps);
  } finally {
    for (const app of apps) fs.rmSync(app, { recursive: true, force: true });
  }
}

async function runRounds(
  mode: 'native' | 'zip',
  names: readonly string[],
  options: RunOptions,
  work: string,
  result: SideResult,
  apps: string[],
): Promise<SideResult> {
  let pending = [...names];
  let round = 0;
  while (pending.length > 0) {
    round++;
    const dir = path.join(work, `${mode}-${round}`);
    fs.mkdirSync(dir, { recursive: true });
    const config: DriverConfig = {
      mode,
      loadUrl: '',
      names: pending,
      results: path.join(dir, 'results.jsonl'),
      timeoutMs: options.timeoutMs,
    };
    let cwd = dir;
    const args: string[] = [];
    if (mode === 'native') {
      fs.writeFileSync(path.join(dir, 'load.mjs'), LOAD_MODULE);
      fs.symlinkSync(corpusModules, path.join(dir, 'node_modules'), 'dir');
      config.loadUrl = pathToFileURL(path.join(dir, 'load.mjs')).href;
    } else {
      cwd = makeApp('hotzip-corpus-app-');
      apps.push(cwd);
      const { tree, updated } = batchTrees(pending);
      config.archive = writeZip(path.join(cwd, 'app.zip'), tree);
      config.next = writeZip(path.join(cwd, 'next.zip'), updated);
      config.loadUrl = `zip://${pathToFileURL(config.archive).pathname}!/load.mjs`;
      args.push('--import', pathToFileURL(registerPath).href);
    }
    const configFile = path.join(dir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify(config));
    const run = await runProcess(process.execPath, [...args, driverPath, configFile], {
      cwd,
      env: { ...process.env, NODE_OPTIONS: undefined, HOTZIP_LOG: 'info' },
      timeoutMs: (pending.length * 2 + 2) * options.timeoutMs + 30_000,
    });
    result.stderr += run.stderr;
    if (process.env.HOTZIP_CORPUS_DEBUG)
      process.stderr.write(`--- ${mode} round ${round} exit ${run.code}\n${run.stderr}\n`);
    const lines = fs.existsSync(config.results)
      ? fs
          .readFileSync(config.results, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as ResultLine)
      : [];
    let lastStarted: string | undefined;
    for (const line of lines) {
      if (line.kind === 'update') result.reports.push(...line.reports);
      else if (line.kind === 'unhandled') result.unhandled.push(`${line.during}: ${line.error.code}`);
      else if (line.kind === 'start') lastStarted = line.name;
      else {
        const seen = result.observations.get(line.name) ?? {};
        seen[line.phase] = line.observation;
        result.observations.set(line.name, seen);
        if (lastStarted === line.name) lastStarted = undefined;
      }
    }
    const finished = run.code === 0;
    if (!finished && lastStarted !== undefined) {
      const crash: Observation = {
        ok: false,
        error: {
          code: run.signal === 'SIGKILL' ? 'TIMEOUT' : 'CRASH',
          message: `the ${mode} process died (exit ${run.code}, ${run.signal ?? 'no signal'}): ${run.stderr.trim().split('\n').slice(-4).join(' | ')}`,
        },
      };
      const seen = result.observations.get(lastStarted) ?? {};
      if (seen.before === undefined) seen.before = crash;
      else seen.after = crash;
      result.observations.set(lastStarted, seen);
    }
    const next = pending.filter((name) => result.observations.get(name)?.before === undefined);
    if (next.length === pending.length) {
      // Nothing was learnt (the process could not even start): blame all of them rather than loop.
      for (const name of next) {
        result.observations.set(name, {
          before: { ok: false, error: { code: 'CRASH', message: `the ${mode} driver did not start: ${run.stderr}` } },
        });
      }
      break;
    }
    pending = next;
  }
  return result;
}

/** What two observations must agree on: the error code, or the keys, the members of `default` and the smoke result. */
export function comparable(observation: Observation | undefined): string {
  if (observation === undefined) return 'missing';
  if (!observation.ok) return JSON.stringify({ error: observation.error?.code });
  return JSON.stringify({ keys: observation.keys, defaultKeys: observation.defaultKeys, smoke: observation.smoke });
}

/** The first thing that differs between a reference observation `a` and `b`, in one line. */
export function firstDifference(a: Observation, b: Observation): string {
  if (!b.ok) return `${b.error?.code}: ${b.error?.message.split('\n')[0]}`;
  if (!a.ok) return `native failed (${a.error?.code}: ${a.error?.message.split('\n')[0]}) but the archive loaded`;
  for (const part of ['keys', 'defaultKeys'] as const) {
    const x = a[part] ?? {};
    const y = b[part] ?? {};
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
      if (x[key] !== y[key]) return `${part === 'keys' ? '' : 'default.'}${key}: native ${x[key]}, archive ${y[key]}`;
    }
  }
  return `smoke: native ${a.smoke}, archive ${b.smoke}`;
}

/** The cause of a difference, read from the archive side's error. */
export function classify(native: Observation, zip: Observation): Cause {
  if (!native.ok) return zip.ok ? 'native-only-failure' : 'other';
  if (zip.ok)
    return comparable({ ...zip, smoke: undefined }) === comparable({ ...native, smoke: undefined }) ? 'smoke' : 'shape';
  const code = zip.error?.code ?? '';
  const message = zip.error?.message ?? '';
  if (/Unexpected token 'var'|__hz\$/.test(message)) return 'transform-insertion';
  if (/await is only valid in async functions/.test(message)) return 'tla-format-detection';
  if (
    code === 'ERR_HOTZIP_UNSUPPORTED' ||
    code === 'ERR_IMPORT_ATTRIBUTE_MISSING' ||
    code === 'ERR_IMPORT_ASSERTION_TYPE_MISSING' ||
    /[/\\]zip:[/\\]/.test(message) ||
    /\brequire\b/.test(message)
  ) {
    return 'cjs-require';
  }
  return 'other';
}

/**
 * Whether an update report's error concerns `name`: a rejected update (nothing applied) concerns every package; a new
 * version that threw concerns the packages whose dependency tree holds the module it names (the rest of the update
 * applied).
 */
function concerns(report: SerializedReport, name: string): boolean {
  if (report.error?.code !== 'ERR_HOTZIP_UPDATE_FAILED') return true;
  const named = /!\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(report.error.message)?.[1];
  if (named === undefined) return true;
  const at = path.join(corpusModules, named);
  return closureOf([name]).includes(at);
}

function outcomeOf(
  name: string,
  native: Observation,
  nativeAfter: Observation | undefined,
  zip: Observation,
  after: Observation | undefined,
  reports: readonly SerializedReport[],
): PackageOutcome {
  const updateError = reports.find((report) => report.error !== undefined && concerns(report, name))?.error;
  const restart = reports.some((report) => report.restartRequired.length > 0);
  const marker = `!/node_modules/${name}/`;
  const updatedModules = new Set(reports.flatMap((report) => report.updated).filter((url) => url.includes(marker)));
  const parityBefore = comparable(native) === comparable(zip);
  const outcome: PackageOutcome = {
    name,
    native,
    zip,
    after,
    parityBefore,
    parityAfter: zip.ok ? comparable(nativeAfter) === comparable(after) : undefined,
    updateApplied: zip.ok ? updateError === undefined && !restart : undefined,
    updatedModules: updatedModules.size,
  };
  if (!parityBefore) {
    outcome.cause = classify(native, zip);
    outcome.detail = firstDifference(native, zip);
  } else if (outcome.updateApplied === false) {
    outcome.cause = updateError !== undefined ? classify(native, { ok: false, error: updateError }) : 'update-error';
    if (outcome.cause === 'other') outcome.cause = 'update-error';
    outcome.detail =
      updateError !== undefined ? `update: ${updateError.code}: ${updateError.message}` : 'restart required';
  } else if (outcome.parityAfter === false) {
    outcome.cause = after === undefined ? 'update-error' : classify(nativeAfter ?? native, after);
    outcome.detail =
      after === undefined
        ? 'the archive side gave no result after the update'
        : `after the update: ${firstDifference(nativeAfter ?? native, after)}`;
  }
  if (outcome.cause !== undefined) {
    outcome.allowed = allowedDifferences.find((allowed) => allowed.applies(outcome))?.reason;
  }
  return outcome;
}

/** Runs `names` in batches, both sides of a batch at once, and returns one outcome per package. */
export async function runCorpus(names: readonly string[], options: RunOptions): Promise<PackageOutcome[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-corpus-'));
  const outcomes: PackageOutcome[] = [];
  try {
    for (let at = 0; at < names.length; at += options.batchSize) {
      const batch = names.slice(at, at + options.batchSize);
      const started = performance.now();
      const batchDir = path.join(work, `batch-${at}`);
      const [native, zip] = await Promise.all([
        runSide('native', batch, options, batchDir),
        runSide('zip', batch, options, batchDir),
      ]);
      const missing: Observation = { ok: false, error: { code: 'MISSING', message: 'no result' } };
      for (const name of batch) {
        const nativeSeen = native.observations.get(name) ?? {};
        const zipSeen = zip.observations.get(name) ?? {};
        outcomes.push(
          outcomeOf(
            name,
            nativeSeen.before ?? missing,
            nativeSeen.after,
            zipSeen.before ?? missing,
            zipSeen.after,
            zip.reports,
          ),
        );
      }
      const unhandled = [...native.unhandled.map((u) => `native ${u}`), ...zip.unhandled.map((u) => `zip ${u}`)];
      options.progress?.(
        `batch ${at / options.batchSize + 1}: ${batch.length} packages in ${Math.round(performance.now() - started)} ms` +
          (unhandled.length > 0 ? `; unhandled rejections caught (while importing): ${unhandled.join(', ')}` : ''),
      );
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return outcomes;
}

/** Totals of a run: packages, each column's yes count, and failures per cause (allowed ones apart). */
export function totals(outcomes: readonly PackageOutcome[]): {
  packages: number;
  nativeOk: number;
  zipOk: number;
  parityBefore: number;
  updateApplied: number;
  parityAfter: number;
  allowed: number;
  causes: Partial<Record<Cause, number>>;
} {
  const causes: Partial<Record<Cause, number>> = {};
  for (const outcome of outcomes) {
    if (outcome.cause !== undefined && outcome.allowed === undefined) {
      causes[outcome.cause] = (causes[outcome.cause] ?? 0) + 1;
    }
  }
  return {
    packages: outcomes.length,
    nativeOk: outcomes.filter((o) => o.native.ok).length,
    zipOk: outcomes.filter((o) => o.zip.ok).length,
    parityBefore: outcomes.filter((o) => o.parityBefore).length,
    updateApplied: outcomes.filter((o) => o.updateApplied === true).length,
    parityAfter: outcomes.filter((o) => o.parityAfter === true).length,
    allowed: outcomes.filter((o) => o.allowed !== undefined).length,
    causes,
  };
}

const yesNo = (value: boolean | undefined): string => (value === undefined ? '-' : value ? 'yes' : 'NO');

/** A function that lays out one row of `header` and `rows` in columns as wide as their widest cell. */
export function columnLine(header: string[], rows: string[][]): (cells: string[]) => string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  return (cells) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
}

/** The run as a table (package, native ok, zip ok, parity before, update applied, parity after), then totals. */
export function formatTable(outcomes: readonly PackageOutcome[]): string {
  const header = ['package', 'native ok', 'zip ok', 'parity before', 'update applied', 'parity after', 'cause'];
  const rows = outcomes.map((o) => [
    o.name,
    yesNo(o.native.ok),
    yesNo(o.zip.ok),
    yesNo(o.parityBefore),
    o.updateApplied === undefined ? '-' : `${yesNo(o.updateApplied)} (${o.updatedModules})`,
    yesNo(o.parityAfter),
    o.cause === undefined ? '' : `${o.cause}${o.allowed !== undefined ? ' (allowed)' : ''}`,
  ]);
  const line = columnLine(header, rows);
  const t = totals(outcomes);
  const out = [line(header), ...rows.map(line)];
  out.push(
    '',
    `totals: ${t.packages} packages; native ok ${t.nativeOk}, zip ok ${t.zipOk}, parity before ${t.parityBefore}, ` +
      `update applied ${t.updateApplied}, parity after ${t.parityAfter}; allowed differences ${t.allowed}`,
    `failures by cause: ${
      Object.entries(t.causes)
        .map(([cause, n]) => `${cause} ${n}`)
        .join(', ') || 'none'
    }`,
  );
  const failures = outcomes.filter((o) => o.cause !== undefined);
  if (failures.length > 0) {
    out.push('', 'differences:');
    for (const o of failures) {
      out.push(
        `  ${o.name} [${o.cause}${o.allowed !== undefined ? ', allowed' : ''}]: ${o.detail ?? ''}`.slice(0, 400),
      );
    }
  }
  return out.join('\n');
}
