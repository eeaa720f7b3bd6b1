/**
 * Tests on module specifiers and resolution conditions that the resolvers (archive entries, packages in a tree, the
 * search path, CommonJS) share, so that each reads a specifier the same way.
 */

/** Whether the importer is CommonJS `require()` (Node passes the `require` condition instead of `import`). */
export function isRequire(conditions: readonly string[]): boolean {
  return conditions.includes('require') && !conditions.includes('import');
}

/** Whether `specifier` is relative to its importer: `.`, `..`, `./…` or `../…`. */
export function isRelativeSpecifier(specifier: string): boolean {
  return specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../');
}

/** Whether `specifier` starts with a URL scheme (`file:`, `data:`, `node:`, `zip:`, …), as an absolute URL does. */
export function hasUrlScheme(specifier: string): boolean {
  return /^[a-zA-Z][a-zA-Z\d+.-]*:/.test(specifier);
}

/** The URL of builtin module `name`, which may be written with or without its `node:` scheme. */
export function builtinUrl(name: string): string {
  return name.startsWith('node:') ? name : `node:${name}`;
}

/**
 * Splits a bare specifier into its package name and the subpath within the package: `@scope/pkg/sub` is `@scope/pkg`
 * and `./sub`, `pkg` is `pkg` and `.`. Undefined for a scope with no package name (`@scope`). Whether the name is a
 * valid one is the caller's rule.
 */
export function splitPackageSpecifier(specifier: string): { name: string; subpath: string } | undefined {
  let separator = specifier.indexOf('/');
  if (specifier.startsWith('@')) {
    if (separator === -1) return undefined;
    separator = specifier.indexOf('/', separator + 1);
  }
  const name = separator === -1 ? specifier : specifier.slice(0, separator);
  return { name, subpath: `.${separator === -1 ? '' : specifier.slice(separator)}` };
}
