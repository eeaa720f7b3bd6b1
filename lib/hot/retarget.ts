/**
 * Re-exports that move to another module. A module's live instance re-exports natively (`export { a as b } from
 * './chunk-3F2A.js'`): its importers are linked to the bindings of that module's live instance, and no update can
 * re-point them. A bundler that names chunks by their content makes exactly that change on every edit of shared
 * code: the entry now re-exports from `./chunk-9C1D.js`. When the old module leaves the program with that update,
 * its bindings are free to follow the new module's (see HotModule.follow). This file says,
 * from the two versions' re-export lists, which modules must follow which, or why they cannot.
 */

import { updateError } from '../errors.js';
import { type ReexportItem, reexportItems } from '../transform/transform.js';
import type { LeftModule } from './leaving.js';
import type { HotModule } from './module.js';
import type { ModulePreview } from './runtime.js';
import { archiveUses, type Importers, type Rejection } from './validate.js';

/** One re-export with its specifier resolved (undefined where it does not resolve). */
export interface ResolvedReexport extends ReexportItem {
  url: string | undefined;
}

/** A re-export list (the registration's format), each specifier resolved by `resolve`. */
export function resolveReexports(list: string, resolve: (specifier: string) => string | undefined): ResolvedReexport[] {
  return reexportItems(list).map((item) => {
    let url: string | undefined;
    try {
      url = resolve(item.from);
    } catch {
      url = undefined;
    }
    return { ...item, url };
  });
}

/**
 * Module `from`, which the running program re-exports from, to follow module `to`: `names` pairs each name the
 * program takes from `from` with the name the new version takes from `to` (a bundler renames a chunk's exports too).
 */
export interface Retarget {
  from: string;
  to: string;
  names: Array<[string, string]>;
}

/**
 * How a module's re-exports change from `live` (what its live instance re-exports, as the program now follows it) to
 * `next`: the modules that must follow others (empty when nothing changed), or why no module can.
 */
export function retargetsOf(live: readonly ResolvedReexport[], next: readonly ResolvedReexport[]): Retarget[] | string {
  const stars = (list: readonly ResolvedReexport[]): string =>
    list
      .filter((item) => item.star)
      .map((item) => item.url ?? `?${item.from}`)
      .sort()
      .join('\n');
  if (stars(live) !== stars(next)) return 'it changed a module it re-exports everything from (export *)';
  const named = (list: readonly ResolvedReexport[]): Map<string, ResolvedReexport> =>
    new Map(list.filter((item) => !item.star).map((item) => [item.name, item]));
  const before = named(live);
  const after = named(next);
  if (before.size !== after.size || [...before.keys()].some((name) => !after.has(name))) {
    return 'it changed which names it re-exports';
  }
  const retargets = new Map<string, Retarget>();
  for (const [name, old] of before) {
    const now = after.get(name) as ResolvedReexport;
    if (old.url === now.url && old.imported === now.imported) continue;
    if (old.url === undefined || now.url === undefined) return `"${name}" comes from a module that does not resolve`;
    if (old.imported === null || now.imported === null) return `"${name}" is a module namespace (export * as)`;
    if (old.url === now.url) return `"${name}" is another export of the same module`;
    const [own, taken] = [old.imported, now.imported];
    let retarget = retargets.get(old.url);
    if (retarget === undefined) {
      retarget = { from: old.url, to: now.url, names: [] };
      retargets.set(old.url, retarget);
    }
    if (retarget.to !== now.url) return `the exports of ${old.url} now come from several modules`;
    const pair = retarget.names.find(([name]) => name === own);
    if (pair === undefined) retarget.names.push([own, taken]);
    else if (pair[1] !== taken) return `"${own}" of ${old.url} now stands for two names`;
  }
  return [...retargets.values()];
}

/**
 * What a live instance's specifier resolved to when it linked. Asked after the change, when the module it names may
 * have left the archive: a relative specifier is a URL relative to the module's, whatever is there now.
 */
