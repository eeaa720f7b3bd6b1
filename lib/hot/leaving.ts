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
   * Whether something may import what no import list shows: a module calling `import()`, CommonJS requiring ES
   * modules, a module still loading (not registered, its imports unknown). Then no module is taken out: one that
   * may still be in use must never be pruned.
   */
  unknownImports: boolean;
}

/** `specifier` resolved as the running program resolves it from `module` (its conditions), if it resolves. */
function resolvedFrom(module: HotModule, specifier: string): string | undefined {
  try {
    return module.current.resolve(specifier);
  } catch {
    return undefined;
  }
}

/**
 * The modules the update takes out of the program (see the file's comment). Every module the update's new versions
 * stopped importing, with all it imports, is a candidate; those that some module outside the candidates imports
 * (or a plain file, or the entry point) stay, with everything they import: the rest leave, cycles included. Each
 * leaves `by` every module whose new version dropped an import: if one of those is not installed, nothing leaves.
 */
export function leavingModules(context: LeavingContext): LeftModule[] {
  const { modules, targets, shapes } = context;
  // Dropped by specifier, each resolved as the program resolved it: a preview resolves under Node's default
  // conditions only, where the program may have others (`module-sync`, `--conditions`).
  const dropped: string[] = [];
  const droppers: HotModule[] = [];
  const nextSpecifiers = new Map<HotModule, string[]>();
  for (const [index, module] of targets.entries()) {
    const specifiers = shapes[index]?.specifiers?.();
    if (specifiers === undefined) return [];
    nextSpecifiers.set(module, specifiers);
    const kept = new Set(specifiers);
    let drops = false;
    for (const [specifier] of module.current.description.imports) {
      if (kept.has(specifier)) continue;
      const url = resolvedFrom(module, specifier);
      if (url === undefined) continue;
      dropped.push(url);
      drops = true;
    }
    if (drops) droppers.push(module);
  }
  for (const module of context.gone) for (const [url] of module.current.imports()) dropped.push(url);
  if (dropped.length === 0 || context.unknownImports) return [];
  // What each new version imports, resolved the same way (only now: most updates drop nothing).
  const nextImports = new Map<HotModule, string[]>();
  for (const [module, specifiers] of nextSpecifiers) {
    const urls: string[] = [];
    for (const specifier of specifiers) {
      const url = resolvedFrom(module, specifier);
      if (url !== undefined) urls.push(url);
    }
    nextImports.set(module, urls);
  }
  const importers = context.importers();
  if (importers.some(([, shape]) => shape?.importsDynamically !== false)) return [];
  // The candidates: what was dropped, and all it imports (loaded, not removed, not replaced by the update).
  const candidates = new Set<HotModule>();
  const queue = [...dropped];
  for (let at = 0; at < queue.length; at++) {
    const module = modules.get(queue[at] as string);
    if (module === undefined || module.removed || candidates.has(module) || targets.includes(module)) continue;
    candidates.add(module);
    for (const [url] of module.current.imports()) queue.push(url);
  }
  if (candidates.size === 0) return [];
  const gone = new Set(context.gone.map((module) => module.url));
  const candidateUrls = new Set([...candidates].map((module) => module.url));
  // Roots: candidates a plain file or the entry point imported, or a module outside the candidates imports.
  const kept: string[] = [];
  for (const module of candidates) if (context.hostImporter(module.url) !== undefined) kept.push(module.url);
  for (const [importer, shape] of importers) {
    if (candidateUrls.has(importer) || gone.has(importer)) continue;
    const module = modules.get(importer);
    const urls =
      module !== undefined && nextImports.has(module)
        ? (nextImports.get(module) as string[])
        : (shape?.imports() ?? []).map(([url]) => url);
    for (const url of urls) if (candidateUrls.has(url)) kept.push(url);
  }
  // Everything a kept candidate imports is kept too.
  const stays = new Set<string>();
  for (let at = 0; at < kept.length; at++) {
    const url = kept[at] as string;
    if (stays.has(url) || !candidateUrls.has(url)) continue;
    stays.add(url);
    for (const [dependency] of modules.get(url)?.current.imports() ?? []) kept.push(dependency);
  }
  return [...candidates].filter((module) => !stays.has(module.url)).map((module) => ({ module, by: droppers }));
}
