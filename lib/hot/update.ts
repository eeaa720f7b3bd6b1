/**
 * One update, as a transaction in explicit phases: plan (what changes, at which version, who joins), load (every new
 * instance imported and held at its gate), check (the whole update linked and validated), then commit (dispose,
 * evaluate leaves-first, install) or roll back (every gate rejected: nothing ran, nothing changed). A new version
 * that fails once committed is rolled back alone: its predecessor is restored.
 */

import { type UpdateError, updateError } from '../errors.js';
import { splitVersion } from '../url/version-query.js';
import type { HotzipEvents } from './api.js';
import type { HotContext, Namespace } from './context.js';
import { addsNames, changesNames } from './description.js';
import type { Emitter } from './events.js';
import type { LeftModule } from './leaving.js';
import type { HotModule, Instance, Joining, Pending } from './module.js';
import type { RedirectChange } from './redirects.js';
import type { FollowPlan } from './retarget.js';
import { type ChangeSet, emptyReport, type ModulePreview, reportError, type UpdateReport } from './runtime.js';
import { settledThisTurn, settlesWithin } from './settle.js';

/** An update as its check phase sees it: the modules it replaces, their new versions, who joins, and its report. */
export interface Loaded {
  targets: HotModule[];
  pendings: Pending[];
  /** By target index: each new version as read from the update's snapshot. */
  previews: Array<ModulePreview | undefined>;
  joining: Joining[];
  /** Entries the change added. */
  added: string[];
  /**
   * Modules removing names whose importers within the update link to their new version (see Update.#wholeImports):
   * the check asks only the other importers what they miss.
   */
  relinkedWithin: ReadonlySet<string>;
  report: UpdateReport;
  /** Modules whose entries the update removes. */
  removed: readonly HotModule[];
  /**
   * Filled by the check: modules the program leaves with the update though their entries stay (nothing imports them
   * any more, see ./leaving.ts and ./retarget.ts); pruned once the update has run, unless a new version that left
   * one was not installed.
   */
  left: LeftModule[];
}

/** What an update asks of the runtime it runs in. */
export interface UpdateHost {
  readonly modules: ReadonlyMap<string, HotModule>;
  readonly events: Emitter<HotzipEvents>;
  readonly timeoutMs: number;
  log(level: 'info' | 'debug' | 'error', message: string): void;
  /** A new version number: one per update, every module of it read from one snapshot of each archive. */
  nextVersion(): number;
  preview(url: string, version: number): ModulePreview | undefined;
  changeRedirects(change: RedirectChange): void;
  /** The modules that join update `version` (not loaded here, imported by its new versions). */
  joiners(targets: HotModule[], previews: Array<ModulePreview | undefined>, version: number): Joining[];
  /** Makes a joiner's gate reachable by its `linked` call, or (with `undefined`) no longer. */
  join(url: string, joiner: Joining | undefined): void;
  /** Imports a module's new version, held at its gate (`inlineGate`: one in its own body, see `Pending`). */
  load(module: HotModule, version: number, linkedTo: boolean, inlineGate: boolean): Pending;
  /** Whether a plain file (or the entry point) imported module `url`, statically or with `import()`. */
  hostImported(url: string): boolean;
  /** Drops a new instance's bookkeeping once its update is over. */
  forget(url: string): void;
  /** Waits until every new instance has linked, then checks the update; returns why it cannot apply. */
  check(loaded: Loaded): Promise<UpdateError | undefined>;
  evaluationOrder(targets: HotModule[]): number[];
  unusable(module: HotModule, instance: Instance, namespace: Namespace): UpdateError | undefined;
  install(
    module: HotModule,
    instance: Instance,
    namespace: Namespace,
    linkedTo: boolean,
    follow?: FollowPlan,
  ): HotContext | undefined;
  restore(failed: Pending, report: UpdateReport): Promise<void>;
  notifyDependents(updated: string[]): void;
  safely(fn: () => unknown, url: string, kind: string, report?: UpdateReport): Promise<void>;
  announce(report: UpdateReport, label?: string): void;
}

