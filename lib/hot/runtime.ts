/**
 * The hot-reload runtime. It lives in the application's thread, knows nothing of zips, and works on module
 * URLs: transformed modules register here as they evaluate (see ../transform/transform.ts), and an update source (the archive
 * watcher, injected) tells it which URLs changed. An update loads each changed module as a new instance at
 * `url?hz=N`, holds every new instance at a gate until all of them have linked, and only then disposes, evaluates
 * leaves-first and assigns the live instances' bindings. Anything that fails before that point changes nothing.
 */

import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { DEFAULT_UPDATE_TIMEOUT_MS } from '../config.js';
import { codeOf, type UpdateError, updateError } from '../errors.js';
import type { ImportedNames } from '../transform/transform.js';
import { splitSuffix, splitVersion, VERSION_PARAM, withRestore, withVersion } from '../url/version-query.js';
import type { HotzipEvents } from './api.js';
import { Bindings, type InstanceHandle } from './bindings.js';
import { HotContext, type HotContextHost, type Namespace } from './context.js';
import { addsNames, describeModule, type ModuleDescription, type Registered } from './description.js';
import { Emitter, type Listener } from './events.js';
import { type HookReport, HostImporters } from './host-importers.js';
import { leavingModules } from './leaving.js';
import { HotModule, Instance, type Joining, newPending, type Pending } from './module.js';
import { type RedirectChange, RedirectTable } from './redirects.js';
import { type FollowPlan, planFollow, settleFollows } from './retarget.js';
import { deferred, settlesWithin } from './settle.js';
import { type Loaded, Update, type UpdateHost } from './update.js';
import { archiveUses, type Importers, type UpdatedModule, unusableExports, validateUpdate } from './validate.js';

/** What an update did. */
export interface UpdateReport {
  /** Canonical URLs of the modules evaluated again. */
  updated: string[];
  /** Entries that appeared (not loaded yet: they load normally when first imported). */
  added: string[];
  /** Loaded modules whose entries disappeared (their `prune` handlers ran; running code keeps them). */
  removed: string[];
  ms: number;
  /** Why the update was rejected or partly failed; undefined when everything applied. */
  error: UpdateError | undefined;
  /** Modules that declined updates or changed their re-exports: only a restart applies them. */
  restartRequired: string[];
  /**
   * Modules whose new version ran but was not installed (it threw, did not finish in time, or broke an importer):
   * the previous version stays, and that version is not run again until its source changes.
   */
  failed: string[];
}

/**
 * What an update needs of a module's new version before that version runs, read from its source by the update
 * source: whether it adds exports (its importers in the same update must link to it), and, for an instance that
 * cannot register before its gate opens (it imports such a version), what the update's checks would have read from
 * its registration.
 */
export interface ModulePreview {
  /** Whether the module is one hotzip makes hot (an ES module): only those register, and may join an update. */
  hot: boolean;
  exports: readonly string[];
  /** In the registration's format (`name:from`, `*:from`, comma-separated). */
  reexports: string;
  /** Static imports and re-exports, resolved to canonical URLs. */
  imports(): Array<[string, ImportedNames]>;
  /**
   * One of its specifiers resolved to a canonical URL, as its imports are: how a change of what it re-exports is
   * followed (see ./retarget.ts). Without it, any such change needs a restart.
   */
  resolve?(specifier: string): string | undefined;
  /** Whether it calls `import()` (what it imports that way is not known): undefined where not known either. */
  importsDynamically?: boolean;
  /** Its static imports' and re-exports' specifiers, as written (undefined where not known). */
  specifiers?(): string[];
}

/** The parts of a version the update's checks compare, from its registration: what a preview stands in for. */
function shapeOf(instance: Instance): ModulePreview {
  return {
    hot: true,
    exports: instance.description.exports,
    reexports: instance.description.reexports,
    imports: () => instance.imports(),
    resolve: (specifier) => instance.resolve(specifier),
    importsDynamically: instance.description.importsDynamically,
    specifiers: () => instance.description.imports.map(([specifier]) => specifier),
  };
}

/** Where a syntax error is: the module, 1-based line and column, and a code frame. */
export interface SyntaxLocation {
  url: string;
  line: number;
  column: number;
  frame: string;
}

/** A report of an update that did nothing (or, with `error`, could not start). */
export function emptyReport(error?: UpdateError): UpdateReport {
  return { updated: [], added: [], removed: [], ms: 0, error, restartRequired: [], failed: [] };
}

/**
 * Records `error` in `report`, which holds one error, the first: a later one is logged at once, so that an update
 * failing in two ways (a dispose handler that hangs, then a version that throws) says both.
 */
export function reportError(
  report: UpdateReport,
  error: UpdateError,
  log: (level: 'error', message: string) => void,
): void {
  if (report.error === undefined) report.error = error;
  else if (report.error !== error) log('error', error.message);
}

