/**
 * Live bindings and trampolines at run time: the mode global each instance's exported functions test on entry, and
 * the call path they take when it does not hold 0 (a stale version's function forwards to its newest self; a newer
 * version's function runs, then its reassigned exports are copied into the bindings importers see).
 */

import type { Namespace } from './context.js';
import type { ModuleDescription } from './description.js';

/** 0 = run the body; 1 = stale, forward to the newest version; 2 = run the body, then sync live bindings. */
export type TrampolineMode = 0 | 1 | 2;

/**
 * Defines an instance's mode global (see modeGlobal), which every exported function tests on entry, holding 0: while
 * it holds the number 0 the functions run their own bodies, and optimized code takes it for a constant (writing any
 * other value deoptimizes that code); DIVERT sends them to the runtime's `s`. Non-enumerable, so it stays out of
 * `Object.keys(globalThis)`; not configurable, so no code can delete it from under a bare read of it (see
 * modeCondition). Returns false where the global object cannot take it (frozen): the global then stays missing and
 * every call asks the runtime, slower and still right.
 */
export function defineModeGlobal(name: string): boolean {
  // Defined by the load hook already (with `registerHooks`), or by an instance whose URL's name collides: left as it
  // is, since a value other than 0 only sends calls to the runtime, which runs each function's own body when its
  // instance is current. A second definition cost as much as the first (about 6 µs on a large global object).
  if (Object.hasOwn(globalThis, name)) return true;
  try {
    Object.defineProperty(globalThis, name, { value: 0, writable: true, configurable: false, enumerable: false });
    return true;
  } catch {
    return false;
  }
}

/** What a mode global holds while its functions must ask the runtime: truthy, and not a number (see modeCondition). */
export const DIVERT = true;

/**
 * The per-instance object transformed code calls when its mode global does not hold 0: an exported
 * function asks `s` whether to hand its call to `t` (before binding its parameters), else runs its own body.
 */
export interface InstanceHandle {
  s(index: number): boolean;
  /** The call `s` just diverted (its export index is the one `s` was asked about). */
  t(self: unknown, args: ArrayLike<unknown>, newTarget?: unknown): unknown;
}

/** What the call path needs of a module instance (the runtime's instances are these). */
export interface BoundInstance {
  /** Its update's number; undefined for the first instance Node loaded. */
  readonly version: number | undefined;
  readonly description: ModuleDescription;
  readonly namespace: Namespace | undefined;
  readonly stale: boolean;
  mode: TrampolineMode;
  /** Its exported values as it left them, by export index, read when an update first assigned its bindings. */
  readonly originals: unknown[] | undefined;
  /** Forwarding targets by export index, valid while `forwardsAt` is the count of installs. */
  forwards: unknown[];
  forwardsAt: number;
  /** The mutable values last copied into the live bindings. */
  synced: unknown[] | undefined;
  /**
   * The local export indexes whose declared function (see ModuleDescription.own) the instance had assigned another
   * value by the time it was installed (a wrapper of it, say): that function is then only ever called as a saved
   * original, never through the export.
   */
  readonly replaced: readonly number[] | undefined;
  readonly module: BoundModule | undefined;
}

/** What the call path needs of a module: its versions, and the instances importers link to. */
export interface BoundModule {
  readonly current: BoundInstance;
  /** Every version installed, oldest first. */
  readonly versions: readonly BoundInstance[];
  readonly linked: readonly BoundInstance[];
  /** The module whose exports this one's follow, by export name, once the program has left it (see HotModule.follow). */
  readonly alias: { readonly source: BoundModule; readonly names: ReadonlyMap<string, string> } | undefined;
  /** The modules that follow its exports. */
  readonly followers: readonly BoundModule[];
  /** Says its linked instances' bindings were written, for the modules that follow them. */
  written(): void;
}

/**
 * What export `name` of `module` holds for the modules following it: the bindings of the newest instance importers
 * link to that declares it, which every update and every alias writes (its current version's own bindings are not
 * written when the module itself follows another).
 */
export function followedValue(module: BoundModule, name: string): unknown {
  for (let at = module.linked.length - 1; at >= 0; at--) {
    const instance = module.linked[at] as BoundInstance;
    if (instance.description.indexOf(name) !== -1) return instance.description.get(name);
  }
  return readExport(module.current, name);
}

/** Export `name` of `instance`: through its namespace once installed, else its bindings (throws while uninitialized). */
export function readExport(instance: BoundInstance, name: string): unknown {
  return instance.namespace !== undefined ? instance.namespace[name] : instance.description.get(name);
}

