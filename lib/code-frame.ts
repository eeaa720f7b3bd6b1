/**
 * Where a module's syntax error is, and a code frame for it. Node gives no position for a `SyntaxError` caught from
 * `import()` (only its uncaught-error printer shows one), so hotzip finds it again: the module's import and export
 * syntax is blanked out with es-module-lexer's positions (keeping every line and column), the rest is compiled as
 * the body of an async function with `vm.Script`, whose errors do carry `file:line` and a caret.
 */

import * as vm from 'node:vm';
import { parse } from 'es-module-lexer';

/** A syntax error's position: 1-based line and column. */
export interface SourcePosition {
  line: number;
  column: number;
}

const WRAP_START = '(async function(){"use strict";';

function blank(text: string): string {
  return text.replace(/[^\n]/g, ' ');
}

function positionAt(source: string, index: number): SourcePosition {
  const before = source.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/**
 * The module source with import/export syntax replaced by spaces or `void`, so that a script compiler accepts it;
 * or, when even the lexer fails, the position it stopped at.
 */
function scriptView(source: string): string | SourcePosition | undefined {
  let imports: ReturnType<typeof parse>[0];
  let exports: ReturnType<typeof parse>[1];
  try {
    [imports, exports] = parse(source);
  } catch (error) {
    const index = (error as { idx?: unknown }).idx;
    if (typeof index === 'number' && index > 0) return positionAt(source, Math.min(index, source.length));
    return roughScriptView(source);
  }
  const chars = source.split('');
  const replace = (start: number, end: number, text: string): void => {
    for (let i = start; i < end; i++)
      chars[i] = i - start < text.length ? (text[i - start] ?? ' ') : chars[i] === '\n' ? '\n' : ' ';
  };
  for (const entry of imports) {
    if (entry.type === 'import-meta') replace(entry.start, entry.end, '(void 0)');
    else if (entry.type !== 'dynamic')
      replace(entry.importStart, entry.importEnd, blank(source.slice(entry.importStart, entry.importEnd)));
  }
  for (const entry of exports) {
    const head = /^export\s+(default\b)?/.exec(source.slice(entry.exportStart));
    if (head === null) continue;
    const clause = /^export\s*\{[^}]*\}\s*;?/.exec(source.slice(entry.exportStart));
    if (clause !== null && entry.type === 'direct')
      replace(entry.exportStart, entry.exportStart + clause[0].length, '');
    else replace(entry.exportStart, entry.exportStart + head[0].length, head[1] === undefined ? '' : 'void');
  }
  // Whatever the lexer did not recognise as import or export syntax (it skips some malformed forms) gets the rough
  // treatment too, so that the script compiler stops at the real error rather than at an `export` keyword.
  return roughScriptView(chars.join(''));
}

/** When the lexer gives up: the same blanking by line-oriented patterns, good for the usual one-line forms. */
function roughScriptView(source: string): string {
  return source
    .replace(/^[ \t]*import\s[^\n]*?from\s*(['"])[^'"\n]*\1[^\n]*$/gm, blank)
    .replace(/^[ \t]*import\s*(['"])[^'"\n]*\1[^\n]*$/gm, blank)
    .replace(/^[ \t]*export\s*(\*|\{[^}\n]*\})[^\n]*$/gm, blank)
    .replace(/^([ \t]*)export\s+default\b/gm, (_, indent: string) => `${indent}void          `)
    .replace(/^([ \t]*)export\b/gm, (_, indent: string) => `${indent}      `)
    .replace(/\bimport\.meta\b/g, '(void 0)   ');
}

/** The position of the first syntax error in ES module `source`, or undefined when it cannot tell. */
export function syntaxErrorPosition(source: string, filename: string): SourcePosition | undefined {
  const view = scriptView(source);
  if (view === undefined || typeof view !== 'string') return view;
  try {
    new vm.Script(`${WRAP_START}${view}\n})`, { filename });
    return undefined;
  } catch (error) {
    const stack = error instanceof Error ? (error.stack ?? '') : '';
    const lines = stack.split('\n');
    const where = /:(\d+)$/.exec(lines[0] ?? '');
    const caret = lines[2]?.indexOf('^') ?? -1;
    if (where?.[1] === undefined || caret === -1) return undefined;
    const line = Number(where[1]);
    const column = caret + 1 - (line === 1 ? WRAP_START.length : 0);
    return { line, column: Math.max(1, column) };
  }
}

/** A few lines of `source` around `position`, numbered, with a caret under the column. */
export function codeFrame(source: string, position: SourcePosition, context = 2): string {
  const lines = source.split('\n');
  const first = Math.max(1, position.line - context);
  const last = Math.min(lines.length, position.line + context);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const marker = n === position.line ? '>' : ' ';
    out.push(`${marker} ${String(n).padStart(width)} | ${lines[n - 1] ?? ''}`);
    if (n === position.line) out.push(`  ${' '.repeat(width)} | ${' '.repeat(position.column - 1)}^`);
  }
  return out.join('\n');
}
