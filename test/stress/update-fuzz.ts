/**
 * The differential update fuzzer. A live process runs a random graph (see ./update-fuzz-model.ts) under
 * `node --import hotzip/register`; after each random edit of the archives it reloads, and a probe in the process
 * digests every module's observable behaviour (values, function results, references captured at start-up and after
 * each step, what host files see). The oracle is a fresh process on the archives the update should have left (for an
 * applied update, the new ones; for a rejected one, the previous ones): any difference is a divergence, classified
 * by kind. Shared by the short run in `npm test` and the long one in `npm run stress`. HOTZIP_UPDATE_FUZZ_TRACE=1
 * prints each step's edit, expected and actual outcome, and how the live digest compared with each allowed state.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeApp, runNode, type Tree, writeTree, zipBytes } from '../helpers/fixtures.js';
import { HotApp } from '../helpers/hot-app.js';
import { prng } from '../helpers/prng.js';
import {
  type Breakage,
  breakSource,
  changedArchives,
  type Expectation,
  generateModel,
  hybrid,
  isClassShape,
  judge,
  linkable,
  type Mod,
  type Model,
  nextStep,
  renderArchives,
  renderHost,
  renderModule,
  retypedInUse,
  reverted,
} from './update-fuzz-model.js';

/** One divergence: its kind, where it was seen, and enough to reproduce it (seed, step count, graph size). */
export interface Divergence {
  kind: string;
  seed: number;
  step: number;
  size: number;
  detail: string;
}

/** What one seed's run found. */
export interface SeedReport {
  seed: number;
  size: number;
  steps: number;
  /** Steps whose live digest was compared with a fresh process's. */
  compared: number;
  /** Steps whose live digest matched an allowed state exactly. */
  checked: number;
  divergences: Divergence[];
  /** By-design differences between the live process and a fresh one, counted by reason. */
  byDesign: Record<string, number>;
  /** Edit kinds run, with how often. */
  edits: Record<string, number>;
  ms: number;
}

/** Differences that are the documented behaviour, not findings, with the reason printed by the long run. */
export const byDesignReasons: Record<string, string> = {
  'stale-namespace-key':
    'a namespace keeps the export list it linked with: an export removed by an accepted update stays a key there (exports cannot be removed from a linked instance)',
  'captured-class':
    'a class captured before an update keeps constructing its own version (captured classes are not forwarded)',
  'captured-value':
    'a value a host file copied at start-up (const c = importedValue) keeps the value it had (even once the export became a function), as in native ESM',
  'torn-unreported': 'a torn archive is not an error: it is read again at the next change',
  'retype-refused':
    'an export made a non-function that something imports is seen only once the new version has evaluated: that module keeps its previous version (the error names it) while the rest of the change installs, and an instance of it imported with its own ?query (which nothing imports) takes the change',
  restart: 'restart-required was expected (a declined module or a changed export *): the fuzzer restarts the process',
};

const describeSource = `
const callOnce = async (fn, args) => {
  try {
    let result = fn(...args);
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') result = await result;
    return 'ok:' + (typeof result === 'string' ? result : JSON.stringify(result));
  } catch (e) {
    return 'throw:' + (e?.constructor?.name ?? typeof e) + (e instanceof RangeError ? ' ' + e.message : '');
  }
};
const isClass = (v) => /^class\\b/.test(Function.prototype.toString.call(v));
export async function describe(v) {
  if (typeof v === 'function') {
    if (isClass(v)) {
      try { return 'class:' + new v({ k: 'K' }).m(); } catch (e) { return 'throw:' + e?.constructor?.name; }
    }
    return 'fn:' + (await callOnce(v, [{ k: 'K' }])) + ' ' + (await callOnce(v, []));
  }
  try { return 'value:' + JSON.stringify(v); } catch (e) { return 'throw:' + e?.constructor?.name; }
}
export const meta = (v) => typeof v === 'function' ? v.name + '/' + v.length : undefined;
`;