/** Whether the program had left `module` (see ./leaving.ts), or it follows another's bindings (see ./retarget.ts). */
function isLeft(module: HotModule): boolean {
  return module.left || module.alias !== undefined;
}

/** One update of a set of changed modules (see the file's comment); `run` it once. */
export class Update {
  readonly #host: UpdateHost;
  readonly #changes: ChangeSet;
  /** Lets the next update start: called once this one has committed (or stopped before). */
  readonly #committed: () => void;
  readonly #started = performance.now();
  readonly #report: UpdateReport;
  #targets: HotModule[] = [];
  #previews: Array<ModulePreview | undefined> = [];
  #adding = new Set<HotModule>();
  /** Modules whose new version later first-time importers link to: those in #adding, and those removing names. */
  #relinked = new Set<HotModule>();
  /** Modules whose entries this update removes (marked in the plan, pruned once it is sure to apply). */
  #removed: HotModule[] = [];
  /** Modules the program leaves with this update (found by the check, pruned once it has run: see Loaded). */
  #left: LeftModule[] = [];
  /**
   * Modules the program had left that this update brings back, and the targets whose new versions import them
   * (undefined: something that stays imports them).
   */
  #returning: Array<{ module: HotModule; by: HotModule[] | undefined }> = [];
  #joining: Joining[] = [];
  /** Modules in #relinked, not #adding, that the update's own importers link to (see #wholeImports). */
  #relinkedWithin = new Set<HotModule>();
  #redirected: string[] = [];
  #pendings: Pending[] = [];
  #version = 0;

  constructor(host: UpdateHost, changes: ChangeSet, committed: () => void) {
    this.#host = host;
    this.#changes = changes;
    this.#committed = committed;
    this.#report = { ...emptyReport(), added: changes.added ?? [] };
  }

