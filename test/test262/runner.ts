/**
 * A test262 conformance runner for ES module tests, built to prove parity: each test must behave the same when its
 * files are imported natively from disk as when they are imported from a zip archive through hotzip, and again when,
 * after that passes, every module of the test is hot-updated (evaluated a second time as a new version).
 *
 * Each test gets its own fresh copy of the files it needs (the test and the fixtures it reaches through relative
 * specifiers), so that module instances never collide between tests. Tests run in batches: one driver process per
 * batch evaluates the harness as classic scripts (`vm.runInThisContext`), then `import()`s each test in turn and
 * reports one JSON line per test. Globals a test adds or replaces are reported and put back before the next test.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Zippable, zipSync } from 'fflate';
import { RUNTIME_SYMBOL } from '../../lib/transform/transform.js';

/** The repository root (this file is compiled to dist/test/test262/runner.js). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The pinned test262 checkout: the shared folder beside the repository (as CI lays it out), else the workplace's. */
export const defaultTest262Root =
  [path.join(repoRoot, '..', 'shared', 'test262'), '/work/shared/test262'].find((dir) =>
    fs.existsSync(path.join(dir, 'harness', 'assert.js')),
  ) ?? '/work/shared/test262';
/** hotzip's `--import` entry, as a `file:` URL. */
export const defaultRegisterUrl = pathToFileURL(path.join(repoRoot, 'dist', 'loader', 'register.js')).href;

/**
 * How a test runs: `native` imports its files from a tree on disk; `zip` imports the same tree from an archive
 * through hotzip; `zip-updated` does what `zip` does and, when that passes, forces a hot update of every module of
 * the test (each evaluated again as a new version) and passes only if the update applies and the second evaluation
 * passes too.
 */
export type Mode = 'native' | 'zip' | 'zip-updated';

/** Every mode, in the order `--mode all` runs them. */
export const allModes: readonly Mode[] = ['native', 'zip', 'zip-updated'];

/** The modes that import through hotzip, each compared with `native`. */
export const zipModes: readonly Mode[] = ['zip', 'zip-updated'];

/**
 * Features of proposals that no Node version tested here ships (as of Node 26): tests using them fail natively, and
 * the pass-count floor leaves them out. Parity is still checked for them.
 */
export const unshippedFeatures: ReadonlySet<string> = new Set([
  'import-defer',
  'source-phase-imports',
  'source-phase-imports-module-source',
  'import-text',
  'import-bytes',
  'immutable-arraybuffer',
]);

/** Whether a test uses only features that Node ships. */
export function usesShippedFeatures(test: Test262Test): boolean {
  return !test.meta.features.some((feature) => unshippedFeatures.has(feature));
}

export interface Negative {
  phase: string;
  type: string;
}

/** The parts of a test's YAML frontmatter the runner uses. */
export interface Frontmatter {
  flags: string[];
  includes: string[];
  features: string[];
  negative?: Negative;
}

export interface Test262Test {
  /** Path relative to the test262 root, with `/` separators: `test/language/module-code/instn-once.js`. */
  rel: string;
  /** Absolute path of the test file. */
  file: string;
  meta: Frontmatter;
}

export type Status = 'pass' | 'fail' | 'timeout' | 'crash';

export interface Outcome {
  status: Status;
  /** Constructor name of the error that failed the test (or satisfied a negative test). */
  errorName?: string;
  message?: string;
  /** Globals the test added or replaced (put back by the driver before the next test). */
  leaked?: string[];
  ms?: number;
}

export interface RunOptions {
  /** test262 checkout (with test/ and harness/). */
  root?: string;
  /** Node binary for the children (default: this process's). */
  node?: string;
  /** hotzip's register module (`file:` URL), imported with `--import` in the zip modes. */
  registerUrl?: string;
  /** Per-test time limit in ms (default 10 s). */
  timeoutMs?: number;
  /** Parallel child processes (default 2). */
  jobs?: number;
  /** Tests per child process (default 40); 1 runs every test in its own process. */
  batchSize?: number;
  /**
   * Put back globals a test added or replaced before the next test in the same process (default true). Off, a batch
   * shows which tests depend on a clean global object.
   */
  restoreGlobals?: boolean;
  /** Keep the temporary directories (and print where they are). */
  keep?: boolean;
  /**
   * Lay the tests out under a `{"type":"module"}` package.json (default true); without one, every test file's format
   * comes from syntax detection, natively and in the archive alike.
   */
  packageJson?: boolean;
  /** Called after each finished test. */
  onResult?: (test: Test262Test, mode: Mode, outcome: Outcome) => void;
}

// ---------------------------------------------------------------------------------------------------------------
// Selection and frontmatter

