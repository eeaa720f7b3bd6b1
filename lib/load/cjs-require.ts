/**
 * hotzip's own CommonJS loader for archive entries, on Node versions whose `require()` cannot reach back through the
 * module hooks (before 24.18 and 26.2, and whenever `module.register` is used).
 *
 * It runs in the application's thread, synchronously, as Node's loader does: one instance per module URL, kept in
 * its own registry; `require()` resolves as Node's CommonJS loader would if the archive were a directory (relative
 * files with `.js`/`.json`/`.node` probing and directory `main`/`index.js`, `node_modules` inside the archive with
 * `exports` under the `require` condition), then from beside the archive on disk (host packages, builtins), then on
 * the search path. An `import` of archive CommonJS is served by the load hook as a stub that asks this registry for
 * the module (see cjs-stub.ts), so `import` and `require()` share the one instance.
 *
 * `require()` of an archive ES module goes to Node's own require(esm) where the hooks run in this thread; with
 * `module.register` nothing can load it synchronously, and such a require is ERR_HOTZIP_UNSUPPORTED. The
 * `module-sync` condition is left out (see `hotzipConditions`).
 */
import { createRequire, default as NodeModule } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileFunction, constants as vmConstants } from 'node:vm';
import { HotzipError, isCodedError } from '../errors.js';
import { coldLoad, type HookReport } from '../hot/host-importers.js';
import { requireEsmAvailable } from '../node-support.js';
import { decideResolution } from '../resolve/resolve.js';
import { findOnSearchPath, isSearchable, nodeMightFind, withSearchedArchives } from '../resolve/search-path.js';
import { isZipUrl, locate, type ZipLocation, type ZipUrl } from '../url/zip-url.js';
import { CJS_REGISTRY_KEY, withoutHashbang } from './cjs-stub.js';
import { loadZipModule } from './load.js';
import { resolveBesideArchive } from './require-host.js';
import { eraseTypes } from './typescript.js';

/** The options a user can give Node's CommonJS conditions: `--conditions x`, `-C x`, `--conditions=x`. */
function userConditions(): string[] {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
  const found: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const inline = /^(?:--conditions|-C)=(.*)$/.exec(arg);
    if (inline?.[1] !== undefined) found.push(inline[1]);
    else if ((arg === '--conditions' || arg === '-C') && args[i + 1] !== undefined) found.push(args[++i] ?? '');
  }
  return found;
}

/**
 * Node's CommonJS conditions without `module-sync`: a package's `module-sync` target is an ES module, and where
 * hotzip's loader runs, Node's require(esm) cannot run one that imports archive CommonJS (Node 22 loads CommonJS
 * inside a required ES module graph without the hooks), which is the usual shape of such targets.
 */
const hotzipConditions: readonly string[] = [
  'require',
  'node',
  ...(process.execArgv.includes('--no-addons') ? [] : ['node-addons']),
  ...userConditions(),
];

/**
 * Whether `require()` of an archive ES module can go to Node's own require(esm): only where the hooks run in this
 * thread (`registerHooks`), so that Node can resolve and load the `zip:` URL synchronously.
 */
let requireEsm = false;

/** One module of the registry: Node's own Module object, so `module` looks as it does on disk. */
type ArchiveModule = NodeModule & { require: NodeJS.Require };

const registry = new Map<string, ArchiveModule>();
let searchedArchives: readonly string[] = [];
/** Tells the hot-reload runtime which entries this loader ran (see installCjsLoader), when there is one. */
let reportCold: ((message: HookReport) => void) | undefined;

const hostRequire = createRequire(import.meta.url);

/** Node's CommonJS wrapper parameters, in Node's order. */
const wrapperParameters = ['exports', 'require', 'module', '__filename', '__dirname'];

/** Where a `require()` in an archive module leads: an archive module, a builtin (by the id given), a file on disk. */
type Target = { url: string } | { builtin: string } | { file: string };

/** Where `require.resolve` of a require made here looks: the search path and the CommonJS conditions. */
interface ResolveScope {
  searchPath: readonly string[];
  conditions: readonly string[];
}

