/**
 * Node's package resolution (ESM resolver spec: PACKAGE_RESOLVE, PACKAGE_SELF_RESOLVE, PACKAGE_EXPORTS_RESOLVE,
 * PACKAGE_IMPORTS_RESOLVE, PACKAGE_IMPORTS_EXPORTS_RESOLVE, PACKAGE_TARGET_RESOLVE, LOOKUP_PACKAGE_SCOPE, legacy
 * `main`) as pure code over a read-only file tree, so that bare and `#` specifiers inside an archive resolve exactly
 * as Node would resolve them if the archive were a directory on disk (parity).
 *
 * Relative targets are resolved with WHATWG URLs against a private `file:` root, as Node resolves them against
 * `file:` URLs, so percent-decoding, `\` handling and `..` normalisation are Node's own; a URL that leaves that root
 * has left the tree. Where Node versions disagree (see `nodeBehaviour`), the running Node's behaviour is followed.
 */
import { randomUUID } from 'node:crypto';
import { isBuiltin } from 'node:module';
import { type ErrorCode, HotzipError, messageOf } from '../errors.js';
import { hashSlashImports, modernPackageReader } from '../node-support.js';
import { builtinUrl, isRelativeSpecifier, isRequire, splitPackageSpecifier } from './specifiers.js';

/** A read-only view of a file tree: paths are '/'-separated entry names relative to the tree root ('' is the root, no leading slash), e.g. 'node_modules/pkg/package.json'. */
export interface TreeHost {
  isFile(path: string): boolean;
  isDirectory(path: string): boolean;
  readText(path: string): string | undefined;
  /** How to show a path in messages (hotzip passes a function returning the zip: URL). */
  urlOf(path: string): string;
}

/** What resolution found: a path in the tree, a builtin (`node:fs`), or something the tree does not contain and the host application must resolve (a bare specifier not found in any node_modules in the tree, or an `imports` target that is a bare package specifier). */
export type Resolution =
  | { kind: 'path'; path: string }
  | { kind: 'builtin'; url: string }
  | { kind: 'outside'; specifier: string };