function parseList(value: string): string[] {
  const inner = value.trim().replace(/^\[/, '').replace(/\]$/, '');
  return inner
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Parses the YAML frontmatter (`/*--- … ---*\/`) of a test262 file: the subset of YAML test262 uses. */
export function parseFrontmatter(source: string): Frontmatter {
  const meta: Frontmatter = { flags: [], includes: [], features: [] };
  const start = source.indexOf('/*---');
  const end = source.indexOf('---*/', start);
  if (start < 0 || end < 0) return meta;
  const lines = source.slice(start + 5, end).split(/\r?\n/);
  let key = '';
  let negative: Partial<Negative> | undefined;
  for (const line of lines) {
    const top = /^([A-Za-z_]+):\s*(.*)$/.exec(line);
    if (top) {
      key = top[1]!;
      const value = top[2]!.trim();
      if (key === 'flags' || key === 'includes' || key === 'features') {
        if (value.startsWith('[')) meta[key] = parseList(value);
      } else if (key === 'negative') {
        negative = {};
      }
      continue;
    }
    if (!/^\s/.test(line)) continue;
    const item = /^\s+-\s+(.+?)\s*$/.exec(line);
    if (item && (key === 'flags' || key === 'includes' || key === 'features')) {
      meta[key].push(item[1]!);
      continue;
    }
    const nested = /^\s+([A-Za-z_]+):\s*(.+?)\s*$/.exec(line);
    if (nested && key === 'negative' && negative) {
      if (nested[1] === 'phase') negative.phase = nested[2]!;
      if (nested[1] === 'type') negative.type = nested[2]!;
    }
  }
  if (negative?.phase !== undefined && negative.type !== undefined) {
    meta.negative = { phase: negative.phase, type: negative.type };
  }
  return meta;
}

function walk(dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.isFile() && entry.name.endsWith('.js') && !entry.name.includes('_FIXTURE')) out.push(full);
  }
}

