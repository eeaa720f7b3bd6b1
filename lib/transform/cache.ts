/**
 * The disk cache of hot-transformed module sources, on by default: a repeat start of the same archive serves each
 * module's rewritten source from the cache instead of lexing and rewriting it again (measured: the transform is most of
 * what hot reload adds to a cold start). It lives in a per-user folder (see defaultCacheDir), or in HOTZIP_CACHE=<dir>;
 * HOTZIP_CACHE=0 turns it off.
 *
 * What is in the folder is run as code, so it is used only when this user owns it and nobody else may write to it
 * (hotzip creates it 0700, files 0600), and nothing is trusted by name alone. An entry is keyed by the module URL,
 * the options that change the output, a SHA-1 of the entry's bytes as stored in the archive (deflated: inflating is
 * deterministic, so equal stored bytes are equal content, and a hit needs no inflating; the first load read and
 * CRC-checked them), the Node version and a fingerprint of the transform's own code and hotzip's version, so a
 * different hotzip build never reuses another's output. Any failure to read or write the cache only means the module
 * is transformed as if there were no cache.
 *
 * The entries of one archive (and one set of options, Node version and hotzip build) share one file, a pack: creating
 * one file per module cost a first start more kernel time than the transform it saves (inode allocation, hundreds of
 * files), and a repeat start reads one file instead of hundreds. A pack's first line is its full key, compared whole;
 * its second an index of [URL, entry key, byte length], the entries' sources following in that order; a pack whose
 * key differs, whose index does not parse or whose lengths do not add up to its size is a miss for all its entries.
 * It is read once per burst of loading (the modules loading together; released when the loading settles, so a later
 * dynamic import reads it again rather than every pack staying in memory), and each entry's key is compared in full.
 *
 * A first start collects its misses and, once the loading settles (the next turn of the event loop), rewrites the
 * pack in Node's thread pool: the entries of the pack as it is on disk then, except those of the modules transformed
 * again, plus the new ones, written to a temporary file and renamed over it. So a pack is rewritten once per burst
 * with misses (the start's graph, then once for each later dynamic import that loads new modules), never once per
 * module, and one pack's writes in a process run one after the other. Concurrent processes each rename a whole pack
 * and the last one wins: each merges the pack it finds when it writes, so only the entries another process renamed
 * in the meantime are lost, and transformed again next time.
 *
 * Node's hooks thread (`module.register`, used where `module.registerHooks` is missing or unsound) is stopped as soon
 * as the application's thread ends, with anything scheduled unfinished: there each entry is written in line to a file
 * of its own, as before packs (a pack rewritten in line per module would cost quadratic time), the source's length
 * after the key so that a truncated file is a miss. Those per-module files are read only there; elsewhere they are
 * left alone.
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
  '../load/gate.js',
  '../load/typescript.js',
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

/** Where a module's transform is kept, and everything that decides whether a kept one may be served. */
export interface CacheSlot {
  /** The archive's path and the options that change the output: one pack per distinct value. */
  pack: ReadonlyArray<string | number>;
  /** The module's URL: a pack holds one entry per URL. */
  url: string;
  /** Everything else about the entry that decides the output (its method, size and CRC-32). */
  identity: ReadonlyArray<string | number>;
  /** The bytes that decide the source, hashed into the key. */
  content: Uint8Array;
}

/** One module's transform, through the cache in `dir`: `transform` runs only on a miss. */
export function cachedTransform(dir: string, slot: CacheSlot, transform: () => string): string {
  if (!usableCacheDir(dir)) return transform();
  const digest = createHash('sha1').update(slot.content).digest('base64');
  if (!isMainThread) {
    // JSON keeps the key on one line whatever the URL holds.
    const key = JSON.stringify([
      implementationFingerprint(),
      process.version,
      ...slot.pack,
      slot.url,
      ...slot.identity,
      digest,
    ]);
    return cachedInFile(path.join(dir, fileName(key)), key, transform);
  }
  const pack = packFor(dir, slot.pack);
  const key = JSON.stringify([slot.url, ...slot.identity, digest]);
  const pending = pack.fresh.get(slot.url) ?? pack.writing.get(slot.url);
  if (pending?.key === key) return pending.code;
  settleLater(pack);
  pack.contents ??= readPack(pack);
  const hit = pack.contents.entries.get(key);
  if (hit?.url === slot.url) return pack.contents.bytes.toString('utf8', hit.start, hit.end);
  const code = transform();
  pack.fresh.set(slot.url, { url: slot.url, key, code });
  return code;
}

