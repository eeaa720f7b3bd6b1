/**
 * Loading an archive entry for Node: bytes, format and the checks Node's own load step would make.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openRunningArchive } from '../archive/cache.js';
import type { Archive } from '../archive/reader.js';
import { config } from '../config.js';
import { fail, isCodedError } from '../errors.js';
import { defineModeGlobal } from '../hot/bindings.js';
import { rememberedSource, rememberSource } from '../hot/restore-sources.js';
import type { TreeHost } from '../resolve/package.js';
import { decideResolution, treeOf } from '../resolve/resolve.js';
import { cachedTransform } from '../transform/cache.js';
import { mayAwait, modeGlobal, RUNTIME_SYMBOL, transformModule } from '../transform/transform.js';
import { isZipUrl, locate, type ZipLocation } from '../url/zip-url.js';
import { validateAttributes } from './attributes.js';
import { cjsImportStub, type Reexported } from './cjs-stub.js';
import { formatOf, type ModuleFormat } from './format.js';
import { GATE_IMPORT } from './gate.js';
import { resolveBesideArchive } from './require-host.js';
import { eraseTypes, stripTypes } from './typescript.js';

/** See LoadOptions.versionHints. */
export interface VersionHints {
  inlineGate: boolean;
  layout: string;
}

/** What the load hook hands Node. */
export interface LoadedModule {
  format: ModuleFormat;
  source: string | Uint8Array;
}

/** Options fixed when the hooks are registered. */
export interface LoadOptions {
  /**
   * When Node cannot run `require()` inside archive CommonJS, hotzip runs archive CommonJS itself (cjs-require.ts)
   * and an `import` of it is served a stub that takes the instance from hotzip's registry.
   */
  shimRequire: boolean;
  /**
   * Whether import stubs carry the sources of the modules archive CommonJS re-exports: with `module.register` Node's
   * export lexer cannot resolve an archive module's re-exports itself (with `registerHooks` it asks the hooks).
   */
  followReexports?: boolean | undefined;
  /** Whether ES modules are transformed for hot reload (off with HOTZIP_HOT=0). */
  hot: boolean;
  /**
   * The hooks run in the thread that evaluates the modules (`registerHooks`): the load hook can define a module's
   * mode global before the module compiles, and its trampolines then read it by its bare name.
   */
  sameThread?: boolean | undefined;
  /** Where hot-transformed sources are cached across runs (HOTZIP_CACHE); undefined: no cache. */
  cacheDir?: string | undefined;
  /** Where a module URL resolved for `parentURL` should go instead (a version with added exports), if anywhere. */
  redirect?: ((url: string, parentURL: string | undefined) => string | undefined) | undefined;
  /**
   * What the runtime lets the new version at `url` leave out (see `HotRuntime.versionHints`): its gate module, and
   * its list of exports when unchanged. Asked of the runtime, so only where the hooks run in its thread.
   */
  versionHints?: ((url: string) => VersionHints | undefined) | undefined;
}

/**
 * Source maps (read once: `process.env` is a slow accessor and this runs for every module). The edits keep every
 * line and, in almost all code, every column where it was, so by default no module carries a map: a map costs
 * start-up time and memory out of all proportion to the few columns it corrects (measured on one-line-bodied code:
 * 4.1× native start-up with maps, 1.7× without). `HOTZIP_SOURCE_MAPS=1` maps the modules whose columns move.
 */
const sourceMaps = config().sourceMaps;

/** What, besides the bytes and the URL, changes the transform's output: part of every cache pack's key. */
const sourceMapVariant = `maps=${sourceMaps ? 1 : 0}`;

/**
 * Reads the entry at a module's location (any version query stripped) and decides its format. `required`: the load
 * is CommonJS `require()`'s, which takes JSON without import attributes.
 */