/** Where `require(id)` in the archive module at `parent` leads. */
function resolveRequest(id: string, parent: ZipLocation, scope?: ResolveScope): Target {
  const searchPath = scope?.searchPath ?? searchedArchives;
  const conditions = scope?.conditions ?? hotzipConditions;
  const decision = decideResolution(id, parent, conditions);
  switch (decision.kind) {
    case 'url':
      return decision.url.startsWith('node:') ? { builtin: id } : { url: decision.url };
    case 'pass':
    case 'next': {
      const specifier = decision.kind === 'next' ? decision.specifier : id;
      if (searchPath.length > 0 && isSearchable(specifier)) {
        // As the hooks do: when Node has nothing to look at beside the archive, the search path answers first.
        const beside = pathToFileURL(parent.archive).href;
        const url =
          nodeMightFind(specifier, beside, conditions) === false
            ? findOnSearchPath(searchPath, specifier, conditions)
            : undefined;
        if (url !== undefined) return { url };
      }
      try {
        const url = resolveBesideArchive(specifier, parent);
        if (isZipUrl(url)) return { url };
        return url.startsWith('node:') ? { builtin: id } : { file: fileURLToPath(url) };
      } catch (error) {
        if (!isCodedError(error) || error.code !== 'MODULE_NOT_FOUND' || searchPath.length === 0) throw error;
        const url = findOnSearchPath(searchPath, specifier, conditions);
        if (url === undefined) throw withSearchedArchives(error, searchPath);
        return { url };
      }
    }
  }
}

function requireFrom(parent: ArchiveModule, location: ZipLocation, id: string): unknown {
  if (typeof id !== 'string' || id === '') {
    // Node's own argument check, with its own error.
    return hostRequire(id);
  }
  const target = resolveRequest(id, location);
  if ('builtin' in target) return hostRequire(target.builtin);
  if ('file' in target) return hostRequire(target.file);
  return loadArchiveModule(target.url, parent, location.url);
}

/** The `require` of `module`, the archive module at `location`: every call resolves from the location parsed once. */
function makeRequire(
  module: ArchiveModule,
  location: ZipLocation,
  load: (id: string) => unknown = (id) => requireFrom(module, location, id),
  scope?: ResolveScope,
): NodeJS.Require {
  const require = load as NodeJS.Require;
  const resolve = ((id: string) => {
    const target = resolveRequest(id, location, scope);
    if ('builtin' in target) return target.builtin;
    return 'file' in target ? target.file : target.url;
  }) as NodeJS.RequireResolve;
  resolve.paths = (id: string) => createRequire(location.archive).resolve.paths(id);
  require.resolve = resolve;
  require.cache = hostRequire.cache;
  require.extensions = hostRequire.extensions;
  require.main = process.mainModule;
  return require;
}

function unsupportedModule(location: ZipUrl, format: string, requiredFrom: string | undefined): never {
  const { archive, entry } = location;
  const from = requiredFrom === undefined ? '' : ` from ${requiredFrom}`;
  const why =
    format === 'module' || format === 'module-typescript'
      ? `Node ${process.versions.node} cannot require() ES modules served from archives with module.register (it ` +
        'needs module.registerHooks: Node >= 22.22.3, >= 24.11.1 or >= 26, without HOTZIP_HOOKS=register); use ' +
        'import() instead'
      : `hotzip cannot require() a module of format "${format}" from an archive`;
  throw new HotzipError(
    'ERR_HOTZIP_UNSUPPORTED',
    `require() of the ${format === 'module' ? 'ES module ' : ''}entry "${entry}" of ${archive}${from}: ${why}`,
    { archive, entry },
  );
}

/**
 * Runs the CommonJS source of `module` as Node's loader would: wrapper, `this`, and the five parameters. `import()`
 * inside it goes to Node's own ESM loader (and so through the hooks); that option prints an ExperimentalWarning on
 * Node 20 and 22, so it is given only to code that has an `import(` at all.
 */
