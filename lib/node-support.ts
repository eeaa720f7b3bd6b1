/**
 * What this Node version can do for modules served from archives, decided once from `process.versions.node`.
 * Every version gate in hotzip lives here, so the support matrix in the README has one source.
 */
import * as nodeModule from 'node:module';
import { config } from './config.js';

/** The two ways Node lets a package install module hooks. */
export type HookApi = 'registerHooks' | 'register';

function versionAtLeast(version: string, minimum: readonly [number, number, number]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const have = parts[i] ?? 0;
    const want = minimum[i] ?? 0;
    if (have !== want) return have > want;
  }
  return true;
}

/** Tells whether `version` (e.g. "24.11.1") falls in one of the ranges, each range `[minimum, below-major]`. */
function inRanges(
  version: string,
  ranges: ReadonlyArray<readonly [readonly [number, number, number], number]>,
): boolean {
  const major = Number(version.split('.')[0]);
  return ranges.some(([minimum, belowMajor]) => major < belowMajor && versionAtLeast(version, minimum));
}

/**
 * `module.registerHooks` exists from 22.15, but `require()` of custom URLs through it is only sound from these
 * releases (bisected; tsx draws the same lines).
 */
const soundRegisterHooks = [
  [[22, 22, 3], 23],
  [[24, 11, 1], 25],
  [[25, 1, 0], 26],
  [[26, 0, 0], Number.POSITIVE_INFINITY],
] as const;

/** `require()` inside a CommonJS module that a hook served from a custom URL works from these releases on. */
const cjsRequireThroughHooks = [
  [[24, 18, 0], 25],
  [[26, 2, 0], Number.POSITIVE_INFINITY],
] as const;

/**
 * Picks the hook API: `registerHooks` (same thread, synchronous) where it is sound, else `register` (hooks thread).
 * `HOTZIP_HOOKS=register|registerHooks` overrides the choice, for tests and for working around a Node bug.
 */
export function chooseHookApi(version = process.versions.node, forced = config().hooks): HookApi {
  const available = typeof nodeModule.registerHooks === 'function';
  if (forced === 'register') return 'register';
  if (forced === 'registerHooks' && available) return 'registerHooks';
  return available && inRanges(version, soundRegisterHooks) ? 'registerHooks' : 'register';
}

/** Tells whether Node itself can run `require()` calls inside CommonJS served from an archive. */
export function nativeCjsRequire(api: HookApi, version = process.versions.node): boolean {
  return api === 'registerHooks' && inRanges(version, cjsRequireThroughHooks);
}
