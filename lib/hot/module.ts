/**
 * A hot module and its instances: the first instance Node loaded and every version an update loaded, with the
 * bookkeeping an update keeps for a new version before and while it loads (pending) and for a module that joins it.
 */

import { type ImportedNames, modeGlobal, reexportItems } from '../transform/transform.js';
import { splitVersion } from '../url/version-query.js';
import {
  type Bindings,
  DIVERT,
  defineModeGlobal,
  followedValue,
  type InstanceHandle,
  type TrampolineMode,
} from './bindings.js';
import type { HotContext, Namespace } from './context.js';
import type { ModuleDescription } from './description.js';
import type { FollowPlan, ResolvedReexport } from './retarget.js';
import type { ModulePreview } from './runtime.js';
import { type Deferred, deferred } from './settle.js';

export interface ImportMetaLike {
  url: string;
  resolve?: (specifier: string) => string;
  hot?: unknown;
}

/** Every instance's `forwards` until its first forwarded call: never written to (see Instance.forwards). */
const NOT_FORWARDED: unknown[] = [];

/**
 * One instance of a hot module: the first one Node loaded, or a version an update loaded. It is also the handle its
 * module's trampolines call (see InstanceHandle): no closures of its own, as every version keeps one for good.
 */
export class Instance implements InstanceHandle {
  namespace: Namespace | undefined;
  stale = false;
  #mode: TrampolineMode = 0;
  /** The module this instance is a version of, once it is installed (or from the start, for a first instance). */
  module: HotModule | undefined;
  /** The mutable values last copied into the live bindings, to copy only on change. */
  synced: unknown[] | undefined;
  /** See BoundInstance.replaced: set at install, for a version that keeps its declared functions. */
  replaced: number[] | undefined;
  resolvedImports: Array<[string, ImportedNames]> | undefined;
  /**
   * The instance's own exported values as it left them, read just before an update first assigned its bindings:
   * how a stale function recognizes itself among the newest exports. By local binding index (a trampoline's index):
   * an array read in one pass, where a map by name cost a hash of every export name.
   */
  originals: unknown[] | undefined;
  /**
   * Forwarding targets by export index, valid while `forwardsAt` is the runtime's count of installs: a fresh array
   * replaces the shared empty one at first use (no count is -1), so an instance never forwarded to holds none.
   */
  forwards: unknown[] = NOT_FORWARDED;
  forwardsAt = -1;
  /** The export index of the call `s` last diverted, for the `t` that follows it. */
  #diverted = -1;
  /** The global its exported functions test (see defineModeGlobal), if it could be defined. */
  readonly #modeGlobal: string | undefined;
  readonly #bindings: Bindings;
  #meta: ImportMetaLike | undefined;
  #context: HotContext | undefined;

  constructor(
    readonly url: string,
    readonly version: number | undefined,
    bindings: Bindings,
    readonly description: ModuleDescription,
    readonly makeContext: (instance: Instance) => HotContext,
  ) {
    this.#bindings = bindings;
    const name = modeGlobal(url);
    this.#modeGlobal = defineModeGlobal(name) ? name : undefined;
  }