  /** Runs the update through its phases; resolves to what it did. */
  async run(): Promise<UpdateReport> {
    if (!(await this.#plan())) return this.#finish();
    this.#load();
    try {
      const rejection = await this.#check();
      if (rejection !== undefined) {
        this.#unmarkRemoved();
        this.#rollBack(rejection);
        return this.#finish();
      }
      await this.#prune();
      await this.#commit();
      await this.#pruneLeft();
      return this.#finish();
    } finally {
      this.#cleanUp();
    }
  }

  #finish(): UpdateReport {
    const report = this.#report;
    report.ms = Math.round((performance.now() - this.#started) * 10) / 10;
    const ran = report.updated.length + report.removed.length + report.failed.length > 0;
    if (this.#changes.quiet !== true || ran) this.#host.announce(report, this.#changes.label);
    return report;
  }

  /**
   * Marks removed modules, then decides what the update loads: the changed modules, the barrels that gain exports
   * through them, and the modules that join it. False when nothing is to load (or a module declined); a change
   * that only removes modules is pruned here.
   */
  async #plan(): Promise<boolean> {
    const host = this.#host;
    const changes = this.#changes;
    const report = this.#report;
    const targets = [...new Set(changes.updated)]
      .map((url) => host.modules.get(url))
      .filter((module): module is HotModule => module !== undefined);
    this.#targets = targets;
    // A removed entry was pruned, its decline() with it: restoring it is not an update of a declined module.
    const restored = new Set(targets.filter((module) => module.removed));
    for (const module of targets) module.removed = false;
    // Marked at once (a removed module's imports no longer hold back the check), pruned only once the update is
    // sure to apply: a refused update has run nothing, so the change is tried again as a whole later.
    for (const url of changes.removed ?? []) {
      const module = host.modules.get(url);
      if (module === undefined || module.removed) continue;
      module.removed = true;
      this.#removed.push(module);
    }
    const declined = targets.filter((module) => !restored.has(module) && module.current.handlers?.declined === true);
    const cold = changes.cold ?? [];
    if (declined.length > 0 || cold.length > 0) {
      // Nothing of the change applies (applying the rest would make a state no archive had): a restart applies all.
      report.restartRequired = [
        ...cold,
        ...[...declined, ...targets.filter((module) => !declined.includes(module))].map((module) => module.url),
      ];
      this.#unmarkRemoved();
      return false;
    }
    if (targets.length === 0) {
      await this.#prune();
      return false;
    }

    // One version number for the whole update: its modules are read from one snapshot of each archive.
    const version = host.nextVersion();
    this.#version = version;
    const previews = targets.map((module) => host.preview(module.url, version));
    this.#previews = previews;
    // A module the program had left (see ./leaving.ts; one following another's bindings, see ./retarget.ts) that a
    // new version imports again: it is back, and runs again as a new version of its own (it was pruned, or its
    // bindings hold the other module's values). One that changed but that nothing imports again stays out.
    const imported = new Set<string>();
    for (let at = 0; at < targets.length; at++) {
      for (const [url] of previews[at]?.imports() ?? []) {
        imported.add(url);
        const back = host.modules.get(url);
        if (back === undefined || !isLeft(back) || targets.includes(back)) continue;
        this.#bringBack(back, targets[at] as HotModule);
        targets.push(back);
        previews.push(host.preview(back.url, version));
      }
    }
    for (let at = targets.length - 1; at >= 0; at--) {
      const module = targets[at] as HotModule;
      if (!isLeft(module) || imported.has(module.url)) continue;
      // A plain file imported it since it left (its `import()` got the instance that was left): it is back.
      if (host.hostImported(module.url)) {
        this.#bringBack(module, undefined);
        continue;
      }
      module.removed = true;
      targets.splice(at, 1);
      previews.splice(at, 1);
    }
    if (targets.length === 0) {
      await this.#prune();
      return false;
    }
    // Importers in this update of a version that adds exports must link to that version: the live instance lacks
    // them. Later first-time importers link to a version that adds or removes one (the live instance's list is not
    // what a fresh start would show); importers in the update of one that only removes names still link to the live
    // instance, so that the check names what they miss. Only then: every version someone links to keeps receiving
    // updates, at a cost per update.
    const exportLists = targets.map((module, index) => ({
      known: module.linked.at(-1)?.description.exports ?? [],
      next: previews[index]?.exports ?? [],
    }));
    const adding = new Set(
      targets.filter((_, index) => addsNames(exportLists[index]?.known ?? [], exportLists[index]?.next ?? [])),
    );
    this.#adding = adding;
    this.#relinked = new Set(
      targets.filter((_, index) => changesNames(exportLists[index]?.known ?? [], exportLists[index]?.next ?? [])),
    );
    // A barrel (`export * from`) of a module that adds exports gains them too, but only a new instance of it can
    // show them: it joins the update, unchanged, as a version that adds exports (and so do its own barrels).
    for (let grew = adding.size > 0; grew; ) {
      grew = false;
      const addingUrls = new Set([...adding].map((module) => module.url));
      for (const module of host.modules.values()) {
        if (adding.has(module) || !module.current.starSources().some((url) => addingUrls.has(url))) continue;
        if (!targets.includes(module)) {
          targets.push(module);
          previews.push(host.preview(module.url, version));
        }
        adding.add(module);
        grew = true;
      }
    }
    // A namespace (`import * as ns`) cannot gain keys either: a module importing one of them as a namespace joins the
    // update, unchanged, to link to the new instance (one that declined keeps its namespace: it is not run again).
    if (adding.size > 0) {
      const addingUrls = new Set([...adding].map((module) => module.url));
      for (const module of host.modules.values()) {
        if (targets.includes(module) || module.removed || module.current.handlers?.declined === true) continue;
        if (!module.current.imports().some(([url, names]) => names === '*' && addingUrls.has(url))) continue;
        targets.push(module);
        previews.push(host.preview(module.url, version));
      }
    }
    this.#joining = host.joiners(targets, previews, version);
    // A module joining the update may import a module the program had left, too: that one is back as well.
    for (let back = this.#leftImportedBy(this.#joining); back.length > 0; back = this.#leftImportedBy(this.#joining)) {
      for (const module of back) {
        this.#bringBack(module, undefined);
        targets.push(module);
        previews.push(host.preview(module.url, version));
      }
      this.#joining = host.joiners(targets, previews, version);
    }
    this.#relinkedWithin = this.#wholeImports();
    return true;
  }

  /**
   * Counts `module`, which the program had left, back in: `by` is the target whose new version imports it again
   * (undefined when something else does); should that version not be installed, it leaves again (see #pruneLeft).
   * A refused update leaves it as it was (see #unmarkRemoved).
   */
  #bringBack(module: HotModule, by: HotModule | undefined): void {
    const known = this.#returning.find((each) => each.module === module);
    if (known !== undefined) {
      if (by === undefined) known.by = undefined;
      else known.by?.push(by);
      return;
    }
    this.#returning.push({ module, by: by === undefined ? undefined : [by] });
    module.removed = false;
  }

  /** Modules the program had left (see ./leaving.ts) that modules joining the update import, not yet targets. */
  #leftImportedBy(joining: readonly Joining[]): HotModule[] {
    const back = new Set<HotModule>();
    for (const joiner of joining) {
      for (const [url] of joiner.preview.imports()) {
        const module = this.#host.modules.get(url);
        if (module !== undefined && isLeft(module) && !this.#targets.includes(module)) back.add(module);
      }
    }
    return [...back];
  }

  /**
   * The modules that only remove names which an importer within the update (a new version, a joiner) takes whole
   * (`import * as`), while none of them names a removed one or re-exports everything: linked to the live instance,
   * that importer would keep the removed names, and the check would refuse an update a fresh start runs. The
   * update's importers link to their new version instead; otherwise they stay on the live instance, so that the
   * check names what they miss.
   */
  #wholeImports(): Set<HotModule> {
    const within = new Set<HotModule>();
    const removing = this.#targets.filter((module) => this.#relinked.has(module) && !this.#adding.has(module));
    if (removing.length === 0) return within;
    // A module with an `export *` (of any module: a preview does not say which) passes names on to importers the
    // update leaves on their live instance, which may still use a removed one: it keeps the live instance.
    const uses = [...this.#previews, ...this.#joining.map((joiner) => joiner.preview)].flatMap((preview) =>
      (preview?.imports() ?? []).map(([url, names]) => ({
        url,
        names,
        star: /(?:^|,)\*:/.test(preview?.reexports ?? ''),
      })),
    );
    for (const module of removing) {
      const kept = new Set(this.#previews[this.#targets.indexOf(module)]?.exports ?? []);
      const removed = module.current.description.exports.filter((name) => !kept.has(name));
      let whole = false;
      let misses = false;
      for (const { url, names, star } of uses) {
        if (url !== module.url) continue;
        if (names === '*' && !star) whole = true;
        else if (names === '*' || names.some((name) => removed.includes(name))) misses = true;
      }
      if (whole && !misses) within.add(module);
    }
    return within;
  }

  /** Points the update's imports at its versions, and imports every new version (each held at its gate). */
  #load(): void {
    const host = this.#host;
    const version = this.#version;
    this.#redirected = [
      ...[...this.#adding, ...this.#relinkedWithin].map((module) => module.url),
      ...this.#joining.map((joiner) => splitVersion(joiner.url).canonical),
    ];
    if (this.#redirected.length > 0) host.changeRedirects({ kind: 'update', version, urls: this.#redirected });
    for (const joiner of this.#joining) host.join(joiner.url, joiner);
    // A version imports another gated module only through the update's redirects or a joiner: without either, each
    // version's graph has its gate alone, and the gate can be an await in its body.
    const inlineGate = this.#redirected.length === 0;
    this.#pendings = this.#targets.map((module) =>
      host.load(module, version, this.#adding.has(module) || this.#relinked.has(module), inlineGate),
    );
  }

  /** Waits until the whole update has linked, then checks it; returns why it cannot apply, if it cannot. */
  #check(): Promise<UpdateError | undefined> {
    return this.#host.check({
      targets: this.#targets,
      pendings: this.#pendings,
      previews: this.#previews,
      joining: this.#joining,
      added: this.#changes.added ?? [],
      relinkedWithin: new Set([...this.#relinkedWithin].map((module) => module.url)),
      report: this.#report,
      removed: this.#removed,
      left: this.#left,
    });
  }

  /** Runs the prune handlers of the modules this update removes, and reports them removed. */
  async #prune(): Promise<void> {
    for (const module of this.#removed) {
      for (const prune of module.current.handlers?.pruners ?? [])
        await this.#host.safely(() => prune(module.data), module.url, 'prune', this.#report);
      this.#report.removed.push(module.url);
    }
  }

