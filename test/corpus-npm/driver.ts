/**
 * The child program of the corpus suite: imports a batch of packages through the app's `load.mjs` (natively from the
 * extracted tree, or from the archive under hotzip), and writes one JSON line per package and phase to a results
 * file: the namespace's shape (keys, kinds, arities, and the members of `default`) and the smoke call's result, or
 * the error. Under hotzip it then swaps in the archive where every module changed, applies it with `reload()`, and
 * describes the same namespaces again. One package that throws or hangs never hides the others.
 *
 * Usage: node [--import …/register.js] driver.js <config.json>
 */
import * as fs from 'node:fs';
import type { UpdateReport } from '../../lib/index.js';
import { corpusPackages } from './packages.js';

/** What the harness passes to a driver. */
export interface DriverConfig {
  mode: 'native' | 'zip';
  /** URL of the app's `load.mjs` (file: natively, zip: under hotzip). */
  loadUrl: string;
  names: string[];
  /** JSON lines are appended here. */
  results: string;
  /** zip mode: the archive in use, and the archive with every module changed that is renamed over it. */
  archive?: string;
  next?: string;
  /** Per-package limit on an import or smoke call, in ms. */
  timeoutMs: number;
}

/** The shape of one value: its kind (`class`, `function`, `AsyncFunction`, `object`, `Map`, `number`, …), plus name
 * and arity for functions. */
export type Shape = string;

/** What a package's namespace looked like, or why it could not be imported. */
export interface Observation {
  ok: boolean;
  /** Namespace key → shape. */
  keys?: Record<string, Shape>;
  /** Own enumerable keys of `default` (when it is an object or function) → shape. */
  defaultKeys?: Record<string, Shape>;
  smoke?: string;
  /** The error's code (or name) and message, when the import failed. */
  error?: { code: string; message: string };
}

/** One line of a results file. */
export type ResultLine =
  | { kind: 'start'; name: string; phase: 'before' | 'after' }
  | { kind: 'observation'; name: string; phase: 'before' | 'after'; observation: Observation }
  | { kind: 'update'; reports: SerializedReport[]; waitedMs: number }
  | { kind: 'unhandled'; during: string; error: { code: string; message: string } };

/** An update report as it crosses the process boundary. */
export interface SerializedReport {
  updated: string[];
  removed: string[];
  restartRequired: string[];
  ms: number;
  error?: { code: string; message: string };
}

const MAX_DEFAULT_KEYS = 400;

