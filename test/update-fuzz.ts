/**
 * The differential update fuzzer (issue 13). A live process runs a random graph (see ./update-fuzz-model.ts) under
 * `node --import hotzip/register`; after each random edit of the archives it reloads, and a probe in the process
 * digests every module's observable behaviour (values, function results, references captured at start-up and after
 * each step, what host files see). The oracle is a fresh process on the archives the update should have left (for an
 * applied update, the new ones; for a rejected one, the previous ones): any difference is a divergence, classified
 * by kind. Shared by the short run in `npm test` and the long one in `npm run stress`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeApp, runNode, type Tree, writeTree, zipBytes } from './fixtures.js';
import { HotApp } from './hot-app.js';
import { prng } from './prng.js';
import {
  breakSource,
  type Expectation,
  generateModel,
  isClassShape,
  type Model,
  nextStep,
  renderArchives,
  renderHost,
  renderModule,
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
  'torn-unreported': 'a torn archive is not an error: it is read again at the next change',
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
import * as host0 from './host0.mjs';
import * as host1 from './host1.mjs';
import { on, reload } from 'hotzip';
const hosts = [host0, host1];
let events = [];
for (const name of ['update', 'error', 'restart-required']) {
  on(name, (r) => events.push({ name, updated: r.updated.length, code: r.error?.code, message: r.error?.message?.slice(0, 400), restart: r.restartRequired }));
}
let captures = [];
async function probe(request) {
  const out = {};
  for (const [key, url] of request.mods) {
    let ns;
    try { ns = await import(url); } catch (e) { out[key + '|$import'] = 'throw:' + (e?.code ?? e?.constructor?.name) + ' ' + String(e?.message).slice(0, 200); continue; }
    for (const name of Object.keys(ns)) {
      let value;
      try { value = ns[name]; } catch (e) { out[key + '|' + name] = 'throw:' + e?.constructor?.name; continue; }
      out[key + '|' + name] = await describe(value);
      if (typeof value === 'function') {
        out[key + '|' + name + '|$meta'] = meta(value);
        if (request.capture) captures.push([key, name, request.step, value]);
      }
    }
  }
  // References captured at start-up and in the last two steps.
  captures = captures.filter(([, , step]) => step === 0 || step >= request.step - 2);
  for (const [key, name, step, fn] of captures) out['cap|' + key + '|' + name + '|' + step] = await describe(fn);
  for (const host of hosts) Object.assign(out, await host.digest(describe));
  return out;
}
const timeout = (ms) => new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
if (process.env.FUZZ_ONESHOT) {
  console.log('RESULT ' + JSON.stringify({ digest: await probe(JSON.parse(process.env.FUZZ_ONESHOT)) }));
  process.exit(0);
}
process.stdin.setEncoding('utf8');
let buffered = '';
process.stdin.on('data', async (chunk) => {
  buffered += chunk;
  let at;
  while ((at = buffered.indexOf('\\n')) !== -1) {
    const line = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    const request = JSON.parse(line);
    if (request.op === 'reload') {
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

/** The archives and host files of `model`, with a one-shot breakage applied to one module's source. */
function renderTrees(model: Model, breakage?: { type: 'syntax' | 'throw' | 'link'; key: string }): Record<'app' | 'deps', Tree> {
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

function probeRequest(model: Model, step: number, capture: boolean): { mods: string[][]; step: number; capture: boolean } {
  const mods = Object.values(model.mods).map((mod) => [mod.key, `zip:./${mod.archive}.zip!/${mod.file}`]);
  return { mods, step, capture };
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
  }
}