const mainSource = `
import { describe, meta } from './describe.mjs';
import { on, reload } from 'hotzip';
// Imported here rather than statically, so that a state in which a host file cannot link still gets a digest.
const hosts = [];
const hostErrors = {};
for (const file of ['host0.mjs', 'host1.mjs']) {
  try { hosts.push(await import('./' + file)); } catch (e) { hostErrors[file + '|$import'] = 'throw:' + e?.constructor?.name; }
}
let events = [];
for (const name of ['update', 'error', 'restart-required']) {
  on(name, (r) => events.push({ name, updated: r.updated.length, code: r.error?.code, message: r.error?.message?.slice(0, 400), restart: r.restartRequired }));
}
let captures = [];
async function probe(request) {
  const out = {};
  for (const [key, url] of [...request.mods, ...request.queries.map(([key, url]) => [key + '?q', url + '?fz=1'])]) {
    let ns;
    try { ns = await import(url); } catch (e) { out[key + '|$import'] = 'throw:' + (e?.code ?? e?.constructor?.name) + ' ' + String(e?.message).slice(0, 200); continue; }
    for (const name of Object.keys(ns)) {
      let value;
      try { value = ns[name]; } catch (e) { out[key + '|' + name] = 'throw:' + e?.constructor?.name; continue; }
      out[key + '|' + name] = await describe(value);
      if (typeof value === 'function') {
        out[key + '|' + name + '|$meta'] = meta(value);
        if (request.capture && !key.endsWith('?q')) captures.push([key, name, request.step, value]);
      }
    }
  }
  // References captured at start-up and in the last two steps.
  captures = captures.filter(([, , step]) => step === 0 || step >= request.step - 2);
  for (const [key, name, step, fn] of captures) out['cap|' + key + '|' + name + '|' + step] = await describe(fn);
  for (const host of hosts) Object.assign(out, await host.digest(describe));
  return Object.assign(out, hostErrors);
}
const timeout = (ms) => new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
if (process.env.FUZZ_ONESHOT) {
  console.log('RESULT ' + JSON.stringify({ digest: await probe(JSON.parse(process.env.FUZZ_ONESHOT)) }));
  process.exit(0);
}
process.stdin.setEncoding('utf8');
process.stdin.on('end', () => process.exit(0));
let buffered = '';
process.stdin.on('data', async (chunk) => {
  buffered += chunk;
  let at;
  while ((at = buffered.indexOf('\\n')) !== -1) {
    const line = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    const request = JSON.parse(line);
    if (request.op === 'settle') {
      // Lets checks the watcher started for the previous step finish, so that their events are not this step's.
      await Promise.race([reload(), timeout(request.timeoutMs)]);
      await new Promise((resolve) => setTimeout(resolve, 30));
      await Promise.race([reload(), timeout(request.timeoutMs)]);
      events = [];
      console.log('SETTLED');
    } else if (request.op === 'reload') {
      const outcome = await Promise.race([reload().then(() => 'done', (e) => 'threw ' + e), timeout(request.timeoutMs)]);
      console.log('RELOADED ' + JSON.stringify({ outcome, events }));
      events = [];
    } else {
      console.log('RESULT ' + JSON.stringify({ digest: await probe(request) }));
    }
  }
});
console.log('READY');
`;

type Digest = Record<string, string>;

interface Comparison {
  mismatches: Array<{ kind: string; detail: string; key: string }>;
  byDesign: string[];
}

/** The archives and host files of `model`, with a one-shot breakage applied to one module's source. */
function renderTrees(model: Model, breakage?: { type: Breakage; key: string }): Record<'app' | 'deps', Tree> {
  const trees = renderArchives(model);
  if (breakage !== undefined) {
    const mod = model.mods[breakage.key];
    if (mod !== undefined) {
      trees[mod.archive][mod.file] = breakSource(renderModule(model, mod), breakage.type, model, breakage.key);
    }
  }
  return trees;
}

class Workspace {
  readonly dir: string;
  #written: Record<string, string> = {};

  constructor(prefix: string, model: Model) {
    this.dir = makeApp(prefix);
    writeTree(this.dir, {
      'describe.mjs': describeSource,
      'main.mjs': mainSource,
      'host0.mjs': renderHost(model, model.hosts[0] ?? { file: 'host0.mjs', named: [], namespaces: [] }),
      'host1.mjs': renderHost(model, model.hosts[1] ?? { file: 'host1.mjs', named: [], namespaces: [] }),
    });
  }