/** Every test under `root/test` whose frontmatter flags include `module`, sorted by path. */
export function listModuleTests(root: string = defaultTest262Root): Test262Test[] {
  const files: string[] = [];
  walk(path.join(root, 'test'), files);
  const tests: Test262Test[] = [];
  for (const file of files) {
    const source = fs.readFileSync(file, 'utf8');
    if (!source.includes('module')) continue;
    const meta = parseFrontmatter(source);
    if (!meta.flags.includes('module')) continue;
    tests.push({ rel: path.relative(root, file).split(path.sep).join('/'), file, meta });
  }
  return tests.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/**
 * The files a test needs, relative to the test262 root: the test itself and, transitively, every existing file named
 * by a string literal that starts with `./` or `../` (its fixtures: modules, JSON, text).
 */
export function testFiles(test: Test262Test, root: string = defaultTest262Root): string[] {
  const found = new Set<string>([test.rel]);
  const queue = [test.rel];
  const testDir = path.join(root, 'test');
  for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) {
    const abs = path.join(root, rel);
    const source = fs.readFileSync(abs, 'utf8');
    for (const match of source.matchAll(/(['"`])(\.\.?\/[^'"`\n]*)\1/g)) {
      const target = path.resolve(path.dirname(abs), match[2]!);
      if (!target.startsWith(testDir + path.sep)) continue;
      const targetRel = path.relative(root, target).split(path.sep).join('/');
      if (found.has(targetRel)) continue;
      let isFile = false;
      try {
        isFile = fs.statSync(target).isFile();
      } catch {
        isFile = false;
      }
      if (!isFile) continue;
      found.add(targetRel);
      if (/\.(m?js)$/.test(target)) queue.push(targetRel);
    }
  }
  return [...found].sort();
}

/** The harness files a test evaluates before it runs (none for `raw` tests). */
export function harnessFiles(test: Test262Test): string[] {
  if (test.meta.flags.includes('raw')) return [];
  const files = ['assert.js', 'sta.js'];
  if (test.meta.flags.includes('async')) files.push('doneprintHandle.js');
  for (const include of test.meta.includes) if (!files.includes(include)) files.push(include);
  return files;
}

// ---------------------------------------------------------------------------------------------------------------
// The driver: a plain ES module run in each child (`node [--import hotzip/register] driver.mjs batch.json first`).

const PREFIX = '@@T262 ';

const driverSource = String.raw`// Generated by hotzip's test262 runner.
import * as fs from 'node:fs';
import * as vm from 'node:vm';

const PREFIX = ${JSON.stringify(PREFIX)};
const batch = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const first = Number(process.argv[3] ?? 0);
const emit = (value) => fs.writeSync(1, PREFIX + JSON.stringify(value) + '\n');

let prints = [];
let onPrint = () => {};
let asyncErrors = [];
globalThis.print = (message) => {
  prints.push(String(message));
  onPrint();
};
process.on('unhandledRejection', () => {});
process.on('uncaughtException', (error) => {
  asyncErrors.push(error);
  onPrint();
});

// Harness scripts run as classic scripts in this realm. Top-level let/const would make a second evaluation throw
// (redeclaration); as var they behave the same for the harness's purposes.
const harnessCache = new Map();
function harness(name) {
  let source = harnessCache.get(name);
  if (source === undefined) {
    source = fs.readFileSync(batch.harnessDir + '/' + name, 'utf8').replace(/^(let|const) /gm, 'var ');
    harnessCache.set(name, source);
  }
  return source;
}

function describe(error) {
  if (error !== null && (typeof error === 'object' || typeof error === 'function')) {
    let name;
    try {
      name = error.constructor && typeof error.constructor.name === 'string' ? error.constructor.name : undefined;
    } catch {}
    let message;
    try {
      message = String(error.message);
    } catch {
      message = '<unprintable>';
    }
    const code = typeof error.code === 'string' ? error.code : undefined;
    return { errorName: name ?? 'Object', message: code ? code + ': ' + message : message };
  }
  return { errorName: '(' + typeof error + ')', message: String(error) };
}

const snapshot = () => {
  const map = new Map();
  for (const key of Reflect.ownKeys(globalThis)) map.set(key, Object.getOwnPropertyDescriptor(globalThis, key));
  return map;
};
const same = (a, b) => Object.is(a.value, b.value) && a.get === b.get && a.set === b.set;
const baseline = snapshot();
const harnessKeys = new Set(['print']);

function restoreGlobals() {
  const leaked = [];
  for (const key of Reflect.ownKeys(globalThis)) {
    if (harnessKeys.has(key)) continue;
    const before = baseline.get(key);
    const now = Object.getOwnPropertyDescriptor(globalThis, key);
    if (before === undefined) {
      leaked.push(String(key));
      try {
        delete globalThis[key];
      } catch {}
    } else if (!same(before, now)) {
      leaked.push(String(key));
      try {
        Object.defineProperty(globalThis, key, before);
      } catch {}
    }
  }
  for (const key of baseline.keys()) {
    if (!Object.prototype.hasOwnProperty.call(globalThis, key)) {
      leaked.push(String(key));
      try {
        Object.defineProperty(globalThis, key, baseline.get(key));
      } catch {}
    }
  }
  return leaked;
}

function wait(ms) {
  let timer;
  const promise = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

for (let index = first; index < batch.tests.length; index++) {
  const test = batch.tests[index];
  emit({ start: index });
  const started = performance.now();
  prints = [];
  asyncErrors = [];
  const result = { index };
  const deadline = wait(batch.timeoutMs);
  try {
    for (const name of test.harness) vm.runInThisContext(harness(name), { filename: batch.harnessDir + '/' + name });
    for (const key of Reflect.ownKeys(globalThis)) if (!baseline.has(key)) harnessKeys.add(key);
    const imported = import(test.url).then(
      () => ({ kind: 'resolved' }),
      (error) => ({ kind: 'rejected', error }),
    );
    const settled = await Promise.race([imported, deadline.promise]);
    if (settled.kind === 'timeout') {
      result.kind = 'timeout';
    } else if (settled.kind === 'rejected') {
      result.kind = 'rejected';
      Object.assign(result, describe(settled.error));
    } else {
      result.kind = 'resolved';
      if (test.async && !(await completion(0, 0, deadline))) result.kind = 'timeout';
    }
    if (asyncErrors.length > 0) result.uncaught = describe(asyncErrors[0]);
    // zip-updated: a first run that looks like a pass is followed by a forced update of every module of the test.
    const passed =
      result.kind === 'resolved' &&
      asyncErrors.length === 0 &&
      (!test.async || prints.includes('Test262:AsyncTestComplete'));
    if (batch.update && passed && !test.negative) result.update = await forceUpdate(test, deadline);
  } catch (error) {
    result.kind = 'harness-error';
    Object.assign(result, describe(error));
  }
  deadline.cancel();
  result.prints = prints;
  result.leaked = batch.restoreGlobals ? restoreGlobals() : [];
  result.ms = Math.round(performance.now() - started);
  emit(result);
  // An update that never settled holds the runtime's update queue: later tests need a fresh process.
  if (result.update?.kind === 'timeout') {
    emit({ restart: true });
    process.exit(0);
  }
}
emit({ end: true });
process.exit(0);

/**
 * Waits until $DONE has reported (a 'Test262:Async…' print) or an uncaught error arrived, counting only those after
 * the first printsFrom prints and errorsFrom errors; false on the deadline.
 */
async function completion(printsFrom, errorsFrom, deadline) {
  const done = () =>
    prints.slice(printsFrom).some((line) => line.startsWith('Test262:Async')) || asyncErrors.length > errorsFrom;
  if (!done()) {
    await Promise.race([new Promise((resolve) => (onPrint = () => done() && resolve())), deadline.promise]);
    onPrint = () => {};
  }
  return done();
}

/**
 * Forces an update of every hot module of this test (its directory in the archive): each is imported again as a new
 * version and evaluated leaves-first, so the test's body and its fixtures' bodies run a second time, with the harness
 * (assert, $DONE, asyncHelpers …) still installed. An async test must reach $DONE again.
 */
async function forceUpdate(test, deadline) {
  const update = { kind: 'applied' };
  const runtime = globalThis[Symbol.for(${JSON.stringify(RUNTIME_SYMBOL)})];
  if (runtime === undefined) {
    update.error = { errorName: 'Error', message: 'no hotzip runtime in this process' };
    return update;
  }
  const urls = runtime.moduleUrls.filter((url) => url.startsWith(test.dir));
  update.urls = urls.length;
  // The second evaluation gets the harness as the first did, even if the first run replaced parts of it.
  for (const name of test.harness) vm.runInThisContext(harness(name), { filename: batch.harnessDir + '/' + name });
  const printsFrom = prints.length;
  const errorsFrom = asyncErrors.length;
  const applied = runtime.apply({ updated: urls, label: 'test262' }).then(
    (report) => ({ kind: 'report', report }),
    (error) => ({ kind: 'rejected', error }),
  );
  const settled = await Promise.race([applied, deadline.promise]);
  if (settled.kind === 'timeout') {
    update.kind = 'timeout';
    update.stage = 'the update did not settle';
    return update;
  }
  if (settled.kind === 'rejected') {
    update.error = describe(settled.error);
    return update;
  }
  const report = settled.report;
  update.updated = report.updated.length;
  update.restartRequired = report.restartRequired;
  if (report.error !== undefined) {
    update.error = describe(report.error);
    if (report.error.cause !== undefined) update.cause = describe(report.error.cause);
  } else if (test.async && !(await completion(printsFrom, errorsFrom, deadline))) {
    update.kind = 'timeout';
    update.stage = 'the second evaluation did not call $DONE';
  }
  update.prints = prints.slice(printsFrom);
  if (asyncErrors.length > errorsFrom) update.uncaught = describe(asyncErrors[errorsFrom]);
  return update;
}
`;

interface Described {
  errorName: string;
  message: string;
}

/** What the driver saw of a forced update (zip-updated mode, after a first run that passed). */
interface RawUpdate {
  kind: 'applied' | 'timeout';
  /** What timed out. */
  stage?: string;
  /** How many hot modules of the test the update was asked to replace. */
  urls?: number;
  /** How many it evaluated again (`report.updated`). */
  updated?: number;
  restartRequired?: string[];
  /** `report.error` (or why there was no report). */
  error?: Described;
  /** The error behind `report.error`: what the second evaluation threw, or why loading it failed. */
  cause?: Described;
  /** The first uncaught error after the update started. */
  uncaught?: Described;
  /** What the harness printed after the update started ($DONE of the second evaluation). */
  prints?: string[];
}

/** What the driver reports for one test. */
interface RawResult {
  index: number;
  kind: 'resolved' | 'rejected' | 'timeout' | 'harness-error';
  errorName?: string;
  message?: string;
  uncaught?: Described;
  update?: RawUpdate;
  prints: string[];
  leaked: string[];
  ms: number;
}

/** Prefixes the message of a zip-updated failure that happened after a passing first run. */
const UPDATE_FAILURE = 'after update: ';

/** Decides a test's outcome from what the driver saw. */
export function judge(test: Test262Test, raw: RawResult, mode: Mode = 'zip'): Outcome {
  const first = judgeFirstRun(test, raw);
  // Only a passing, non-negative first run is updated; anything else keeps the zip outcome.
  if (mode !== 'zip-updated' || first.status !== 'pass' || test.meta.negative) return first;
  return judgeUpdate(test, raw.update, first);
}

/** The outcome of the forced update that follows a passing first run. */
function judgeUpdate(test: Test262Test, update: RawUpdate | undefined, first: Outcome): Outcome {
  const fail = (errorName: string | undefined, message: string): Outcome => ({
    ...first,
    status: 'fail',
    errorName,
    message: `${UPDATE_FAILURE}${message}`,
  });
  if (update === undefined) return fail(undefined, 'the driver did not update the test');
  if (update.kind === 'timeout') {
    return { ...fail(undefined, `timed out: ${update.stage ?? 'update'}`), status: 'timeout' };
  }
  if (update.error) {
    const cause = update.cause;
    return fail(cause?.errorName ?? update.error.errorName, update.error.message);
  }
  if (update.uncaught) return fail(update.uncaught.errorName, `uncaught: ${update.uncaught.message}`);
  if ((update.restartRequired ?? []).length > 0) {
    return fail(undefined, `restart required for ${update.restartRequired!.join(', ')}`);
  }
  if (!update.urls) return fail(undefined, 'no hot module of the test was registered');
  if (update.updated !== update.urls) return fail(undefined, `${update.updated} of ${update.urls} modules updated`);
  if (test.meta.flags.includes('async')) {
    const prints = update.prints ?? [];
    const failure = prints.find((line) => line.startsWith('Test262:AsyncTestFailure:'));
    if (failure) {
      const text = failure.slice('Test262:AsyncTestFailure:'.length);
      const colon = text.indexOf(':');
      return fail(colon > 0 ? text.slice(0, colon) : text, text);
    }
    if (!prints.includes('Test262:AsyncTestComplete')) return fail(undefined, '$DONE was not called again');
  }
  return first;
}

/** Decides a test's outcome from the driver's first (or only) import of it. */
function judgeFirstRun(test: Test262Test, raw: RawResult): Outcome {
  const base: Outcome = { status: 'fail', ms: raw.ms };
  if (raw.leaked.length > 0) base.leaked = raw.leaked;
  const negative = test.meta.negative;
  if (raw.kind === 'timeout') return { ...base, status: 'timeout', message: 'timed out' };
  if (raw.kind === 'harness-error') {
    return { ...base, errorName: raw.errorName, message: `harness: ${raw.message ?? ''}` };
  }
  if (raw.uncaught) {
    return { ...base, errorName: raw.uncaught.errorName, message: `uncaught: ${raw.uncaught.message}` };
  }
  if (negative) {
    if (raw.kind === 'rejected' && raw.errorName === negative.type) {
      return { ...base, status: 'pass', errorName: raw.errorName, message: raw.message };
    }
    if (raw.kind === 'rejected') {
      return { ...base, errorName: raw.errorName, message: `expected ${negative.type}: ${raw.message ?? ''}` };
    }
    return { ...base, message: `expected ${negative.phase} ${negative.type}, but the import succeeded` };
  }
  if (raw.kind === 'rejected') return { ...base, errorName: raw.errorName, message: raw.message };
  if (test.meta.flags.includes('async')) {
    if (raw.prints.includes('Test262:AsyncTestComplete')) return { ...base, status: 'pass' };
    const failure = raw.prints.find((line) => line.startsWith('Test262:AsyncTestFailure:'));
    if (failure) {
      const text = failure.slice('Test262:AsyncTestFailure:'.length);
      const colon = text.indexOf(':');
      return { ...base, errorName: colon > 0 ? text.slice(0, colon) : text, message: text };
    }
    return { ...base, message: '$DONE was not called' };
  }
  return { ...base, status: 'pass' };
}

// ---------------------------------------------------------------------------------------------------------------
// Batches

interface BatchTest {
  url: string;
  /** The URL of the test's own directory (its modules' URLs start with it). */
  dir: string;
  harness: string[];
  async: boolean;
  negative: boolean;
}

interface Batch {
  harnessDir: string;
  timeoutMs: number;
  restoreGlobals: boolean;
  /** Force an update of each test's modules after a passing first run (zip-updated). */
  update: boolean;
  tests: BatchTest[];
}

const PACKAGE_JSON = '{"type":"module"}\n';

/** Lays out one batch below `dir` (tree on disk, or an archive) and returns the driver's batch description. */
function prepareBatch(
  tests: Test262Test[],
  mode: Mode,
  dir: string,
  root: string,
  timeoutMs: number,
  restoreGlobals: boolean,
  packageJson: boolean,
): Batch {
  const batch: Batch = {
    harnessDir: path.join(root, 'harness'),
    timeoutMs,
    restoreGlobals,
    update: mode === 'zip-updated',
    tests: [],
  };
  const zipInput: Zippable = {};
  const tree = path.join(dir, 'tree');
  if (mode === 'native') {
    fs.mkdirSync(tree, { recursive: true });
    if (packageJson) fs.writeFileSync(path.join(tree, 'package.json'), PACKAGE_JSON);
  } else if (packageJson) {
    zipInput['package.json'] = new TextEncoder().encode(PACKAGE_JSON);
  }
  const archive = path.join(dir, 'tests.zip');
  const zipBase = `zip://${pathToFileURL(archive).pathname}!/`;
  tests.forEach((test, index) => {
    for (const rel of testFiles(test, root)) {
      const entry = `${index}/${rel}`;
      if (mode === 'native') {
        const target = path.join(tree, ...entry.split('/'));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(path.join(root, rel), target);
      } else {
        zipInput[entry] = fs.readFileSync(path.join(root, rel));
      }
    }
    const entry = `${index}/${test.rel}`;
    const url = mode === 'native' ? pathToFileURL(path.join(tree, ...entry.split('/'))).href : zipBase + entry;
    batch.tests.push({
      url,
      dir: mode === 'native' ? `${pathToFileURL(path.join(tree, String(index))).href}/` : `${zipBase}${index}/`,
      harness: harnessFiles(test),
      async: test.meta.flags.includes('async'),
      negative: test.meta.negative !== undefined,
    });
  });
  if (mode !== 'native') fs.writeFileSync(archive, zipSync(zipInput, { level: 6 }));
  return batch;
}

/** Runs the driver over a batch, restarting it after a test that hangs or crashes the process. */
async function runBatch(
  batch: Batch,
  mode: Mode,
  dir: string,
  driver: string,
  opts: Required<Pick<RunOptions, 'node' | 'registerUrl' | 'timeoutMs'>>,
  onRaw: (index: number, raw: RawResult | Outcome) => void,
): Promise<void> {
  const batchFile = path.join(dir, 'batch.json');
  fs.writeFileSync(batchFile, JSON.stringify(batch));
  let next = 0;
  while (next < batch.tests.length) {
    const args = mode === 'native' ? [] : ['--import', opts.registerUrl];
    args.push(driver, batchFile, String(next));
    const env: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: undefined };
    const child = spawn(opts.node, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let current = -1;
    let ended = false;
    let restart = false;
    let timedOut = false;
    let stderr = '';
    let buffer = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs + 5000);
    };
    arm();
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        if (!line.startsWith(PREFIX)) continue;
        const message = JSON.parse(line.slice(PREFIX.length)) as {
          start?: number;
          end?: boolean;
          restart?: boolean;
        } & RawResult;
        if (message.start !== undefined) {
          current = message.start;
          arm();
        } else if (message.end) {
          ended = true;
        } else if (message.restart) {
          restart = true;
        } else {
          onRaw(message.index, message);
          next = message.index + 1;
          current = -1;
        }
      }
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (exit) => resolve(exit));
    });
    if (timer) clearTimeout(timer);
    if (ended && next >= batch.tests.length) return;
    // The driver asked for a fresh process (after reporting the test that made it necessary).
    if (restart && current < 0) continue;
    // The child died or hung. Blame the test it was running; if it never started one, blame the next.
    const culprit = current >= 0 ? current : next;
    const outcome: Outcome = timedOut
      ? { status: 'timeout', message: 'killed after the time limit' }
      : { status: 'crash', message: `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` };
    onRaw(culprit, outcome);
    next = culprit + 1;
  }
}

