/**
 * Plain files (`file:` URLs, outside archives) that import hot modules. They never register with the runtime, so
 * the resolve hook records each such import as it links (it sees the parent), and an update reads the names a file
 * imports from its source on disk with the lexer, to check them as it checks archive importers.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lex } from '../transform/lex.js';
import { type ImportedNames, importedNames, isStaticImport } from '../transform/transform.js';
import { formatZipUrl, type ZipLocation } from '../url/zip-url.js';

/**
 * What the hooks tell the runtime (structured-clonable: with `module.register` it crosses threads): a plain file
 * importing a hot module, a hot module's first instance loaded (it registers once its body starts or ends), and an
 * archive entry loaded in a format no update can apply.
 */
export type HookReport =
  /** `parent` (a `file:` URL) imported hot module `url` (canonical) with `specifier`. */
  | { kind: 'host-import'; parent: string; specifier: string; url: string }
  /** Node loaded the first instance of hot module `url`. */
  | { kind: 'first-load'; url: string }
  /**
   * Node loaded archive entry `url` (canonical, no query) as something hotzip cannot load again: JSON, CommonJS,
   * WebAssembly, or TypeScript that needs transforming. A change to it needs a restart.
   */
  | { kind: 'cold-load'; url: string };

/** The report of an archive entry loaded as something no update can load again (see HookReport's `cold-load`). */
export function coldLoad(location: ZipLocation): HookReport {
  return { kind: 'cold-load', url: formatZipUrl(location.archive, location.entry) };
}

/** What HostImporters records as the importer of the program's entry point (`node app.zip`), which has none. */
export const ENTRY_POINT = '(the entry point)';

/**
 * The importer to record when `url` resolves from `parentURL`: a plain file importing an archive module, or the
 * program's own entry point (no parent: a module no update may take out of the program); undefined otherwise.
 */
export function hostImportOf(parentURL: string | undefined, url: string): string | undefined {
  if (!url.startsWith('zip:')) return undefined;
  if (parentURL === undefined) return ENTRY_POINT;
  return parentURL.startsWith('file:') ? parentURL : undefined;
}

/** Every plain file that imports hot modules, with the specifiers it used for each. */
export class HostImporters {
  /** Hot module URL → importing file URL → specifiers. */
  readonly #byModule = new Map<string, Map<string, Set<string>>>();

  /** Records one import (from the same-thread resolve hook). */
  record(parent: string, specifier: string, url: string): void {
    let files = this.#byModule.get(url);
    if (files === undefined) {
      files = new Map();
      this.#byModule.set(url, files);
    }
    let specifiers = files.get(parent);
    if (specifiers === undefined) {
      specifiers = new Set();
      files.set(parent, specifiers);
    }
    specifiers.add(specifier);
  }

  /** A plain file that imported module `url`, statically or through `import()`, if any. */
  anyImporterOf(url: string): string | undefined {
    return this.#byModule.get(url)?.keys().next().value;
  }

  /**
   * The files importing module `url` and the names each imports from it ('*' for a namespace import or
   * `export *`), read from their current source. A file imported only through `import()` uses no name statically
   * and is left out; one that cannot be read or lexed any more is left out too (it has already linked).
   */
  importersOf(url: string): Array<[string, ImportedNames]> {
    const files = this.#byModule.get(url);
    if (files === undefined) return [];
    const result: Array<[string, ImportedNames]> = [];
    for (const [parent, specifiers] of files) {
      let source: string;
      let imports: ReturnType<typeof lex>[0];
      if (parent === ENTRY_POINT) continue;
      try {
        source = fs.readFileSync(fileURLToPath(parent), 'utf8');
        imports = lex(source)[0];
      } catch {
        continue;
      }
      const names = new Set<string>();
      for (const entry of imports) {
        if (!isStaticImport(entry) || entry.specifier === undefined || !specifiers.has(entry.specifier)) continue;
        const taken = importedNames(source, entry);
        if (taken === '*') {
          result.push([parent, '*']);
          names.clear();
          break;
        }
        for (const name of taken) names.add(name);
      }
      if (names.size > 0) result.push([parent, [...names]]);
    }
    return result;
  }
}