/** A cached "no forwarding target" (undefined means not looked up yet). */
const NO_TARGET = Symbol('no target');

/** What a stale function forwards to; `reassigned`: the module it comes from may assign that export again. */
interface ForwardTarget {
  target: unknown;
  declared: boolean;
  reassigned: boolean;
}

/** What a generator object offers `yield*`. */
type Steppable = Record<'next' | 'throw' | 'return', (value: unknown) => unknown>;

const GENERATOR_FUNCTIONS = [Object.getPrototypeOf(function* () {}), Object.getPrototypeOf(async function* () {})];

/** Whether `fn` is a generator function (sync or async): calling it only creates the generator. */
function isGeneratorFunction(fn: unknown): boolean {
  return typeof fn === 'function' && GENERATOR_FUNCTIONS.includes(Object.getPrototypeOf(fn));
}

/** Calls `fn` as the original call did: as a constructor when it was one. */
export function invoke(fn: unknown, self: unknown, args: ArrayLike<unknown>, newTarget: unknown): unknown {
  if (typeof fn !== 'function') throw new TypeError('an updated export is no longer a function');
  if (newTarget !== undefined) return Reflect.construct(fn, args, newTarget as () => unknown);
  return Reflect.apply(fn, self, args);
}

/**
 * The runtime's trampolines: what a stale function forwards to (cached per install), and the call path of
 * transformed functions whose mode global does not hold 0.
 */
export class Bindings {
  /** How many new versions were installed: what a stale function's cached forwarding target is valid for. */
  #installs = 0;

  /** Counts an install: every cached forwarding target is looked up again. */
  installed(): void {
    this.#installs++;
  }

  /** An instance handle's `s`: whether the call goes to `trampoline` instead of the function's own body. */
  diverts(instance: BoundInstance, index: number): boolean {
    return instance.mode === 2 || this.#forwardTarget(instance, index) !== undefined;
  }

