/**
 * The disk cache of hot-transformed module sources, on by default: a repeat start of the same archive serves each
 * module's rewritten source from a file instead of lexing and rewriting it again (measured: the transform is most of
 * what hot reload adds to a cold start). It lives in a per-user folder (see defaultCacheDir), or in HOTZIP_CACHE=<dir>;
 * HOTZIP_CACHE=0 turns it off.
 *
 * What is in the folder is run as code, so it is used only when this user owns it and nobody else may write to it
 * (hotzip creates it 0700, files 0600), and nothing is trusted by name alone. An entry is keyed by the module URL,
 * the options that change the output, a SHA-1 of the entry's bytes as stored in the archive (deflated: inflating is
 * deterministic, so equal stored bytes are equal content, and a hit needs no inflating; the first load read and
 * CRC-checked them), the Node version and a fingerprint of the transform's own code and hotzip's version, so a
 * different hotzip build never reuses another's output. The key is stored in the file and compared in full on every
 * read; files are written to a temporary name and renamed, so concurrent processes see a whole file or none. Any
 * failure to read or write the cache only means the module is transformed as if there were no cache.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { log } from '../log.js';
import { temporaryFileFor, writeFileAtomic } from '../write-atomic.js';

/**
 * The per-user cache folder, as the platform's conventions place one: `$XDG_CACHE_HOME/hotzip` (an absolute
 * XDG_CACHE_HOME), else `~/Library/Caches/hotzip` on macOS, `%LOCALAPPDATA%\hotzip\Cache` on Windows and
 * `~/.cache/hotzip` elsewhere. Undefined when there is no home directory to put it in.
 */
export function defaultCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: () => string = os.homedir,
): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && path.isAbsolute(xdg)) return path.join(xdg, 'hotzip');
  let homeDir: string;
  try {
    homeDir = home();
  } catch {
    return undefined;
  }
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA;
    return path.join(
      local !== undefined && path.isAbsolute(local) ? local : path.join(homeDir, 'AppData', 'Local'),
      'hotzip',
      'Cache',
    );
  }
  if (homeDir === '' || !path.isAbsolute(homeDir)) return undefined;
  if (platform === 'darwin') return path.join(homeDir, 'Library', 'Caches', 'hotzip');
  return path.join(homeDir, '.cache', 'hotzip');
}

/** Directories already checked in this process, and whether they may be used. */
const usable = new Map<string, boolean>();

/**
 * Whether `dir` may hold the cache: it is created (0700) if missing, and is then used only if it is a real directory
 * (not a link) that this user owns and that neither group nor others may write to. Checked once per process.
 */
export function usableCacheDir(dir: string): boolean {
  let verdict = usable.get(dir);
  if (verdict !== undefined) return verdict;
  verdict = false;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(dir);
    const uid = process.getuid?.();
    if (!stat.isDirectory()) log('debug', `the transform cache ${dir} is not a directory: not used`);
    else if (uid !== undefined && stat.uid !== uid) log('debug', `the transform cache ${dir} is not yours: not used`);
    else if (process.platform !== 'win32' && (stat.mode & 0o022) !== 0) {
      log('debug', `others may write to the transform cache ${dir}: not used`);
    } else verdict = true;
  } catch (error) {
    log('debug', `cannot use the transform cache ${dir}: ${String(error)}`);
  }
  usable.set(dir, verdict);
  return verdict;
}

/** The files whose code decides what the transform outputs; any change to them invalidates every entry. */
const IMPLEMENTATION = [
  '../../../package.json',
  './transform.js',
  './trampoline.js',
  './declarations.js',
  './source-edits.js',
  './scan.js',
  './lex.js',
  '../load/load.js',
];

let fingerprint: string | undefined;

function implementationFingerprint(): string {
  if (fingerprint === undefined) {
    const parts = IMPLEMENTATION.map((file) => {
      try {
        return fs.readFileSync(new URL(file, import.meta.url));
      } catch {
        return Buffer.from(`missing ${file}`);
      }
    });
    fingerprint = createHash('sha1').update(Buffer.concat(parts)).digest('base64');
  }
  return fingerprint;
}

/** FNV-1a: only spreads keys over file names; the full key inside the file decides a hit. */
function fileName(key: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `${(hash >>> 0).toString(16).padStart(8, '0')}.js`;
}

