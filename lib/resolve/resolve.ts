/**
 * Resolution for `zip:` specifiers and for every specifier imported by a module inside an archive.
 *
 * Decisions are pure and synchronous so the same code serves `module.registerHooks` (same thread) and
 * `module.register` (hooks thread); the hook adapters only translate a decision into Node's hook result.
 */
import { isBuiltin } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openRunningArchive } from '../archive/cache.js';
import type { Archive } from '../archive/reader.js';
import { config } from '../config.js';
import { fail, HotzipError } from '../errors.js';
import {
  formatZipUrl,
  isZipUrl,
  locate,
  parseZipSpecifier,
  resolveEntryPath,
  resolveEntrySpecifier,
  type ZipLocation,
  type ZipUrl,
} from '../url/zip-url.js';
import {
  findPackageScope,
  resolveCommonJSPath,
  resolvePackageSpecifier,
  resolvePackageTarget,
  type TreeHost,
} from './package.js';
import { hostParentURL } from './packed-from.js';
import { builtinUrl, hasUrlScheme, isRelativeSpecifier, isRequire } from './specifiers.js';

/** What a resolve hook should do with a specifier. */
export type ResolveDecision =
  /** Not hotzip's business: hand the specifier to the next hook unchanged. */
  | { kind: 'pass' }
  /** A final URL (an archive entry or a builtin). */
  | { kind: 'url'; url: string }
  /**
   * Something the archive does not contain: let Node resolve it as if imported from `parentURL`, the archive's
   * location on disk. `importer` is the archive module that imports it.
   */
  | { kind: 'next'; specifier: string; parentURL: string; importer: ZipLocation };

const trees = new WeakMap<Archive, TreeHost>();

/** A read-only tree view of one archive snapshot; package.json caches hang off it, so they die with the snapshot. */
export function treeOf(archive: Archive): TreeHost {
  let tree = trees.get(archive);
  if (tree === undefined) {
    tree = {
      isFile: (path) => archive.isFile(path),
      isDirectory: (path) => archive.isDirectory(path),
      readText: (path) => (archive.isFile(path) ? archive.readText(path) : undefined),
      urlOf: (path) => formatZipUrl(archive.path, path),
    };
    trees.set(archive, tree);
  }
  return tree;
}

/** Entries that look like a main module, for the hint of an archive without one (never resolved as main). */
const MAIN_GUESSES = ['main.js', 'main.mjs', 'index.ts', 'index.mts', 'main.ts', 'main.mts', 'server.js', 'app.js'];

