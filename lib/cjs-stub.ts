/**
 * What the load hook serves for an `import` of archive CommonJS where hotzip runs archive CommonJS itself (see
 * cjs-require.ts): a stub that hands Node the instance from hotzip's registry, so `import` and `require()` share one.
 */

/** Where a stub finds the registry: a string key on Node's Module class (`module.constructor`), which no module code can shadow. */
export const CJS_REGISTRY_KEY = 'hotzip:require';

/** A byte-order mark dropped, and a hashbang (valid only at the very start) turned into a comment of the same length. */
export function withoutHashbang(source: string): string {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  return text.startsWith('#!') ? `//${text.slice(2)}` : text;
}

/**
 * The stub for archive module `url`: it returns the registry's instance, and carries the module's own source after
 * the `return` as dead code at the top level, where Node's export lexer finds the same names (exports,
 * `__esModule`, re-exports) as in the original file. Top-level `var` and function declarations of that code are
 * hoisted into the stub's scope, which is why the registry is reached through `module` only.
 */
export function cjsImportStub(url: string, source: string): string {
  const fetch = `module.constructor[${JSON.stringify(CJS_REGISTRY_KEY)}](${JSON.stringify(url)})`;
  return `module.exports = ${fetch}; return;\n${withoutHashbang(source)}`;
}
