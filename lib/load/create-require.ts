/**
 * `createRequire()` for archive modules: `createRequire(import.meta.url)` in an archive ES module gets a `require`
 * that resolves from the archive entry, as the same call does for a file on disk. Node's own `createRequire` accepts
 * only `file:` URLs and paths, so `node:module`'s export is replaced by one that hands `zip:` URLs to hotzip and
 * everything else to Node's.
 */
import NodeModule, { syncBuiltinESMExports } from 'node:module';
import { canonicalZipUrl, isZipUrl, locate } from '../url/zip-url.js';
import { createArchiveRequire } from './cjs-require.js';

type CreateRequire = typeof NodeModule.createRequire;

/** The href of a `createRequire()` argument that names an archive entry (a `zip:` URL string or URL object). */
function zipHref(filename: unknown): string | undefined {
  const href = typeof filename === 'string' ? filename : filename instanceof URL ? filename.href : undefined;
  // Only an absolute zip URL: Node's createRequire takes no relative locations either.
  return href !== undefined && isZipUrl(href) && href.startsWith('zip:///') ? href : undefined;
}

/**
 * Replaces `createRequire` on `node:module` (the CommonJS export and, through `syncBuiltinESMExports`, the ES module
 * bindings) once per thread. `viaNode`: Node's `require()` goes through the hooks; `searchPath`: HOTZIP_PATH's archives.
 */
export function installCreateRequire(viaNode: boolean, searchPath: readonly string[]): void {
  const original: CreateRequire = NodeModule.createRequire;
  const createRequire: CreateRequire = (filename) => {
    const href = zipHref(filename);
    if (href === undefined) return original(filename);
    // An instance's version query is dropped: every version of a module shares the modules it requires. The caller's
    // URL may be spelled any way the grammar allows; the require resolves from its canonical form.
    return createArchiveRequire(locate(canonicalZipUrl(href)), viaNode, searchPath);
  };
  NodeModule.createRequire = createRequire;
  syncBuiltinESMExports();
}
