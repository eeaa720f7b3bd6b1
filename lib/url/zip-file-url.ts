/**
 * `fileURLToPath(import.meta.url)` in an archive module: the idiom that ES modules use to make `__filename` and
 * `__dirname`. Node's `fileURLToPath` refuses any scheme but `file:`, so a package that runs this line at load
 * cannot be imported from an archive at all. hotzip's `url.fileURLToPath` gives back a `zip:` URL as it is (without
 * an instance's version query): the same string that `__filename` holds in archive CommonJS, which `createRequire()`
 * and `path.dirname()` accept. Every other argument goes to Node's.
 */
import { syncBuiltinESMExports } from 'node:module';
import url from 'node:url';
import { canonicalZipUrl } from './zip-url.js';

type FileUrlToPath = typeof url.fileURLToPath;

/** Replaces `fileURLToPath` on `node:url` (its CommonJS export and ES module bindings) once per thread. */
export function installZipFileUrlToPath(): void {
  const original: FileUrlToPath = url.fileURLToPath;
  const fileURLToPath = ((value: string | URL, options?: Parameters<FileUrlToPath>[1]) => {
    const href = typeof value === 'string' ? value : value instanceof URL ? value.href : undefined;
    if (href?.startsWith('zip:///') === true) return canonicalZipUrl(href);
    return original(value, options);
  }) as FileUrlToPath;
  url.fileURLToPath = fileURLToPath;
  syncBuiltinESMExports();
}