  /** Writes each archive whose content changed (atomically), or a torn copy of one in place. */
  write(trees: Record<'app' | 'deps', Tree>, torn?: 'app' | 'deps'): void {
    for (const archive of ['deps', 'app'] as const) {
      const tree = trees[archive];
      const text = JSON.stringify(tree);
      const file = path.join(this.dir, `${archive}.zip`);
      if (archive === torn) {
        const bytes = zipBytes(tree);
        fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
        this.#written[archive] = '';
        continue;
      }
      if (this.#written[archive] === text) continue;
      fs.writeFileSync(`${file}.tmp`, zipBytes(tree));
      fs.renameSync(`${file}.tmp`, file);
      this.#written[archive] = text;
    }
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * What the probe digests: every module of `model`, and its own `?query` instance of the modules `queries` (by
 * default the first three) that `model` has. A live process and the fresh ones it is compared with are given the
 * same `queries`: candidate models list their modules in different orders.
 */
function probeRequest(
  model: Model,
  step: number,
  capture: boolean,
  queries: string[] = queryKeys(model),
): { mods: string[][]; queries: string[][]; step: number; capture: boolean } {
  const url = (mod: Mod): string[] => [mod.key, `zip:./${mod.archive}.zip!/${mod.file}`];
  const mods = Object.values(model.mods).map(url);
  const queried = queries.flatMap((key) => (model.mods[key] === undefined ? [] : [url(model.mods[key])]));
  return { mods, queries: queried, step, capture };
}

/** The modules whose own `?query` instance the probe imports too. */
function queryKeys(model: Model): string[] {
  return Object.keys(model.mods).slice(0, 3);
}

interface Event {
  name: string;
  code?: string;
  message?: string;
}

type Outcome = 'accept' | 'reject' | 'fail' | 'restart';

function outcomeOf(events: Event[]): Outcome {
  if (events.some((e) => e.name === 'restart-required')) return 'restart';
  const error = events.find((e) => e.name === 'error');
  if (error === undefined) return 'accept';
  return error.code === 'ERR_HOTZIP_UPDATE_FAILED' ? 'fail' : 'reject';
}

function allowed(expect: Expectation, outcome: Outcome): boolean {
  switch (expect) {
    case 'accept':
      return outcome === 'accept';
    case 'reject':
    case 'fail':
      return outcome === 'reject' || outcome === 'fail';
    case 'restart':
      return outcome === 'restart';
    case 'either':
      return outcome === 'accept' || outcome === 'reject';
    case 'ignore':
      return outcome === 'accept' || outcome === 'reject';
    case 'accept-or-restart':
      return outcome === 'accept' || outcome === 'restart';
  }
}

/** The shape of export `name` of `key`, looked up through barrels; `prev->next` when an edit changed it. */
function shapeOf(key: string, name: string, model: Model, before: Model): string {
  if (name === '$import') return 'module';
  if (name === 'id') return 'id';
  const find = (m: Model, at: string, depth = 0): string | undefined => {
    const mod = m.mods[at];
    const own = mod?.exports.find((e) => e.name === name)?.shape;
    if (own !== undefined || depth > 4) return own;
    for (const source of mod?.reexports ?? []) {
      const found = find(m, source, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const now = find(model, key) ?? 'unknown';
  const then = find(before, key);
  return then === undefined || then === now ? now : `${then}->${now}`;
}

/** The kind of a mismatching digest key, from what the models say the export is and was. */
function classify(
  key: string,
  live: string | undefined,
  want: string | undefined,
  model: Model,
  before: Model,
  liveDigest: Digest,
): string {
  const parts = key.split('|');
  const query = parts[0]?.endsWith('?q') === true ? 'query-instance:' : '';
  if (query !== '') parts[0] = parts[0]?.slice(0, -2) ?? '';
  const failed = liveDigest[`${key.split('|')[0]}|$import`];
  if (live === undefined && failed !== undefined) {
    return `import-fails:${failed.split(' ')[0]?.slice(6)}`;
  }
  if (live?.includes('HotzipError') === true) return 'import-fails:in-function';
  const captured = parts[0] === 'cap';
  const host = parts[0]?.startsWith('host') === true;
  const modKey = (captured || host ? (host ? parts[2] : parts[1]) : parts[0]) ?? '';
  const name = (captured || host ? (host ? parts[3] : parts[2]) : parts[1]) ?? '';
  const shape = shapeOf(modKey, name, model, before);
  // The newest body ran but a call threw where the newest version does not: the old parameter list was bound.
  const what =
    live === undefined
      ? 'missing'
      : live.includes('RangeError')
        ? 'loop'
        : throwCount(live) > throwCount(want)
          ? ownVersion(live) !== undefined && ownVersion(live) === ownVersion(want)
            ? 'params'
            : 'throws'
          : 'stale';
  const where = captured ? 'captured' : host ? `host-${parts[1]}` : parts[2] === '$meta' ? 'meta' : 'export';
  const restored = model.restored.includes(modKey) ? 'restored-module:' : '';
  const barrel = model.mods[modKey]?.reexports !== undefined ? 'barrel:' : '';
  return `${query}${restored}${barrel}${where}-${what}:${shape}`;
}

/**
 * Whether a mismatch only repeats another one: a function of the right version whose result differs only in what it
 * shows of its dependencies (`'<module>:<name>#v<n>|…'` is the same in both).
 */
function downstream(live: string | undefined, want: string | undefined): boolean {
  return (
    live !== undefined &&
    ownVersion(live) !== undefined &&
    ownVersion(live) === ownVersion(want) &&
    throwCount(live) === throwCount(want)
  );
}

/** The `<module>:<name>#v<n>` a function's result starts with: which version's body ran. */
function ownVersion(text: string | undefined): string | undefined {
  return /^(fn|class):(ok:)?([^|]*)\|/.exec(text ?? '')?.[3];
}

function throwCount(text: string | undefined): number {
  return text?.split('throw:').length ?? 0;
}

/** `want` with the digest keys of the `?query` instances of modules `keys` taken from `taken`. */
function withQueryInstancesOf(want: Digest, taken: Digest, keys: string[]): Digest {
  const prefixes = keys.map((key) => `${key}?q|`);
  const ofThem = (key: string): boolean => prefixes.some((prefix) => key.startsWith(prefix));
  const out: Digest = {};
  for (const [key, value] of Object.entries(want)) if (!ofThem(key)) out[key] = value;
  for (const [key, value] of Object.entries(taken)) if (ofThem(key)) out[key] = value;
  return out;
}

/** Options of a fuzz run. */
export interface FuzzOptions {
  seed: number;
  steps: number;
  /** Graph size range (modules, barrels included). */
  minModules?: number;
  maxModules?: number;
  /** Per-phase time limit: a reload or probe that takes longer is a hang (the process is killed). */
  stepTimeoutMs?: number;
  /**
   * hotzip's own limit on a new version's top-level await and on dispose handlers (HOTZIP_UPDATE_TIMEOUT in the live
   * process): well under the step limit, so that a version awaiting forever ends in an error before the fuzzer would
   * call it a hang (hotzip's 5000 ms default would also make each such step take 5 s).
   */
  updateTimeoutMs?: number;
}

/** Runs one seed: a random graph and `steps` random edits against a live process, checked against fresh ones. */
export async function fuzzSeed(options: FuzzOptions): Promise<SeedReport> {
  const started = performance.now();
  const random = prng(options.seed);
  const min = options.minModules ?? 10;
  const max = options.maxModules ?? 60;
  const size = min + Math.floor(random() * (max - min + 1));
  let applied = generateModel(options.seed, size);
  const timeoutMs = options.stepTimeoutMs ?? 10_000;
  const updateTimeoutMs = options.updateTimeoutMs ?? 1500;
  const report: SeedReport = {
    seed: options.seed,
    size,
    steps: 0,
    compared: 0,
    checked: 0,
    divergences: [],
    byDesign: {},
    edits: {},
    ms: 0,
  };
  const live = new Workspace('hotzip-ufuzz-live-', applied);
  const fresh = new Workspace('hotzip-ufuzz-fresh-', applied);
  const freshCache = new Map<string, Digest>();
  let app: HotApp | undefined;
  let step = 0;
  const diverge = (kind: string, detail: string): void => {
    report.divergences.push({ kind, seed: options.seed, step, size, detail: detail.slice(0, 2000) });
  };
  const byDesign = (reason: string): void => {
    report.byDesign[reason] = (report.byDesign[reason] ?? 0) + 1;
  };
  const expected = async (model: Model, queries = queryKeys(model)): Promise<Digest | undefined> => {
    const trees = renderTrees(model);
    const cacheKey = JSON.stringify([trees, queries]);
    const cached = freshCache.get(cacheKey);
    if (cached !== undefined) return cached;
    fresh.write(trees);
    const result = await runNode(['main.mjs'], {
      cwd: fresh.dir,
      env: { FUZZ_ONESHOT: JSON.stringify(probeRequest(model, 0, false, queries)), HOTZIP_LOG: 'silent' },
      timeoutMs: 30_000,
    });
    const line = result.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (line === undefined) {
      diverge('oracle-failed', `the fresh process failed (${result.code} ${result.signal}): ${result.stderr}`);
      return undefined;
    }
    const digest = (JSON.parse(line.slice(7)) as { digest: Digest }).digest;
    if (Object.values(digest).some((v) => v.includes('RangeError'))) diverge('oracle-loop', JSON.stringify(digest));
    freshCache.set(cacheKey, digest);
    return digest;
  };
  let editKind = 'start';
  const ask = async (
    request: object,
    pattern: RegExp,
    phase: string,
    limitMs = timeoutMs,
  ): Promise<string | undefined> => {
    if (app === undefined) return undefined;
    app.child.stdin.write(`${JSON.stringify(request)}\n`);
    try {
      return await app.next(pattern, limitMs + 2000);
    } catch {
      const exited = app.child.exitCode !== null || app.child.signalCode !== null;
      diverge(exited ? `crash:${editKind}` : `hang:${phase}:${editKind}`, app.stderr.slice(-1500));
      app.child.kill('SIGKILL');
      await app.exited;
      app = undefined;
      return undefined;
    }
  };
  // Captured references already reported: left out of later comparisons until the next restart forgets them.
  const tainted = new Set<string>();
  const start = async (model: Model): Promise<void> => {
    tainted.clear();
    if (app !== undefined) {
      app.child.kill('SIGKILL');
      await app.exited;
    }
    // A restart runs what the disk holds: the model, without any breakage.
    live.write(renderTrees(model));
    app = new HotApp(live.dir, mainSource, { HOTZIP_LOG: 'silent', HOTZIP_UPDATE_TIMEOUT: String(updateTimeoutMs) });
    try {
      await app.next(/^READY/, 30_000);
    } catch {
      diverge('start-failed', app.stderr.slice(-1500));
      app = undefined;
      return;
    }
    await ask(probeRequest(model, 0, true), /^RESULT /, 'probe');
  };
  /** The differences between the live digest and a fresh one of `model`, and the by-design ones. */
  const compare = (digest: Digest, want: Digest, model: Model, before: Model, editKind: string): Comparison => {
    const found: Comparison = { mismatches: [], byDesign: [] };
    const repeats: Comparison['mismatches'] = [];
    const mismatch = (kind: string, detail: string, live?: string, expected?: string): void => {
      const entry = { kind, detail: `${editKind}: ${detail}`, key: detail.split('\n')[0] ?? '' };
      if (downstream(live, expected)) repeats.push({ ...entry, kind: `downstream:${kind}` });
      else found.mismatches.push(entry);
    };
    for (const [key, value] of Object.entries(want)) {
      if (tainted.has(key)) continue;
      // A state in which a host file cannot link (only ever a wrong outcome's) says nothing about the host.
      if (digest[key] === value || (key.startsWith('host') && key.endsWith('|$import'))) continue;
      const parts = key.split('|');
      const hostShape = model.mods[parts[2] ?? '']?.exports.find((e) => e.name === parts[3])?.shape;
      // A class a host file captured stays that class even once the export became a function (captured classes are
      // not forwarded, as the docs say): the live digest shows it as a class.
      if (
        parts[1] === 'cap' &&
        ((hostShape !== undefined && isClassShape(hostShape)) || digest[key]?.startsWith('class:') === true)
      ) {
        found.byDesign.push('captured-class');
        continue;
      }
      if (parts[1] === 'cap' && (!value.startsWith('fn:') || digest[key]?.startsWith('value:') === true)) {
        found.byDesign.push('captured-value');
        continue;
      }
      mismatch(
        classify(key, digest[key], value, model, before, digest),
        `${key}\n  live:     ${digest[key]}\n  expected: ${value}`,
        digest[key],
        value,
      );
    }
    for (const [key, value] of Object.entries(digest)) {
      if (tainted.has(key)) continue;
      const parts = key.split('|');
      const modKey = ((parts[0] === 'cap' ? parts[1] : parts[0]) ?? '').replace(/\?q$/, '');
      if (model.mods[modKey] === undefined && !modKey.startsWith('host')) continue;
      if (modKey.startsWith('host') && want[`${modKey}|$import`] !== undefined) continue;
      if (parts[0] === 'cap') {
        const current = want[`${modKey}|${parts[2]}`];
        if (current === undefined || !current.startsWith('fn:')) {
          // Its export is gone or no longer a function: it must run something defined, never loop.
          if (value.includes('RangeError')) mismatch('captured-loop:orphan', `${key}\n  live: ${value}`);
          continue;
        }
        if (current === value) continue;
        if (value.startsWith('class:') || current.startsWith('class:')) {
          found.byDesign.push('captured-class');
          continue;
        }
        mismatch(
          classify(key, value, current, model, before, digest),
          `${key}\n  live:     ${value}\n  expected: ${current}`,
          value,
          current,
        );
      } else if (!(key in want)) {
        found.byDesign.push('stale-namespace-key');
      }
    }
    // Differences that only repeat another one are left out; alone, they are findings of their own.
    if (found.mismatches.length === 0) found.mismatches.push(...repeats);
    return found;
  };

  try {
    await start(applied);
    const initial = await expected(applied);
    if (initial === undefined) return report;
    for (step = 1; step <= options.steps; step++) {
      report.steps++;
      const edit = nextStep(applied, random);
      editKind = edit.kind.split(':')[0] ?? edit.kind;
      report.edits[editKind] = (report.edits[editKind] ?? 0) + 1;
      const breakage = edit.breakage;
      const trees = renderTrees(
        edit.next,
        breakage !== undefined && breakage.type !== 'torn' ? { type: breakage.type, key: breakage.key } : undefined,
      );
      const tornArchive = breakage?.type === 'torn' ? edit.next.mods[breakage.key]?.archive : undefined;
      if (app === undefined) await start(applied);
      else if ((await ask({ op: 'settle', timeoutMs }, /^SETTLED/, 'settle')) === undefined) await start(applied);
      live.write(trees, tornArchive);
      // A top-level await that never settles must end at hotzip's time limit, within the step's.
      const reloaded = await ask({ op: 'reload', timeoutMs }, /^RELOADED /, 'reload');
      if (reloaded === undefined) {
        await start(applied);
        continue;
      }
      const { outcome: reloadOutcome, events } = JSON.parse(reloaded.slice(9)) as { outcome: string; events: Event[] };
      if (reloadOutcome !== 'done') {
        diverge(`hang:reload:${editKind}`, `${edit.kind}: reload() ${reloadOutcome}; events ${JSON.stringify(events)}`);
        await start(applied);
        continue;
      }
      // A change of both archives is one update; the watcher may still have applied one archive's change on its own
      // first, when it was written (and valid) before the other.
      const cross = breakage === undefined && changedArchives(applied, edit.next).length > 1;
      const outcome = outcomeOf(events);
      // An export made a non-function that something uses is refused once its new version has evaluated: that
      // module keeps its previous version, the rest of the change installs (by design, as documented).
      const retyped = breakage === undefined && !cross ? retypedInUse(applied, edit.next) : [];
      const errorEvents = events.filter((e) => e.name === 'error');
      const refusedRetype =
        retyped.length > 0 &&
        events.some((e) => e.name === 'update') &&
        errorEvents.length > 0 &&
        errorEvents.every((e) => e.message?.includes('is no longer a function') === true);
      if (process.env.HOTZIP_UPDATE_FUZZ_TRACE)
        console.log(
          `step ${step} ${edit.kind} expect ${edit.expect} (${edit.reason}) got ${outcome} ${JSON.stringify(events)}`,
        );
      const reasonTag = edit.reason.includes('used by')
        ? `:${[
            ...new Set(
              edit.reason
                .split('used by ')[1]
                ?.split(' ')
                .map((r) => r.split(':')[0]),
            ),
          ].join('+')}`
        : '';
      if (breakage?.type === 'torn' && events.length === 0) byDesign('torn-unreported');
      if (edit.expect === 'restart' || outcome === 'restart') {
        if (allowed(edit.expect, outcome)) byDesign('restart');
        else
          diverge(
            `outcome:${editKind}${reasonTag}:${edit.expect}->${outcome}`,
            `${edit.kind} (${edit.reason}); events ${JSON.stringify(events)}`,
          );
        // A restart runs the new archives, unless a host file could not even link to them (a declined module's
        // change that also removed a name a host imports): then it goes on from the previous ones.
        applied = breakage === undefined && linkable(edit.next) ? edit.next : applied;
        await start(applied);
        continue;
      }
      // The models the live process may now run: the expected one first, then (for a change of both archives, which
      // update one at a time) the state with only one archive's update applied, when that one is valid on its own.
      const primary =
        breakage === undefined &&
        (edit.expect === 'accept' ||
          edit.expect === 'accept-or-restart' ||
          (edit.expect === 'either' && outcome === 'accept'))
          ? edit.next
          : applied;
      // Each with the divergence it would be (none for an allowed one).
      const candidates: Array<{ model: Model; wrong?: string; retyped?: string[] }> = refusedRetype
        ? [{ model: reverted(applied, edit.next, retyped), retyped }]
        : [{ model: primary }];
      if (cross) {
        for (const archive of ['app', 'deps'] as const) {
          const partial = hybrid(applied, edit.next, archive);
          if (judge(applied, partial).expect === 'accept') {
            candidates.push({
              model: partial,
              ...(edit.expect === 'accept'
                ? { wrong: `outcome:cross-archive:${editKind}:accept->one-archive-applied` }
                : {}),
            });
          }
        }
        if (primary !== applied) {
          candidates.push({ model: applied, wrong: `outcome:cross-archive:${editKind}:accept->nothing-applied` });
        }
        if (primary !== edit.next) {
          candidates.push({
            model: edit.next,
            wrong: `outcome:cross-archive:${editKind}${reasonTag}:${edit.expect}->accept`,
          });
        }
      }
      const single = !cross && allowed(edit.expect, outcome);
      const partialReject =
        !cross &&
        !refusedRetype &&
        (edit.expect === 'reject' || edit.expect === 'fail') &&
        events.some((e) => e.name === 'update') &&
        events.some((e) => e.name === 'error');
      if (!cross && (!single || partialReject)) {
        diverge(
          `outcome:${editKind}${reasonTag}:${edit.expect}->${partialReject ? 'partly-applied' : outcome}`,
          `${edit.kind} (${edit.reason}); events ${JSON.stringify(events)}`,
        );
        applied = primary === applied && edit.expect === 'accept' ? edit.next : primary;
        await start(applied);
        continue;
      }
      const union: Model = { ...primary, mods: {} };
      for (const candidate of candidates) Object.assign(union.mods, candidate.model.mods);
      const queries = queryKeys(union);
      const probed = await ask(probeRequest(union, step, true, queries), /^RESULT /, 'probe');
      if (probed === undefined) {
        await start(applied);
        continue;
      }
      const { digest } = JSON.parse(probed.slice(7)) as { digest: Digest };
      report.compared++;
      let chosen: { model: Model; found: Comparison; wrong?: string; retyped?: string[] } | undefined;
      let closest: { model: Model; found: Comparison; wrong?: string } | undefined;
      for (const candidate of candidates) {
        let want = await expected(candidate.model, queries);
        if (want === undefined) break;
        if (candidate.retyped !== undefined) {
          // The refused modules' instances imported with their own query have no importer: they take the change.
          const taken = await expected(edit.next, queries);
          if (taken === undefined) break;
          want = withQueryInstancesOf(want, taken, candidate.retyped);
        }
        const found = compare(digest, want, candidate.model, applied, edit.kind);
        if (process.env.HOTZIP_UPDATE_FUZZ_TRACE) {
          console.log(
            `  candidate ${candidates.indexOf(candidate)}: ${found.mismatches.length} mismatches ${found.mismatches[0]?.detail ?? ''}`,
          );
        }
        // The closest: the fewest differences no known finding explains, then the fewest differences.
        const score = (c: Comparison, wrong?: string): number =>
          (c.mismatches.filter((m) => findingOf(m.kind) === undefined).length +
            (wrong !== undefined && findingOf(wrong) === undefined ? 1 : 0)) *
            1000 +
          c.mismatches.length;
        if (closest === undefined || score(found, candidate.wrong) < score(closest.found, closest.wrong)) {
          closest = { ...candidate, found };
        }
        if (found.mismatches.length === 0) {
          chosen = { ...candidate, found };
          break;
        }
      }
      if (chosen === undefined) {
        // No allowed state matches: report the differences from the closest one (and its outcome, if wrong).
        if (closest?.wrong !== undefined)
          diverge(closest.wrong, `${edit.kind} (${edit.reason}); events ${JSON.stringify(events)}`);
        const seen = new Set<string>();
        for (const m of closest?.found.mismatches ?? []) {
          // One module that cannot be imported at all is one finding, not one per export.
          const key = m.kind.startsWith('import-fails') ? m.kind : `${m.kind}\0${m.detail}`;
          if (!seen.has(key)) diverge(m.kind, m.detail);
          seen.add(key);
        }
        // A wrong outcome's state may not even link (a host file's import removed): go on from the expected one then.
        applied = closest !== undefined && linkable(closest.model) ? closest.model : primary;
        const mismatches = closest?.found.mismatches ?? [];
        const capturedOnly =
          closest?.wrong === undefined &&
          closest?.model === primary &&
          mismatches.every((m) => m.key.startsWith('cap|') || m.key.includes('|cap|'));
        if (capturedOnly) {
          // Only captured references differ: the process stays (its namespaces are right); they are not checked again.
          for (const m of mismatches) tainted.add(m.key);
          continue;
        }
        // Start again from a known state, so one finding does not cascade into the following steps.
        await start(applied);
        continue;
      }
      report.checked++;
      for (const reason of chosen.found.byDesign) byDesign(reason);
      if (chosen.retyped !== undefined) byDesign('retype-refused');
      const errors = events.filter((e) => e.name === 'error').length;
      if (chosen.wrong !== undefined) {
        diverge(chosen.wrong, `${edit.kind} (${edit.reason}); events ${JSON.stringify(events)}`);
      } else if (chosen.model !== edit.next && chosen.model !== applied && errors === 0) {
        diverge(
          `outcome:cross-archive:${editKind}:one-archive-applied-silently`,
          `${edit.kind}; events ${JSON.stringify(events)}`,
        );
      }
      if (!linkable(chosen.model)) {
        applied = primary;
        await start(applied);
        continue;
      }
      applied = chosen.model;
      if (chosen.model !== edit.next) {
        // The disk holds more than was applied: write what was, as the next edit starts from it.
        live.write(renderTrees(applied));
        await ask({ op: 'reload', timeoutMs }, /^RELOADED /, 'reload');
      }
    }
  } finally {
    if (app !== undefined) await app.stop();
    live.remove();
    fresh.remove();
    report.ms = Math.round(performance.now() - started);
  }
  return report;
}

/** What a run over many seeds found: steps, rate, divergences by kind with the smallest reproducing seed. */
export interface FuzzSummary {
  seeds: number;
  steps: number;
  ms: number;
  byKind: Map<string, { count: number; smallest: Divergence }>;
  byDesign: Record<string, number>;
  edits: Record<string, number>;
}

/** Folds seed reports into one summary. */
export function summarize(reports: SeedReport[]): FuzzSummary {
  const summary: FuzzSummary = { seeds: reports.length, steps: 0, ms: 0, byKind: new Map(), byDesign: {}, edits: {} };
  for (const report of reports) {
    summary.steps += report.steps;
    summary.ms += report.ms;
    for (const [reason, count] of Object.entries(report.byDesign)) {
      summary.byDesign[reason] = (summary.byDesign[reason] ?? 0) + count;
    }
    for (const [kind, count] of Object.entries(report.edits)) summary.edits[kind] = (summary.edits[kind] ?? 0) + count;
    for (const divergence of report.divergences) {
      const entry = summary.byKind.get(divergence.kind);
      if (entry === undefined) summary.byKind.set(divergence.kind, { count: 1, smallest: divergence });
      else {
        entry.count++;
        const a = entry.smallest;
        if (divergence.step < a.step || (divergence.step === a.step && divergence.size < a.size)) {
          entry.smallest = divergence;
        }
      }
    }
  }
  return summary;
}

/**
 * Divergences today's code still shows, each with the fuzzer finding it belongs to and why it remains. The short
 * run accepts these (and prints them); anything else fails it. None remains: the entries of the fixed findings were
 * deleted once their kept seeds and a medium run on Node 24 no longer showed them (the last two: a rename across two
 * archives in one change, now one update; a retype refused after evaluation, now predicted as `retype-refused`).
 */
export const knownDivergences: ReadonlyArray<{ pattern: RegExp; finding: string }> = [];

/** The fuzzer finding a divergence kind belongs to, or undefined for an unexplained one. */
export function findingOf(kind: string): string | undefined {
  return knownDivergences.find((known) => known.pattern.test(kind))?.finding;
}

/** A failing seed kept as a regression: replayed by the short run. */
export interface Regression {
  kind: string;
  finding: string;
  seed: number;
  steps: number;
  minModules: number;
  maxModules: number;
}
