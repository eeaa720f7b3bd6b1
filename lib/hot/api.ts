/**
 * The typed edge of hot reload: the events `on`/`off` take, each with its payload, and the `import.meta.hot`
 * interface. `client.d.ts` gives modules this interface with Vite's `any` for `data` and namespaces;
 * `HotContext` (./hot-context.ts) implements it with `unknown`.
 */
import type { UpdateReport } from './runtime.js';

/** What `hotzip:beforeUpdate` and `hotzip:afterUpdate` carry: the modules the update concerns. */
export interface UpdatePayload {
  /** Canonical URLs: before, the modules about to be replaced; after, the ones that were. */
  updates: string[];
}

/** Every event hotzip emits, with its payload. */
export interface HotzipEvents {
  /** An update changed modules (or removed some). */
  update: UpdateReport;
  /** An update was rejected, or part of it failed (`report.error` says why). */
  error: UpdateReport;
  /** A change only a restart can apply (`report.restartRequired` names the modules). */
  'restart-required': UpdateReport;
  /** An update has been checked and is about to dispose the modules it replaces. */
  'hotzip:beforeUpdate': UpdatePayload;
  /** An update is done. */
  'hotzip:afterUpdate': UpdatePayload;
}

/**
 * `import.meta.hot`: the subset of Vite's hot-module API hotzip gives modules served from archives. `Data` is the
 * type of `data`, `ModuleNamespace` of the namespaces `accept` callbacks get, `Custom` of an event not in
 * HotzipEvents (any string is accepted, as Vite accepts custom events).
 */
export interface HotContextApi<Data, ModuleNamespace, Custom = unknown> {
  /** Kept from one version of the module to the next. */
  readonly data: Data;
  /** This module can take its own updates (the callback gets the new namespace). */
  accept(): void;
  accept(callback: (module: ModuleNamespace | undefined) => void): void;
  /** Updates of a dependency are handled here (the callback gets its new namespace). */
  accept(dep: string, callback: (module: ModuleNamespace | undefined) => void): void;
  accept(deps: readonly string[], callback: (modules: Array<ModuleNamespace | undefined>) => void): void;
  /** Runs before the next version of this module evaluates; clean up timers, servers and listeners here. */
  dispose(callback: (data: Data) => void | Promise<void>): void;
  /** Runs when this module leaves the archive or the module graph. */
  prune(callback: (data: Data) => void | Promise<void>): void;
  /** Updates of this module need a restart (`restart-required`). */
  decline(): void;
  /** Re-evaluates this module's importers too. */
  invalidate(message?: string): void;
  /** Listens to an event; a replaced version's listeners are removed with it. */
  on<Name extends keyof HotzipEvents>(event: Name, callback: (payload: HotzipEvents[Name]) => void): void;
  on(event: string, callback: (payload: Custom) => void): void;
  off<Name extends keyof HotzipEvents>(event: Name, callback: (payload: HotzipEvents[Name]) => void): void;
  off(event: string, callback: (payload: Custom) => void): void;
}