/**
 * One module's transform, through the cache in `dir`: `transform` runs only on a miss. `identity` is everything
 * else that decides the output (the URL, options, the entry's method, size and CRC-32); `content` the bytes that
 * decide the source, hashed into the key.
 */
export function cachedTransform(
  dir: string,
  identity: ReadonlyArray<string | number>,
  content: Uint8Array,
  transform: () => string,
): string {
  if (!usableCacheDir(dir)) return transform();
  // JSON keeps the key on one line whatever the URL holds.
  const key = JSON.stringify([
    implementationFingerprint(),
    process.version,
    ...identity,
    createHash('sha1').update(content).digest('base64'),
  ]);
  const file = path.join(dir, fileName(key));
  const pending = writing.get(file);
  if (pending?.key === key) return pending.code;
  try {
    // Looked up without an exception on a miss: a first start misses for every module.
    if (fs.statSync(file, { throwIfNoEntry: false }) !== undefined) {
      const cached = fs.readFileSync(file, 'utf8');
      if (cached.length > key.length && cached.startsWith(key) && cached.charCodeAt(key.length) === 10) {
        return cached.slice(key.length + 1);
      }
    }
  } catch {
    // Unreadable: transform below.
  }
  const code = transform();
  write(file, key, code);
  return code;
}

/** Entries being written, by file: this process serves them from memory meanwhile. */
const writing = new Map<string, { key: string; code: string }>();
/** Entries waiting for the loading under way to end. */
let queued: Array<{ file: string; key: string; code: string }> = [];
let settled: Promise<void> = Promise.resolve();

/**
 * Writes an entry off the module-loading path: once the modules loading together have loaded (the next turn of the
 * event loop), in Node's thread pool (written in line, a first start paid about as much again for filling the cache
 * as for the transform itself). Node's hooks thread (`module.register`) is stopped as soon as the application's
 * thread ends, with its writes unfinished: there they are made in line.
 */
function write(file: string, key: string, code: string): void {
  if (!isMainThread) {
    try {
      writeFileAtomic(file, `${key}\n${code}`, 0o600);
    } catch (error) {
      log('debug', `cannot write the transform cache ${file}: ${String(error)}`);
    }
    return;
  }
  writing.set(file, { key, code });
  if (queued.length === 0) {
    settled = Promise.all([settled, new Promise<void>((resolve) => setImmediate(() => flush().then(resolve)))]).then(
      () => {},
    );
  }
  queued.push({ file, key, code });
}

/** Starts writing every queued entry; settles when all are written (or failed). */
function flush(): Promise<void> {
  const entries = queued;
  queued = [];
  return Promise.all(
    entries.map(
      ({ file, key, code }) =>
        new Promise<void>((resolve) => {
          const temp = temporaryFileFor(file);
          const done = (error: unknown): void => {
            if (writing.get(file)?.key === key) writing.delete(file);
            if (error !== null && error !== undefined) {
              log('debug', `cannot write the transform cache ${file}: ${String(error)}`);
              fs.rm(temp, { force: true }, () => resolve());
            } else resolve();
          };
          fs.writeFile(temp, `${key}\n${code}`, { mode: 0o600 }, (error) => {
            if (error !== null) done(error);
            else fs.rename(temp, file, done);
          });
        }),
    ),
  ).then(() => {});
}

/** Settles once every cache write started so far has finished (or failed). */
export function cacheWritesSettled(): Promise<void> {
  return settled;
}

/**
 * Turns on Node's own compile cache (V8 code, Node ≥ 22.1) in `<dir>/node-compile-cache`, so that a repeat start
 * compiles neither the rewritten sources nor anything else: with the transform cache alone, compiling the larger
 * rewritten sources is what a repeat start still pays. Node decides when its cache applies (it checks each source's
 * hash); a NODE_COMPILE_CACHE set by the user, or NODE_DISABLE_COMPILE_CACHE, keeps precedence. Returns the
 * directory Node caches into, if any.
 */
export function enableCompileCache(
  dir: string,
  enable: ((directory: string) => { directory?: string | undefined }) | undefined,
): string | undefined {
  if (enable === undefined || !usableCacheDir(dir)) return undefined;
  try {
    return enable(path.join(dir, 'node-compile-cache')).directory;
  } catch (error) {
    log('debug', `cannot enable Node's compile cache: ${String(error)}`);
    return undefined;
  }
}
