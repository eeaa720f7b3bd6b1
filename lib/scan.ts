/**
 * The little source scanning the transform needs beyond es-module-lexer: finding where a class's body opens, and
 * where a default expression ends (see ./declarations.ts for declarations). It skips strings, comments, template literals and (by the
 * usual heuristic on the preceding token) regular expressions, and is only ever run over a few statements, never a
 * whole module on the hot path.
 */

const REGEX_AFTER = new Set('(,=:[!&|?{};+-*%<>~^'.split(''));
const REGEX_KEYWORDS = /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;

function isIdentifierChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 36 ||
    code === 95 ||
    code > 127
  );
}

/** Index just past the string literal opening at `i` (quote char at `i`). */
function skipString(source: string, i: number): number {
  const quote = source[i];
  for (let j = i + 1; j < source.length; j++) {
    const c = source[j];
    if (c === '\\') j++;
    else if (c === quote) return j + 1;
  }
  return source.length;
}

/** Index just past the template literal opening at `i`, including nested `${…}` code. */
function skipTemplate(source: string, i: number): number {
  for (let j = i + 1; j < source.length; j++) {
    const c = source[j];
    if (c === '\\') j++;
    else if (c === '`') return j + 1;
    else if (c === '$' && source[j + 1] === '{') j = skipBalanced(source, j + 1) - 1;
  }
  return source.length;
}

function skipRegex(source: string, i: number): number {
  let inClass = false;
  for (let j = i + 1; j < source.length; j++) {
    const c = source[j];
    if (c === '\\') j++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) {
      let k = j + 1;
      while (k < source.length && isIdentifierChar(source.charCodeAt(k))) k++;
      return k;
    } else if (c === '\n') return j;
  }
  return source.length;
}

/** The last significant character before `i`, for telling a regex from a division. */
function regexAllowed(source: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && /\s/.test(source[j] ?? '')) j--;
  if (j < 0) return true;
  const c = source[j] ?? '';
  if (REGEX_AFTER.has(c)) return true;
  return REGEX_KEYWORDS.test(source.slice(Math.max(0, j - 7), j + 1));
}

/**
 * Calls `visit(index, char)` for every character of code (outside strings, comments, templates and regexes) from
 * `start`, until `visit` returns true; returns that index, or -1.
 */
export function scanCode(source: string, start: number, visit: (index: number, char: string) => boolean): number {
  for (let i = start; i < source.length; i++) {
    const c = source[i] ?? '';
    if (c === '"' || c === "'") {
      i = skipString(source, i) - 1;
    } else if (c === '`') {
      i = skipTemplate(source, i) - 1;
    } else if (c === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      i = end === -1 ? source.length : end;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end === -1 ? source.length : end + 1;
    } else if (c === '/' && regexAllowed(source, i)) {
      i = skipRegex(source, i) - 1;
    } else if (visit(i, c)) {
      return i;
    }
  }
  return -1;
}

/** Index just past the bracket group opening at `open` (`(`, `[` or `{`). */
export function skipBalanced(source: string, open: number): number {
  let depth = 0;
  const end = scanCode(source, open, (_, c) => {
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    return depth === 0;
  });
  return end === -1 ? source.length : end + 1;
}

/** For a `class` declaration starting at `at`: the index of its body's `{` (past any `extends` expression), or -1. */
export function classBodyStart(source: string, at: number): number {
  let depth = 0;
  return scanCode(source, at, (_, c) => {
    if (c === '{' && depth === 0) return true;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    return false;
  });
}

const CONTINUING_WORDS = new Set(['in', 'instanceof', 'of']);

/**
 * For `export default <expression>` whose expression starts at `from`: where to close a wrapper around the
 * expression — the index of its terminating `;`, or just past its last token when it ends by ASI or at the end of
 * the source (so the closing text stays on the expression's own line, before any comment) — with `semicolon` telling
 * whether a `;` is already there. Returns undefined when the shape is not one it can be sure of.
 */
export function expressionEnd(source: string, from: number): { at: number; semicolon: boolean } | undefined {
  let depth = 0;
  let prev = '';
  let sawNewline = false;
  let lastVisited = from - 1;
  /** Just past the last code of the expression seen so far. */
  let codeEnd = from;
  const isComment = (at: number): boolean => source[at] === '/' && (source[at + 1] === '/' || source[at + 1] === '*');
  let result: { at: number; semicolon: boolean } | undefined;
  let unsure = false;
  const found = scanCode(source, from, (i, c) => {
    if (i > lastVisited + 1) {
      // Something was skipped: a string, template or regex ends an operand; a comment does not.
      if (isComment(lastVisited + 1)) {
        if (source.slice(lastVisited + 1, i).includes('\n')) sawNewline = true;
      } else {
        prev = 'x';
        codeEnd = i;
      }
    }
    lastVisited = i;
    if (c === '\n') {
      if (depth === 0) sawNewline = true;
      return false;
    }
    if (/\s/.test(c)) return false;
    if (depth === 0) {
      if (c === ';') {
        result = { at: i, semicolon: true };
        return true;
      }
      if (c === ')' || c === ']' || c === '}') {
        unsure = true;
        return true;
      }
      const endsOperand = /[\w$)\]}'"`]/.test(prev);
      // `a⏎++b`: a postfix operator may not follow a line break, so the line ends the expression (ASI).
      if (sawNewline && endsOperand && (source.startsWith('++', i) || source.startsWith('--', i))) {
        result = { at: codeEnd, semicolon: false };
        return true;
      }
      if (sawNewline && endsOperand && /[A-Za-z_$]/.test(c)) {
        const word = /^[\w$]+/.exec(source.slice(i, i + 12))?.[0] ?? '';
        if (!CONTINUING_WORDS.has(word)) {
          result = { at: codeEnd, semicolon: false };
          return true;
        }
      }
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    prev = c;
    codeEnd = i + 1;
    sawNewline = false;
    return false;
  });
  if (unsure) return undefined;
  if (found !== -1) return result;
  if (depth !== 0) return undefined;
  // The source ended inside a string, template or regex that closes the expression (a comment does not).
  if (lastVisited + 1 < source.length && !isComment(lastVisited + 1)) codeEnd = source.length;
  return { at: codeEnd, semicolon: false };
}