/**
 * The per-module file of the hooks thread: read if its stored key matches in full and its source has the length
 * stored after the key (a truncated file is no file), else transformed and written in line (the thread may be
 * stopped before anything scheduled runs).
 */
function cachedInFile(file: string, key: string, transform: () => string): string {
  try {
    // Looked up without an exception on a miss: a first start misses for every module.
    if (fs.statSync(file, { throwIfNoEntry: false }) !== undefined) {
      const cached = fs.readFileSync(file, 'utf8');
      if (cached.length > key.length && cached.startsWith(key) && cached.charCodeAt(key.length) === 10) {
        const newline = cached.indexOf('\n', key.length + 1);
        const code = cached.slice(newline + 1);
        if (newline > 0 && cached.slice(key.length + 1, newline) === String(code.length)) return code;
      }
    }
  } catch {
    // Unreadable: transform below.
  }
  const code = transform();
  try {
    writeFileAtomic(file, `${key}\n${code.length}\n${code}`, 0o600);
  } catch (error) {
    log('debug', `cannot write the transform cache ${file}: ${String(error)}`);
  }
  return code;
}

/** A module transformed by this process: its URL, its entry key (all but the pack's own key) and its source. */
interface FreshEntry {
  url: string;
  key: string;
  code: string;
}

/** Where one entry's source is in a pack's bytes. */
interface PackEntry {
  url: string;
  start: number;
  end: number;
}

/** A pack as read: its bytes and its entries by key. */
interface PackContents {
  bytes: Buffer;
  entries: Map<string, PackEntry>;
}

/** One pack's state in this process. */
interface Pack {
  file: string;
  /** The first line of the file (with its newline): the pack's full key. */
  header: Buffer;
  /** The pack as read in the loading under way; released when it settles. */
  contents: PackContents | undefined;
  /** Entries transformed since the last write was started. */
  fresh: Map<string, FreshEntry>;
  /** Entries in writes not finished yet, by URL: served from memory meanwhile. */
  writing: Map<string, FreshEntry>;
  /** This pack's writes, one after the other: each merges what the one before it renamed into place. */
  written: Promise<void>;
}

const PACK_FORMAT = 'hotzip-pack 1';

const noEntries: PackContents = { bytes: Buffer.alloc(0), entries: new Map() };

const packs = new Map<string, Pack>();

/** The pack of `id` in `dir`; its file is named by a hash of its full key, which its first line holds. */
function packFor(dir: string, id: ReadonlyArray<string | number>): Pack {
  const name = `${dir}\0${JSON.stringify(id)}`;
  let pack = packs.get(name);
  if (pack === undefined) {
    const header = `${PACK_FORMAT} ${JSON.stringify([implementationFingerprint(), process.version, ...id])}\n`;
    const hash = createHash('sha1').update(header).digest('hex').slice(0, 24);
    pack = {
      file: path.join(dir, `${hash}.pack`),
      header: Buffer.from(header),
      contents: undefined,
      fresh: new Map(),
      writing: new Map(),
      written: Promise.resolve(),
    };
    packs.set(name, pack);
  }
  return pack;
}

/** Reads a pack whole; a missing, unreadable, damaged or foreign one has no entries. */
function readPack(pack: Pack): PackContents {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(pack.file);
  } catch (error) {
    log('debug', `transform cache: no pack ${pack.file} (${String(error)})`);
    return noEntries;
  }
  const contents = parsePack(pack.header, bytes);
  log(
    'debug',
    contents === undefined
      ? `transform cache: pack ${pack.file} is damaged or another's: not used`
      : `transform cache: read pack ${pack.file}, ${contents.entries.size} entries`,
  );
  return contents ?? noEntries;
}

/**
 * The entries of a pack's bytes: undefined unless its first line is `header` exactly, its index parses, and the
 * lengths it lists add up to the rest of the file (a truncated pack is no pack).
 */