/** The changes an update source reports. */
export interface ChangeSet {
  updated: string[];
  added?: string[];
  removed?: string[];
  /** A short name for log lines, e.g. the archive file name. */
  label?: string;
  /**
   * An update refused before anything ran is returned without being said (no event, no log line): the source says
   * it later with `announce`, unless another change makes it apply first.
   */
  quiet?: boolean;
  /**
   * Changed entries Node loaded in a format no update can load again (see `isCold`): nothing of the change applies
   * (the rest would make a state no archive had), and a restart is required, as for a module that declined.
   */
  cold?: string[];
}

/** Where updates come from: the runtime tells it which modules are in use, and asks it to check now. */
export interface UpdateSource {
  track(url: string): void;
  check(target?: string): Promise<UpdateReport>;
}

/** Runtime events for `on()`. */
export type RuntimeEvent = 'update' | 'error' | 'restart-required';

/** The hot-reload runtime of one thread. */
export class HotRuntime {
  readonly #modules = new Map<string, HotModule>();
  /** Canonical URLs of loaded modules with a query or hash of their own, by their URL without it (see modulesAt). */
  readonly #suffixed = new Map<string, string[]>();
  /** Plain files that import hot modules: updates check their imports as they check archive modules'. */
  readonly #hostImporters = new HostImporters();
  /** Hot modules whose first instance Node loaded and that have not registered yet (still linking or evaluating). */
  readonly #loading = new Set<string>();
  /** Archive entries Node loaded in a format no update can load again (see HookReport's `cold-load`). */
  readonly #cold = new Set<string>();
  /** Of those, the ones an update passed over: when they register, they are updated from the current archive. */
  readonly #late = new Set<string>();
  /** Where the hooks thread posts its reports (`module.register`), read when needed, never by a listener. */
  readonly #reportPorts: MessagePort[] = [];
  readonly #pending = new Map<string, Pending>();
  /** Modules joining an update in progress, by their versioned URL. */
  readonly #joining = new Map<string, Joining>();
  /**
   * Gates of new instances that had not linked when their update ended (refused at its time limit): one still waiting
   * for a dependency links later, and its `linked` call must still find its gate, closed for good, until it settles.
   */
  readonly #unlinked = new Map<string, Promise<void>>();
  readonly #events: Emitter<HotzipEvents>;
  #version = 0;
  #sequence = 0;
  readonly #bindings = new Bindings();
  #queue: Promise<unknown> = Promise.resolve();
  #source: UpdateSource | undefined;
  readonly #importer: (url: string) => Promise<Namespace>;
  readonly #log: (level: 'info' | 'debug' | 'error', message: string) => void;
  readonly #redirects = new RedirectTable();
  #mirror: ((change: RedirectChange) => void) | undefined;
  #installs: ((url: string, version: number) => void) | undefined;

  readonly #locate: ((urls: string[]) => SyntaxLocation | undefined) | undefined;
  readonly #preview: (url: string, version: number) => ModulePreview | undefined;
  readonly #timeoutMs: number;
  /**
   * The values the check of the version about to be installed read, by description: #install follows #unusable in
   * the same turn, with no code run between them, so they are still current and a large module is not read again.
   * Dropped when the turn ends.
   */
  #valuesRead: Map<ModuleDescription, unknown[]> | undefined;

