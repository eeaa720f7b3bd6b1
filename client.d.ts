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

/**
 * The declaration hotzip's own `import.meta.hot` implements, with Vite's `any` for `data`, namespaces and the
 * payload of a custom event; hotzip's events (`hotzip:beforeUpdate`, `hotzip:afterUpdate`, ...) have typed payloads.
 */
type HotzipHotContextApi = import('./dist/lib/hot/api.js').HotContextApi<any, HotzipModuleNamespace, any>;

/** `import.meta.hot`: the subset of Vite's hot-module API that hotzip gives modules served from archives. */
interface HotzipHotContext extends HotzipHotContextApi {}

interface ImportMeta {
  /** Undefined unless hotzip serves this module hot: `import.meta.hot?.…` is always safe. */
  readonly hot?: HotzipHotContext | undefined;
}
