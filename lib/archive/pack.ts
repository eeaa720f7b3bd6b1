/**
 * `hotzip pack`: a directory tree to a reproducible archive. The same tree must give the same bytes (so a pack can be
 * hashed, cached and compared), hence sorted entries and fixed timestamps and attributes; and a running hotzip process
 * must never see a half-written archive, hence the temp file and rename.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ZipOptions, zipSync } from 'fflate';
import { messageOf } from '../errors.js';
import { isTemporaryOf, writeFileAtomic } from '../write-atomic.js';

/** Directory names never packed anywhere in the tree: version-control data. */
const SKIP_NAMES = new Set(['.git']);
/** Relative paths never packed at any depth: tool caches that churn on every build. */
const SKIP_SUFFIXES = ['node_modules/.cache'];

/**
 * 1980-01-01 00:00, the earliest time a zip (MS-DOS) timestamp can hold, built in local time because fflate converts
 * with local-time getters: this way every time zone writes the same DOS date and time fields.
 */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);
/** Made by Unix (3), so readers take the mode below from the high 16 bits of the external attributes. */
const HOST_UNIX = 3;
/** A regular file, rw-r--r--, for every entry: the file modes on disk vary by umask and checkout, the archive must not. */
const FILE_ATTRS = (0o100644 << 16) >>> 0;

/** One file to pack: its entry name (forward slashes, no leading slash) and where it lives on disk. */
export interface TreeFile {
  name: string;
  file: string;
}

/** The files of a tree and every directory walked (what `--watch` must watch). */
export interface Tree {
  files: TreeFile[];
  directories: string[];
}

/** Walks `root` for files to pack, leaving out `.git`, `node_modules/.cache` and the paths `exclude` says. */
function collectTree(root: string, exclude: (absolute: string) => boolean = () => false): Tree {
  const files: TreeFile[] = [];
  const directories: string[] = [];
  // Real paths of directories already walked: a symlink back up the tree must not recurse forever.
  const seen = new Set<string>();
  const walk = (dir: string, prefix: string): void => {
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    directories.push(dir);
    for (const dirent of fs.readdirSync(dir, { withFileTypes: true })) {
      const absolute = path.join(dir, dirent.name);
      const name = prefix + dirent.name;
      if (SKIP_NAMES.has(dirent.name) || SKIP_SUFFIXES.some((s) => name === s || name.endsWith(`/${s}`))) continue;
      if (exclude(absolute)) continue;
      let kind: 'file' | 'dir' | undefined;
      if (dirent.isFile()) kind = 'file';
      else if (dirent.isDirectory()) kind = 'dir';
      else if (dirent.isSymbolicLink()) {
        // Symlinks are packed as what they point to: the archive reader never serves symlink entries.
        const target = fs.statSync(absolute, { throwIfNoEntry: false });
        if (target?.isFile()) kind = 'file';
        else if (target?.isDirectory()) kind = 'dir';
      }
      if (kind === 'file') files.push({ name, file: absolute });
      else if (kind === 'dir') walk(absolute, `${name}/`);
    }
  };
  walk(root, '');
  // Sorted by UTF-16 code units, which is deterministic across platforms and locales (localeCompare is not).
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files, directories };
}

/** How to pack. */
export interface PackOptions {
  /** Deflate level 0–9; 0 stores. */
  level: number;
  /** Sets the root package.json "main" inside the archive (the file on disk is left alone). */
  main?: string | undefined;
  /** Told how a pack is going once it has taken over a second, and every second after (big trees, slow disks). */
  onProgress?: ((message: string) => void) | undefined;
  /**
   * Never replace an archive that exists with an empty one: a watched directory is empty for a moment when a build
   * cleans it (`rm -rf dist && rollup`), and an empty archive would remove every module of a running program.
   */
  keepOverEmpty?: boolean | undefined;
}

/** Calls `report` at most once a second, starting one second after it was made. */
function throttled(report: ((message: string) => void) | undefined): (message: () => string) => void {
  if (report === undefined) return () => {};
  let next = performance.now() + 1000;
  return (message) => {
    const now = performance.now();
    if (now < next) return;
    next = now + 1000;
    report(message());
  };
}

/** Thrown for a pack that cannot be made (the CLI prints it and exits with 1). */
class PackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackError';
  }
}