  constructor(options: {
    importModule: (url: string) => Promise<Namespace>;
    log: (level: 'info' | 'debug' | 'error', message: string) => void;
    /** Finds which of these modules has a syntax error, and where (Node's caught SyntaxError says neither). */
    locateSyntaxError?: (urls: string[]) => SyntaxLocation | undefined;
    /**
     * Reads module `url` as update `version` will load it: what the update checks and plans by, since no new
     * version registers before the whole update has linked and been checked.
     */
    preview: (url: string, version: number) => ModulePreview | undefined;
    /** How long an update waits for a new version's top-level await, and for each `dispose`/`prune`/`accept`. */
    timeoutMs?: number;
  }) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_UPDATE_TIMEOUT_MS;
    this.#events = new Emitter((event, error) => this.#log('error', `a "${event}" listener threw: ${String(error)}`));
    this.#importer = options.importModule;
    this.#log = options.log;
    this.#locate = options.locateSyntaxError;
    this.#preview = options.preview;
  }

  /** Connects the source of updates (the archive watcher). */
  setSource(source: UpdateSource): void {
    this.#source = source;
    for (const url of this.#modules.keys()) source.track(url);
  }

  /**
   * Where an import of `url` from `parentURL` should go: the newest version that added exports, or, for a new
   * instance of an update in progress, that update's version of a module that adds exports. Asked by same-thread
   * hooks; the hooks thread keeps a copy (see `mirrorRedirects`).
   */
  redirect(url: string, parentURL?: string): string | undefined {
    return this.#redirects.target(url, parentURL);
  }

  /** Sends every redirect change, from the ones already made on, to `post` (the hooks thread's copy). */
  mirrorRedirects(post: (change: RedirectChange) => void): void {
    for (const change of this.#redirects.changes()) post(change);
    this.#mirror = post;
  }

  /**
   * Tells `post` the version a module runs, each time an update installs one: where the load hook runs, that
   * version's source must stay kept, as a failed update evaluates it again (the hooks thread is told over its port).
   */
  mirrorInstalls(post: (url: string, version: number) => void): void {
    this.#installs = post;
  }

  #changeRedirects(change: RedirectChange): void {
    this.#redirects.apply(change);
    this.#mirror?.(change);
  }

  /**
   * Called by a new instance's gate, an import at the end of its source: Node evaluates it once the instance's whole
   * graph has linked, before the body runs, even when the body must also wait for a gated dependency. Or called as
   * the body's first statement, by a version whose graph holds no other gated module (see `versionHints`). It signals
   * that, and holds the body until the whole update has linked and checked.
   */
  linked(url: string): Promise<void> | undefined {
    const pending = this.#pending.get(url);
    pending?.linked.resolve();
    return pending?.gate.promise ?? this.#joining.get(url)?.gate.promise ?? this.#unlinked.get(url);
  }

  /**
   * What the load hook may leave out of the new version at `url` (asked by a load hook in this thread, as it loads
   * the version): `inlineGate`, whether it may call `linked` from its own body, before its registration, instead of
   * from a gate module (a module record fewer kept by every update, see `Pending`); `layout`, the list of local
   * exports of the version it replaces: a registration with the same list may leave it out, and is given this one
   * string (a large module's list is kept once, not once per version).
   */
  versionHints(url: string): { inlineGate: boolean; layout: string } | undefined {
    const pending = this.#pending.get(url);
    if (pending === undefined) return undefined;
    pending.layout = pending.module.current.description.layout;
    return { inlineGate: pending.inlineGate, layout: pending.layout };
  }

  /** Canonical URLs of every hot module loaded in this thread. */
  get moduleUrls(): string[] {
    return [...this.#modules.keys()];
  }

  /**
   * The loaded modules of one entry (a URL without query or hash): the entry itself and each `?query`/`#hash` of it
   * imported as a module of its own. Found without visiting every module, as an update of one entry should cost.
   */
  modulesAt(entryUrl: string): string[] {
    const own = this.#modules.has(entryUrl) ? [entryUrl] : [];
    const suffixed = this.#suffixed.get(entryUrl);
    return suffixed === undefined ? own : [...own, ...suffixed];
  }

  /** Takes one report of the hooks (same thread: `module.registerHooks`). */
  hookReport(message: HookReport): void {
    if (message.kind === 'host-import') {
      // This runtime's own import of a new version (from hotzip's code, a plain file): no importer to check.
      if (message.url.includes(`${VERSION_PARAM}=`) && splitVersion(message.url).version !== undefined) return;
      this.#hostImporters.record(message.parent, message.specifier, message.url);
      return;
    }
    if (message.kind === 'cold-load') {
      this.#cold.add(message.url);
      return;
    }
    if (!this.#modules.has(splitVersion(message.url).canonical)) this.#loading.add(message.url);
  }

  /**
   * Whether Node loaded archive entry `url` (canonical, no query) in a format no update can load again (JSON,
   * CommonJS, WebAssembly, TypeScript that needs transforming): a change to it needs a restart.
   */
  isCold(url: string): boolean {
    this.#drainReports();
    return this.#cold.has(url);
  }

  /**
   * Called by a first instance that may await at top level as its body ends (see ./load.ts). An update may have
   * installed a newer version while it awaited (an update never waits for it: a body that throws never says it
   * ended); the tail of the body may have reassigned the bindings importers see, so the newest version's values are
   * assigned again.
   */
  evaluated(url: string): void {
    const module = this.#modules.get(url);
    const namespace = module?.current.namespace;
    if (module === undefined || module.current === module.live || namespace === undefined) return;
    for (const target of module.linked) target.description.set(namespace, module.current.description);
    module.written();
  }

  /** Also takes the reports the hooks thread posts to `port` (`module.register`). */
  hookReportsFrom(port: MessagePort): void {
    this.#reportPorts.push(port);
  }

  #drainReports(): void {
    for (const port of this.#reportPorts) {
      for (let received = receiveMessageOnPort(port); received !== undefined; received = receiveMessageOnPort(port)) {
        this.hookReport(received.message as HookReport);
      }
    }
  }

  /**
   * Of modules `urls` (changed by an update that is about to apply), those Node has loaded but that have not
   * registered yet: they were read from the archive before the change. Each is updated as soon as it registers.
   */
  passOver(urls: string[]): string[] {
    this.#drainReports();
    const late = urls.filter((url) => this.#loading.has(url));
    for (const url of late) this.#late.add(url);
    return late;
  }

  /**
   * Called by each transformed module as its body starts, or as it ends when nothing needs it earlier (see
   * ./transform.ts), with its URL and its description, whose `e` called with no code returns the module's
   * `import.meta` (touched only when the module mentions `import.meta` or is a new version, so start-up does not pay
   * for it).
   */
  register(url: string, registered: Registered): InstanceHandle {
    // Start-up registers every module once with a plain URL: only an update's `?hz=N` needs parsing.
    const { canonical, version } = url.includes('?') ? splitVersion(url) : { canonical: url, version: undefined };
    const existing = this.#modules.get(canonical);
    const pending = version === undefined ? undefined : this.#pending.get(url);
    // A version whose list of local exports is its predecessor's left it out (see versionHints).
    const description = describeModule(registered, pending?.layout);
    const data = existing?.data ?? {};
    const makeContext = (of: Instance): HotContext => {
      const context = new HotContext(canonical, data, this.#contextHost(of));
      // import.meta is an ordinary object the module may have frozen (test262 does): never let that break loading.
      try {
        of.meta.hot = context;
      } catch {}
      return context;
    };
    const instance = new Instance(url, version, this.#bindings, description, makeContext);
    // Only a module whose source mentions import.meta can see it: every other one is never given one (nor a new version).
    if (registered.h === 1) {
      try {
        instance.meta.url = canonical;
      } catch {}
      void instance.context;
    }
    if (pending !== undefined) {
      pending.instance = instance;
    } else if (existing === undefined) {
      this.#loading.delete(canonical);
      if (this.#late.delete(canonical)) {
        // Read from the archive before an update that passed it over: follow that update as soon as it can.
        queueMicrotask(() => void this.apply({ updated: [canonical] }));
      }
      const module = new HotModule(canonical, instance, this.#sequence++, data);
      instance.module = module;
      this.#modules.set(canonical, module);
      if (canonical.includes('?') || canonical.includes('#')) {
        const entry = splitSuffix(canonical).path;
        this.#suffixed.set(entry, [...(this.#suffixed.get(entry) ?? []), canonical]);
      }
      this.#source?.track(canonical);
      // A module that joined an update (`?hz=N`): later first-time importers must link to this same instance, and
      // the version it runs is that one, not a first instance's 0 (its source must outlast refused updates).
      if (version !== undefined) {
        this.#changeRedirects({ kind: 'newest', url: canonical, to: url });
        this.#installs?.(canonical, version);
      }
    } else {
      // A second instance of a module: a first-time import that raced the update the module joined (or an instance
      // that had not started evaluating when it joined one). Its importers linked to it: updates must reach it too.
      instance.module = existing;
      existing.linked.push(instance);
    }
    return instance;
  }

  #contextHost(instance: Instance): HotContextHost {
    return {
      resolve: (specifier) => splitVersion(instance.meta.resolve?.(specifier) ?? specifier).canonical,
      invalidate: (url, message) => {
        this.#log('info', `${url} invalidated itself${message === undefined ? '' : `: ${message}`}`);
        queueMicrotask(() => {
          const importers = this.#importersOf(url);
          if (importers.length > 0) void this.apply({ updated: importers, label: 'invalidate' });
        });
      },
      on: (event, listener) => this.on(event, listener),
      off: (event, listener) => this.off(event, listener),
    };
  }

  /** Listens to runtime events (`update`, `error`, `restart-required`) and module `hotzip:*` events. */
  on<Name extends keyof HotzipEvents>(event: Name, listener: (payload: HotzipEvents[Name]) => void): void;
  on(event: string, listener: Listener): void;
  on(event: string, listener: Listener): void {
    this.#events.on(event, listener);
  }

  /** Stops listening. */
  off<Name extends keyof HotzipEvents>(event: Name, listener: (payload: HotzipEvents[Name]) => void): void;
  off(event: string, listener: Listener): void;
  off(event: string, listener: Listener): void {
    this.#events.off(event, listener);
  }

  /** Checks the update source now (everything, or one archive or module) and applies what changed. */
  reload(target?: string): Promise<UpdateReport> {
    if (this.#source === undefined) return this.apply({ updated: [] });
    return this.#source.check(target);
  }

  /** Applies a set of changed URLs as one atomic update; updates run one at a time. */
  apply(changes: ChangeSet): Promise<UpdateReport> {
    // The next update waits until this one has committed, not until every top-level await in it has settled: a
    // module awaiting something that never comes must not block updates forever.
    const committed = deferred<void>();
    const run = this.#queue.then(() => this.#apply(changes, committed.resolve));
    run.then(
      () => committed.resolve(),
      () => committed.resolve(),
    );
    this.#queue = committed.promise;
    return run;
  }

  /** Says what an update did: its events, and its log lines. */
  announce(report: UpdateReport, label?: string): void {
    if (report.error !== undefined) this.#events.emit('error', report);
    if (report.restartRequired.length > 0) this.#events.emit('restart-required', report);
    if (report.updated.length > 0 || report.removed.length > 0) this.#events.emit('update', report);
    this.#logReport(report, label);
  }

  #importersOf(url: string): string[] {
    const importers: string[] = [];
    for (const module of this.#modules.values()) {
      if (module.current.imports().some(([dep]) => dep === url)) importers.push(module.url);
    }
    return importers;
  }

  #apply(changes: ChangeSet, commit: () => void): Promise<UpdateReport> {
    return new Update(this.#updateHost(), changes, commit).run();
  }

  /** What an update uses of this runtime. */
  #updateHost(): UpdateHost {
    return {
      modules: this.#modules,
      events: this.#events,
      timeoutMs: this.#timeoutMs,
      log: (level, message) => this.#log(level, message),
      nextVersion: () => ++this.#version,
      preview: (url, version) => this.#preview(url, version),
      changeRedirects: (change) => this.#changeRedirects(change),
      joiners: (targets, previews, version) => this.#joiners(targets, previews, version),
      join: (url, joiner) => {
        if (joiner === undefined) this.#joining.delete(url);
        else this.#joining.set(url, joiner);
      },
      load: (module, version, linkedTo, inlineGate) => this.#load(module, version, linkedTo, inlineGate),
      forget: (url) => this.#forget(url),
      hostImported: (url) => {
        this.#drainReports();
        return this.#hostImporters.anyImporterOf(url) !== undefined;
      },
      check: (loaded) => this.#check(loaded),
      evaluationOrder: (targets) => this.#evaluationOrder(targets),
      unusable: (module, instance, namespace) => this.#unusable(module, instance, namespace),
      install: (module, instance, namespace, linkedTo, follow) =>
        this.#install(module, instance, namespace, linkedTo, follow),
      restore: (failed, report) => this.#restore(failed, report),
      notifyDependents: (updated) => this.#notifyDependents(updated),
      safely: (fn, url, kind, report) => this.#safely(fn, url, kind, report),
      announce: (report, label) => this.announce(report, label),
    };
  }

  /**
   * Evaluates the source of the module's installed version again, as a new instance, after a new version failed
   * (threw, did not finish in time, or broke an importer): the installed version's `dispose` handlers ran before the
   * new one evaluated, so its timers, servers and listeners are gone, and the new one's, if it made any, are
   * disposed now. The previous exports stayed installed throughout; the restored instance's replace them.
   */
  async #restore(failed: Pending, report: UpdateReport): Promise<void> {
    const module = failed.module;
    for (const dispose of failed.instance?.handlers?.disposers ?? [])
      await this.#safely(() => dispose(module.data), module.url, 'dispose', report);
    failed.instance?.handlers?.detach();
    const url = withRestore(module.url, ++this.#version, module.current.version ?? 0);
    const pending = newPending(module, url, false);
    pending.gate.resolve();
    this.#pending.set(url, pending);
    try {
      const evaluated = this.#importer(url);
      evaluated.catch(() => undefined);
      if (!(await settlesWithin(evaluated, this.#timeoutMs))) throw new Error(`not finished in ${this.#timeoutMs} ms`);
      const namespace = await evaluated;
      if (pending.instance === undefined) throw new Error(`${url} did not register`);
      this.#install(module, pending.instance, namespace, false);
      this.#log('info', `${module.url}: its previous version was evaluated again, as its dispose handlers had run`);
    } catch (error) {
      this.#log('error', `${module.url}: its previous version could not be evaluated again: ${String(error)}`);
    } finally {
      this.#pending.delete(url);
    }
  }

  /**
   * The modules that join update `version` (see `Joining`): those its new versions import, directly or through
   * other joiners, that are hot and not loaded in this thread. Read from the update's snapshot, like the previews.
   */
  #joiners(targets: HotModule[], previews: Array<ModulePreview | undefined>, version: number): Joining[] {
    const joining = new Map<string, Joining>();
    for (const index of this.#evaluationOrder(targets)) {
      const queue = (previews[index]?.imports() ?? []).map(([url]) => url);
      for (const url of queue) {
        if (this.#modules.has(url) || joining.has(url)) continue;
        const preview = this.#preview(url, version);
        if (preview?.hot !== true) continue;
        const gate = deferred<void>();
        // Rejected when the update is: expected, never unhandled.
        gate.promise.catch(() => undefined);
        joining.set(url, { url: withVersion(url, version), preview, opener: index, gate });
        for (const [dep] of preview.imports()) queue.push(dep);
      }
    }
    return [...joining.values()];
  }

  #forget(url: string): void {
    const pending = this.#pending.get(url);
    this.#pending.delete(url);
    if (pending === undefined || pending.linked.settled) return;
    // An update that ends with an instance not linked has rejected its gate: without it, `linked` would let it run.
    this.#unlinked.set(url, pending.gate.promise);
    const drop = (): void => void this.#unlinked.delete(url);
    pending.evaluated.then(drop, drop);
  }

  #load(module: HotModule, version: number, linkedTo: boolean, inlineGate: boolean): Pending {
    // A version nothing links to is only read: marked so, it is compiled without an accessor for its bindings.
    const url = withVersion(module.url, version, !linkedTo);
    const pending = newPending(module, url, linkedTo, inlineGate);
    // A gate rejected on an aborted update makes that instance's evaluation throw: expected, never unhandled.
    pending.gate.promise.catch(() => undefined);
    this.#pending.set(url, pending);
    pending.evaluated = this.#importer(url);
    pending.evaluated.catch(() => undefined);
    return pending;
  }

  /**
   * Waits until every new instance has linked, then checks the update as a whole; returns why it cannot apply, if
   * it cannot. No new instance registers before its gate opens, so the previews stand in for their registrations.
   */
  async #check(loaded: Loaded): Promise<UpdateError | undefined> {
    const { targets, pendings, previews, joining, added, relinkedWithin, report } = loaded;
    this.#drainReports();
    // A syntax error may be in a new version, an added entry or a module joining the update (already in the
    // archive, loaded for the first time): the error names the module that has it.
    const failure = await this.#waitLinked(pendings, [
      ...added,
      ...joining.map((joiner) => splitVersion(joiner.url).canonical),
    ]);
    if (failure !== undefined) return failure;
    const shapes: ModulePreview[] = [];
    for (const [index, pending] of pendings.entries()) {
      const shape = previews[index];
      if (shape === undefined) {
        return updateError(
          'ERR_HOTZIP_UPDATE_REJECTED',
          `update rejected, nothing changed: ${pending.module.url} could not be read to check it before it runs`,
          pending.module.url,
        );
      }
      shapes.push(shape);
    }
    return this.#validate(targets, shapes, joining, relinkedWithin, report, pendings, loaded);
  }

  /** Waits until every new instance has linked (its gate ran); returns the first failure, if any. */
  async #waitLinked(pendings: Pending[], added: string[]): Promise<UpdateError | undefined> {
    const all = Promise.all(
      pendings.map((pending) =>
        Promise.race([
          pending.linked.promise,
          pending.evaluated.then(
            () =>
              // Evaluated after it linked (every update's versions do): the race is over, and an error costs a stack.
              pending.linked.settled
                ? undefined
                : updateError(
                    'ERR_HOTZIP_UPDATE_FAILED',
                    `${pending.url} did not register: is it a hot module?`,
                    pending.module.url,
                  ),
            (error: unknown) => (pending.linked.settled ? undefined : this.#describeLoadError(pending, error, added)),
          ),
        ]),
      ),
    );
    if (!(await settlesWithin(all, this.#timeoutMs))) {
      const late = pendings.find((pending) => !pending.linked.settled);
      // A version gated in its own body says it linked once the modules it loads for the first time have run.
      const what = late?.inlineGate === true ? 'load, link and run what it loads for the first time' : 'load and link';
      return updateError(
        'ERR_HOTZIP_UPDATE_REJECTED',
        `update rejected, nothing changed: ${late?.module.url ?? 'a new version'} did not ${what} within ${this.#timeoutMs} ms (HOTZIP_UPDATE_TIMEOUT)`,
        late?.module.url,
      );
    }
    return (await all).find((outcome) => outcome !== undefined);
  }

  #describeLoadError(pending: Pending, error: unknown, added: string[]): UpdateError {
    const code = codeOf(error);
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const where = error instanceof SyntaxError ? this.#locate?.([pending.module.url, ...added]) : undefined;
    const message =
      where !== undefined
        ? `update rejected, nothing changed: ${where.url}:${where.line}:${where.column} has a syntax error: ${detail}\n${where.frame}`
        : `update rejected, nothing changed: ${pending.module.url} ${error instanceof SyntaxError ? 'has a syntax error' : 'failed to load or link'}: ${detail}`;
    return updateError(code ?? 'ERR_HOTZIP_UPDATE_REJECTED', message, where?.url ?? pending.module.url, error, where);
  }

  /**
   * Rejects an update that cannot be applied in place (a removed export still imported, changed re-exports), noting
   * in `report` a module only a restart can apply.
   */
  #validate(
    targets: HotModule[],
    shapes: ModulePreview[],
    joining: Joining[],
    relinkedWithin: ReadonlySet<string>,
    report: UpdateReport,
    pendings: Pending[],
    { removed, left }: Pick<Loaded, 'removed' | 'left'>,
  ): UpdateError | undefined {
    const modules: UpdatedModule[] = [];
    // The update's own importers, linked to the new version of a module in `relinkedWithin`.
    const within =
      relinkedWithin.size === 0
        ? undefined
        : new Set([
            ...targets.map((module) => module.url),
            ...joining.map((joiner) => splitVersion(joiner.url).canonical),
          ]);
    for (const [index, module] of targets.entries()) {
      const next = shapes[index];
      if (next === undefined) continue;
      modules.push({
        url: module.url,
        liveReexports: module.reexports,
        exports: module.current.description.exports,
        next,
        linkedNew: relinkedWithin.has(module.url) ? within : undefined,
      });
    }
    // Importers: every loaded module (as the update leaves it), and the modules joining the update, which may have
    // linked to the live instance that keeps the removed name.
    const importers = (): Importers => [
      ...[...this.#modules.values()]
        .filter((importer) => !importer.removed || targets.includes(importer))
        .map((importer): [string, ModulePreview | undefined] => [
          importer.url,
          targets.includes(importer) ? shapes[targets.indexOf(importer)] : shapeOf(importer.current),
        ]),
      ...joining.map((joiner): [string, ModulePreview] => [splitVersion(joiner.url).canonical, joiner.preview]),
    ];
    const hostUses = (url: string): Array<[string, ImportedNames]> => this.#hostImporters.importersOf(url);
    const shapeAt = (url: string): ModulePreview | undefined => {
      const at = targets.findIndex((module) => module.url === url);
      if (at !== -1) return shapes[at];
      const joiner = joining.find((each) => splitVersion(each.url).canonical === url);
      if (joiner !== undefined) return joiner.preview;
      const loaded = this.#modules.get(url);
      return loaded === undefined ? undefined : shapeOf(loaded.current);
    };
    const plans = new Map<HotModule, FollowPlan>();
    const follows = (updated: UpdatedModule): string | undefined => {
      const module = this.#modules.get(updated.url);
      const pending = pendings.find((each) => each.module === module);
      if (module === undefined || pending === undefined) return '';
      const plan = planFollow(module, updated.next, { modules: this.#modules, targets, shapeAt });
      if (typeof plan === 'string') return plan;
      plans.set(module, plan);
      pending.follow = plan;
      return undefined;
    };
    const hostImporter = (url: string): string | undefined => this.#hostImporters.anyImporterOf(url);
    const rejection =
      validateUpdate(modules, importers, hostUses, follows) ??
      settleFollows(plans, { modules: this.#modules, targets, importers, hostImporter, left });
    if (rejection?.restartRequired !== undefined) report.restartRequired.push(rejection.restartRequired);
    if (rejection !== undefined) return rejection.error;
    const leaving = leavingModules({
      modules: this.#modules,
      targets,
      shapes,
      gone: [...removed, ...left.map(({ module }) => module)],
      importers,
      hostImporter,
      // CommonJS may require ES modules, which no import list shows (JSON imports nothing); a module still loading
      // has not said what it imports.
      unknownImports: [...this.#cold].some((url) => !url.endsWith('.json')) || this.#loading.size > 0,
    });
    for (const leaver of leaving) {
      leaver.module.removed = true;
      leaver.module.left = true;
      left.push(leaver);
    }
    return undefined;
  }

  /** Why a new version's exports cannot be installed, if they cannot (see unusableExports). */
  #unusable(module: HotModule, instance: Instance, namespace: Namespace): UpdateError | undefined {
    instance.description.readThrough(namespace);
    const current = module.current;
    const importers = (): Importers =>
      [...this.#modules.values()]
        .filter((importer) => !importer.removed)
        .map((importer): [string, ModulePreview] => [importer.url, shapeOf(importer.current)]);
    instance.description.shareLists(current.description);
    const beforeValues = current.description.values();
    const afterValues = instance.description.values();
    const read = new Map<ModuleDescription, unknown[]>([
      [current.description, beforeValues],
      [instance.description, afterValues],
    ]);
    this.#valuesRead = read;
    queueMicrotask(() => {
      if (this.#valuesRead === read) this.#valuesRead = undefined;
    });
    return unusableExports(
      {
        url: module.url,
        before: current.description,
        beforeNamespace: current.namespace,
        beforeValues,
        after: instance.description,
        afterNamespace: namespace,
        afterValues,
      },
      importers,
      (url) => this.#hostImporters.importersOf(url),
    );
  }

  /**
   * Indexes of `targets` in the order their first instances evaluated: Node's own depth-first post-order, so
   * dependencies come before importers and cycles keep the order they had.
   */
  #evaluationOrder(targets: HotModule[]): number[] {
    return targets.map((_, index) => index).sort((a, b) => (targets[a]?.order ?? 0) - (targets[b]?.order ?? 0));
  }

  /** Makes `instance` the module's current version and assigns every linked instance; returns the replaced context. */
  #install(
    module: HotModule,
    instance: Instance,
    namespace: Namespace,
    linkedTo: boolean,
    follow?: FollowPlan,
  ): HotContext | undefined {
    // A module the program had left, back in it: its own version replaces what it followed.
    module.unfollow();
    module.left = false;
    module.pruned = false;
    instance.namespace = namespace;
    instance.description.readThrough(namespace);
    instance.module = module;
    this.#bindings.installed();
    const read = this.#valuesRead;
    this.#valuesRead = undefined;
    for (const older of [...module.linked, module.current]) {
      if (older.originals !== undefined) continue;
      // By export index, as trampolines ask (a binding still in its temporal dead zone was captured by nothing).
      older.originals = read?.get(older.description) ?? older.description.values();
    }
    const latest = read?.get(instance.description);
    const owned = instance.description.owned();
    if (owned.length > 0) {
      // Which of its declared functions its evaluation replaced: stale functions forward to those (see Bindings).
      const values = latest ?? instance.description.values();
      instance.replaced = owned.filter((at) => {
        const declared = instance.description.own(at);
        return typeof declared === 'function' && values[at] !== declared;
      });
    }
    for (const target of module.linked) target.description.set(namespace, instance.description, latest);
    const previous = module.current.handlers;
    for (const older of [...module.linked, module.current]) {
      older.stale = true;
      older.mode = 1;
    }
    if (linkedTo || addsNames(module.linked.at(-1)?.description.exports ?? [], instance.description.exports)) {
      // Exports the linked instances cannot gain: importers that come later link to this version instead.
      module.linked.push(instance);
      this.#changeRedirects({ kind: 'newest', url: module.url, to: instance.url });
    }
    instance.mode = instance.description.mutable.length > 0 ? 2 : 0;
    const replaced = module.current;
    if (!module.linked.includes(replaced)) {
      // No importer links to it: only its captured functions still ask it anything (their export names).
      replaced.description.release();
      replaced.resolvedImports = undefined;
    }
    module.current = instance;
    module.versions.push(instance);
    module.written();
    if (follow !== undefined) this.#follow(module, follow);
    this.#installs?.(module.url, instance.version ?? 0);
    if (module.live.description.usesMeta) {
      try {
        module.live.meta.hot = instance.context;
      } catch {
        // A module may freeze its import.meta; its updates still apply, only `import.meta.hot` stays as it was.
      }
    }
    return previous;
  }

  /**
   * Makes the modules the program left follow the ones `module`'s new version re-exports from instead (see
   * ./retarget.ts): the live instance still re-exports theirs.
   */
  #follow(module: HotModule, plan: FollowPlan): void {
    module.reexports = plan.reexports;
    module.resolvedReexports = plan.resolved;
    for (const { from, to, names } of plan.retargets) {
      const left = this.#modules.get(from);
      const source = this.#modules.get(to);
      if (left === undefined || source === undefined) continue;
      // Its handlers run while its bindings are still its own: one that closes the server it exports must not close
      // the new module's. Their synchronous part runs now; what they await is not waited for.
      if (left.left && !left.pruned) {
        left.pruned = true;
        for (const prune of left.current.handlers?.pruners ?? [])
          void this.#safely(() => prune(left.data), left.url, 'prune');
      }
      left.follow(source, names, module);
      this.#log('debug', `${from} now follows ${to} (${module.url} re-exports from it)`);
    }
    // Every cached forwarding target is looked up again: the left modules' functions now forward.
    if (plan.retargets.length > 0) this.#bindings.installed();
  }

  #notifyDependents(updated: string[]): void {
    if (updated.length === 0) return;
    for (const module of this.#modules.values()) {
      // Reading `context` would make one (and its import.meta) for every module that never asked for it.
      for (const { deps, callback } of module.current.handlers?.depAccepts ?? []) {
        if (!deps.some((dep) => updated.includes(dep))) continue;
        const namespaces = deps.map((dep) =>
          updated.includes(dep) ? this.#modules.get(dep)?.current.namespace : undefined,
        );
        void this.#safely(() => callback(namespaces), module.url, 'accept');
      }
    }
  }

  /**
   * Runs a hot handler of module `url`, logging what it throws; one that has not settled within the time limit is
   * left running and the update goes on without it, saying so in `report`.
   */
  async #safely(fn: () => unknown, url: string, kind: string, report?: UpdateReport): Promise<void> {
    const threw = (error: unknown): void =>
      this.#log(
        'error',
        `a hot handler of ${url} threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    let result: unknown;
    try {
      result = fn();
    } catch (error) {
      threw(error);
      return;
    }
    if (!(result instanceof Promise)) return;
    result.catch(threw);
    if (await settlesWithin(result, this.#timeoutMs)) return;
    const error = updateError(
      'ERR_HOTZIP_UPDATE_FAILED',
      `a ${kind} handler of ${url} did not settle within ${this.#timeoutMs} ms (HOTZIP_UPDATE_TIMEOUT); the update went on without it`,
      url,
    );
    if (report !== undefined) reportError(report, error, this.#log);
    else this.#log('error', error.message);
  }

  #logReport(report: UpdateReport, label: string | undefined): void {
    const from = label === undefined ? '' : ` from ${label}`;
    if (report.error !== undefined) {
      this.#log('error', report.error.message);
    }
    if (report.restartRequired.length > 0) {
      this.#log('error', `restart required to apply ${report.restartRequired.join(', ')}`);
    }
    if (report.updated.length > 0 || report.removed.length > 0) {
      const count = report.updated.length;
      const removed = report.removed.length > 0 ? `, ${report.removed.length} removed` : '';
      this.#log('info', `updated ${count} module${count === 1 ? '' : 's'}${from}${removed} in ${report.ms} ms`);
    }
  }
}