  /**
   * Runs the prune handlers of the modules the program left with this update, and reports them removed; one that a
   * new version left which was not installed stays (its restored predecessor still imports it).
   */
  async #pruneLeft(): Promise<void> {
    // A module brought back only by new versions that were not installed leaves again: nothing imports it. So does
    // one brought back only by such a module (they come in the order they were brought back).
    const failed = (module: HotModule): boolean => this.#report.failed.includes(module.url);
    const out = new Set<HotModule>();
    for (const { module, by } of this.#returning) {
      if (by === undefined || !by.every((each) => failed(each) || out.has(each)) || failed(module)) continue;
      out.add(module);
      module.left = true;
      module.removed = true;
      this.#left.push({ module, by: [] });
    }
    for (const { module, by } of this.#left) {
      if (by.some((leaver) => this.#report.failed.includes(leaver.url))) {
        module.removed = false;
        module.left = false;
        continue;
      }
      if (!module.pruned) {
        module.pruned = true;
        for (const prune of module.current.handlers?.pruners ?? [])
          await this.#host.safely(() => prune(module.data), module.url, 'prune', this.#report);
      }
      this.#report.removed.push(module.url);
    }
  }

  /** The update does not apply: the modules it removes are still what the running code has. */
  #unmarkRemoved(): void {
    for (const module of this.#removed) module.removed = false;
    // And the modules it would have brought back are still out.
    for (const { module } of this.#returning) module.removed = true;
  }

  /** Rejects every gate: no new body runs, and nothing changed. */
  #rollBack(rejection: UpdateError): void {
    for (const pending of this.#pendings) pending.gate.reject(rejection);
    for (const joiner of this.#joining) joiner.gate.reject(rejection);
    this.#report.error = rejection;
  }

  /**
   * Disposes the replaced versions, opens the gates leaves-first and installs each new version as it settles; a
   * version that fails is rolled back alone (its predecessor restored). Then the `accept` handlers run.
   */
  async #commit(): Promise<void> {
    const host = this.#host;
    const report = this.#report;
    const targets = this.#targets;
    const pendings = this.#pendings;
    host.events.emit('hotzip:beforeUpdate', { updates: targets.map((module) => module.url) });
    for (const module of targets) {
      for (const dispose of module.current.handlers?.disposers ?? [])
        await host.safely(() => dispose(module.data), module.url, 'dispose', report);
      module.current.handlers?.detach();
    }
    const settling: Array<Promise<void>> = [];
    // Modules still evaluating (top-level await) once the loop is done; any left when the time limit expires are
    // reported as not applied, and are not installed should they settle later.
    const unsettled = new Set<string>();
    let expired = false;
    // The contexts the replaced versions registered `accept` callbacks on, called once the update is in.
    const replaced: Array<[HotModule, HotContext | undefined]> = [];
    for (const index of host.evaluationOrder(targets)) {
      const pending = pendings[index];
      if (pending === undefined) continue;
      const settle = (outcome: { namespace: Namespace } | { error: unknown }): void => {
        const url = pending.module.url;
        unsettled.delete(url);
        if (expired) {
          host.log(
            'error',
            `${url} finished evaluating after its update's time limit; not installed: its next change applies`,
          );
          return;
        }
        if ('error' in outcome) {
          report.failed.push(url);
          reportError(
            report,
            updateError(
              'ERR_HOTZIP_UPDATE_FAILED',
              `${url} threw while evaluating; its previous exports stay installed (its dispose handlers have run): ${String(outcome.error)}`,
              url,
              outcome.error,
            ),
            host.log,
          );
          return;
        }
        try {
          // Registered by now: an instance registers within its body, before its evaluation settles.
          if (pending.instance === undefined) throw new Error(`${pending.url} did not register`);
          const unusable = host.unusable(pending.module, pending.instance, outcome.namespace);
          if (unusable !== undefined) {
            reportError(report, unusable, host.log);
            report.failed.push(url);
            return;
          }
          replaced.push([
            pending.module,
            host.install(pending.module, pending.instance, outcome.namespace, pending.linkedTo, pending.follow),
          ]);
          report.updated.push(url);
        } catch (error) {
          reportError(
            report,
            updateError('ERR_HOTZIP_UPDATE_FAILED', `${url}: ${String(error)}`, url, error),
            host.log,
          );
        }
      };
      const outcome = pending.evaluated.then(
        (namespace) => ({ namespace }),
        (error: unknown) => ({ error }),
      );
      // Modules joining the update run before the first new version that imports them, as on a first load.
      for (const joiner of this.#joining) if (joiner.opener === index) joiner.gate.resolve();
      pending.gate.resolve();
      // A module without top-level await finishes within microtasks and is installed before the next one runs, so
      // later modules see its new values; one still awaiting is installed when it settles, without holding the
      // rest (so is one waiting for a dependency that evaluates later in this loop).
      const early = await settledThisTurn(outcome);
      if (early === undefined) {
        unsettled.add(pending.module.url);
        settling.push(outcome.then(settle));
      } else settle(early);
    }
    this.#committed();
    if (settling.length > 0 && !(await settlesWithin(Promise.all(settling), host.timeoutMs))) {
      expired = true;
      const urls = [...unsettled];
      report.failed.push(...urls);
      reportError(
        report,
        updateError(
          'ERR_HOTZIP_UPDATE_FAILED',
          `${urls.join(', ')} did not finish evaluating within ${host.timeoutMs} ms (top-level await; HOTZIP_UPDATE_TIMEOUT): not installed, the previous exports stay`,
          urls[0],
        ),
        host.log,
      );
    }
    // A failed version ran after its predecessor's dispose handlers: that one comes back as it was.
    for (const url of report.failed) {
      const pending = pendings.find((each) => each.module.url === url);
      if (pending !== undefined) await host.restore(pending, report);
    }
    for (const [module, previous] of replaced) {
      const namespace = module.current.namespace;
      for (const accept of previous?.selfAccepts ?? [])
        await host.safely(() => accept(namespace), module.url, 'accept', report);
    }
    host.notifyDependents(report.updated);
    host.events.emit('hotzip:afterUpdate', { updates: report.updated });
  }

  /** Whatever the outcome: the update's bookkeeping goes, joiners that never ran never will, redirects end. */
  #cleanUp(): void {
    const host = this.#host;
    for (const pending of this.#pendings) host.forget(pending.url);
    for (const joiner of this.#joining) {
      // Opened in the commit unless the update stopped before it: a body that did not run never will.
      joiner.gate.reject(
        updateError('ERR_HOTZIP_UPDATE_REJECTED', `the update loading ${joiner.url} stopped`, joiner.url),
      );
      host.join(joiner.url, undefined);
    }
    if (this.#redirected.length > 0) host.changeRedirects({ kind: 'done', version: this.#version });
  }
}
