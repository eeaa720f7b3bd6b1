/**
 * `import.meta.hot`: the part of Vite's HMR API that users know, one object per module instance.
 * It only records what the module asks for; the runtime decides when to call it.
 */

import type { HotContextApi, HotzipEvents } from './api.js';
import type { Listener } from './events.js';

/** A module namespace object as `import()` returns it. */
export type Namespace = Readonly<Record<string, unknown>>;

/** What an importer asked for with `accept(deps, cb)`: called when any of `deps` updates. */
interface DependencyAccept {
  deps: readonly string[];
  callback: (modules: Array<Namespace | undefined>) => void;
}

/** The runtime operations a context forwards to; injected so the context knows nothing of the update machinery. */
export interface HotContextHost {
  /** Resolves a specifier as the module itself would import it. */
  resolve(specifier: string): string;
  /** Re-evaluates the module's importers too (after this update, or now). */
  invalidate(url: string, message?: string): void;
  /** Subscribes to runtime events (`hotzip:beforeUpdate`, `hotzip:afterUpdate`, `hotzip:error`, ...). */
  on(event: string, listener: Listener): void;
  off(event: string, listener: Listener): void;
}

/** One module instance's `import.meta.hot`. */
export class HotContext implements HotContextApi<Record<string, unknown>, Namespace> {
  /** Kept from one version of the module to the next: state handed over by `dispose`. */
  readonly data: Record<string, unknown>;
  /** @internal */ readonly disposers: Array<(data: Record<string, unknown>) => void | Promise<void>> = [];
  /** @internal */ readonly pruners: Array<(data: Record<string, unknown>) => void | Promise<void>> = [];
  /** @internal */ readonly selfAccepts: Array<(module: Namespace | undefined) => void> = [];
  /** @internal */ readonly depAccepts: DependencyAccept[] = [];
  /** @internal */ declined = false;
  /** @internal */ accepted = false;
  readonly #url: string;
  readonly #host: HotContextHost;
  readonly #listeners: Array<[string, Listener]> = [];

  constructor(url: string, data: Record<string, unknown>, host: HotContextHost) {
    this.#url = url;
    this.data = data;
    this.#host = host;
  }

  /**
   * `accept()` / `accept(cb)`: this module handles its own updates (cb gets the new namespace);
   * `accept(dep, cb)` / `accept([deps], cb)`: cb gets the new namespaces of those dependencies when they update.
   */
  accept(): void;
  accept(callback: (module: Namespace | undefined) => void): void;
  accept(dep: string, callback: (module: Namespace | undefined) => void): void;
  accept(deps: readonly string[], callback: (modules: Array<Namespace | undefined>) => void): void;
  accept(deps?: unknown, callback?: unknown): void {
    if (deps === undefined || typeof deps === 'function') {
      this.accepted = true;
      if (typeof deps === 'function') this.selfAccepts.push(deps as (module: Namespace | undefined) => void);
      return;
    }
    const list = typeof deps === 'string' ? [deps] : Array.isArray(deps) ? deps.map(String) : undefined;
    if (list === undefined) throw new TypeError('import.meta.hot.accept(deps, cb): deps must be a string or an array');
    const resolved = list.map((dep) => this.#host.resolve(dep));
    const single = typeof deps === 'string';
    if (typeof callback !== 'function') return;
    this.depAccepts.push({
      deps: resolved,
      callback: (modules) => (single ? callback(modules[0]) : callback(modules)),
    });
  }

  /** Runs before the next version of this module evaluates; `data` is handed to it. */
  dispose(callback: (data: Record<string, unknown>) => void | Promise<void>): void {
    this.disposers.push(callback);
  }

  /** Runs when the module leaves the archive or the graph. */
  prune(callback: (data: Record<string, unknown>) => void | Promise<void>): void {
    this.pruners.push(callback);
  }

  /** Updates of this module cannot be applied in place: they emit `restart-required` instead. */
  decline(): void {
    this.declined = true;
  }

  /** Re-evaluates this module's importers as well, as if they had changed too. */
  invalidate(message?: string): void {
    this.#host.invalidate(this.#url, message);
  }

  /** Listens to hotzip's events (see HotzipEvents) or to a custom one. */
  on<Name extends keyof HotzipEvents>(event: Name, listener: (payload: HotzipEvents[Name]) => void): void;
  on(event: string, listener: Listener): void;
  on(event: string, listener: Listener): void {
    this.#listeners.push([event, listener]);
    this.#host.on(event, listener);
  }

  /** Stops listening. */
  off<Name extends keyof HotzipEvents>(event: Name, listener: (payload: HotzipEvents[Name]) => void): void;
  off(event: string, listener: Listener): void;
  off(event: string, listener: Listener): void {
    this.#host.off(event, listener);
  }

  /** @internal Removes this instance's listeners when it is replaced, as Vite does. */
  detach(): void {
    for (const [event, listener] of this.#listeners) this.#host.off(event, listener);
    this.#listeners.length = 0;
  }
}