  /**
   * What a stale instance's export `index` forwards to: that export of the newest version that has it as a function
   * other than the caller itself. Otherwise (the export was removed, or is no longer a function, in every later
   * version) the caller runs its own body: a captured function never loops and always runs something defined.
   */
  #forwardTarget(instance: BoundInstance, index: number): unknown {
    if (!instance.stale) return undefined;
    // Read once per update: a namespace lookup per forwarded call would cost more than the call itself.
    if (instance.forwardsAt !== this.#installs) {
      instance.forwardsAt = this.#installs;
      instance.forwards = [];
    }
    const cached = instance.forwards[index];
    if (cached !== undefined) return cached === NO_TARGET ? undefined : cached;
    const found = this.#findForwardTarget(instance, index);
    // An export the newest version reassigns is read at every call, as the namespace would show it, unless the
    // target is the function that version declared for it (kept as declared: see ModuleDescription.own).
    if (found.declared || !found.reassigned) instance.forwards[index] = found.target ?? NO_TARGET;
    return found.target;
  }

  /**
   * What a stale function forwards to, in the newest version after `instance` that has its export as a function:
   * the export's value, if it is a function other than the caller's own; but where that version had replaced the
   * function it declared for the export before it was installed (a module that wraps its own export), the declared
   * one: the stale function is then a saved original its own version's wrapper calls (forwarding it to the newest
   * wrapper would wrap twice). An export removed, or no longer a function, in the newest version leaves the one
   * before it in charge.
   */
  #findForwardTarget(instance: BoundInstance, index: number): ForwardTarget {
    const name = instance.description.exports[index];
    const module = instance.module;
    const versions = module?.versions ?? [];
    if (name === undefined || module === undefined) return { target: undefined, declared: false, reassigned: false };
    const reassigned = module.current.description.mutable.includes(name);
    for (let at = versions.length - 1; at >= 0; at--) {
      const version = versions[at];
      if (version === undefined || version === instance) break;
      const local = version.description.indexOf(name);
      const declared = version.replaced?.includes(local) ? version.description.own(local) : undefined;
      if (typeof declared === 'function') return { target: declared, declared: true, reassigned };
      let value: unknown;
      try {
        value = readExport(version, name);
      } catch {
        // Uninitialized (a binding still in its temporal dead zone): look at an older version.
      }
      if (typeof value === 'function' && value !== instance.originals?.[index])
        return { target: value, declared: false, reassigned };
    }
    // A module the program left, whose bindings follow another's: its functions forward to that module's.
    const alias = module.alias;
    const taken = alias?.names.get(name);
    if (alias === undefined || taken === undefined) return { target: undefined, declared: false, reassigned };
    const source = alias.source.current;
    // A first instance lists no exports it reassigns: its value is read at every call.
    const volatile = source.version === undefined || source.description.mutable.includes(taken);
    const found: ForwardTarget = { target: undefined, declared: false, reassigned: reassigned || volatile };
    try {
      const value = followedValue(alias.source, taken);
      if (typeof value === 'function' && value !== instance.originals?.[index]) found.target = value;
    } catch {
      // Uninitialized in the source: the function runs its own body.
    }
    return found;
  }

  trampoline(
    instance: BoundInstance,
    index: number,
    self: unknown,
    args: ArrayLike<unknown>,
    newTarget: unknown,
  ): unknown {
    if (instance.stale) {
      // A function of a replaced version, called through a reference captured before the update.
      const target = this.#forwardTarget(instance, index) as (...args: unknown[]) => unknown;
      if (newTarget === undefined) return Reflect.apply(target, self, args);
      // A construction keeps its new.target (a subclass's `super()` call) unless it is the captured function itself.
      const own = instance.originals?.[index];
      return invoke(target, self, args, newTarget === own ? target : newTarget);
    }
    const name = instance.description.exports[index] ?? '';
    // A newer version's own function: run it, then copy its reassigned exports into the live bindings. The caller
    // is the function the module declared for export `index`: kept as declared when the module may have assigned
    // the export another value since (a wrapper that calls the saved original would call itself again), else what
    // the binding holds.
    let own: unknown;
    const result = this.#runOwn(instance, () => {
      own = instance.description.own(index);
      // Installed (mode 2 is set at install): its namespace reads the binding without compiling an accessor for it.
      if (typeof own !== 'function') own = readExport(instance, name);
      return invoke(own, self, args, newTarget);
    });
    // A generator's body runs at each step, after the call returned: asking again there would recurse forever.
    return isGeneratorFunction(own) ? this.#steps(instance, result as Steppable) : result;
  }

  /**
   * Runs `run` with the instance's functions running their own bodies, then copies its reassigned exports out: at
   * once, and again when a promise it returned settles.
   */
  #runOwn(instance: BoundInstance, run: () => unknown): unknown {
    const mode = instance.mode;
    instance.mode = 0;
    let result: unknown;
    try {
      result = run();
    } finally {
      instance.mode = mode;
      this.#sync(instance);
    }
    if (result instanceof Promise) {
      result.then(
        () => this.#sync(instance),
        () => this.#sync(instance),
      );
    }
    return result;
  }

  /**
   * A current version's generator, consumed by its trampoline's `yield*`: each step runs as its call did (the
   * instance's functions run their own bodies), then copies the reassigned exports out.
   */
  #steps(instance: BoundInstance, generator: Steppable): Steppable & Iterable<unknown> & AsyncIterable<unknown> {
    const step = (method: keyof Steppable, value: unknown): unknown =>
      this.#runOwn(instance, () => generator[method](value));
    const steps = {
      next: (value: unknown) => step('next', value),
      throw: (value: unknown) => step('throw', value),
      return: (value: unknown) => step('return', value),
      [Symbol.iterator]: () => steps as Iterator<unknown>,
      [Symbol.asyncIterator]: () => steps as AsyncIterator<unknown>,
    };
    return steps;
  }

  /**
   * Copies a current version's reassigned exports into the live instance's bindings, when they changed, and on to
   * the modules following it. A first instance lists none (it is not read by updates), and importers link to its
   * bindings themselves: only the modules following it are told, after every call.
   */
  #sync(instance: BoundInstance): void {
    const module = instance.module;
    if (module === undefined || module.current !== instance) return;
    if (instance.version === undefined) {
      if (module.followers.length > 0) module.written();
      return;
    }
    let values: unknown[];
    try {
      values = instance.description.mutableValues();
    } catch {
      return;
    }
    const last = instance.synced;
    if (last !== undefined && values.every((value, index) => Object.is(value, last[index]))) return;
    instance.synced = values;
    const byName: Record<string, unknown> = {};
    instance.description.mutable.forEach((name, index) => {
      byName[name] = values[index];
    });
    for (const target of module.linked) if (target !== instance) target.description.set(byName);
    module.written();
  }
}
