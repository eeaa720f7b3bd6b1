/**
 * The update's checks, as functions of what they are given: each returns what it found and changes nothing. The
 * runtime reads the modules, writes the report and decides what to do with a finding.
 */

import { type UpdateError, updateError } from '../errors.js';
import type { ImportedNames } from '../transform/transform.js';
import type { Namespace } from './context.js';
import { addsNames, type ModuleDescription, UNINITIALIZED } from './description.js';
import type { ModulePreview } from './runtime.js';

/** An error the checks return: the update's error, with its code. */
export type CheckError = UpdateError;

/** Modules that may import a module: each one's URL, and its shape (undefined where it could not be read). */
export type Importers = Array<[string, ModulePreview | undefined]>;

/** What module `url` is imported by, from files outside the archives: each file's URL and the names it takes. */
export type HostUses = (url: string) => Array<[string, ImportedNames]>;

/** What the checks read of one module an update replaces. */
export interface UpdatedModule {
  url: string;
  /**
   * What its live instance (the one importers linked to) re-exports, in the registration's format, as the program
   * follows it (see ./retarget.ts).
   */
  liveReexports: string;
  /** The names its running version exports. */
  exports: readonly string[];
  /** Its new version, as read from the update's snapshot. */
  next: ModulePreview;
  /** Importers that link to its new version, not to the live instance: what it removes is not theirs to miss. */
  linkedNew?: ReadonlySet<string> | undefined;
}

/** Why an update cannot apply in place; `restartRequired` names the module only a restart can apply. */
export interface Rejection {
  error: CheckError;
  restartRequired?: string;
}

/**
 * Whether an update can be applied in place: no module changes what it re-exports (unless `follows` says the
 * program can follow the change: see ./retarget.ts), and no export a new version removes is still imported.
 * `importers` is asked only when some module removes a name (plain files are read from disk by `hostUses`).
 */
export function validateUpdate(
  modules: readonly UpdatedModule[],
  importers: () => Importers,
  hostUses: HostUses,
  follows: (module: UpdatedModule) => string | undefined = () => '',
): Rejection | undefined {
  for (const module of modules) {
    const { next, url } = module;
    const why = next.reexports === module.liveReexports ? undefined : follows(module);
    if (why !== undefined) {
      return {
        restartRequired: url,
        error: updateError(
          'ERR_HOTZIP_RESTART_REQUIRED',
          `${url} changed what it re-exports (export … from / export *), which cannot be re-pointed in place${why === '' ? '' : `: ${why}`}`,
          url,
        ),
      };
    }
    // Names the running version exports: one an earlier update removed stays a key of the live instance, unused.
    const exported = module.exports;
    if (!addsNames(next.exports, exported)) continue;
    const kept = new Set(next.exports);
    const removed = exported.filter((name) => !kept.has(name));
    for (const [importer, names] of [...archiveUses(url, importers()), ...hostUses(url)]) {
      if (module.linkedNew?.has(importer) === true) continue;
      const missing = names === '*' ? removed[0] : names.find((name) => removed.includes(name));
      if (missing !== undefined) {
        const how = names === '*' ? ' (a namespace import or export * uses every name)' : '';
        return {
          error: updateError(
            'ERR_HOTZIP_UPDATE_REJECTED',
            `update rejected, nothing changed: ${url} no longer exports "${missing}", which ${importer} imports${how}`,
            url,
          ),
        };
      }
    }
  }
  return undefined;
}

/** What each of `importers` imports from module `url`: names, or '*' for a namespace import or `export *`. */
export function archiveUses(url: string, importers: Importers): Array<[string, ImportedNames]> {
  const uses: Array<[string, ImportedNames]> = [];
  for (const [importer, shape] of importers) {
    for (const [dep, names] of shape?.imports() ?? []) if (dep === url) uses.push([importer, names]);
  }
  return uses;
}

/** A module's running version and the new version that ran, as `unusableExports` compares them. */
export interface VersionPair {
  url: string;
  before: ModuleDescription;
  /** The running version's namespace, if it has one (a first instance has none). */
  beforeNamespace: Namespace | undefined;
  /** `before.values()`, when the caller has read them already. */
  beforeValues?: unknown[];
  after: ModuleDescription;
  afterNamespace: Namespace;
  /** `after.values()`, when the caller has read them already. */
  afterValues?: unknown[];
}

/**
 * Why a new version's exports cannot be installed, if they cannot: an export some importer uses (archive module
 * or plain file) was a function and no longer is, so code that calls it would throw. `importers` is asked only
 * when some export was retyped.
 */
export function unusableExports(
  pair: VersionPair,
  importers: () => Importers,
  hostUses: HostUses,
): CheckError | undefined {
  // Most updates retype nothing: only then are the importers looked up (plain files are read from disk). Local
  // bindings are read directly, by index when both versions list the same ones: a namespace's properties are
  // slow to read, which showed with many exports.
  const { url, before, after, afterNamespace: namespace } = pair;
  const same = before.layout === after.layout;
  const retyped: string[] = [];
  const beforeValues = pair.beforeValues ?? before.values();
  const afterValues = pair.afterValues ?? after.values();
  const check = (name: string, from: number, to: number): void => {
    try {
      const old = from !== -1 ? beforeValues[from] : pair.beforeNamespace?.[name];
      if (typeof old !== 'function') return;
      const next = to !== -1 ? afterValues[to] : namespace[name];
      if (typeof next !== 'function' && next !== UNINITIALIZED) retyped.push(name);
    } catch {
      // Uninitialized on either side: nothing callable was there before, or it is not callable now.
    }
  };
  if (same) {
    const names = after.localNames;
    for (let at = 0; at < names.length; at++) check(names[at] as string, at, at);
  }
  // Names that are not local bindings (re-exported), or all of them when the lists differ.
  if (!same || after.reexports !== '') {
    for (const name of Object.keys(namespace)) {
      const to = after.indexOf(name);
      if (same && to !== -1) continue;
      check(name, before.indexOf(name), to);
    }
  }
  if (retyped.length === 0) return undefined;
  for (const [importer, names] of [...archiveUses(url, importers()), ...hostUses(url)]) {
    const name = retyped.find((each) => names === '*' || names.includes(each));
    if (name === undefined) continue;
    return updateError(
      'ERR_HOTZIP_UPDATE_REJECTED',
      `update of ${url} not applied, its previous exports stay: "${name}" is no longer a function, which ${importer} imports`,
      url,
    );
  }
  return undefined;
}