function isOutcome(value: RawResult | Outcome): value is Outcome {
  return 'status' in value;
}

/**
 * Runs tests in one or more modes: batches of tests per child process, `jobs` children at a time. Returns each
 * mode's outcomes keyed by the test's `rel` path.
 */
export async function runTests(
  tests: Test262Test[],
  modes: Mode[],
  options: RunOptions = {},
): Promise<Map<Mode, Map<string, Outcome>>> {
  const root = options.root ?? defaultTest262Root;
  const opts = {
    // Children run in their batch directory: a relative binary path must not depend on it.
    node:
      options.node === undefined
        ? process.execPath
        : options.node.includes('/')
          ? path.resolve(options.node)
          : options.node,
    registerUrl: options.registerUrl ?? defaultRegisterUrl,
    timeoutMs: options.timeoutMs ?? 10_000,
  };
  const jobs = Math.max(1, options.jobs ?? 2);
  const batchSize = Math.max(1, options.batchSize ?? 40);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-test262-'));
  const driver = path.join(work, 'driver.mjs');
  fs.writeFileSync(driver, driverSource);
  const results = new Map<Mode, Map<string, Outcome>>(modes.map((mode) => [mode, new Map()]));
  const queue: { mode: Mode; tests: Test262Test[]; id: string }[] = [];
  for (let start = 0; start < tests.length; start += batchSize) {
    for (const mode of modes) {
      queue.push({ mode, tests: tests.slice(start, start + batchSize), id: `${mode}-${start}` });
    }
  }
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const { mode, tests: group, id } = item;
      const dir = path.join(work, id);
      fs.mkdirSync(dir, { recursive: true });
      const batch = prepareBatch(
        group,
        mode,
        dir,
        root,
        opts.timeoutMs,
        options.restoreGlobals ?? true,
        options.packageJson ?? true,
      );
      const outcomes = results.get(mode)!;
      await runBatch(batch, mode, dir, driver, opts, (index, raw) => {
        const test = group[index]!;
        const outcome = isOutcome(raw) ? raw : judge(test, raw, mode);
        outcomes.set(test.rel, outcome);
        options.onResult?.(test, mode, outcome);
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: jobs }, worker));
  } finally {
    if (options.keep) process.stderr.write(`test262: kept ${work}\n`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  return results;
}

/** Runs one test in its own child process. */
export async function runTest(test: Test262Test, mode: Mode, options: RunOptions = {}): Promise<Outcome> {
  const results = await runTests([test], [mode], { ...options, jobs: 1, batchSize: 1 });
  return results.get(mode)!.get(test.rel)!;
}

// ---------------------------------------------------------------------------------------------------------------
// Parity

// ---------------------------------------------------------------------------------------------------------------
// zip-updated: failures inherent to evaluating a module a second time

/** Why a test cannot pass its second evaluation, and the failure that shows it (matched against `name: message`). */
export interface InherentFailure {
  reason: string;
  failure: RegExp;
}

/**
 * Tests that fail in zip-updated mode for a reason inherent to hot reload, not to hotzip: a forced update evaluates
 * a new instance of each module, so a body runs again, against globals its first evaluation already changed. Only a
 * failure matching `failure` is allowed; any other failure of these tests (and every failure of any other test that
 * passes natively) is a parity mismatch.
 */
export const inherentUpdateFailures: ReadonlyMap<string, InherentFailure> = new Map<string, InherentFailure>([
  // Counts its own evaluations in a global: the update evaluates it a second time, so the count is 2.
  [
    'test/language/expressions/dynamic-import/eval-self-once-module.js',
    {
      reason: 'counts its evaluations in globalThis.evaluated and asserts 1; the second evaluation makes it 2',
      failure: /global property was defined and incremented only once Expected SameValue\(«2», «1»\)/,
    },
  ],
  // Asserts a global its own first evaluation sets is still unset: true only the first time.
  [
    'test/language/module-code/eval-self-once.js',
    {
      reason: 'asserts globalThis.test262 is unset, then sets it; the second evaluation finds it set',
      failure: /global property initially unset Expected SameValue\(«262», «undefined»\)/,
    },
  ],
  // Its fixture throws when a global set by its own first evaluation is already there.
  [
    'test/language/module-code/eval-rqstd-once.js',
    {
      reason: 'the fixture throws "evaluated more than once" when globalThis.test262 is already set; it is, on update',
      failure: /eval-rqstd-once_FIXTURE\.js threw while evaluating.*Module was evaluated more than once/,
    },
  ],
  // verifyProperty deletes each property it verified (no `restore`), from the object the JSON module exports. JSON
  // modules are not hot (never re-evaluated), so the second evaluation sees the object the first one emptied.
  [
    'test/language/import/import-attributes/json-value-object.js',
    {
      reason:
        "the first evaluation deletes 4 of the 6 properties of the JSON module's object (verifyProperty); the " +
        'second reads the same object (a JSON module is not re-evaluated) and counts 2',
      failure: /json-value-object\.js threw while evaluating.*Expected SameValue\(«2», «6»\)/,
    },
  ],
  // The fixture's evaluation rejects by design; a forced update evaluates it again, so the update reports that.
  [
    'test/language/module-code/top-level-await/dynamic-import-rejection.js',
    {
      reason:
        'module-import-rejection_FIXTURE.js rejects on evaluation by design (the test asserts it); updating it ' +
        'evaluates it again, which rejects again and fails the update',
      failure: /module-import-rejection_FIXTURE\.js threw while evaluating.*error in the default export line/,
    },
  ],
  // By design (README, "Hot reload"): a new version's imports bind to the live first instances of the other modules,
  // never to other new versions. A test whose module reaches itself through another module (a cycle through a
  // fixture) therefore sees the live, already initialised bindings where a fresh graph would see uninitialised ones.
  ...['instn-iee-bndng-cls.js', 'instn-iee-bndng-const.js', 'instn-iee-bndng-let.js', 'instn-iee-bndng-var.js'].map(
    (name): [string, InherentFailure] => [
      `test/language/module-code/${name}`,
      {
        reason:
          'reaches itself through a fixture (import … from fixture, which re-exports from the test): the fixture is live, so the binding is already initialised',
        failure: /binding is (created but not initialized|initialized to `undefined`)/,
      },
    ],
  ),
  [
    'test/language/module-code/instn-star-equality.js',
    {
      reason:
        "compares its own namespace with the one a fixture re-exports from it: the fixture's is the live instance's",
      failure: /Re-exported namespace objects/,
    },
  ],
  [
    'test/language/module-code/verify-dfs.js',
    {
      reason: 'records evaluation order through a cycle with a fixture; the fixture is live and is not evaluated again',
      failure: /Cannot read properties of undefined|evaluated\.order|Expected SameValue\(«3», «2»\)/,
    },
  ],
  // By design (README, "Hot reload"): an `export let` a new version reassigns from code that is not an exported
  // function (here a global callback) reaches the live binding at the next call into the module, not at once.
  ...['eval-gtbndng-indirect-update.js', 'eval-gtbndng-indirect-update-as.js'].map(
    (name): [string, InherentFailure] => [
      `test/language/module-code/${name}`,
      {
        reason: 'reassigns an exported let through a global callback and reads it back at once through an import',
        failure: /Expected SameValue\(«1», «2»\)/,
      },
    ],
  ),
  // By design: an update evaluates changed modules in their original order and installs each one's exports before
  // the next runs (so dependents see new values at their top level); a sibling therefore runs after an async
  // module's awaited work, where a fresh graph would run it while that module is suspended.
  [
    'test/language/module-code/top-level-await/unobservable-global-async-evaluation-count-reset.js',
    {
      reason: 'records the order async modules finish in; an update evaluates them one after another',
      failure: /should evaluate before|should have the same contents/,
    },
  ],
  [
    'test/language/module-code/top-level-await/rejection-order.js',
    {
      reason:
        'its fixtures reject on evaluation by design (the test asserts the order); evaluating them again rejects the update',
      failure: /rejection-order_\w+_FIXTURE\.js threw while evaluating/,
    },
  ],
  [
    'test/language/module-code/top-level-await/async-module-does-not-block-sibling-modules.js',
    {
      reason: 'the sync sibling evaluates after the async module settles, not while it is suspended',
      failure: /Expected SameValue\(«true», «false»\)/,
    },
  ],
]);

/** The reason a zip-updated mismatch is allowed, or undefined when it is a real mismatch. */
function allowedUpdateFailure(mismatch: Mismatch): string | undefined {
  const entry = inherentUpdateFailures.get(mismatch.rel);
  if (entry === undefined || mismatch.native.status !== 'pass' || mismatch.other.status !== 'fail') return undefined;
  // Only a failure of the update itself: a first run that fails is a mismatch to see.
  const message = mismatch.other.message ?? '';
  if (!message.startsWith(UPDATE_FAILURE)) return undefined;
  return entry.failure.test(`${mismatch.other.errorName ?? ''}: ${message.slice(UPDATE_FAILURE.length)}`)
    ? entry.reason
    : undefined;
}

export interface Mismatch {
  rel: string;
  /** The hotzip mode compared with native. */
  mode: Mode;
  native: Outcome;
  /** The outcome in `mode`. */
  other: Outcome;
}

/** Two outcomes agree when they have the same status and the same error type. */
export function sameOutcome(a: Outcome, b: Outcome): boolean {
  return a.status === b.status && (a.errorName ?? '') === (b.errorName ?? '');
}

/**
 * The tests, by native outcome and outcome in `mode`, that `reported` picks; a test `mode` has no result for counts
 * as `missing` (or is passed over when that is undefined).
 */
function comparisons(
  native: Map<string, Outcome>,
  other: Map<string, Outcome>,
  mode: Mode,
  missing: Outcome | undefined,
  reported: (native: Outcome, other: Outcome) => boolean,
): Mismatch[] {
  const found: Mismatch[] = [];
  for (const [rel, outcome] of native) {
    const theirs = other.get(rel) ?? missing;
    if (theirs !== undefined && reported(outcome, theirs)) found.push({ rel, mode, native: outcome, other: theirs });
  }
  return found;
}

/** Tests whose outcome in `mode` differs from the native one (a missing result is a crash). */
export function parityMismatches(
  native: Map<string, Outcome>,
  other: Map<string, Outcome>,
  mode: Mode = 'zip',
): Mismatch[] {
  const missing: Outcome = { status: 'crash', message: 'no result' };
  return comparisons(native, other, mode, missing, (a, b) => !sameOutcome(a, b));
}

/** Replaces the per-test base (`file:` URL, path or `zip:` URL of a test's tree) in a message with `<base>/`. */
export function normalizeMessage(message: string | undefined): string {
  return (message ?? '')
    .replace(/zip:\/\/\/\S*?\/zip(?:-updated)?-\d+\/tests\.zip!\/\d+\//g, '<base>/')
    .replace(/(file:\/\/)?\/\S*?\/native-\d+\/tree\/\d+\//g, '<base>/')
    .replace(/[?&]hz=\d+(?:r\d+|u)?/g, '');
}

/** Tests whose outcomes agree but whose error messages differ (informational: paths, wording). */
export function messageDifferences(
  native: Map<string, Outcome>,
  other: Map<string, Outcome>,
  mode: Mode = 'zip',
): Mismatch[] {
  const reworded = (a: Outcome, b: Outcome) => normalizeMessage(a.message) !== normalizeMessage(b.message);
  return comparisons(native, other, mode, undefined, (a, b) => sameOutcome(a, b) && reworded(a, b));
}

export interface Summary {
  total: number;
  pass: Partial<Record<Mode, number>>;
  fail: Partial<Record<Mode, number>>;
  /** Each hotzip mode against native, minus the allowed zip-updated failures. */
  mismatches: Mismatch[];
  /** zip-updated failures of tests that pass natively and in zip, allowed by `inherentUpdateFailures`. */
  allowed: Array<Mismatch & { reason: string }>;
  /**
   * `inherentUpdateFailures` entries that no longer fail in zip-updated (while passing natively and in zip): the
   * allowlist must shrink.
   */
  staleAllowed: string[];
  /** Same outcome, different error message (after normalizing the tree's base); not a parity failure. */
  messageDiffs: Mismatch[];
  /** Tests that left globals changed (the driver put them back), by mode. */
  leaked: { rel: string; mode: Mode; names: string[] }[];
}

export function summarize(tests: Test262Test[], results: Map<Mode, Map<string, Outcome>>): Summary {
  const summary: Summary = {
    total: tests.length,
    pass: {},
    fail: {},
    mismatches: [],
    allowed: [],
    staleAllowed: [],
    messageDiffs: [],
    leaked: [],
  };
  for (const [mode, outcomes] of results) {
    let pass = 0;
    for (const [rel, outcome] of outcomes) {
      if (outcome.status === 'pass') pass++;
      if (outcome.leaked) summary.leaked.push({ rel, mode, names: outcome.leaked });
    }
    summary.pass[mode] = pass;
    summary.fail[mode] = outcomes.size - pass;
  }
  const native = results.get('native');
  if (native === undefined) return summary;
  for (const mode of zipModes) {
    const outcomes = results.get(mode);
    if (outcomes === undefined) continue;
    for (const mismatch of parityMismatches(native, outcomes, mode)) {
      const reason = mode === 'zip-updated' ? allowedUpdateFailure(mismatch) : undefined;
      if (reason === undefined) summary.mismatches.push(mismatch);
      else summary.allowed.push({ ...mismatch, reason });
    }
    summary.messageDiffs.push(...messageDifferences(native, outcomes, mode));
  }
  const updated = results.get('zip-updated');
  if (updated !== undefined) {
    for (const rel of inherentUpdateFailures.keys()) {
      if (native.get(rel)?.status === 'pass' && updated.get(rel)?.status === 'pass') summary.staleAllowed.push(rel);
    }
  }
  return summary;
}

export function describeOutcome(outcome: Outcome): string {
  const parts: string[] = [outcome.status];
  if (outcome.errorName) parts.push(outcome.errorName);
  if (outcome.message && outcome.status !== 'pass') parts.push(outcome.message.replace(/\s+/g, ' ').slice(0, 300));
  return parts.join(' ');
}
