/**
 * A module's new version as an update will load it, read from the archive before anything is imported: the hot
 * runtime (which knows nothing of zips) learns from it which versions add exports, and what to check of an instance
 * that cannot register before the update's gates open.
 */
import { openArchiveAt } from '../archive/cache.js';
import { formatOf } from '../load/format.js';
import { stripTypes } from '../load/typescript.js';
import { decideResolution, treeOf } from '../resolve/resolve.js';
import { lex } from '../transform/lex.js';
import { exportName, type ImportedNames, importedNames, isStaticImport, reexportList } from '../transform/transform.js';
import { splitVersion } from '../url/version-query.js';
import { isZipUrl, locate, locateInstance, type ZipLocation } from '../url/zip-url.js';
import type { ModulePreview } from './runtime.js';

/** The conditions an ES module's static imports resolve under (Node's defaults for `import`). */
const IMPORT_CONDITIONS = ['node', 'import'] as const;

/**
 * Module `url` (canonical) as update `version` loads it, from the archive snapshot that update pins; undefined when
 * it is not an archive module or cannot be read or lexed (its load then fails and says why). Also asked of modules
 * not loaded yet that the update's new versions import: whether they are hot decides whether they join it.
 */
export function previewModule(url: string, version: number): ModulePreview | undefined {
  if (!isZipUrl(url)) return undefined;
  let source: string;
  let lexed: ReturnType<typeof lex>;
  let location: ZipLocation;
  let hot = false;
  try {
    location = locate(url);
    const archive = openArchiveAt(location.archive, version);
    // Not readText: its cache would keep every previewed source for the snapshot's lifetime.
    const text = new TextDecoder().decode(archive.read(location.entry));
    source = text;
    try {
      // What the load hook makes hot (see ./load.ts): only these register with the runtime.
      const format = formatOf(treeOf(archive), location.entry, url, () => text);
      if (format === 'module-typescript') {
        const javascript = stripTypes(text);
        if (javascript !== undefined) source = javascript;
        hot = javascript !== undefined;
      } else hot = format === 'module';
    } catch {
      // An entry Node would not load as a module (an unknown extension): its importer's load says why.
    }
    lexed = lex(source);
  } catch {
    return undefined;
  }
  const [imports, exports] = lexed;
  // The imports resolve as the new version's: from its location, made from the one parsed above.
  const versioned = locateInstance(location, version);
  const resolve = (specifier: string): string | undefined => {
    const decision = decideResolution(specifier, versioned, IMPORT_CONDITIONS);
    return decision.kind === 'url' ? splitVersion(decision.url).canonical : undefined;
  };
  return {
    hot,
    exports: exports.filter((entry) => entry.type !== 'reexport-all').map((entry) => exportName(source, entry)),
    reexports: reexportList(exports, source),
    imports: () => {
      const resolved: Array<[string, ImportedNames]> = [];
      for (const entry of imports) {
        if (!isStaticImport(entry)) continue;
        try {
          const url = resolve(entry.specifier);
          if (url !== undefined) resolved.push([url, importedNames(source, entry)]);
        } catch {
          // An import that does not resolve fails the load itself.
        }
      }
      return resolved;
    },
    resolve,
    importsDynamically: imports.some((entry) => entry.type === 'dynamic'),
    specifiers: () => imports.filter(isStaticImport).map((entry) => entry.specifier),
  };
}