function parsePack(header: Buffer, bytes: Buffer): PackContents | undefined {
  if (bytes.length < header.length || !bytes.subarray(0, header.length).equals(header)) return undefined;
  const newline = bytes.indexOf(10, header.length);
  if (newline < 0) return undefined;
  let index: unknown;
  try {
    index = JSON.parse(bytes.toString('utf8', header.length, newline));
  } catch {
    return undefined;
  }
  if (!Array.isArray(index)) return undefined;
  const entries = new Map<string, PackEntry>();
  let at = newline + 1;
  for (const item of index as unknown[]) {
    if (!Array.isArray(item) || item.length !== 3) return undefined;
    const [url, key, length] = item as unknown[];
    if (typeof url !== 'string' || typeof key !== 'string') return undefined;
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) return undefined;
    entries.set(key, { url, start: at, end: at + length });
    at += length;
  }
  return at === bytes.length ? { bytes, entries } : undefined;
}

/** A pack's bytes: `old`'s entries but for the URLs `fresh` replaces, then `fresh`'s. */
function packBytes(header: Buffer, old: PackContents | undefined, fresh: Map<string, FreshEntry>): Buffer {
  const index: Array<[string, string, number]> = [];
  const parts: Uint8Array[] = [];
  if (old !== undefined) {
    for (const [key, { url, start, end }] of old.entries) {
      if (fresh.has(url)) continue;
      index.push([url, key, end - start]);
      parts.push(old.bytes.subarray(start, end));
    }
  }
  for (const { url, key, code } of fresh.values()) {
    const bytes = Buffer.from(code, 'utf8');
    index.push([url, key, bytes.length]);
    parts.push(bytes);
  }
  return Buffer.concat([header, Buffer.from(`${JSON.stringify(index)}\n`), ...parts]);
}

/** Packs used in the loading under way. */
const touched = new Set<Pack>();
let settled: Promise<void> = Promise.resolve();

/**
 * Marks a pack used by the loading under way: once the modules loading together have loaded (the next turn of the
 * event loop) its contents are released and its new entries written, off the module-loading path (written in line,
 * a first start paid about as much again for filling the cache as for the transform itself).
 */
function settleLater(pack: Pack): void {
  if (touched.size === 0) {
    settled = Promise.all([settled, new Promise<void>((resolve) => setImmediate(() => settle().then(resolve)))]).then(
      () => {},
    );
  }
  touched.add(pack);
}

/** Releases the packs read by the loading that has settled, and starts writing those with new entries. */
function settle(): Promise<void> {
  const writes: Array<Promise<void>> = [];
  for (const pack of touched) {
    pack.contents = undefined;
    if (pack.fresh.size === 0) continue;
    const batch = pack.fresh;
    pack.fresh = new Map();
    for (const [url, entry] of batch) pack.writing.set(url, entry);
    pack.written = pack.written.then(() => writePack(pack, batch));
    writes.push(pack.written);
  }
  touched.clear();
  return Promise.all(writes).then(() => {});
}

/**
 * Rewrites a pack with `batch` added, in Node's thread pool: the pack as it is on disk now (another process may have
 * renamed a newer one into place) merged with the batch, into a temporary file renamed over it. Never rejects.
 */
function writePack(pack: Pack, batch: Map<string, FreshEntry>): Promise<void> {
  return new Promise<void>((resolve) => {
    const temp = temporaryFileFor(pack.file);
    const done = (error: unknown): void => {
      for (const [url, entry] of batch) if (pack.writing.get(url) === entry) pack.writing.delete(url);
      if (error !== null && error !== undefined) {
        log('debug', `cannot write the transform cache ${pack.file}: ${String(error)}`);
        fs.rm(temp, { force: true }, () => resolve());
      } else resolve();
    };
    fs.readFile(pack.file, (readError, bytes) => {
      let data: Buffer;
      try {
        data = packBytes(pack.header, readError === null ? parsePack(pack.header, bytes) : undefined, batch);
      } catch (error) {
        done(error);
        return;
      }
      log('debug', `transform cache: writing pack ${pack.file}, ${batch.size} new entries`);
      fs.writeFile(temp, data, { mode: 0o600 }, (error) => {
        if (error !== null) done(error);
        else fs.rename(temp, pack.file, done);
      });
    });
  });
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
