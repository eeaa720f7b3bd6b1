/**
 * Every `HOTZIP_*` environment variable, read in this one place, typed, with its default. Product code asks
 * `config()`, which reads the environment once per thread; `readConfig(env)` reads a given environment (tests).
 *
 * A value hotzip does not know means the default, as the README's table says, except for the archive limits: a limit
 * that is not a positive integer is ERR_HOTZIP_LIMIT, because a limit ignored without a word leaves the application
 * open to the archives it was set to refuse. The limits are read on their own (`limitsFromEnv`), when the first
 * archive opens, so that a bad limit fails the import that needs it, not the process start.
 */
import * as path from 'node:path';
import { type ArchiveLimits, defaultLimits } from './archive/reader.js';
import { fail } from './errors.js';
import type { LogLevel } from './log.js';
import type { HookApi } from './node-support.js';
import { defaultCacheDir } from './transform/cache.js';

/** hotzip's settings from the environment. */
export interface HotzipConfig {
  /** `HOTZIP_LOG`: `silent`, `info` (default) or `debug`. */
  readonly logLevel: LogLevel;
  /** `HOTZIP_HOT`: on unless `0` or `off`. */
  readonly hot: boolean;
  /** `HOTZIP_PATH`: archives (absolute paths, in order) searched for bare specifiers Node cannot find. */
  readonly searchPath: readonly string[];
  /** `HOTZIP_CACHE`: the transform cache directory (absolute; the per-user folder by default), undefined for `0`. */
  readonly cacheDir: string | undefined;
  /** `HOTZIP_UPDATE_TIMEOUT`: ms, a positive number; anything else is the default. */
  readonly updateTimeoutMs: number;
  /** `HOTZIP_SOURCE_MAPS`: `1` maps the modules whose columns the transform moves. */
  readonly sourceMaps: boolean;
  /** `HOTZIP_HOOKS`: the hook API forced by the user, or undefined to choose by Node version. */
  readonly hooks: HookApi | undefined;
  /** `HOTZIP_PACKED_FROM`, set by `hotzip run`: archive path → the directory it was packed from. */
  readonly packedFrom: ReadonlyMap<string, string>;
}

/** The default time limit, in ms, for a new version's top-level await and for each hot handler an update awaits. */
export const DEFAULT_UPDATE_TIMEOUT_MS = 5000;

function packedFrom(raw: string | undefined): Map<string, string> {
  if (raw === undefined || raw === '') return new Map();
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return new Map();
    return new Map(Object.entries(value).filter((pair): pair is [string, string] => typeof pair[1] === 'string'));
  } catch {
    return new Map();
  }
}

function updateTimeout(raw: string | undefined): number {
  const value = Number(raw);
  return raw !== undefined && Number.isFinite(value) && value > 0 ? value : DEFAULT_UPDATE_TIMEOUT_MS;
}

/** Reads `env` (relative paths against `cwd`); never throws. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): HotzipConfig {
  const log = env.HOTZIP_LOG;
  const hooks = env.HOTZIP_HOOKS;
  return {
    logLevel: log === 'silent' || log === 'debug' ? log : 'info',
    hot: env.HOTZIP_HOT !== '0' && env.HOTZIP_HOT !== 'off',
    searchPath: (env.HOTZIP_PATH ?? '')
      .split(path.delimiter)
      .filter((item) => item !== '')
      .map((item) => path.resolve(cwd, item)),
    cacheDir:
      env.HOTZIP_CACHE === '0'
        ? undefined
        : env.HOTZIP_CACHE === undefined || env.HOTZIP_CACHE === ''
          ? defaultCacheDir(env)
          : path.resolve(cwd, env.HOTZIP_CACHE),
    updateTimeoutMs: updateTimeout(env.HOTZIP_UPDATE_TIMEOUT),
    sourceMaps: env.HOTZIP_SOURCE_MAPS === '1',
    hooks: hooks === 'register' || hooks === 'registerHooks' ? hooks : undefined,
    packedFrom: packedFrom(env.HOTZIP_PACKED_FROM),
  };
}

let current: HotzipConfig | undefined;

/** This thread's settings: the environment as it was on the first call (`process.env` is slow to read per module). */
export function config(): HotzipConfig {
  current ??= readConfig();
  return current;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Decimal digits only: Number() would also take '0x10', '1e3', ' 7 ' and '5.0', none of which a limit should be.
  const value = /^[0-9]+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value <= 0) {
    fail('ERR_HOTZIP_LIMIT', `${name}=${JSON.stringify(raw)} is not a positive integer`);
  }
  return value;
}

/** The archive limits, from the HOTZIP_MAX_* variables and HOTZIP_RATIO_FLOOR_BYTES over the defaults. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): ArchiveLimits {
  return {
    maxEntryBytes: positiveInteger(env, 'HOTZIP_MAX_ENTRY_BYTES', defaultLimits.maxEntryBytes),
    maxRatio: positiveInteger(env, 'HOTZIP_MAX_RATIO', defaultLimits.maxRatio),
    ratioFloorBytes: positiveInteger(env, 'HOTZIP_RATIO_FLOOR_BYTES', defaultLimits.ratioFloorBytes),
    maxArchiveBytes: positiveInteger(env, 'HOTZIP_MAX_ARCHIVE_BYTES', defaultLimits.maxArchiveBytes),
    maxEntries: positiveInteger(env, 'HOTZIP_MAX_ENTRIES', defaultLimits.maxEntries),
  };
}
