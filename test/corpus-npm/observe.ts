/**
 * What the corpus children see and do, shared by the corpus driver and the upgrade corpus's driver: the shape of a
 * namespace (keys, kinds, arities, the members of `default`) and a smoke call's result, and an update applied by
 * renaming an archive over the one in use and calling `reload()`.
 */
import * as fs from 'node:fs';
import type { UpdateReport } from '../../lib/index.js';

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

/** The code (or name) and message of anything thrown, as the results files carry them. */
export function errorOf(error: unknown): { code: string; message: string } {
  const e = error as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : typeof error;
  return { code, message: String(e?.message ?? error).slice(0, 600) };
}

/** `promise`, or a rejection with code TIMEOUT after `ms`: one hung import never stalls a run. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} took over ${ms} ms`), { code: 'TIMEOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Describes a namespace: each key's shape, the members of `default`, and the result of `smoke(namespace)` when a
 * smoke call is given (a thrown error is recorded as `threw <code>: <message>`).
 */
export async function observe(
  namespace: object,
  timeoutMs: number,
  smoke?: (m: object) => unknown,
): Promise<Observation> {
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

/**
 * Renames `next` over the archive in use, applies it with `reload()`, and returns every report it produced (the
 * archive watcher may have taken the change first: waits up to `settleMs` until what it applied has been reported;
 * an update that changes no loaded ES module reports nothing more, so a caller expecting those passes a short wait).
 */
export async function applyUpdate(
  archive: string,
  next: string,
  settleMs = 10_000,
): Promise<{ reports: SerializedReport[]; waitedMs: number }> {
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
  const deadline = performance.now() + settleMs;
  while (!reports.some((seen) => seen.updated.length > 0 || seen.error) && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { reports, waitedMs: Math.round(performance.now() - started) };
}
