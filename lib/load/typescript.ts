/**
 * TypeScript modules made hot: Node (≥ 22.18) runs `.ts`/`.mts` by erasing types, and hotzip erases them the same
 * way, with Node's own `module.stripTypeScriptTypes` (which replaces types with spaces, so every line and column
 * stays), before the hot transform, so a TypeScript module reloads like a JavaScript one.
 */
import { type ErrorSite, fail } from '../errors.js';
import { stripTypeScriptTypes } from '../node-support.js';

const strip = stripTypeScriptTypes;

/**
 * Node's `stripTypeScriptTypes(code, { mode })` (throws what it throws), without the warning it gives: Node flags the
 * function itself as experimental, though running a `.ts` file (which erases types the same way) warns of nothing,
 * so the warning would be hotzip's doing and is kept from the application's stderr.
 */
export function quietStrip(
  run: NonNullable<typeof stripTypeScriptTypes>,
  code: string,
  mode: 'strip' | 'transform' = 'strip',
): string {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/stripTypeScriptTypes/.test(text)) return;
    (emitWarning as (warning: string | Error, ...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return run(code, { mode });
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * The JavaScript Node would run for a TypeScript module, positions kept; undefined where Node cannot erase types
 * (no stripping in this version) or the source needs more than erasing (an enum, a namespace): the module is then
 * served as TypeScript, not hot, and Node reports what it cannot run.
 */
export function stripTypes(source: string): string | undefined {
  if (strip === undefined) return undefined;
  try {
    return quietStrip(strip, source);
  } catch {
    return undefined;
  }
}

/**
 * The JavaScript Node would run for TypeScript CommonJS, which hotzip runs itself: Node's own error where the source
 * needs more than erasing, ERR_HOTZIP_UNSUPPORTED where this Node erases no types at all.
 */
export function eraseTypes(source: string, site: ErrorSite): string {
  if (strip === undefined) {
    return fail('ERR_HOTZIP_UNSUPPORTED', `Node ${process.versions.node} cannot strip types`, site);
  }
  return quietStrip(strip, source);
}