/** The kind of a mismatching digest key, from what the model says the export is. */
function classify(key: string, live: string | undefined, model: Model): string {
  const parts = key.split('|');
  const captured = parts[0] === 'cap';
  const host = parts[0]?.startsWith('host') === true;
  const modKey = captured || host ? (host ? parts[2] : parts[1]) : parts[0];
  const name = captured || host ? (host ? parts[3] : parts[2]) : parts[1];
  const mod = model.mods[modKey ?? ''];
  const shape =
    name === '$import'
      ? 'module'
      : name === 'id'
        ? 'id'
        : (mod?.exports.find((e) => e.name === name)?.shape ?? (mod?.reexports !== undefined ? 'via-barrel' : 'unknown'));
  const what =
    live === undefined
      ? 'missing'
      : live.includes('RangeError')
        ? 'loop'
        : live.startsWith('throw:') || live.includes(' throw:') || live.startsWith('fn:throw:')
          ? 'throws'
          : 'stale';
  const where = captured ? 'captured' : host ? `host-${parts[1]}` : parts[2] === '$meta' ? 'meta' : 'export';
  const restored = model.restored.includes(modKey ?? '') ? 'restored-module:' : '';
  return `${restored}${where}-${what}:${shape}`;
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
  const report: SeedReport = {
    seed: options.seed,
    size,
    steps: 0,
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
  const expected = async (model: Model): Promise<Digest | undefined> => {
    const trees = renderTrees(model);
    const cacheKey = JSON.stringify(trees);
    const cached = freshCache.get(cacheKey);
    if (cached !== undefined) return cached;
    fresh.write(trees);
    const result = await runNode(['main.mjs'], {
      cwd: fresh.dir,
      env: { FUZZ_ONESHOT: JSON.stringify(probeRequest(model, 0, false)), HOTZIP_LOG: 'silent' },
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
  const ask = async (request: object, pattern: RegExp, phase: string): Promise<string | undefined> => {
    if (app === undefined) return undefined;
    app.child.stdin.write(`${JSON.stringify(request)}\n`);
    try {
      return await app.next(pattern, timeoutMs + 2000);
    } catch {
      const exited = app.child.exitCode !== null || app.child.signalCode !== null;
      diverge(exited ? 'crash' : `hang:${phase}`, app.stderr.slice(-1500));
      app.child.kill('SIGKILL');
      await app.exited;
      app = undefined;
      return undefined;
    }
  };
  const start = async (model: Model): Promise<void> => {
    if (app !== undefined) {
      app.child.kill('SIGKILL');
      await app.exited;
    }
    live.write(renderTrees(model));
    app = new HotApp(live.dir, mainSource, { HOTZIP_LOG: 'silent' });
    try {
      await app.next(/^READY/, 30_000);
    } catch {
      diverge('start-failed', app.stderr.slice(-1500));
      app = undefined;
      return;
    }
    await ask(probeRequest(model, 0, true), /^RESULT /, 'probe');
  };
  const compare = (digest: Digest, want: Digest, model: Model, editKind: string): number => {
    let count = 0;
    for (const [key, value] of Object.entries(want)) {
      if (digest[key] === value) continue;
      const kind = classify(key, digest[key], model);
      if (kind.startsWith('host-cap') && isClassShape(model.mods[key.split('|')[2] ?? '']?.exports.find((e) => e.name === key.split('|')[3])?.shape ?? 'const')) {
        byDesign('captured-class');
        continue;
      }
      count++;
      diverge(kind, `${editKind}: ${key}\n  live:     ${digest[key]}\n  expected: ${value}`);
    }
    for (const [key, value] of Object.entries(digest)) {
      if (key.startsWith('cap|')) {
        const [, modKey, name] = key.split('|');
        const current = want[`${modKey}|${name}`];
        if (current === undefined || !current.startsWith('fn:')) {
          // Its export is gone or no longer a function: it must run something defined, never loop.
          if (value.includes('RangeError')) {
            count++;
            diverge(`captured-loop:orphan`, `${editKind}: ${key}\n  live: ${value}`);
          }
          continue;
        }
        if (current === value) continue;
        if (value.startsWith('class:') || current.startsWith('class:')) {
          byDesign('captured-class');
          continue;
        }
        count++;
        diverge(classify(key, value, model), `${editKind}: ${key}\n  live:     ${value}\n  expected: ${current}`);
      } else if (!(key in want)) {
        byDesign('stale-namespace-key');
      }
    }
    return count;
  };

  try {
    await start(applied);
    const initial = await expected(applied);
    if (initial === undefined) return report;
    for (step = 1; step <= options.steps; step++) {
      report.steps++;
      const edit = nextStep(applied, random);
      const editKind = edit.kind.split(':')[0] ?? edit.kind;
      report.edits[editKind] = (report.edits[editKind] ?? 0) + 1;
      const breakage = edit.breakage;
      const trees = renderTrees(
        edit.next,
        breakage !== undefined && breakage.type !== 'torn' ? { type: breakage.type, key: breakage.key } : undefined,
      );
      const tornArchive = breakage?.type === 'torn' ? edit.next.mods[breakage.key]?.archive : undefined;
      live.write(trees, tornArchive);
      if (app === undefined) await start(applied);
      const reloaded = await ask({ op: 'reload', timeoutMs }, /^RELOADED /, 'reload');
      if (reloaded === undefined) {
        live.write(renderTrees(applied));
        await start(applied);
        continue;
      }
      const { outcome: reloadOutcome, events } = JSON.parse(reloaded.slice(9)) as { outcome: string; events: Event[] };
      if (reloadOutcome !== 'done') diverge(`hang:reload`, `${edit.kind}: reload() ${reloadOutcome}`);
      const outcome = outcomeOf(events);
      if (process.env.FUZZ_TRACE) console.log(`step ${step} ${edit.kind} expect ${edit.expect} (${edit.reason}) got ${outcome} ${JSON.stringify(events)}`);
      const reasonTag = edit.reason.includes('used by')
        ? `:${[...new Set(edit.reason.split('used by ')[1]?.split(' ').map((r) => r.split(':')[0]))].join('+')}`
        : '';
      let resync = false;
      if (!allowed(edit.expect, outcome)) {
        diverge(
          `outcome:${editKind}${reasonTag}:${edit.expect}->${outcome}`,
          `${edit.kind} (${edit.reason}); events ${JSON.stringify(events)}`,
        );
        resync = true;
      }
      if (breakage?.type === 'torn' && events.length === 0) byDesign('torn-unreported');
      // The model the live process should now run.
      const accepted =
        outcome === 'accept' && (edit.expect === 'accept' || edit.expect === 'either') && breakage === undefined;
      if (edit.expect === 'restart' || outcome === 'restart') {
        if (outcome === 'restart' && edit.expect === 'restart') byDesign('restart');
        applied = breakage === undefined ? edit.next : applied;
        live.write(renderTrees(applied));
        await start(applied);
        continue;
      }
      const target = accepted ? edit.next : resync && edit.expect === 'accept' ? edit.next : applied;
      if (!resync) {
        const want = await expected(target);
        const probed = await ask(probeRequest(target, step, true), /^RESULT /, 'probe');
        if (probed === undefined || want === undefined) {
          applied = target;
          live.write(renderTrees(applied));
          await start(applied);
          continue;
        }
        const { digest } = JSON.parse(probed.slice(7)) as { digest: Digest };
        resync = compare(digest, want, target, edit.kind) > 0;
      }
      applied = target;
      if (resync) {
        // Start again from a known state, so one finding does not cascade into the following steps.
        live.write(renderTrees(applied));
        await start(applied);
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
