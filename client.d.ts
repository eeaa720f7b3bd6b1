/**
 * Types for code that runs under hotzip. Reference them with `/// <reference types="hotzip/client" />` or list
 * "hotzip/client" in tsconfig "types".
 */

declare module 'zip:*' {
  const namespace: Record<string, unknown>;
  export = namespace;
}

/** `import.meta.hot`: the subset of Vite's hot-module API that hotzip gives modules served from archives. */
interface HotzipHotContext {
  /** Kept from one version of the module to the next. */
  readonly data: Record<string, unknown>;
  accept(callback?: (module: Record<string, unknown> | undefined) => void): void;
  accept(deps: string | readonly string[], callback?: (modules: unknown) => void): void;
  dispose(callback: (data: Record<string, unknown>) => void | Promise<void>): void;
  prune(callback: (data: Record<string, unknown>) => void | Promise<void>): void;
  decline(): void;
  invalidate(message?: string): void;
  on(event: string, callback: (payload: unknown) => void): void;
  off(event: string, callback: (payload: unknown) => void): void;
}

interface ImportMeta {
  /** Undefined unless hotzip serves this module hot; `import.meta.hot?.…` is always safe. */
  readonly hot?: HotzipHotContext | undefined;
}
