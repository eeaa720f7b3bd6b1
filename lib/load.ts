/**
 * Loading an archive entry for Node: bytes, format and the checks Node's own load step would make.
 */
import type { Archive } from './archive.js';
import { openArchiveAt } from './archive-cache.js';
import { validateAttributes } from './attributes.js';
import { fail } from './errors.js';
import { formatOf, type ModuleFormat } from './format.js';
import { treeOf } from './resolve.js';
import { rememberedSource, rememberSource } from './restore-sources.js';
import { RUNTIME_SYMBOL, transformModule } from './transform.js';
import { cachedTransform } from './transform-cache.js';
import { canonicalZipUrl, parseZipUrl } from './zip-url.js';

/** What the load hook hands Node. */
export interface LoadedModule {
  format: ModuleFormat;
  source: string | Uint8Array;
}

/** Options fixed when the hooks are registered. */
export interface LoadOptions {
  /** When Node cannot run `require()` inside archive CommonJS itself, hotzip routes it through this global. */
  shimRequire: boolean;
  /** Whether ES modules are transformed for hot reload (off with HOTZIP_HOT=0). */
  hot: boolean;
  /** Where hot-transformed sources are cached across runs (HOTZIP_CACHE); undefined: no cache. */
  cacheDir?: string | undefined;
  /** Where a module URL resolved for `parentURL` should go instead (a version with added exports), if anywhere. */
  redirect?: ((url: string, parentURL: string | undefined) => string | undefined) | undefined;
}

/** The global through which archive CommonJS reaches hotzip's `require()` when Node's own cannot serve it. */
export const REQUIRE_SHIM = Symbol.for('hotzip.require');

/**
 * A hoisted function declaration shadows the CommonJS wrapper's `require` from the first line without moving a
 * single line or column of the user's code, and keeps a leading "use strict" directive in place.
 */
function withRequireShim(source: string): string {
  return `${source}\n;function require(id) { return globalThis[Symbol.for('hotzip.require')](id, __filename, module); }`;
}

/**
 * Source maps (read once: `process.env` is a slow accessor and this runs for every module). The edits keep every
 * line and, in almost all code, every column where it was, so by default no module carries a map: a map costs
 * start-up time and memory out of all proportion to the few columns it corrects (measured on one-line-bodied code:
 * 4.1× native start-up with maps, 1.7× without). `HOTZIP_SOURCE_MAPS=1` maps the modules whose columns move.
 */
const sourceMaps = process.env.HOTZIP_SOURCE_MAPS === '1';

/** What, besides the bytes and the URL, changes the transform's output: part of every cache key. */
const sourceMapVariant = `maps=${sourceMaps ? 1 : 0}`;

/** Reads the entry named by a `zip:` URL (any version query stripped) and decides its format. */
export function loadZipModule(
  url: string,
  importAttributes: Record<string, string> | undefined,
  options: LoadOptions,
): LoadedModule {
  const location = parseZipUrl(url);
  const archive = openArchiveAt(location.archive, location.version);
  // An update's versions are transformed once and never asked for again: only start-up is worth caching.
  const cacheDir = options.hot && location.version === undefined ? options.cacheDir : undefined;
  const canonical = location.version === undefined ? url : canonicalZipUrl(url);
  // A version evaluating an earlier instance's source again: the archive may hold other bytes by now.
  const restored = location.restores === undefined ? undefined : rememberedSource(canonical, location.restores);
  if (location.restores !== undefined && restored === undefined) {
    fail('ERR_HOTZIP_UPDATE_FAILED', 'the source of its previous version is no longer kept', {
      archive: location.archive,
      entry: location.entry,
    });
  }
  let bytes: Uint8Array | undefined = restored;
  const read = (): Uint8Array => {
    bytes ??= archive.read(location.entry);
    return bytes;
  };
  // A cached transform is found by the entry's stored bytes, so a hit is served without inflating; without a cache
  // the entry is read (inflated, CRC-checked) before anything else, as Node reads a file first.
  let stored: ReturnType<typeof archive.stored> | undefined;
  if (cacheDir === undefined) read();
  else stored = archive.stored(location.entry);
  let text: string | undefined;
  const source = (): string => {
    text ??= new TextDecoder().decode(read());
    return text;
  };
  const format = formatOf(treeOf(archive), location.entry, url, source);
  validateAttributes(url, format, importAttributes);
  switch (format) {
    case 'commonjs':
    case 'commonjs-typescript':
      return { format, source: options.shimRequire ? withRequireShim(source()) : source() };
    case 'json':
      return { format, source: source() };
    case 'module':
      if (!options.hot) return { format, source: read() };
      // A first instance keeps its snapshot readable (shared by the archive's modules); a later one its bytes only.
      rememberSource(
        canonical,
        location.version ?? 0,
        location.version === undefined ? readLater(archive, location.entry) : keep(read()),
      );
      if (cacheDir === undefined || stored === undefined) {
        return { format, source: hotSource(source(), url, location.version !== undefined) };
      }
      return {
        format,
        source: cachedTransform(
          cacheDir,
          [url, sourceMapVariant, stored.entry.method, stored.entry.size, stored.entry.crc32],
          stored.data,
          () => hotSource(source(), url, false),
        ),
      };
    default:
      return { format, source: read() };
  }
}

/** A reader of an entry that keeps its snapshot alive, not the inflated bytes (start-up would keep every source). */
function readLater(archive: Archive, entry: string): () => Uint8Array {
  return () => archive.read(entry);
}

/** A reader of `bytes` that keeps nothing else alive. */
function keep(bytes: Uint8Array): () => Uint8Array {
  return () => bytes;
}

/** The module made hot; a source the lexer cannot read is served as is, so that Node reports its syntax error. */
function hotSource(source: string, url: string, versioned: boolean): string {
  try {
    const sourceMapUrl = sourceMaps ? canonicalZipUrl(url) : undefined;
    const { code } = transformModule(source, { url, versioned, sourceMapUrl });
    if (versioned) return withGate(code, url);
    return mayAwait(source) ? withEndSignal(code, url) : code;
  } catch {
    return source;
  }
}

/** Whether a module may use top-level await (a cheap over-approximation: any `await` in its source). */
function mayAwait(source: string): boolean {
  return /\bawait\b/.test(source);
}

/**
 * A first instance that may await at top level tells the runtime when its body has finished: a statement after its
 * last line (no line or column moves). An update applied while it awaited must not be undone by the body's tail.
 */
function withEndSignal(code: string, url: string): string {
  return `${code}\n;globalThis[Symbol.for(${JSON.stringify(RUNTIME_SYMBOL)})]?.evaluated(${JSON.stringify(url)});`;
}

/**
 * A new version's gate: an import appended to its source (hoisted like every import, so no line or column of the
 * module's code moves) of a tiny module that tells the runtime the version's whole graph has linked and then awaits
 * the update's go-ahead, so the body runs only once every new version of the update has linked and been checked.
 */
function withGate(code: string, url: string): string {
  const call = `await globalThis[Symbol.for(${JSON.stringify(RUNTIME_SYMBOL)})]?.linked(${JSON.stringify(url)})`;
  return `${code}\n;import ${JSON.stringify(`data:text/javascript,${encodeURIComponent(call)}`)};`;
}