function resolveLive(module: HotModule, specifier: string): string | undefined {
  if (/^\.{0,2}\//.test(specifier)) return new URL(specifier, module.url).href;
  return module.live.resolve(specifier);
}

/** What an update's install does for a module whose re-exports changed (see planFollow). */
export interface FollowPlan {
  /** The modules the program leaves that must follow others. */
  retargets: Retarget[];
  /** The new version's re-export list, and that list resolved: what the program follows from then on. */
  reexports: string;
  resolved: ResolvedReexport[];
}

/** What planFollow reads of the update and the program. */
export interface FollowContext {
  modules: ReadonlyMap<string, HotModule>;
  /** The modules the update replaces. */
  targets: readonly HotModule[];
  /** A module's shape as the update leaves it (its new version, a module joining the update, or as it runs). */
  shapeAt(url: string): ModulePreview | undefined;
}

/**
 * How the program can follow `module` re-exporting what `next` re-exports: each module it re-exported from before
 * must not change in this update, and the bindings the program re-exports from it must be its own declarations (not
 * re-exported in turn); what it takes from the new module must be bindings that module declares. Returns the plan,
 * or why the program cannot follow. Whether the old modules leave the program is settleFollows' to say.
 */
export function planFollow(module: HotModule, next: ModulePreview, context: FollowContext): FollowPlan | string {
  const resolve = next.resolve;
  if (resolve === undefined) return '';
  module.resolvedReexports ??= resolveReexports(module.reexports, (specifier) => resolveLive(module, specifier));
  const resolved = resolveReexports(next.reexports, (specifier) => resolve(specifier));
  const retargets = retargetsOf(module.resolvedReexports, resolved);
  if (typeof retargets === 'string') return retargets;
  for (const { from, to, names } of retargets) {
    const left = context.modules.get(from);
    if (left === undefined) return `${from} is not a module hotzip made hot`;
    if (context.targets.includes(left)) return `${from} changed too`;
    for (const [own] of names) {
      if (left.live.description.indexOf(own) === -1) return `"${own}" of ${from} is not a binding that module declares`;
    }
    const source = context.shapeAt(to);
    if (source?.hot !== true) return `${to} is not a module hotzip makes hot`;
    const reexported = new Set(
      reexportItems(source.reexports)
        .filter((item) => !item.star)
        .map((item) => item.name),
    );
    for (const [, taken] of names) {
      if (!source.exports.includes(taken) || reexported.has(taken)) {
        return `"${taken}" of ${to} is not a binding that module declares`;
      }
    }
  }
  return { retargets, reexports: next.reexports, resolved };
}

/** What settleFollows reads of the update and the program. */
export interface SettleContext {
  modules: ReadonlyMap<string, HotModule>;
  targets: readonly HotModule[];
  /** Every module as the update leaves it, with its imports. */
  importers(): Importers;
  /** A plain file that imported module `url`, statically or through `import()` (it may hold its namespace). */
  hostImporter(url: string): string | undefined;
  /** Where the modules the program leaves with the update are put, once it can apply. */
  left: LeftModule[];
}

/**
 * Checks the update's follow plans together: the modules they leave must agree on what they follow, and no module
 * or plain file may import one of them once the update is in (modules left together may import each other). A module
 * the program had left that comes back (a new version imports it again, or its entry is restored) must take back
 * what it lent: every module re-exporting its bindings must take them from it again in this update. Returns why
 * not, naming the module only a restart can apply; else fills `context.left`.
 */
export function settleFollows(
  plans: ReadonlyMap<HotModule, FollowPlan>,
  context: SettleContext,
): Rejection | undefined {
  const refuse = (url: string, why: string): Rejection => ({
    restartRequired: url,
    error: updateError(
      'ERR_HOTZIP_RESTART_REQUIRED',
      `${url} changed what it re-exports (export … from / export *), which cannot be re-pointed in place: ${why}`,
      url,
    ),
  });
  const leaving = new Map<string, { retarget: Retarget; by: HotModule[] }>();
  for (const [module, plan] of plans) {
    for (const retarget of plan.retargets) {
      const known = leaving.get(retarget.from);
      if (known === undefined) {
        leaving.set(retarget.from, { retarget: { ...retarget, names: [...retarget.names] }, by: [module] });
        continue;
      }
      known.by.push(module);
      if (known.retarget.to !== retarget.to) {
        return refuse(module.url, `${retarget.from} would follow both ${known.retarget.to} and ${retarget.to}`);
      }
      for (const [own, taken] of retarget.names) {
        const pair = known.retarget.names.find(([name]) => name === own);
        if (pair === undefined) known.retarget.names.push([own, taken]);
        else if (pair[1] !== taken) return refuse(module.url, `"${own}" of ${retarget.from} would follow two names`);
      }
    }
  }
  for (const [from, { by }] of leaving) {
    const user =
      archiveUses(from, context.importers()).find(([importer]) => importer !== from && !leaving.has(importer))?.[0] ??
      context.hostImporter(from);
    if (user !== undefined) return refuse((by[0] as HotModule).url, `${user} still imports ${from}`);
  }
  for (const back of context.targets) {
    const alias = back.alias;
    if (alias === undefined) continue;
    for (const through of alias.through) {
      const lent = resolveReexports(through.live.description.reexports, (specifier) => resolveLive(through, specifier));
      const next = plans.get(through)?.resolved ?? through.resolvedReexports ?? [];
      for (const item of lent) {
        if (item.url !== back.url) continue;
        const now = next.find((each) => each.star === item.star && each.name === item.name);
        if (now?.url !== back.url || now.imported !== item.imported) {
          return refuse(
            back.url,
            `${back.url} is imported again, while ${through.url} takes "${item.name}" from ${alias.source.url}`,
          );
        }
      }
    }
  }
  for (const [from, { by }] of leaving) {
    const module = context.modules.get(from);
    if (module === undefined || module.removed) continue;
    module.removed = true;
    module.left = true;
    context.left.push({ module, by });
  }
  return undefined;
}