/** A parsed JSON value: `exports` and `imports` are kept as written, since key order decides conditions. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | JsonObject;

/** A parsed JSON object (key order preserved, as JSON.parse gives it). */
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** The package.json fields Node's resolver reads, validated the way the running Node validates them. */
export interface PackageJson {
  /** `name` when it is a string: the only name self-reference answers to. */
  readonly name: string | undefined;
  /** `main` when it is a string: legacy entry point when there is no `exports`. */
  readonly main: string | undefined;
  /** `type` when it is 'module' or 'commonjs' (other values are ignored for forward compatibility, as Node does). */
  readonly type: 'module' | 'commonjs' | undefined;
  /** `exports`, or undefined when absent or null (and, on Node 22+, when not a string, array or object). */
  readonly exports: JsonValue | undefined;
  /** `imports` when it is an object. */
  readonly imports: JsonObject | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Tree paths and the private file: root they are resolved under.

/** A root no relative path can reach by accident, so a URL outside it has left the tree. */
const ROOT = new URL(`file:///hotzip-tree-${randomUUID()}/`);

function parentDir(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Resolves '.', '..' and empty segments as a file system does; undefined when the path climbs above the root. */
function normalizeTreePath(path: string): string | undefined {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else {
      out.push(segment);
    }
  }
  return out.join('/');
}

function encodeTreePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function dirUrl(dir: string): URL {
  return dir === '' ? new URL(ROOT.href) : new URL(`${encodeTreePath(dir)}/`, ROOT);
}

function fileUrl(path: string): URL {
  return new URL(encodeTreePath(path), ROOT);
}

function packageJsonPath(dir: string): string {
  return joinPath(dir, 'package.json');
}

function packageJsonUrl(dir: string): URL {
  return new URL('package.json', dirUrl(dir));
}

/** The still-encoded tree path of a URL under ROOT, or undefined when the URL has left the tree. */
function encodedTreePath(url: URL): string | undefined {
  return url.pathname.startsWith(ROOT.pathname) ? url.pathname.slice(ROOT.pathname.length) : undefined;
}

/** The decoded tree path of a URL under ROOT (as fileURLToPath decodes it), or undefined when it left the tree. */
function decodedTreePath(url: URL): string | undefined {
  const encoded = encodedTreePath(url);
  if (encoded === undefined) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Errors, worded as Node words them, with paths shown through the host.

interface Context {
  readonly host: TreeHost;
  readonly conditions: ReadonlySet<string>;
  /** CommonJS require() semantics for the node_modules walk and the final existence check. */
  readonly require: boolean;
  /** The module whose import is being resolved (errors carry it as their entry). */
  readonly importer: string;
  /** What Node calls `base` in messages: the importer, or a package.json for the bare targets of `imports`. */
  readonly base: string;
}

function raise(context: Context, code: ErrorCode, detail: string, url?: string): never {
  const error = new HotzipError(code, detail, { entry: context.importer });
  // Node sets `url` on not-found and directory errors; import.meta.resolve() returns it instead of throwing.
  if (url !== undefined) Object.defineProperty(error, 'url', { value: url, writable: true, configurable: true });
  throw error;
}

function show(context: Context, path: string): string {
  return context.host.urlOf(path);
}

function importedFrom(context: Context): string {
  return ` imported from ${show(context, context.base)}`;
}

function invalidConfig(context: Context, dir: string, message: string): never {
  return raise(
    context,
    'ERR_INVALID_PACKAGE_CONFIG',
    `${show(context, packageJsonPath(dir))} while importing ${show(context, context.base)}. ${message}`,
  );
}

function invalidTarget(context: Context, dir: string, match: string, target: JsonValue, internal: boolean): never {
  const text = typeof target === 'object' && target !== null ? JSON.stringify(target) : `${target}`;
  const relative = !internal && text.length > 0 && !text.startsWith('./') ? '; targets must start with "./"' : '';
  const where = `in the package config ${show(context, packageJsonPath(dir))}${importedFrom(context)}${relative}`;
  const detail =
    match === '.'
      ? `Invalid "exports" main target ${JSON.stringify(text)} defined ${where}`
      : `Invalid "${internal ? 'imports' : 'exports'}" target ${JSON.stringify(text)} defined for '${match}' ${where}`;
  return raise(context, 'ERR_INVALID_PACKAGE_TARGET', detail);
}

function notExported(context: Context, dir: string, subpath: string): never {
  const pkg = show(context, packageJsonPath(dir));
  const detail =
    subpath === '.'
      ? `No "exports" main defined in ${pkg}${importedFrom(context)}`
      : `Package subpath '${subpath}' is not defined by "exports" in ${pkg}${importedFrom(context)}`;
  return raise(context, 'ERR_PACKAGE_PATH_NOT_EXPORTED', detail);
}

function invalidSpecifier(context: Context, request: string, reason: string): never {
  return raise(
    context,
    'ERR_INVALID_MODULE_SPECIFIER',
    `Invalid module "${request}" ${reason}${importedFrom(context)}`,
  );
}

function leavesTree(context: Context, specifier: string): never {
  return raise(
    context,
    'ERR_HOTZIP_INVALID_SPECIFIER',
    `'${specifier}'${importedFrom(context)} resolves to a path outside the archive`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// package.json

const cache = new WeakMap<TreeHost, Map<string, PackageJson | null>>();

function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses `dir/package.json`; `context` is Node's "while importing …" text for the message on a parse error. */
function loadPackageJson(host: TreeHost, dir: string, context: string | undefined): PackageJson | undefined {
  let perHost = cache.get(host);
  if (perHost === undefined) {
    perHost = new Map();
    cache.set(host, perHost);
  }
  const cached = perHost.get(dir);
  if (cached !== undefined) return cached ?? undefined;

  const path = packageJsonPath(dir);
  const text = host.isFile(path) ? host.readText(path) : undefined;
  if (text === undefined) {
    perHost.set(dir, null);
    return undefined;
  }
  const failParse = (message: string): never => {
    const where = `${host.urlOf(path)}${context === undefined ? '' : ` while importing ${context}`}`;
    throw new HotzipError('ERR_INVALID_PACKAGE_CONFIG', modernPackageReader ? `${where}.` : `${where}. ${message}`, {
      entry: path,
    });
  };
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as JsonValue;
  } catch (error) {
    return failParse(messageOf(error));
  }
  if (parsed === null || (modernPackageReader && !isJsonObject(parsed))) {
    return failParse('Cannot convert undefined or null to object');
  }
  const fields: JsonObject = isJsonObject(parsed) ? parsed : {};
  const own = (key: string): JsonValue | undefined => (Object.hasOwn(fields, key) ? fields[key] : undefined);
  const [name, main, type, exports, imports] = ['name', 'main', 'type', 'exports', 'imports'].map(own);
  const keepExports = modernPackageReader
    ? typeof exports === 'string' || Array.isArray(exports) || isJsonObject(exports)
    : exports !== null && exports !== undefined;
  const pkg: PackageJson = {
    name: typeof name === 'string' ? name : undefined,
    main: typeof main === 'string' ? main : undefined,
    type: type === 'module' || type === 'commonjs' ? type : undefined,
    exports: keepExports ? exports : undefined,
    imports: isJsonObject(imports) ? imports : undefined,
  };
  perHost.set(dir, pkg);
  return pkg;
}

/** Reads and caches package.json files of one tree (cache per TreeHost object, e.g. a WeakMap). Invalid JSON → ERR_INVALID_PACKAGE_CONFIG. */
export function readPackageJson(host: TreeHost, dir: string): PackageJson | undefined {
  return loadPackageJson(host, dir, undefined);
}

/** Whether LOOKUP_PACKAGE_SCOPE stops before reading `dir/package.json` (Node never looks past a node_modules). */
function stopsScopeLookup(dir: string): boolean {
  return modernPackageReader ? baseName(dir) === 'node_modules' : dir.endsWith('node_modules');
}

function lookupScope(host: TreeHost, path: string, context: string | undefined) {
  let dir = parentDir(path);
  for (;;) {
    if (stopsScopeLookup(dir)) return undefined;
    const pkg = loadPackageJson(host, dir, context);
    if (pkg !== undefined) return { dir, pkg };
    if (dir === '') return undefined;
    dir = parentDir(dir);
  }
}

/** Nearest package.json at or above the directory of `path`, not going above the tree root; stops at a directory named node_modules like Node does. */
export function findPackageScope(host: TreeHost, path: string): { dir: string; pkg: PackageJson } | undefined {
  return lookupScope(host, path, undefined);
}

function scopeOf(context: Context) {
  return lookupScope(context.host, context.base, modernPackageReader ? undefined : show(context, context.base));
}

// ---------------------------------------------------------------------------------------------------------------
// PACKAGE_TARGET_RESOLVE and friends.

/** A resolution before its final existence check: a URL under ROOT, an already checked path, or a final answer. */
type Hit =
  | { kind: 'url'; url: URL }
  | { kind: 'path'; path: string }
  | { kind: 'builtin'; url: string }
  | { kind: 'outside'; specifier: string };

/** A `.`, `..` or `node_modules` segment, separators `/` or `\`, any character percent-encoded, any case. */
function hasInvalidSegment(path: string): boolean {
  return path.split(/[\\/]/).some((segment) => {
    const decoded = segment.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    const lower = decoded.toLowerCase();
    return lower === '.' || lower === '..' || lower === 'node_modules';
  });
}

function isArrayIndex(key: string): boolean {
  const value = Number(key);
  return `${value}` === key && value >= 0 && value < 0xffff_ffff;
}

function replaceStars(text: string, subpath: string): string {
  return text.replace(/\*/g, () => subpath);
}

function resolveTargetString(
  context: Context,
  dir: string,
  target: string,
  subpath: string,
  match: string,
  pattern: boolean,
  internal: boolean,
): Hit {
  if (subpath !== '' && !pattern && !target.endsWith('/')) invalidTarget(context, dir, match, target, internal);
  if (!target.startsWith('./')) {
    if (internal && !target.startsWith('../') && !target.startsWith('/') && !URL.canParse(target)) {
      // A bare package specifier from "imports": resolved from the package, as Node does, with it as the base.
      const specifier = pattern ? replaceStars(target, subpath) : target + subpath;
      return packageResolve({ ...context, base: packageJsonPath(dir), require: false }, specifier);
    }
    invalidTarget(context, dir, match, target, internal);
  }
  if (hasInvalidSegment(target.slice(2))) invalidTarget(context, dir, match, target, internal);
  const resolved = new URL(target, packageJsonUrl(dir));
  if (!resolved.pathname.startsWith(dirUrl(dir).pathname)) invalidTarget(context, dir, match, target, internal);
  if (subpath === '') return { kind: 'url', url: resolved };
  if (hasInvalidSegment(subpath)) {
    const request = pattern ? match.replace('*', () => subpath) : match + subpath;
    const field = internal ? 'imports' : 'exports';
    invalidSpecifier(
      context,
      request,
      `request is not a valid match in pattern "${match}" for the "${field}" resolution of ${show(context, packageJsonPath(dir))}`,
    );
  }
  if (pattern) return { kind: 'url', url: new URL(replaceStars(resolved.href, subpath)) };
  return { kind: 'url', url: new URL(subpath, resolved) };
}

/** PACKAGE_TARGET_RESOLVE: a hit, null (explicitly excluded) or undefined (no condition matched). */
function resolveTarget(
  context: Context,
  dir: string,
  target: JsonValue,
  subpath: string,
  match: string,
  pattern: boolean,
  internal: boolean,
): Hit | null | undefined {
  if (typeof target === 'string') {
    return resolveTargetString(context, dir, target, subpath, match, pattern, internal);
  }
  if (Array.isArray(target)) {
    if (target.length === 0) return null;
    // Fallbacks: only invalid targets, null and unmatched conditions move on to the next item.
    let last: unknown;
    for (const item of target as readonly JsonValue[]) {
      let hit: Hit | null | undefined;
      try {
        hit = resolveTarget(context, dir, item, subpath, match, pattern, internal);
      } catch (error) {
        last = error;
        if (error instanceof HotzipError && error.code === 'ERR_INVALID_PACKAGE_TARGET') continue;
        throw error;
      }
      if (hit === undefined) continue;
      if (hit === null) {
        last = null;
        continue;
      }
      return hit;
    }
    if (last === undefined || last === null) return last;
    throw last;
  }
  if (isJsonObject(target)) {
    const keys = Object.keys(target);
    if (keys.some(isArrayIndex)) invalidConfig(context, dir, '"exports" cannot contain numeric property keys.');
    // The object's key order decides, not the order of the conditions.
    for (const key of keys) {
      if (key !== 'default' && !context.conditions.has(key)) continue;
      const hit = resolveTarget(context, dir, target[key] ?? null, subpath, match, pattern, internal);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }
  if (target === null) return null;
  return invalidTarget(context, dir, match, target, internal);
}

/** Node's PATTERN_KEY_COMPARE: the longer prefix before `*` wins, then the longer key. */
function patternKeyCompare(a: string, b: string): number {
  const aStar = a.indexOf('*');
  const bStar = b.indexOf('*');
  const aBase = aStar === -1 ? a.length : aStar + 1;
  const bBase = bStar === -1 ? b.length : bStar + 1;
  if (aBase !== bBase) return aBase > bBase ? -1 : 1;
  if (aStar === -1) return 1;
  if (bStar === -1) return -1;
  if (a.length !== b.length) return a.length > b.length ? -1 : 1;
  return 0;
}

/** The `*` key of `map` that matches `request` best, with what `*` stands for. */
function bestPatternMatch(map: JsonObject, request: string): { key: string; subpath: string } | undefined {
  let best: { key: string; subpath: string } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf('*');
    if (star === -1 || key.lastIndexOf('*') !== star || !request.startsWith(key.slice(0, star))) continue;
    const trailer = key.slice(star + 1);
    if (request.length < key.length || !request.endsWith(trailer)) continue;
    if (patternKeyCompare(best?.key ?? '', key) !== 1) continue;
    best = { key, subpath: request.slice(star, request.length - trailer.length) };
  }
  return best;
}

/** Whether `exports` is the main entry alone (a string, an array, or an object of condition names). */
function isMainSugar(context: Context, dir: string, exports: JsonValue): boolean {
  if (typeof exports === 'string' || Array.isArray(exports)) return true;
  if (!isJsonObject(exports)) return false;
  let sugar: boolean | undefined;
  for (const key of Object.keys(exports)) {
    const condition = key === '' || !key.startsWith('.');
    if (sugar === undefined) sugar = condition;
    else if (sugar !== condition) {
      invalidConfig(
        context,
        dir,
        `"exports" cannot contain some keys starting with '.' and some not. The exports object must either be an object of package subpath keys or an object of main entry condition name keys only.`,
      );
    }
  }
  return sugar ?? false;
}

/** PACKAGE_EXPORTS_RESOLVE: a subpath the package does not export is an error, never a fall-through. */
function exportsResolve(context: Context, dir: string, exports: JsonValue, subpath: string): Hit {
  const map: JsonValue = isMainSugar(context, dir, exports) ? { '.': exports } : exports;
  if (!isJsonObject(map)) return notExported(context, dir, subpath);
  if (Object.hasOwn(map, subpath) && !subpath.includes('*') && !subpath.endsWith('/')) {
    const hit = resolveTarget(context, dir, map[subpath] ?? null, '', subpath, false, false);
    return hit ?? notExported(context, dir, subpath);
  }
  const best = bestPatternMatch(map, subpath);
  if (best !== undefined) {
    const hit = resolveTarget(context, dir, map[best.key] ?? null, best.subpath, best.key, true, false);
    if (hit !== undefined && hit !== null) return hit;
  }
  return notExported(context, dir, subpath);
}

/** PACKAGE_IMPORTS_RESOLVE for `#name` from the importer's package scope. */
function importsResolve(context: Context, name: string): Hit {
  if (name === '#' || (!hashSlashImports && name.startsWith('#/')) || name.endsWith('/')) {
    invalidSpecifier(context, name, 'is not a valid internal imports specifier name');
  }
  const scope = scopeOf(context);
  const imports = scope?.pkg.imports;
  if (scope !== undefined && imports !== undefined) {
    if (Object.hasOwn(imports, name) && !name.includes('*')) {
      const hit = resolveTarget(context, scope.dir, imports[name] ?? null, '', name, false, true);
      if (hit !== undefined && hit !== null) return hit;
    } else {
      const best = bestPatternMatch(imports, name);
      if (best !== undefined) {
        const hit = resolveTarget(context, scope.dir, imports[best.key] ?? null, best.subpath, best.key, true, true);
        if (hit !== undefined && hit !== null) return hit;
      }
    }
  }
  const where = scope === undefined ? '' : ` in package ${show(context, packageJsonPath(scope.dir))}`;
  return raise(
    context,
    'ERR_PACKAGE_IMPORT_NOT_DEFINED',
    `Package import specifier "${name}" is not defined${where}${importedFrom(context)}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// PACKAGE_RESOLVE

function parsePackageName(context: Context, specifier: string): { name: string; subpath: string } {
  const parts = splitPackageSpecifier(specifier);
  // No leading '.', no percent-encoding, no '\' separators in a package name.
  const name = parts?.name ?? '';
  if (parts === undefined || name.startsWith('.') || name.includes('%') || name.includes('\\')) {
    return invalidSpecifier(context, specifier, 'is not a valid package name');
  }
  return parts;
}

const legacyMainSuffixes = ['', '.js', '.json', '.node', '/index.js', '/index.json', '/index.node'];
const legacyIndexFiles = ['index.js', 'index.json', 'index.node'];

/** A probe path is a file only as a file system would say: never with a trailing slash. */
function probeFile(host: TreeHost, path: string): boolean {
  if (path.endsWith('/')) return false;
  const normalized = normalizeTreePath(path);
  return normalized !== undefined && normalized !== '' && host.isFile(normalized);
}

/** Node's legacy main resolution for a package without `exports`: main, main.js, …, then index.js, … */
function legacyMainResolve(context: Context, dir: string, main: string | undefined): Hit {
  let initial: string | undefined;
  if (main !== undefined) {
    // Node 22+ probes `main` as a path (path.resolve); Node 20 probes it as a URL path.
    initial = modernPackageReader
      ? main.startsWith('/')
        ? undefined
        : normalizeTreePath(joinPath(dir, main))
      : decodedTreePath(new URL(`./${main}`, packageJsonUrl(dir)));
    if (initial !== undefined) {
      const start = initial;
      const suffix = legacyMainSuffixes.find((ext) => probeFile(context.host, start + ext));
      // Node then rebuilds the URL from `main` as written; the final check finds out if the two disagree.
      if (suffix !== undefined) return { kind: 'url', url: new URL(`./${main}${suffix}`, packageJsonUrl(dir)) };
    }
  }
  const index = legacyIndexFiles.find((file) => context.host.isFile(joinPath(dir, file)));
  if (index !== undefined) return { kind: 'path', path: joinPath(dir, index) };
  const shown = main === undefined ? joinPath(dir, 'index.js') : (initial ?? joinPath(dir, main));
  return raise(
    context,
    'ERR_MODULE_NOT_FOUND',
    `Cannot find package '${show(context, shown)}'${importedFrom(context)}`,
  );
}

/** PACKAGE_RESOLVE for a bare specifier: builtins, self-reference, then node_modules up to the tree root. */
function packageResolve(context: Context, specifier: string): Hit {
  if (isBuiltin(specifier)) return { kind: 'builtin', url: builtinUrl(specifier) };
  const { name, subpath } = parsePackageName(context, specifier);

  const scope = scopeOf(context);
  if (scope !== undefined && scope.pkg.exports !== undefined && scope.pkg.name === name) {
    return exportsResolve(context, scope.dir, scope.pkg.exports, subpath);
  }
  if (context.require) return commonJSPackageResolve(context, specifier, name, subpath);

  const configContext = `"${specifier}" from ${show(context, context.base)}`;
  let dir = parentDir(context.base);
  for (;;) {
    const packageDir = normalizeTreePath(joinPath(joinPath(dir, 'node_modules'), name));
    if (packageDir !== undefined && packageDir !== '' && context.host.isDirectory(packageDir)) {
      const pkg = loadPackageJson(context.host, packageDir, configContext);
      if (pkg?.exports !== undefined) return exportsResolve(context, packageDir, pkg.exports, subpath);
      if (subpath === '.') return legacyMainResolve(context, packageDir, pkg?.main);
      return { kind: 'url', url: new URL(subpath, packageJsonUrl(packageDir)) };
    }
    if (dir === '') return { kind: 'outside', specifier };
    dir = parentDir(dir);
  }
}

/** require()'s node_modules walk: skips node_modules/node_modules, probes extensions, moves on when nothing matches. */
function commonJSPackageResolve(context: Context, specifier: string, name: string, subpath: string): Hit {
  const configContext = `"${specifier}" from ${show(context, context.base)}`;
  let dir = parentDir(context.base);
  for (;;) {
    if (baseName(dir) !== 'node_modules') {
      const modules = joinPath(dir, 'node_modules');
      const packageDir = normalizeTreePath(joinPath(modules, name));
      const pkg =
        packageDir !== undefined && packageDir !== '' && context.host.isDirectory(packageDir)
          ? loadPackageJson(context.host, packageDir, configContext)
          : undefined;
      if (packageDir !== undefined && pkg?.exports !== undefined) {
        return exportsResolve(context, packageDir, pkg.exports, subpath);
      }
      const found = commonJSFind(context.host, joinPath(modules, specifier));
      if (found?.path !== undefined) return { kind: 'path', path: found.path };
      if (found?.badMain !== undefined) {
        raise(
          context,
          'ERR_MODULE_NOT_FOUND',
          `Cannot find module '${show(context, found.badMain)}'. Please verify that the package.json has a valid "main" entry${importedFrom(context)}`,
        );
      }
    }
    if (dir === '') return { kind: 'outside', specifier };
    dir = parentDir(dir);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CommonJS file probing.

const commonJSExtensions = ['.js', '.json', '.node'];

function tryExtensions(host: TreeHost, path: string): string | undefined {
  for (const extension of commonJSExtensions) {
    if (host.isFile(path + extension)) return path + extension;
  }
  return undefined;
}

/** Module._findPath for one candidate: the file, its extensions, then the directory's main or index. */
function commonJSFind(host: TreeHost, request: string): { path?: string; badMain?: string } | undefined {
  const trailingSlash = request.endsWith('/');
  const path = normalizeTreePath(request);
  if (path === undefined) return undefined;
  if (!trailingSlash && path !== '') {
    if (host.isFile(path)) return { path };
    const withExtension = tryExtensions(host, path);
    if (withExtension !== undefined) return { path: withExtension };
  }
  if (path !== '' && !host.isDirectory(path)) return undefined;
  const main = readPackageJson(host, path)?.main;
  const index = tryExtensions(host, joinPath(path, 'index'));
  if (main === undefined || main === '') return index === undefined ? undefined : { path: index };
  const target = main.startsWith('/') ? undefined : normalizeTreePath(joinPath(path, main));
  if (target !== undefined && target !== '') {
    if (host.isFile(target)) return { path: target };
    const found = tryExtensions(host, target) ?? tryExtensions(host, joinPath(target, 'index'));
    if (found !== undefined) return { path: found };
  }
  return index === undefined ? { badMain: target ?? joinPath(path, main) } : { path: index };
}

/** CommonJS-style file resolution for require() from an archive: exact path, then +'.js', '.json', '.node', then dir/package.json "main" (with the same probes), then dir/index.js/.json/.node. Returns the path or undefined. */
export function resolveCommonJSPath(host: TreeHost, path: string): string | undefined {
  return commonJSFind(host, path)?.path;
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points.

/** Node's final check (finalizeResolution): no encoded separators, a file and not a directory. */
function finalize(context: Context, hit: Hit, specifier: string): Resolution {
  if (hit.kind !== 'url') return hit;
  const encoded = encodedTreePath(hit.url);
  if (encoded === undefined) return leavesTree(context, specifier);
  if (/%2f|%5c/i.test(encoded)) {
    invalidSpecifier(context, show(context, encoded), 'must not include encoded "/" or "\\" characters');
  }
  const decoded = decodedTreePath(hit.url);
  const path = decoded === undefined ? undefined : normalizeTreePath(decoded);
  if (decoded === undefined || path === undefined) {
    return invalidSpecifier(context, show(context, encoded), 'is not a valid percent-encoded path');
  }
  const trailingSlash = decoded.endsWith('/');
  if (path !== '' && !trailingSlash && context.host.isFile(path)) return { kind: 'path', path };
  const from = importedFrom(context);
  if (!context.require && (path === '' || context.host.isDirectory(path))) {
    const shown = show(context, path) + (trailingSlash && path !== '' ? '/' : '');
    // errors.ts words this one itself ("Directory import '%s' is not supported resolving ES modules").
    return raise(context, 'ERR_UNSUPPORTED_DIR_IMPORT', shown, shown);
  }
  const shown = show(context, path);
  return raise(context, 'ERR_MODULE_NOT_FOUND', `Cannot find module '${shown}'${from}`, shown);
}

/** Resolves a bare specifier ('pkg', 'pkg/sub', '@scope/pkg/sub') or '#imports' specifier from the importer at `parentPath` with the given conditions (Node passes e.g. ['node','import'] or ['node','require','module-sync'] — use them as given). */
export function resolvePackageSpecifier(
  host: TreeHost,
  specifier: string,
  parentPath: string,
  conditions: readonly string[],
): Resolution {
  const context: Context = {
    host,
    conditions: new Set(conditions),
    require: isRequire(conditions),
    importer: parentPath,
    base: parentPath,
  };
  if (specifier.startsWith('node:')) return { kind: 'builtin', url: specifier };
  if (specifier.startsWith('/')) return { kind: 'outside', specifier };
  if (isRelativeSpecifier(specifier)) {
    // Not a package specifier, but answered the same way for callers that hand every specifier over.
    if (context.require) {
      const found = commonJSFind(host, joinPath(parentDir(parentPath), specifier));
      if (found?.path !== undefined) return { kind: 'path', path: found.path };
      const missing = normalizeTreePath(joinPath(parentDir(parentPath), specifier));
      if (missing === undefined) return leavesTree(context, specifier);
      return raise(
        context,
        'ERR_MODULE_NOT_FOUND',
        `Cannot find module '${show(context, missing)}'${importedFrom(context)}`,
      );
    }
    return finalize(context, { kind: 'url', url: new URL(specifier, fileUrl(parentPath)) }, specifier);
  }
  if (specifier.startsWith('#')) return finalize(context, importsResolve(context, specifier), specifier);
  // An absolute URL (file:, data:, https:) means the same inside an archive as beside it.
  if (URL.canParse(specifier)) return { kind: 'outside', specifier };
  return finalize(context, packageResolve(context, specifier), specifier);
}

/**
 * The main entry (`"."`) of a package's `exports` value, sugar included, under `conditions`: the archive's own main
 * module. Undefined when `"."` is not exported or excluded with null; invalid targets and configs throw.
 * The path is not checked for existence: the caller reports a missing main in its own words.
 */
export function resolvePackageTarget(
  host: TreeHost,
  packageDir: string,
  exports: JsonValue,
  conditions: readonly string[],
): string | undefined {
  const base = packageJsonPath(packageDir);
  const context: Context = {
    host,
    conditions: new Set(conditions),
    require: isRequire(conditions),
    importer: base,
    base,
  };
  let hit: Hit;
  try {
    hit = exportsResolve(context, packageDir, exports, '.');
  } catch (error) {
    if (error instanceof HotzipError && error.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return undefined;
    throw error;
  }
  if (hit.kind === 'path') return hit.path;
  if (hit.kind !== 'url') return undefined;
  const decoded = decodedTreePath(hit.url);
  const path = decoded === undefined ? undefined : normalizeTreePath(decoded);
  return path === '' ? undefined : path;
}