/** The archive's main module: root package.json `exports["."]`, then `main`, else index.js, else index.mjs. */
function archiveMain(archive: Archive, conditions: readonly string[]): string {
  const tree = treeOf(archive);
  const scope = findPackageScope(tree, 'package.json');
  const pkg = scope?.dir === '' ? scope.pkg : undefined;
  if (pkg?.exports !== undefined && pkg.exports !== null) {
    const target = resolvePackageTarget(tree, '', pkg.exports, conditions);
    if (target !== undefined) return target;
  }
  if (typeof pkg?.main === 'string') {
    const main = resolveCommonJSPath(tree, pkg.main.replace(/^\.\//, ''));
    if (main !== undefined) return main;
  }
  for (const candidate of ['index.js', 'index.mjs']) {
    if (archive.isFile(candidate)) return candidate;
  }
  if (typeof pkg?.main === 'string') {
    return fail(
      'ERR_MODULE_NOT_FOUND',
      `Cannot find the main module of ${archive.path}: its package.json "main" is "${pkg.main}", which the archive ` +
        'does not contain (nor an index.js or index.mjs to fall back on); fix "main" or add that entry',
      { archive: archive.path, entry: pkg.main.replace(/^\.\//, '') },
    );
  }
  // The hint names an entry the archive has, when one looks like a main module; `hotzip run <dir>` takes `-m` itself.
  const entry = MAIN_GUESSES.find((name) => archive.isFile(name)) ?? 'main.js';
  const directory = config().packedFrom.get(archive.path);
  const how =
    directory === undefined
      ? `name the entry (zip:./${archive.path.split(/[\\/]/).pop() ?? 'app.zip'}!/${entry}) or set a main ('hotzip pack -m ${entry}')`
      : `name it: hotzip run ${directory} -m ${entry}`;
  return fail(
    'ERR_MODULE_NOT_FOUND',
    `Cannot find the main module of ${archive.path}: no package.json "exports" or "main", no index.js or index.mjs; ${how}`,
    { archive: archive.path },
  );
}

function notFound(archive: Archive, entry: string, parentURL: string | undefined, require = false): never {
  const from = parentURL === undefined ? '' : ` ${require ? 'required' : 'imported'} from ${parentURL}`;
  throw new HotzipError(
    require ? 'MODULE_NOT_FOUND' : 'ERR_MODULE_NOT_FOUND',
    `Cannot find module '${formatZipUrl(archive.path, entry)}' (entry "${entry}" in ${archive.path})${from}`,
    { archive: archive.path, entry },
  );
}

/**
 * Checks that a resolved entry exists the way Node checks a file: a directory is ERR_UNSUPPORTED_DIR_IMPORT, and so
 * is any path ending in `/`, there or not (Node stats such a path as the root directory).
 */
function existing(archive: Archive, target: ZipUrl, parentURL: string | undefined, require: boolean): string {
  let entry = target.entry;
  if (require) {
    entry = resolveCommonJSPath(treeOf(archive), entry) ?? notFound(archive, entry, parentURL, true);
  } else if (entry.endsWith('/') || !archive.isFile(entry)) {
    const bare = entry.replace(/\/$/, '');
    if (bare !== entry || archive.isDirectory(bare)) {
      const from = parentURL === undefined ? '' : ` imported from ${parentURL}`;
      throw new HotzipError(
        'ERR_UNSUPPORTED_DIR_IMPORT',
        `Directory import '${formatZipUrl(archive.path, bare)}' is not supported resolving ES modules${from}`,
        { archive: archive.path, entry: bare },
      );
    }
    notFound(archive, entry, parentURL);
  }
  return formatZipUrl(archive.path, entry, target);
}

/** The directory a `zip:./rel.zip` specifier is relative to, as a `file:` URL ending in '/'. */
function baseDirectory(parentURL: string | undefined, parent: ZipLocation | undefined): string {
  if (parentURL === undefined) return pathToFileURL(`${process.cwd()}/`).href;
  if (parent !== undefined) return new URL('.', pathToFileURL(parent.archive)).href;
  if (parentURL.startsWith('file:')) return new URL('.', parentURL).href;
  return pathToFileURL(`${process.cwd()}/`).href;
}

/** Tells whether a specifier is how Node names the entry point when that is an archive (`node app.zip`). */
function isArchiveEntryPoint(specifier: string, parentURL: string | undefined): boolean {
  return parentURL === undefined && specifier.startsWith('file:') && /\.zip$/i.test(new URL(specifier).pathname);
}

/** Opens the archive a `zip:` specifier names; a missing archive's error names the importer, as Node's does. */
function openImportedArchive(path: string, version: number | undefined, parentURL: string | undefined): Archive {
  try {
    return openRunningArchive(path, version);
  } catch (error) {
    if (parentURL === undefined || !(error instanceof HotzipError) || error.code !== 'ERR_MODULE_NOT_FOUND')
      throw error;
    throw new HotzipError(
      'ERR_MODULE_NOT_FOUND',
      `${error.message} imported from ${parentURL}`,
      { archive: path },
      {
        cause: error.cause,
      },
    );
  }
}

/**
 * The `zip:` URL of an archive ES module that Node loaded for `require()`: Node names such a module by
 * `pathToFileURL(filename)`, and an archive module's filename is its `zip:` URL, so its imports arrive with a parent
 * like `file:///cwd/zip:/srv/app.zip!/x.mjs`. Undefined for any other parent.
 */
export function requiredModuleParent(parentURL: string | undefined): string | undefined {
  if (parentURL === undefined || !parentURL.startsWith('file:') || !parentURL.includes('/zip:/')) return undefined;
  const mangled = `${process.cwd().replace(/\/$/, '')}/zip:/`;
  const path = fileURLToPath(parentURL);
  return path.startsWith(mangled) ? `zip:///${path.slice(mangled.length)}` : undefined;
}

/** Node's code for a missing module in `require()` is MODULE_NOT_FOUND, in `import` ERR_MODULE_NOT_FOUND. */
function asRequireError(error: unknown): unknown {
  if (!(error instanceof HotzipError) || error.code !== 'ERR_MODULE_NOT_FOUND') return error;
  const message = error.message.replace(' imported from ', ' required from ');
  const site = { archive: error.archive, entry: error.entry };
  const renamed = new HotzipError('MODULE_NOT_FOUND', message, site, { cause: error.cause });
  const url = (error as { url?: unknown }).url;
  if (url !== undefined) Object.defineProperty(renamed, 'url', { value: url, writable: true, configurable: true });
  return renamed;
}

/**
 * Decides how to resolve `specifier` imported from `importer` under Node's `conditions`. `importer` is the parent's
 * URL as Node hands it, or, from a caller that has parsed it already, the archive module's location.
 */
export function decideResolution(
  specifier: string,
  importer: string | ZipLocation | undefined,
  conditions: readonly string[],
): ResolveDecision {
  const parentURL = typeof importer === 'object' ? importer.url : importer;
  let parent: ZipLocation | undefined;
  try {
    if (typeof importer === 'object') parent = importer;
    else if (importer !== undefined && isZipUrl(importer)) parent = locate(importer);
    return decide(specifier, parentURL, parent, conditions);
  } catch (error) {
    // Package resolution names the entry; the archive is the importer's.
    if (error instanceof HotzipError && error.archive === undefined && parent !== undefined) {
      Object.assign(error, { archive: parent.archive });
    }
    throw isRequire(conditions) ? asRequireError(error) : error;
  }
}

/** The decision for `specifier`; `parent` is `parentURL` parsed, when that is an archive module's. */
function decide(
  specifier: string,
  parentURL: string | undefined,
  parent: ZipLocation | undefined,
  conditions: readonly string[],
): ResolveDecision {
  if (isZipUrl(specifier)) {
    const target = parseZipSpecifier(specifier, baseDirectory(parentURL, parent));
    const archive = openImportedArchive(target.archive, target.version, parentURL);
    if (target.entry === '') target.entry = archiveMain(archive, conditions);
    return { kind: 'url', url: existing(archive, target, parentURL, false) };
  }
  if (isArchiveEntryPoint(specifier, parentURL)) {
    return decide(`zip://${new URL(specifier).pathname}`, undefined, undefined, conditions);
  }
  if (parentURL === undefined || parent === undefined) return { kind: 'pass' };

  const site = { archive: parent.archive, entry: parent.entry };
  const require = isRequire(conditions);
  if (isRelativeSpecifier(specifier) || specifier.startsWith('/')) {
    const archive = openRunningArchive(parent.archive, parent.version);
    const relative = specifier === '.' || specifier === '..' ? `${specifier}/` : specifier;
    // require() reads a path (nothing decoded, `?` and `#` are characters); import a URL.
    const target = require
      ? { entry: resolveEntryPath(relative, parent.entry, site), search: '', hash: '' }
      : resolveEntrySpecifier(relative, parent.entry, site);
    // A new version importing itself gets itself, as a fresh module would; every other import binds to the live
    // instances, which is what lets an update replace modules one by one.
    const self = target.entry === parent.entry;
    const version = self ? parent.version : undefined;
    const restores = self ? parent.restores : undefined;
    const unlinked = self ? parent.unlinked : undefined;
    const url = existing(archive, { ...parent, ...target, version, restores, unlinked }, parentURL, require);
    return { kind: 'url', url };
  }
  if (isBuiltin(specifier)) {
    return { kind: 'url', url: builtinUrl(specifier) };
  }
  const archiveFileUrl = hostParentURL(parent.archive, parent.entry);
  if (hasUrlScheme(specifier)) {
    // Absolute URLs (file:, data:, …) mean the same from an archive as from a file beside it.
    return { kind: 'next', specifier, parentURL: archiveFileUrl, importer: parent };
  }
  const archive = openRunningArchive(parent.archive, parent.version);
  const found = resolvePackageSpecifier(treeOf(archive), specifier, parent.entry, conditions);
  if (found.kind === 'builtin') return { kind: 'url', url: found.url };
  if (found.kind === 'path') return { kind: 'url', url: formatZipUrl(archive.path, found.path) };
  return { kind: 'next', specifier: found.specifier, parentURL: archiveFileUrl, importer: parent };
}