function evaluate(module: ArchiveModule, url: string, source: string): void {
  const body = withoutHashbang(source);
  const wrapper = compileFunction(body, wrapperParameters, {
    filename: url,
    ...(/\bimport\s*\(/.test(body) ? { importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
  wrapper.call(module.exports, module.exports, module.require, module, url, path.dirname(url));
}

/**
 * The exports of the archive module `url`, loaded once; a cycle gets the exports as they are so far. `stubModule`:
 * the module object Node made for an import stub, which is `process.mainModule` when the stub is the entry point.
 */
function loadArchiveModule(
  url: string,
  parent: ArchiveModule | undefined,
  requiredFrom: string | undefined,
  stubModule?: NodeModule,
): unknown {
  const cached = registry.get(url);
  if (cached !== undefined) return cached.exports;
  const location = locate(url);
  const loaded = loadZipModule(location, undefined, { shimRequire: false, hot: false }, true);
  const isMain = stubModule !== undefined && process.mainModule === stubModule;
  const module = new NodeModule(isMain ? '.' : url, parent) as ArchiveModule;
  // The entry point's `require.main === module`, as on disk.
  if (isMain) process.mainModule = module;
  module.filename = url;
  module.paths = createRequire(location.archive).resolve.paths('x') ?? [];
  module.require = makeRequire(module, location);
  registry.set(url, module);
  let threw = true;
  try {
    const source = typeof loaded.source === 'string' ? loaded.source : new TextDecoder().decode(loaded.source);
    switch (loaded.format) {
      case 'commonjs':
        evaluate(module, url, source);
        break;
      case 'commonjs-typescript':
        evaluate(module, url, eraseTypes(source, location));
        break;
      case 'json':
        try {
          module.exports = JSON.parse(source.charCodeAt(0) === 0xfeff ? source.slice(1) : source);
        } catch (error) {
          if (error instanceof Error) error.message = `${url}: ${error.message}`;
          throw error;
        }
        break;
      case 'module':
      case 'module-typescript':
        // Node's require(esm) evaluates the graph synchronously; its errors (top-level await, …) are its own.
        if (!requireEsm) unsupportedModule(location, loaded.format, requiredFrom);
        module.exports = hostRequire(url);
        break;
      default:
        unsupportedModule(location, loaded.format, requiredFrom);
    }
    threw = false;
    // Run by this loader and kept for good, as Node keeps what it requires: a change to it needs a restart. (An ES
    // module went to Node's require(esm), through the hooks, which made it hot.)
    if (loaded.format !== 'module' && loaded.format !== 'module-typescript') {
      reportCold?.(coldLoad(location));
    }
  } finally {
    // As in Node: a module that threw is forgotten, so the next require() runs it again.
    if (threw) registry.delete(url);
  }
  module.loaded = true;
  return module.exports;
}

/** Node's CommonJS resolver, public (and replaceable) as `Module._resolveFilename`. */
type ResolveFilename = (request: string, ...rest: unknown[]) => string;

/**
 * An ES module that a require(esm) of an archive module loads may import archive CommonJS; Node 22 loads such a
 * module through its CommonJS loader by URL (without the resolve hook), which cannot find a `zip:` URL. An absolute
 * `zip:` URL is taken as already resolved, so Node goes on to the load hook, whose stub takes the registry's
 * instance; any other request goes to Node's resolver as before.
 */
function keepZipUrlsInNodeResolution(): void {
  const modules = NodeModule as unknown as { _resolveFilename: ResolveFilename };
  const original = modules._resolveFilename;
  modules._resolveFilename = function resolveFilename(this: unknown, request, ...rest) {
    if (typeof request === 'string' && request.startsWith('zip:///')) return request;
    return original.call(this, request, ...rest);
  };
}

/**
 * Makes the registry reachable from import stubs in this thread; `archives` is the search path (HOTZIP_PATH);
 * `syncHooks`: the hooks run in this thread (`registerHooks`), so Node's require(esm) can load archive ES modules;
 * `report`: the runtime's, told of every entry this loader runs (an update cannot run one again).
 */
export function installCjsLoader(
  archives: readonly string[],
  syncHooks: boolean,
  report?: (message: HookReport) => void,
): void {
  reportCold = report;
  searchedArchives = archives;
  requireEsm = syncHooks && requireEsmAvailable;
  if (requireEsm) keepZipUrlsInNodeResolution();
  Object.defineProperty(NodeModule, CJS_REGISTRY_KEY, {
    value: (url: string, stubModule: NodeModule) => loadArchiveModule(url, undefined, undefined, stubModule),
    configurable: true,
  });
}

/**
 * A `require` for the archive entry at `location`, as `createRequire()` makes one for a file: relative requests
 * resolve from the entry, and modules are shared with the archive's own CommonJS. `viaNode`: Node's `require()` goes
 * through the hooks (then Node loads the modules, into its own cache); else hotzip's loader does, into its registry.
 * `archives`: the search path.
 */
export function createArchiveRequire(
  location: ZipLocation,
  viaNode: boolean,
  archives: readonly string[],
): NodeJS.Require {
  const { url } = location;
  const module = new NodeModule(url, undefined) as ArchiveModule;
  module.filename = url;
  module.paths = createRequire(location.archive).resolve.paths('x') ?? [];
  // Node's Module#require validates the request and goes through the hooks, with this module as the parent.
  const load = viaNode ? (id: string) => NodeModule.prototype.require.call(module, id) : undefined;
  // Node's own require() has `module-sync` among its conditions; hotzip's loader leaves it out.
  const nodeSync = viaNode && requireEsmAvailable;
  const conditions = nodeSync ? [...hotzipConditions, 'module-sync'] : hotzipConditions;
  module.require = makeRequire(module, location, load, { searchPath: archives, conditions });
  module.loaded = true;
  return module.require;
}
