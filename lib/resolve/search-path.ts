/**
 * Archives on the module search path (`HOTZIP_PATH`), Python's `sys.path` for zips in Node's terms.
 *
 * A bare specifier that Node's own resolution does not find is looked up in the listed archives in order. Each
 * archive root acts like a `node_modules` folder (`pkg` is `<archive>!/pkg/` with its package.json, `@scope/pkg`,
 * subpaths per `exports`), and, as `zipimport` allows, a single module at the root (`name.js`, `.mjs`, `.cjs`). The
 * search path is only ever a fallback: whatever Node finds first (builtins, `node_modules`, `imports`) wins.
 */
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openArchive } from '../archive/cache.js';
import type { Archive } from '../archive/reader.js';
import { isCodedError } from '../errors.js';
import { log } from '../log.js';
import { formatZipUrl } from '../url/zip-url.js';
import { resolvePackageSpecifier, type TreeHost } from './package.js';
import { treeOf } from './resolve.js';
import { hasUrlScheme, isRequire, splitPackageSpecifier } from './specifiers.js';

/** Whether the search path may answer `specifier`: a bare package name, not a builtin, URL, path or `#import`. */
export function isSearchable(specifier: string): boolean {
  if (specifier === '' || specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) {
    return false;
  }
  if (specifier.startsWith('\\') || hasUrlScheme(specifier)) return false;
  return !isBuiltin(specifier);
}

/**
 * Whether Node's own resolution of bare `specifier` from `parentURL` has anything to find: a `node_modules/<name>`
 * up the tree (or, for require(), a file of that name there or in the global folders), or the importer's own
 * package by name. When it has not, the search path answers without asking Node first: Node's failed default step
 * would otherwise mark the result as not resolved by hooks, and its CommonJS loader would resolve it again without
 * them. Undefined when the importer is not a file (Node is then asked first).
 */
export function nodeMightFind(
  specifier: string,
  parentURL: string | undefined,
  conditions: readonly string[],
): boolean | undefined {
  if (parentURL !== undefined && !parentURL.startsWith('file:')) return undefined;
  const name = splitPackageSpecifier(specifier)?.name ?? specifier;
  const require = isRequire(conditions);
  const candidates = require ? [name, `${name}.js`, `${name}.json`, `${name}.node`] : [name];
  const has = (dir: string) => candidates.some((candidate) => fs.existsSync(path.join(dir, candidate)));
  let dir = parentURL === undefined ? process.cwd() : path.dirname(fileURLToPath(parentURL));
  let selfChecked = false;
  for (;;) {
    if (path.basename(dir) !== 'node_modules' && has(path.join(dir, 'node_modules'))) return true;
    if (!selfChecked) {
      const manifest = path.join(dir, 'package.json');
      if (fs.existsSync(manifest)) {
        selfChecked = true;
        try {
          if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name === name) return true;
        } catch {
          return true;
        }
      }
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const globalPaths = (nodeModule as { globalPaths?: string[] }).globalPaths ?? [];
  const nodePath = (process.env.NODE_PATH ?? '').split(path.delimiter).filter((item) => item !== '');
  return require && [...nodePath, ...globalPaths].some(has);
}

const MODULES = 'node_modules/';
const roots = new WeakMap<Archive, TreeHost>();

/** The archive seen as the `node_modules` folder of an empty tree: `node_modules/x` is the archive's `x`. */
function asModulesFolder(archive: Archive): TreeHost {
  let host = roots.get(archive);
  if (host === undefined) {
    const tree = treeOf(archive);
    const inside = (p: string): string | undefined =>
      p === 'node_modules' ? '' : p.startsWith(MODULES) ? p.slice(MODULES.length) : undefined;
    host = {
      isFile: (p) => {
        const entry = inside(p);
        return entry !== undefined && entry !== '' && tree.isFile(entry);
      },
      isDirectory: (p) => {
        const entry = inside(p);
        return entry === '' || (entry !== undefined && tree.isDirectory(entry));
      },
      readText: (p) => {
        const entry = inside(p);
        return entry === undefined || entry === '' ? undefined : tree.readText(entry);
      },
      urlOf: (p) => tree.urlOf(inside(p) ?? p),
    };
    roots.set(archive, host);
  }
  return host;
}

const warned = new Set<string>();

/** The current snapshot of a listed archive, or undefined (with one warning per archive per process). */
function openListed(file: string): Archive | undefined {
  try {
    return openArchive(file);
  } catch (error) {
    if (!warned.has(file)) {
      warned.add(file);
      const reason = isCodedError(error) ? error.message : String(error);
      log('error', `HOTZIP_PATH: skipping ${file}: ${reason}`);
    }
    return undefined;
  }
}

/** The `zip:` URL of `specifier` in the first archive on `searchPath` that has it, or undefined. */
export function findOnSearchPath(
  searchPath: readonly string[],
  specifier: string,
  conditions: readonly string[],
): string | undefined {
  for (const file of searchPath) {
    const archive = openListed(file);
    if (archive === undefined) continue;
    const found = resolvePackageSpecifier(asModulesFolder(archive), specifier, 'index.js', conditions);
    if (found.kind === 'path') return formatZipUrl(archive.path, found.path.slice(MODULES.length));
    if (!specifier.includes('/')) {
      for (const extension of ['.js', '.mjs', '.cjs']) {
        if (archive.isFile(specifier + extension)) return formatZipUrl(archive.path, specifier + extension);
      }
    }
  }
  return undefined;
}

/** Adds the archives searched to Node's not-found error (message and the stack that repeats it). */
export function withSearchedArchives(error: unknown, searchPath: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  const before = error.message;
  error.message = `${before} (also searched HOTZIP_PATH: ${searchPath.join(path.delimiter)})`;
  if (typeof error.stack === 'string') error.stack = error.stack.replace(before, error.message);
  return error;
}
