/**
 * TypeScript modules made hot: Node (≥ 22.18) runs `.ts`/`.mts` by erasing types, and hotzip erases them the same
 * way, with Node's own `module.stripTypeScriptTypes` (which replaces types with spaces, so every line and column
 * stays), before the hot transform, so a TypeScript module reloads like a JavaScript one.
 */
import { type SourcePosition, syntaxErrorPosition } from '../code-frame.js';
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

/**
 * Where TypeScript module `source` has a syntax error, as Node would say: erasing types keeps every position, so an
 * error in the JavaScript is found in the erased source; where erasing fails (an enum, malformed types) it is read
 * from the snippet Node's error carries. Without this the first type annotation looked like the error.
 */
export function typeScriptSyntaxErrorPosition(source: string, filename: string): SourcePosition | undefined {
  if (strip === undefined) return undefined;
  let javascript: string;
  try {
    javascript = quietStrip(strip, source);
  } catch (error) {
    return erasingErrorPosition(error, source);
  }
  return syntaxErrorPosition(javascript, filename);
}

const COMBINING = /^\p{M}$/u;
const WIDE =
  /^(?:\p{Emoji_Presentation}|[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}])$/u;

/**
 * The position in an erasing error's stack, which starts with `:<line>`, a snippet of the source and a line of carets
 * under the error, placed by display width (a tab four columns, a CJK character or emoji two, a combining mark none).
 */
function erasingErrorPosition(error: unknown, source: string): SourcePosition | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const lines = stack.split('\n');
  const line = Number(/^\S*:(\d+)$/.exec(lines[0] ?? '')?.[1]);
  const carets = lines.findIndex((text, index) => index > 1 && /^ *\^+$/.test(text));
  const text = source.split('\n')[line - 1];
  if (!Number.isInteger(line) || line < 1 || carets === -1 || text === undefined) return undefined;
  const shown = (lines[carets] ?? '').indexOf('^');
  let width = 0;
  let column = 1;
  for (const char of text) {
    const combining = COMBINING.test(char);
    if (width >= shown && !combining) break;
    width += char === '\t' ? 4 : combining ? 0 : WIDE.test(char) ? 2 : 1;
    column += char.length;
  }
  return { line, column };
}
