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

/** A module a stub's module re-exports, as `readReexport` finds it: its URL and source. */
export interface Reexported {
  url: string;
  source: string;
}

const specifier = String.raw`require\s*\(\s*(['"])((?:(?!\1)[^\n])+)\1\s*\)`;
/** `module.exports = require('x')`: Node's export lexer keeps the last one. */
const assignedReexport = new RegExp(String.raw`\bmodule\.exports\s*=\s*${specifier}`, 'g');
/** `__exportStar(require('x'), exports)` (TypeScript, tslib), `__export(require('x'))`, `...require('x')`. */
const starReexport = new RegExp(
  String.raw`(?:\b__exportStar\)?\s*\(\s*|\b__export\s*\(\s*|\.\.\.\s*)${specifier}`,
  'g',
);

/** The specifiers whose exports Node's export lexer adds to a CommonJS module's own (its re-exports). */
function reexportSpecifiers(source: string): string[] {
  const assigned = [...source.matchAll(assignedReexport)].map((match) => match[2] ?? '');
  const stars = [...source.matchAll(starReexport)].map((match) => match[2] ?? '');
  return [...stars, ...assigned.slice(-1)];
}

/**
 * The stub for archive module `url`: it returns the registry's instance, and carries the module's own source after
 * the `return` as dead code at the top level (its own `module` goes along, so that an entry point stays
 * `require.main`), where Node's export lexer finds the same names (exports,
 * `__esModule`) as in the original file. Top-level `var` and function declarations of that code are hoisted into
 * the stub's scope, which is why the registry is reached through `module` only.
 *
 * Re-exports are the lexer's one blind spot here: it resolves them itself, and cannot resolve a `zip:` module's
 * except through synchronous hooks. Where it has none, `readReexport` is given, and the sources of the modules
 * re-exported (followed transitively) are carried as dead code too, so their names are found with the module's own.
 */
export function cjsImportStub(
  url: string,
  source: string,
  readReexport?: (specifier: string, parentURL: string) => Reexported | undefined,
): string {
  const fetch = `module.constructor[${JSON.stringify(CJS_REGISTRY_KEY)}](${JSON.stringify(url)}, module)`;
  const parts = [`module.exports = ${fetch}; return;`, withoutHashbang(source)];
  const seen = new Set([url]);
  const pending: Reexported[] = readReexport === undefined ? [] : [{ url, source }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const request of reexportSpecifiers(next.source)) {
      const found = readReexport?.(request, next.url);
      if (found === undefined || seen.has(found.url)) continue;
      seen.add(found.url);
      parts.push(`;\n${withoutHashbang(found.source)}`);
      pending.push(found);
    }
  }
  return parts.join('\n');
}
