/**
 * What this Node version can do for modules served from archives, decided once from `process.versions.node` and
 * `process.features`. Every version gate in hotzip lives here, so the support matrix in the README has one source.
 */
import * as nodeModule from 'node:module';
import { config } from './config.js';

/** The two ways Node lets a package install module hooks. */
export type HookApi = 'registerHooks' | 'register';

/** A release as `[major, minor, patch]`. */
export type NodeVersion = readonly [number, number, number];

/** Parses a version such as "24.11.1" or "v26.0.0-pre"; a part that is missing or not a number reads as 0. */
export function parseNodeVersion(text: string): NodeVersion {
  const [major, minor, patch] = text
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((part) => Number.parseInt(part, 10));
  const number = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? 0 : value);
  return [number(major), number(minor), number(patch)];
}

function versionAtLeast(version: NodeVersion, minimum: NodeVersion): boolean {
  for (let i = 0; i < 3; i++) {
    const have = version[i] ?? 0;
    const want = minimum[i] ?? 0;
    if (have !== want) return have > want;
  }
  return true;
}

/** Tells whether `version` falls in one of the ranges, each range `[minimum, below-major]`. */
function inRanges(version: string, ranges: ReadonlyArray<readonly [NodeVersion, number]>): boolean {
  const parsed = parseNodeVersion(version);
  return ranges.some(([minimum, belowMajor]) => parsed[0] < belowMajor && versionAtLeast(parsed, minimum));
}

/** The running Node's release. */
export const nodeVersion: NodeVersion = parseNodeVersion(process.versions.node);

/** Whether this Node has `module.registerHooks` at all (from 22.15); whether it is sound is `chooseHookApi`'s call. */
export const registerHooksAvailable = typeof nodeModule.registerHooks === 'function';

/** Whether Node's `require()` can load ES modules (require(esm): on by default from 22.12 and 20.19). */
export const requireEsmAvailable = process.features.require_module === true;

/**
 * How Node runs TypeScript files (`process.features.typescript`: 'strip', 'transform', or false where it runs none;
 * on by default from 22.18).
 */
export const typeScriptMode: unknown = (process.features as { typescript?: unknown }).typescript;

/** Node's type eraser (`module.stripTypeScriptTypes`, from 22.13), undefined where this Node has none. */
export const stripTypeScriptTypes = (
  nodeModule as { stripTypeScriptTypes?: (code: string, options?: { mode?: 'strip' | 'transform' }) => string }
).stripTypeScriptTypes;

/** Node 20 names import attribute errors with the older "assertion" codes (ERR_IMPORT_ASSERTION_*); 21 renamed them. */
export const legacyAttributeCodes = nodeVersion[0] < 21;

/** Node 20 alone has `--experimental-default-type` (removed in 22) and needs a flag for extensionless Wasm. */
export const nodeTwenty = nodeVersion[0] === 20;

/**
 * Node 22 moved package.json reading and LOOKUP_PACKAGE_SCOPE to C++; that changed observable behaviour:
 * - a package.json that is not a JSON object is ERR_INVALID_PACKAGE_CONFIG (Node 20 reads an array as "no fields");
 * - `exports` that is not a string, array or object is ignored (Node 20 treats `false` as "exports nothing");
 * - parse errors no longer carry the JSON.parse message, and the scope lookup names no importer;
 * - the scope lookup stops only at a directory named exactly `node_modules` (Node 20 at any name ending so);
 * - legacy `main` probing joins `main` as a file path (Node 20 resolves it as a URL, decoding `%20`).
 */
export const modernPackageReader = nodeVersion[0] >= 22;

/** `#/…` import specifiers are allowed since Node 25.4.0 and 24.14.0 (nodejs/node#60864); 22.x still rejects them. */
export const hashSlashImports = inRanges(process.versions.node, [
  [[24, 14, 0], 25],
  [[25, 4, 0], Number.POSITIVE_INFINITY],
]);

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
  const available = registerHooksAvailable;
  if (forced === 'register') return 'register';
  if (forced === 'registerHooks' && available) return 'registerHooks';
  return available && inRanges(version, soundRegisterHooks) ? 'registerHooks' : 'register';
}

/** Tells whether Node itself can run `require()` calls inside CommonJS served from an archive. */
export function nativeCjsRequire(api: HookApi, version = process.versions.node): boolean {
  return api === 'registerHooks' && inRanges(version, cjsRequireThroughHooks);
}