  /** Whether a call of its export `index` goes to `t` instead of the function's own body. */
  s(index: number): boolean {
    if (!this.#bindings.diverts(this, index)) return false;
    this.#diverted = index;
    return true;
  }

  /**
   * The call `s` diverted, forwarded to the newest version or run and synced. The trampoline calls it right after
   * `s` returned true, with nothing in between that could run code, so the index `s` kept is this call's.
   */
  t(self: unknown, args: ArrayLike<unknown>, newTarget?: unknown): unknown {
    return this.#bindings.trampoline(this, this.#diverted, self, args, newTarget);
  }

  /** The trampoline mode of the module's exported functions (see defineModeGlobal). */
  get mode(): TrampolineMode {
    return this.#mode;
  }

  set mode(mode: TrampolineMode) {
    if (mode === this.#mode) return;
    this.#mode = mode;
    // A plain store: a mode-2 instance switches to 0 and back around every call of its functions.
    if (this.#modeGlobal === undefined) return;
    try {
      (globalThis as Record<string, unknown>)[this.#modeGlobal] = mode === 0 ? 0 : DIVERT;
    } catch {
      // The application froze globalThis since: the global keeps 0, so the functions run their own bodies (as
      // natively); the update itself goes on.
    }
  }

  /** The module's `import.meta`, created on first use: V8 builds it lazily, and most modules never need it. */
  get meta(): ImportMetaLike {
    this.#meta ??= this.description.meta() as ImportMetaLike;
    return this.#meta;
  }

  /** The module's `import.meta.hot`, made on first use (at once for modules whose source mentions import.meta). */
  get context(): HotContext {
    this.#context ??= this.makeContext(this);
    return this.#context;
  }

  /** Its `import.meta.hot` if one was made: an instance without one registered no handler, and needs none made. */
  get handlers(): HotContext | undefined {
    return this.#context;
  }

  /** `specifier` resolved from this instance as its imports resolve, to a canonical URL (throws what resolve throws). */
  resolve(specifier: string): string | undefined {
    const url = this.meta.resolve?.(specifier);
    return url === undefined ? undefined : splitVersion(url).canonical;
  }

  /** The canonical URLs this instance re-exports everything from (`export * from`), resolved on each call. */
  starSources(): string[] {
    const urls: string[] = [];
    for (const { star, from } of reexportItems(this.description.reexports)) {
      if (!star) continue;
      try {
        const url = this.resolve(from);
        if (url !== undefined) urls.push(url);
      } catch {
        // No longer resolvable: nothing of it can reach this barrel.
      }
    }
    return urls;
  }

  /** This instance's static imports, resolved to canonical URLs once (only ever needed by an update). */
  imports(): Array<[string, ImportedNames]> {
    if (this.resolvedImports === undefined) {
      this.resolvedImports = [];
      for (const [specifier, names] of this.description.imports) {
        try {
          const url = this.resolve(specifier);
          if (url !== undefined) this.resolvedImports.push([url, names]);
        } catch {
          // An import that no longer resolves is the importer's own update's problem.
        }
      }
    }
    return this.resolvedImports;
  }
}

/** A hot module: its live instance, every version installed, and the instances importers link to. */
export class HotModule {
  /** The instance importers linked to: its bindings are the ones every update assigns. */
  readonly live: Instance;
  current: Instance;
  /**
   * Every instance some importer may have linked to: the live one, and each version that added exports (later
   * first-time importers resolve to it). Every update assigns the bindings of all of them.
   */
  readonly linked: Instance[];
  /** Every version installed, oldest first: where a captured function of an old one looks for its newest self. */
  readonly versions: Instance[];
  /**
   * Its entry was removed from the archive (until a change restores it): its instance stays loaded, but its imports
   * are no longer uses that can hold back an update, as a fresh start would not load it.
   */
  removed = false;
  /**
   * It left the program with its entry still in the archive (nothing imports it any more, see ./leaving.ts and
   * ./retarget.ts): marked removed too, and evaluated anew if a new version imports it again.
   */
  left = false;
  /** Its `prune` handlers ran since it left (see HotRuntime's #follow): they run once. */
  pruned = false;
  /**
   * What the program follows of its re-exports: the list of the last version that changed the module they come from
   * (see ./retarget.ts; at first, the live instance's), and that list resolved, once needed.
   */
  reexports: string;
  resolvedReexports: ResolvedReexport[] | undefined;
  /** The module whose bindings this one's follow, once no importer of it is left but a re-export (see follow). */
  alias: Alias | undefined;
  /** The modules following this one's bindings. */
  readonly followers: HotModule[] = [];

  constructor(
    readonly url: string,
    live: Instance,
    /** When its first instance started evaluating, relative to the other modules: the order updates keep. */
    readonly order: number,
    /** `import.meta.hot.data` of every version, the first one's included. */
    readonly data: Record<string, unknown>,
  ) {
    this.live = live;
    this.current = live;
    this.linked = [live];
    this.versions = [live];
    this.reexports = live.description.reexports;
  }

  /**
   * Makes this module's bindings follow `source`'s from now on: each of `names` pairs one of its export names with
   * the one of `source` it now holds; `through` is the module whose live instance re-exports them. For a module the
   * program has left but still re-exports from natively (see ./retarget.ts): its linked instances are written now
   * and whenever `source`'s are, and its captured functions forward to `source`'s (see Bindings). Several modules
   * re-exporting from it add their names to one alias.
   */
  follow(source: HotModule, names: ReadonlyArray<readonly [string, string]>, through: HotModule): void {
    if (this.alias?.source !== source) {
      this.unfollow();
      this.alias = { source, names: new Map(), through: new Set() };
      source.followers.push(this);
    }
    const alias = this.alias;
    for (const [own, taken] of names) alias.names.set(own, taken);
    alias.through.add(through);
    for (const instance of new Set([...this.linked, ...this.versions])) {
      // How a captured function recognizes itself among the values it forwards to (see Bindings).
      instance.originals ??= instance.description.values();
      instance.stale = true;
      instance.mode = 1;
    }
    // The modules that followed this one follow its source directly: a chain of moves (c1 → c2 → c3) would cost
    // every call of the newest chunk's functions one copy per link, and one link coming back into the program (c2
    // imported again) would carry its own values down the chain.
    for (const follower of [...this.followers]) {
      const own = follower.alias;
      if (own === undefined || follower === source) continue;
      const composed: Array<[string, string]> = [];
      for (const [name, taken] of own.names) {
        const next = alias.names.get(taken);
        if (next !== undefined) composed.push([name, next]);
      }
      if (composed.length !== own.names.size) continue;
      const through = own.through;
      follower.unfollow();
      for (const module of through) follower.follow(source, composed, module);
    }
    // The live instance's functions write its bindings directly: each call of one of them must say it may have
    // (see Bindings), to be followed. A first instance Node loaded lists no exports it reassigns, so every call says
    // so; one that joined an update lists them, and says so only if there are some.
    const live = source.live;
    if (source.current === live && (live.version === undefined || live.description.mutable.length > 0)) live.mode = 2;
    this.#copy(new Set([source]));
  }

  /** Stops following (a module back in the program: its own new version is installed). */
  unfollow(): void {
    const source = this.alias?.source;
    if (source === undefined) return;
    source.followers.splice(source.followers.indexOf(this), 1);
    this.alias = undefined;
    // Its first instance's functions need not say they ran any more, unless it follows another module itself.
    const live = source.live;
    if (source.followers.length === 0 && source.current === live && !live.stale) live.mode = 0;
  }

  /** Says its linked instances' bindings were written: its followers copy them (and theirs in turn). */
  written(seen = new Set<HotModule>([this])): void {
    for (const follower of this.followers) if (!seen.has(follower)) follower.#copy(seen);
  }

  #copy(seen: Set<HotModule>): void {
    const alias = this.alias;
    if (alias === undefined) return;
    seen.add(this);
    const values: Record<string, unknown> = {};
    for (const [own, taken] of alias.names) {
      try {
        values[own] = followedValue(alias.source, taken);
      } catch {
        // Uninitialized in the source: the binding keeps what it holds.
      }
    }
    for (const instance of this.linked) instance.description.set(values);
    this.written(seen);
  }
}

/** What a module's bindings follow (see HotModule.follow): the source module, and its name for each export name. */
export interface Alias {
  source: HotModule;
  names: Map<string, string>;
  /** The modules whose live instances re-export the following bindings. */
  through: Set<HotModule>;
}

/**
 * A hot module not loaded in this thread that a new version of update N imports (statically, directly or through
 * other such modules): it joins the update as `url?hz=N`, so its imports follow the update's redirects (it can
 * import what the update adds), its body waits at a gate like a new version's, and a rejected update leaves Node's
 * cache of it (failed, or linked to versions that never run) under a URL no later import asks for.
 */
export interface Joining {
  url: string;
  preview: ModulePreview;
  /** The target (index) whose new version first imports it: its gate opens just before that version's. */
  opener: number;
  gate: Deferred<void>;
}

/** A new version an update imports: its link signal, its gate, and its instance once it registers. */
export interface Pending {
  module: HotModule;
  url: string;
  /** Settled by the instance's linked signal (see ./load.ts): its whole graph linked, its body may not run yet. */
  linked: Deferred<void>;
  /** Set when the instance registers (after its gate opened: as its body starts, or as it ends). */
  instance: Instance | undefined;
  gate: Deferred<void>;
  evaluated: Promise<Namespace>;
  /** Other modules of the update link to this version: it must keep receiving updates whatever it exports. */
  linkedTo: boolean;
  /**
   * Its graph holds no other gated module, so it may await the go-ahead in its own body (see `HotRuntime.linked`):
   * its body starts only after its dependencies have evaluated, and none of them waits for the update.
   */
  inlineGate: boolean;
  /** The layout the load hook was given for it (see `HotRuntime.versionHints`), once asked. */
  layout?: string | undefined;
  /** Its re-exports changed in a way the program follows: what its install does for that (see ./retarget.ts). */
  follow?: FollowPlan | undefined;
}

/** A new instance's bookkeeping before it is imported: nothing linked, no instance, its gate closed. */
export function newPending(module: HotModule, url: string, linkedTo: boolean, inlineGate = false): Pending {
  return {
    module,
    url,
    linked: deferred<void>(),
    instance: undefined,
    gate: deferred<void>(),
    evaluated: Promise.resolve({}),
    linkedTo,
    inlineGate,
  };
}
