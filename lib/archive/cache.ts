/**
 * One parsed snapshot per archive path, reused while the file on disk is the same file with the same size and
 * modification time, and read anew (whole, through one descriptor) as soon as it is not: offsets from an old snapshot
 * are never applied to new bytes (the way Python's zipimport breaks when a zip on its path is replaced).
 */
import * as fs from 'node:fs';
import { limitsFromEnv } from '../config.js';
import { HotzipError } from '../errors.js';
import { Archive, type ArchiveLimits } from './reader.js';

interface Identity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

interface Cached {
  identity: Identity;
  archive: Archive;
  checkedAt: number;
}

const cache = new Map<string, Cached>();

function sameIdentity(a: Identity, b: Identity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

function identityOf(stats: fs.Stats): Identity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
}

/** The CLI's `ls` and `verify` read the loader's limits from here. */
export { limitsFromEnv };

let limits: ArchiveLimits | undefined;

function missing(path: string, cause: unknown): never {
  throw new HotzipError('ERR_MODULE_NOT_FOUND', `Cannot find archive '${path}'`, { archive: path }, { cause });
}

/** Reads the whole file through one descriptor, so size and bytes belong to the same file even mid-rename. */
function readSnapshot(path: string): { identity: Identity; bytes: Buffer } {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (error) {
    return missing(path, error);
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) missing(path, undefined);
    const bytes = Buffer.allocUnsafe(stats.size);
    let filled = 0;
    while (filled < bytes.length) {
      const n = fs.readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    // A file truncated while being read is seen as the shorter file it has become: its end record decides.
    return { identity: identityOf(stats), bytes: filled === bytes.length ? bytes : bytes.subarray(0, filled) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A snapshot checked against the file this recently is trusted without another stat: a cold start resolves and
 * loads hundreds of entries within milliseconds. Updates ask for `fresh` snapshots and always check.
 */
const TRUST_MS = 2;

/**
 * The current snapshot of the archive at absolute `path`; ERR_MODULE_NOT_FOUND when there is no such file.
 * With `fresh`, the file is always checked; otherwise a snapshot checked within the last 2 ms is reused as is.
 */
export function openArchive(path: string, fresh = false): Archive {
  const recent = cache.get(path);
  if (!fresh && recent !== undefined && performance.now() - recent.checkedAt < TRUST_MS) return recent.archive;
  let stats: fs.Stats | undefined;
  try {
    stats = fs.statSync(path);
  } catch (error) {
    missing(path, error);
  }
  const cached = cache.get(path);
  if (cached !== undefined && sameIdentity(cached.identity, identityOf(stats))) {
    cached.checkedAt = performance.now();
    return cached.archive;
  }
  return refreshArchive(path);
}

const pins = new Map<string, { version: number; archive: Archive }>();

/**
 * The snapshot an update's modules are all read from: the first load at version `version` (`?hz=N`, one number per
 * update) reads the archive afresh and pins that snapshot, and every other load of the same update gets the same
 * one, so an archive rewritten in the middle of an update can never mix two states. Unversioned loads get the
 * current snapshot.
 */
export function openArchiveAt(path: string, version: number | undefined): Archive {
  if (version === undefined) return openArchive(path);
  const pin = pins.get(path);
  if (pin?.version === version) return pin.archive;
  const archive = openArchive(path, true);
  if (pin === undefined || version > pin.version) pins.set(path, { version, archive });
  return archive;
}

/**
 * The snapshot the running program reads (resolution and unversioned loads): like `openArchiveAt`, except that an
 * unversioned read of an archive that does not parse (torn mid-write, or corrupt) falls back to the last snapshot that
 * did. Until a snapshot parses again, the program keeps running that one: Node keeps serving the modules it loaded
 * from a file truncated on disk, so an `import()` of one of them must still resolve, and a module loaded for the first
 * time comes from the same snapshot as the code already running (the next good snapshot updates it like the others).
 * An update in progress (its version, or a newer one) never falls back: it must see the bytes on disk; a module of an
 * earlier update importing at run time does. A missing archive still fails, as Node's resolution of a deleted file
 * does.
 */
export function openRunningArchive(path: string, version: number | undefined): Archive {
  try {
    return openArchiveAt(path, version);
  } catch (error) {
    // A version older than the newest pin belongs to an update that is over: a module of it importing at run time.
    const over = version === undefined || version < (pins.get(path)?.version ?? Number.POSITIVE_INFINITY);
    const lastGood = over ? cache.get(path)?.archive : undefined;
    if (lastGood === undefined || !(error instanceof HotzipError) || error.code !== 'ERR_HOTZIP_BAD_ARCHIVE')
      throw error;
    return lastGood;
  }
}

/** Reads the archive at `path` anew, whatever is cached, and caches the result when it parses. */
export function refreshArchive(path: string): Archive {
  limits ??= limitsFromEnv();
  const { identity, bytes } = readSnapshot(path);
  const archive = Archive.parse(bytes, path, limits);
  cache.set(path, { identity, archive, checkedAt: performance.now() });
  return archive;
}

/** The snapshot cached for `path`, without touching the disk. */
export function cachedArchive(path: string): Archive | undefined {
  return cache.get(path)?.archive;
}

/** Drops the cached snapshot of `path` (or of every archive), e.g. after tests rewrite archives with equal stats. */
export function forgetArchive(path?: string): void {
  if (path === undefined) cache.clear();
  else cache.delete(path);
}