function shapeOf(value: unknown): Shape {
  if (value === null) return 'null';
  if (typeof value === 'function') {
    let source = '';
    try {
      source = Function.prototype.toString.call(value);
    } catch {
      source = '';
    }
    const kind = /^class\b/.test(source)
      ? 'class'
      : String((Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name);
    return `${kind} ${value.name}/${value.length}`;
  }
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return Object.prototype.toString.call(value).slice(8, -1);
  return typeof value;
}

function safeShape(read: () => unknown): Shape {
  try {
    return shapeOf(read());
  } catch (error) {
    return `throws ${(error as Error)?.name}`;
  }
}

function errorOf(error: unknown): { code: string; message: string } {
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : typeof error;
  return { code, message: String(e?.message ?? error).slice(0, 600) };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} took over ${ms} ms`), { code: 'TIMEOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const specifiers = new Map(corpusPackages.map((item) => [item.name, item.specifier ?? item.name]));
const smokes = new Map(
  corpusPackages.map((item) => [
    item.name,
    item.smoke === undefined ? undefined : (new Function('m', `return (${item.smoke});`) as (m: object) => unknown),
  ]),
);

async function observe(name: string, namespace: object, timeoutMs: number): Promise<Observation> {
  const keys: Record<string, Shape> = {};
  const record = namespace as Record<string, unknown>;
  for (const key of Object.keys(namespace)) keys[key] = safeShape(() => record[key]);
  const observation: Observation = { ok: true, keys };
  let fallback: unknown;
  try {
    fallback = record.default;
  } catch {
    fallback = undefined;
  }
  if ((typeof fallback === 'object' && fallback !== null) || typeof fallback === 'function') {
    const members: Record<string, Shape> = {};
    const own = fallback as Record<string, unknown>;
    for (const key of Object.keys(fallback).slice(0, MAX_DEFAULT_KEYS)) members[key] = safeShape(() => own[key]);
    observation.defaultKeys = members;
  }
  const smoke = smokes.get(name);
  if (smoke !== undefined) {
    try {
      const value = await withTimeout(Promise.resolve(smoke(namespace)), timeoutMs, 'smoke call');
      observation.smoke = JSON.stringify(value) ?? String(value);
    } catch (error) {
      const { code, message } = errorOf(error);
      observation.smoke = `threw ${code}: ${message}`;
    }
  }
  return observation;
}

function serialize(report: UpdateReport): SerializedReport {
  return {
    updated: report.updated,
    removed: report.removed,
    restartRequired: report.restartRequired,
    ms: report.ms,
    ...(report.error !== undefined && { error: errorOf(report.error) }),
  };
}

/** Renames the archive where every module changed over the one in use, applies it with `reload()`, records it. */
async function applyUpdate(archive: string, next: string, write: (line: ResultLine) => void): Promise<void> {
  const hotzip = (await import('../../lib/index.js')) as typeof import('../../lib/index.js');
  const reports: SerializedReport[] = [];
  const collect = (report: UpdateReport): void => {
    reports.push(serialize(report));
  };
  hotzip.on('update', collect);
  hotzip.on('error', collect);
  hotzip.on('restart-required', collect);
  const started = performance.now();
  fs.renameSync(next, archive);
  const report = await hotzip.reload();
  if (!reports.some((seen) => seen.updated === report.updated)) reports.push(serialize(report));
  // The archive watcher may have taken the change first; wait until what it applied has been reported.
  const deadline = performance.now() + 10_000;
  while (!reports.some((seen) => seen.updated.length > 0 || seen.error) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  write({ kind: 'update', reports, waitedMs: Math.round(performance.now() - started) });
}

async function main(): Promise<void> {
  const configFile = process.argv[2];
  if (configFile === undefined) throw new Error('usage: driver.js <config.json>');
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as DriverConfig;
  const write = (line: ResultLine): void => fs.appendFileSync(config.results, `${JSON.stringify(line)}\n`);
  let during = 'start-up';
  // Node 20 also reports an ESM import whose CommonJS dependency threw as an unhandled rejection (after the import
  // itself rejected): recorded, so that it cannot end the batch and hide the packages after it.
  process.on('unhandledRejection', (error) => write({ kind: 'unhandled', during, error: errorOf(error) }));
  const { load } = (await import(config.loadUrl)) as { load: (name: string) => Promise<object> };
  const namespaces = new Map<string, object>();
  for (const name of config.names) {
    write({ kind: 'start', name, phase: 'before' });
    during = name;
    let observation: Observation;
    try {
      const namespace = await withTimeout(load(specifiers.get(name) ?? name), config.timeoutMs, `import('${name}')`);
      namespaces.set(name, namespace);
      observation = await observe(name, namespace, config.timeoutMs);
    } catch (error) {
      observation = { ok: false, error: errorOf(error) };
    }
    write({ kind: 'observation', name, phase: 'before', observation });
  }
  if (config.mode === 'zip' && config.archive !== undefined && config.next !== undefined) {
    await applyUpdate(config.archive, config.next, write);
  }
  // Natively too, the namespaces are described a second time: the smoke calls of the first pass may have changed
  // them (lazily filled tables), and the archive side after the update is compared with this.
  for (const name of config.names) {
    const namespace = namespaces.get(name);
    if (namespace === undefined) continue;
    write({ kind: 'start', name, phase: 'after' });
    let observation: Observation;
    try {
      observation = await observe(name, namespace, config.timeoutMs);
    } catch (error) {
      observation = { ok: false, error: errorOf(error) };
    }
    write({ kind: 'observation', name, phase: 'after', observation });
  }
  process.exit(0);
}

await main();