export function loadZipModule(
  location: ZipLocation,
  importAttributes: Record<string, string> | undefined,
  options: LoadOptions,
  required = false,
): LoadedModule {
  const { url, canonical } = location;
  const archive = openRunningArchive(location.archive, location.version);
  // An update's versions are transformed once and never asked for again: only start-up is worth caching.
  const cacheDir = options.hot && location.version === undefined ? options.cacheDir : undefined;
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
  const format = required
    ? requiredFormat(treeOf(archive), location.entry, url, source)
    : formatOf(treeOf(archive), location.entry, url, source);
  if (!required) validateAttributes(url, format, importAttributes, location);
  switch (format) {
    case 'commonjs':
      return {
        format,
        source: options.shimRequire
          ? cjsImportStub({ url, source: source(), location }, options.followReexports ? readReexport : undefined)
          : source(),
      };
    case 'commonjs-typescript':
      if (!options.shimRequire) return { format, source: source() };
      // The stub's own line is JavaScript: the lexer reads the module's code with its types stripped.
      return {
        format: 'commonjs',
        source: cjsImportStub(
          { url, source: eraseTypes(source(), location), location },
          options.followReexports ? readReexport : undefined,
        ),
      };
    case 'json':
      return { format, source: source() };
    case 'module':
    case 'module-typescript': {
      if (!options.hot) return { format, source: read() };
      // TypeScript is served as the JavaScript Node would run (types erased in place), made hot like any module.
      let erased: string | undefined;
      if (format === 'module-typescript') {
        erased = stripTypes(source());
        if (erased === undefined) return { format, source: read() };
      }
      const javascript = (): string => erased ?? source();
      // A first instance keeps its snapshot readable (shared by the archive's modules); a later one its bytes only.
      rememberSource(
        canonical,
        location.version ?? 0,
        location.version === undefined ? readLater(archive, location.entry) : keep(read()),
      );
      const modeDefined = options.sameThread === true && defineModeGlobal(modeGlobal(url));
      const hints = location.version === undefined ? undefined : options.versionHints?.(url);
      if (cacheDir === undefined || stored === undefined) {
        return { format: 'module', source: hotSource(javascript(), location, modeDefined, hints) };
      }
      return {
        format: 'module',
        source: cachedTransform(
          cacheDir,
          {
            pack: [location.archive, sourceMapVariant],
            url,
            // The trampolines' form depends on whether the global could be defined (not where it is frozen).
            identity: [`mode=${modeDefined ? 1 : 0}`, stored.entry.method, stored.entry.size, stored.entry.crc32],
            content: stored.data,
          },
          () => hotSource(javascript(), location, modeDefined, hints),
        ),
      };
    }
    default:
      return { format, source: read() };
  }
}

/** What `require()` makes of an entry: as `import` would, but an extension Node does not know is run as CommonJS. */
function requiredFormat(tree: TreeHost, entry: string, url: string, source: () => string): ModuleFormat {
  try {
    return formatOf(tree, entry, url, source);
  } catch (error) {
    if (isCodedError(error) && error.code === 'ERR_UNKNOWN_FILE_EXTENSION') return 'commonjs';
    throw error;
  }
}

/** A module an import stub carries: an archive module's with its location, parsed once; a file's without. */
type CarriedModule = Reexported & { location?: ZipLocation | undefined };

/**
 * A module that archive CommonJS re-exports, read for the import stub's export names: an archive CommonJS entry, or
 * a `.js`/`.cjs` file beside the archive, as Node's export lexer follows them. Undefined for anything it would skip,
 * including what does not resolve (the lexer skips that silently, and `require()` reports it when the module runs).
 */
function readReexport(specifier: string, parent: CarriedModule): CarriedModule | undefined {
  try {
    const decision = decideResolution(specifier, parent.location ?? parent.url, ['require', 'node']);
    if (decision.kind === 'url' && isZipUrl(decision.url)) {
      const location = locate(decision.url);
      const loaded = loadZipModule(location, undefined, { shimRequire: false, hot: false }, true);
      if (loaded.format !== 'commonjs' || typeof loaded.source !== 'string') return undefined;
      return { url: decision.url, source: loaded.source, location };
    }
    if (decision.kind !== 'next') return undefined;
    const url = resolveBesideArchive(decision.specifier, decision.importer);
    if (!url.startsWith('file:') || !/\.c?js$/.test(url)) return undefined;
    return { url, source: readFileSync(fileURLToPath(url), 'utf8') };
  } catch {
    return undefined;
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
function hotSource(source: string, location: ZipLocation, modeDefined: boolean, hints?: VersionHints): string {
  const { url } = location;
  const versioned = location.version !== undefined;
  try {
    const sourceMapUrl = sourceMaps ? location.canonical : undefined;
    const unlinked = location.unlinked === true;
    const options = {
      url,
      versioned,
      unlinked,
      sourceMapUrl,
      modeDefined,
      inlineGate: hints?.inlineGate === true,
      layout: hints?.layout,
    };
    const { code, gatedInline } = transformModule(source, options);
    if (versioned) return gatedInline === true ? code : `${code}${GATE_IMPORT}`;
    return mayAwait(source) ? withEndSignal(code, url) : code;
  } catch {
    return source;
  }
}

/**
 * A first instance that may await at top level tells the runtime when its body has finished: a statement after its
 * last line (no line or column moves). An update applied while it awaited must not be undone by the body's tail.
 */
function withEndSignal(code: string, url: string): string {
  return `${code}\n;globalThis[Symbol.for(${JSON.stringify(RUNTIME_SYMBOL)})]?.evaluated(${JSON.stringify(url)});`;
}
