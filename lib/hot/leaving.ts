/**
 * Modules an update takes out of the program though their entries stay in the archive: a new version stopped
 * importing them and nothing else does. A fresh start would not load them, so their `prune` handlers run (a timer or
 * a server they started stops) and the update reports them removed. A later version that imports one again
 * evaluates it anew (see Update's plan).
 */

import type { HotModule } from './module.js';
import type { ModulePreview } from './runtime.js';
import type { Importers } from './validate.js';

/**
 * A module the update takes out of the program, and the modules whose new versions left it: should one of those not
 * be installed (it threw), its previous version, restored, still imports the module, which then stays.
 */
export interface LeftModule {
  module: HotModule;
  by: HotModule[];
}

/** What leavingModules reads of the update and the program. */
export interface LeavingContext {
  modules: ReadonlyMap<string, HotModule>;
  /** The modules the update replaces, and their new versions' shapes, by index. */
  targets: readonly HotModule[];
  shapes: ReadonlyArray<ModulePreview | undefined>;
  /** Modules whose entries the update removes, and modules it already takes out (see settleFollows). */
  gone: readonly HotModule[];
  /** Every module as the update leaves it (new versions, modules joining it, the rest as they run), with its imports. */
  importers(): Importers;
  /** A plain file that imported module `url` (or the program's entry point), if any. */
  hostImporter(url: string): string | undefined;
  /**
   * Whether something may import what no import list shows: a module calling `import()`, or CommonJS requiring ES
   * modules. Then no module is taken out: one that may still be in use must never be pruned.
   */
  unknownImports: boolean;
}

/** The modules the update takes out of the program (see the file's comment). */
export function leavingModules(context: LeavingContext): LeftModule[] {
  const { modules, targets, shapes } = context;
  // Candidates: what the new versions no longer import, and what the removed modules imported.
  const candidates: Array<[string, HotModule[]]> = [];
  for (const [index, module] of targets.entries()) {
    const shape = shapes[index];
    if (shape === undefined) continue;
    const kept = new Set(shape.imports().map(([url]) => url));
    for (const [url] of module.current.imports()) if (!kept.has(url)) candidates.push([url, [module]]);
  }
  for (const module of context.gone) for (const [url] of module.current.imports()) candidates.push([url, []]);
  if (candidates.length === 0 || context.unknownImports) return [];
  const importers = context.importers();
  if (importers.some(([, shape]) => shape?.importsDynamically !== false)) return [];
  // Who imports each module once the update is in.
  const importedBy = new Map<string, string[]>();
  for (const [importer, shape] of importers) {
    for (const [url] of shape?.imports() ?? []) {
      const list = importedBy.get(url);
      if (list === undefined) importedBy.set(url, [importer]);
      else list.push(importer);
    }
  }
  const out = new Set<string>(context.gone.map((module) => module.url));
  const leaving: LeftModule[] = [];
  for (let at = 0; at < candidates.length; at++) {
    const [url, by] = candidates[at] as [string, HotModule[]];
    const module = modules.get(url);
    if (module === undefined || module.removed || out.has(url) || targets.includes(module)) continue;
    if (context.hostImporter(url) !== undefined) continue;
    if ((importedBy.get(url) ?? []).some((importer) => !out.has(importer) && importer !== url)) continue;
    out.add(url);
    leaving.push({ module, by });
    // What it imported may have been kept by it alone.
    for (const [dependency] of module.current.imports()) candidates.push([dependency, by]);
  }
  return leaving;
}
