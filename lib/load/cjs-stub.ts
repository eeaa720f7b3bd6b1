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

/** A module a stub's module re-exports, as `readReexport` finds it: its URL and source (and what the reader adds). */
export interface Reexported {
  url: string;
  source: string;
}

/** `require('x')`, its quote captured as group `quote` and `x` as the group after it. */
const request = (quote: number) => `require\\s*\\(\\s*(['"])((?:(?!\\${quote})[^\\n])+)\\${quote}\\s*\\)`;
/**
 * What Node's export lexer reads as re-exports, in source order: `module.exports = require('x')` (x in group 2),
 * any other `module.exports =` (which drops the re-exports seen so far), and `__exportStar(require('x'), exports)`
 * (TypeScript, tslib), `__export(require('x'))` or `...require('x')` (x in group 4).
 */
const reexportEvents = new RegExp(
  String.raw`\bmodule\.exports\s*=(?!=)\s*(?:${request(1)})?|(?:\b__exportStar\)?\s*\(\s*|\b__export\s*\(\s*|\.\.\.\s*)${request(3)}`,
  'g',
);

/** The specifiers whose exports Node's export lexer adds to a CommonJS module's own (its re-exports). */
function reexportSpecifiers(source: string): string[] {
  let found: string[] = [];
  for (const match of source.matchAll(reexportEvents)) {
    if (match[4] !== undefined) found.push(match[4]);
    else found = match[2] === undefined ? [] : [match[2]];
  }
  return found;
}

/**
 * The stub for the archive module `stubbed` (its URL and source): it returns the registry's instance, and carries
 * the module's own source after the `return` as dead code at the top level (its own `module` goes along, so that an
 * entry point stays `require.main`), where Node's export lexer finds the same names (exports, `__esModule`) as in
 * the original file. Top-level `var` and function declarations of that code are hoisted into the stub's scope,
 * which is why the registry is reached through `module` only.
 *
 * Re-exports are the lexer's one blind spot here: it resolves them itself, and cannot resolve a `zip:` module's
 * except through synchronous hooks. Where it has none, `readReexport` is given, and the sources of the modules
 * re-exported (followed transitively) are carried as dead code too, so their names are found with the module's own.
 */
export function cjsImportStub<M extends Reexported>(
  stubbed: M,
  readReexport?: (specifier: string, parent: M) => M | undefined,
): string {
  const { url, source } = stubbed;
  const fetch = `module.constructor[${JSON.stringify(CJS_REGISTRY_KEY)}](${JSON.stringify(url)}, module)`;
  const parts = [`module.exports = ${fetch}; return;`, withoutHashbang(source)];
  const seen = new Set([url]);
  const pending: M[] = readReexport === undefined ? [] : [stubbed];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const request of reexportSpecifiers(next.source)) {
      const found = readReexport?.(request, next);
      if (found === undefined || seen.has(found.url)) continue;
      seen.add(found.url);
      // A function of its own, so that its declarations cannot clash with the module's; the lexer finds exports at
      // any depth, and the re-exports it only reads at the top level are followed here instead.
      parts.push(`;(function () {\n${withoutHashbang(found.source)}\n});`);
      pending.push(found);
    }
  }
  return parts.join('\n');
}