/** The root package.json with "main" set to `main`, keeping every other field and its order. */
function withMain(original: Uint8Array | undefined, main: string): Uint8Array {
  let manifest: Record<string, unknown> = {};
  if (original !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(original).toString('utf8'));
    } catch (error) {
      throw new PackError(`cannot set "main": package.json is not valid JSON (${messageOf(error)})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new PackError('cannot set "main": package.json is not a JSON object');
    }
    manifest = parsed as Record<string, unknown>;
  }
  manifest.main = main;
  return new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
}

/** The archive's bytes for `tree`: entries in the tree's order, each with the fixed time and attributes. */
function buildArchive(tree: Tree, options: PackOptions): { bytes: Uint8Array; entries: number; bytesIn: number } {
  const level = options.level as NonNullable<ZipOptions['level']>;
  const entryOptions: ZipOptions = { level, mtime: FIXED_MTIME, os: HOST_UNIX, attrs: FILE_ATTRS };
  const contents = new Map<string, Uint8Array>();
  const progress = throttled(options.onProgress);
  let read = 0;
  for (const { name, file } of tree.files) {
    contents.set(name, fs.readFileSync(file));
    read++;
    progress(() => `read ${read} of ${tree.files.length} files`);
  }
  if (options.main !== undefined) {
    const main = options.main.replace(/^\.\//, '');
    if (!contents.has(main)) throw new PackError(`-m ${options.main}: there is no file '${main}' in the tree`);
    contents.set('package.json', withMain(contents.get('package.json'), main));
  }
  const names = [...contents.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // fflate takes an object; insertion order is entry order (except integer-like keys, which JS puts first).
  const input: Record<string, [Uint8Array, ZipOptions]> = {};
  let bytesIn = 0;
  for (const name of names) {
    const data = contents.get(name) as Uint8Array;
    bytesIn += data.length;
    input[name] = [data, entryOptions];
  }
  progress(() => `compressing ${names.length} entries (${formatBytes(bytesIn)})`);
  return { bytes: zipSync(input), entries: names.length, bytesIn };
}

/**
 * Writes `bytes` to `file` through a temp file in the same directory and a rename, so readers see the old archive or
 * the new one, never a torn one. Returns false, writing nothing, when the file already holds exactly these bytes:
 * an unchanged repack must not wake every watcher of the archive.
 */
function writeAtomic(file: string, bytes: Uint8Array): boolean {
  let current: Buffer | undefined;
  try {
    current = fs.readFileSync(file);
  } catch {
    // No archive yet (or an unreadable one): write it.
  }
  if (current !== undefined && Buffer.compare(current, bytes) === 0) return false;
  writeFileAtomic(file, bytes);
  return true;
}

/** What one pack did. */
export interface PackResult {
  entries: number;
  bytesIn: number;
  bytesOut: number;
  ms: number;
  /** False when the archive on disk already had these bytes. */
  written: boolean;
  /** Directories walked, for `--watch`. */
  directories: string[];
}

/** Packs `dir` into `out`, leaving out `out` itself and its temp files when they lie inside `dir`. */
export function packDirectory(dir: string, out: string, options: PackOptions): PackResult {
  const started = performance.now();
  const absoluteOut = path.resolve(out);
  const tree = collectTree(dir, (p) => p === absoluteOut || isTemporaryOf(p, absoluteOut));
  if (options.keepOverEmpty === true && tree.files.length === 0 && fs.existsSync(absoluteOut)) {
    throw new Error(`${dir} holds no files: ${out} is kept as it is until some appear`);
  }
  const { bytes, entries, bytesIn } = buildArchive(tree, options);
  fs.mkdirSync(path.dirname(absoluteOut), { recursive: true });
  const written = writeAtomic(absoluteOut, bytes);
  return {
    entries,
    bytesIn,
    bytesOut: bytes.length,
    ms: performance.now() - started,
    written,
    directories: tree.directories,
  };
}

/** Sizes the way people read them: `812 B`, `14.2 kB`, `3.1 MB` (SI, as npm prints). */
function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

/** `n entries`, or `1 entry`. */
export function entryCount(n: number): string {
  return n === 1 ? '1 entry' : `${n} entries`;
}

/** The one-line summary of a pack: entries, bytes in and out, ratio, time. */
export function describePack(result: PackResult, out: string): string {
  const ratio = result.bytesIn === 0 ? 100 : Math.round((result.bytesOut / result.bytesIn) * 100);
  const what = result.written ? 'wrote' : 'unchanged';
  return `${what} ${out}: ${entryCount(result.entries)}, ${formatBytes(result.bytesIn)} -> ${formatBytes(result.bytesOut)} (${ratio}%) in ${Math.round(result.ms)} ms`;
}
