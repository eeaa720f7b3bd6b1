/**
 * Types for code that runs under hotzip. List "hotzip/client" in tsconfig `compilerOptions.types` (beside "node"),
 * or reference it with `/// <reference types="hotzip/client" />`. `any` appears where Vite's own client types have
 * it (module namespaces, `data`), so code written for Vite's `import.meta.hot` type-checks unchanged.
 */

/**
 * Modules served from archives. Their exports cannot be known to the compiler, so, like any shorthand ambient
 * module, every named, default and namespace import of a `zip:` specifier is typed `any`.
 */
declare module 'zip:*';

/** The namespace object of a module, as `accept` callbacks receive it. */
type HotzipModuleNamespace = Record<string, any> & { [Symbol.toStringTag]: 'Module' };

/** `import.meta.hot`: the subset of Vite's hot-module API that hotzip gives modules served from archives. */
interface HotzipHotContext {
  /** Kept from one version of the module to the next; typed as Vite types it. */
  readonly data: any;
  /** This module can take its own updates (the callback gets the new namespace). */
  accept(): void;
  accept(callback: (module: HotzipModuleNamespace | undefined) => void): void;
  /** Updates of a dependency are handled here (the callback gets its new namespace). */
  accept(dep: string, callback: (module: HotzipModuleNamespace | undefined) => void): void;
  accept(deps: readonly string[], callback: (modules: Array<HotzipModuleNamespace | undefined>) => void): void;
  /** Runs before the next version of this module evaluates; clean up timers, servers and listeners here. */
  dispose(callback: (data: any) => void | Promise<void>): void;
  /** Runs when this module leaves the archive or the module graph. */
  prune(callback: (data: any) => void | Promise<void>): void;
  /** Updates of this module need a restart (`restart-required`). */
  decline(): void;
  /** Re-evaluates this module's importers too. */
  invalidate(message?: string): void;
  on(event: string, callback: (payload: any) => void): void;
  off(event: string, callback: (payload: any) => void): void;
}

interface ImportMeta {
  /** Undefined unless hotzip serves this module hot: `import.meta.hot?.…` is always safe. */
  readonly hot?: HotzipHotContext | undefined;
}
