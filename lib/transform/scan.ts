/**
 * The little source scanning the transform needs beyond es-module-lexer: finding where a class's body opens, where
 * a function body's directives end, and where a default-exported expression ends (by the rules of automatic
 * semicolon insertion, since much code has no semicolons); see ./declarations.ts for declarations. It skips strings,
 * comments, template literals and (by the usual heuristic on the preceding token) regular expressions, and is only
 * ever run over a few statements, never a whole module on the hot path.
 */

const REGEX_AFTER = new Set('(,=:[!&|?{};+-*%<>~^'.split(''));
const REGEX_KEYWORDS = /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;

/** White space and line terminators past ASCII (no-break space, U+2028, the BOM…): never part of a name. */
export const WIDE_SPACE = /\s/;

/**
 * Whether a character code is white space or a line terminator, exactly what `\s` matches: the scans test every
 * blank they skip, and a regex call per character was a tenth of the transform's time.
 */
export function isSpaceCode(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 160) return false;
  return (
    code === 160 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** Whether a character code can continue a name (ASCII letters, digits, `$`, `_`, and anything past ASCII but space). */
export function isIdentifierChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    code === 36 ||
    code === 95 ||
    (code > 127 && !WIDE_SPACE.test(String.fromCharCode(code)))
  );
}

/**
 * The length of the `\u` escape at `at` (`\uXXXX` or `\u{X…}`), 0 when none starts there: an identifier may spell
 * any of its characters so (`let \u0061b` declares `ab`; esbuild writes non-ASCII names so by default).
 */
export function unicodeEscapeLength(source: string, at: number): number {
  if (source.charCodeAt(at) !== 92 || source.charCodeAt(at + 1) !== 117) return 0;
  let i = at + 2;
  if (source.charCodeAt(i) === 123) {
    i++;
    while (isHexCode(source.charCodeAt(i))) i++;
    return i > at + 3 && source.charCodeAt(i) === 125 ? i + 1 - at : 0;
  }
  for (; i < at + 6; i++) if (!isHexCode(source.charCodeAt(i))) return 0;
  return 6;
}

function isHexCode(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

const NAME_START = /^[\p{ID_Start}$_]$/u;
const NAME_PART = /^[\p{ID_Continue}$\u200c\u200d]$/u;

/**
 * Whether the `\u` escape at `at`, `length` long (see unicodeEscapeLength), spells a character a name may have
 * there (`start`: its first): one that spells another (`\u0020`) makes the source a SyntaxError, which Node must
 * report in its own words on the source as written.
 */
export function isNameEscape(source: string, at: number, length: number, start: boolean): boolean {
  const braced = source.charCodeAt(at + 2) === 123;
  const code = Number.parseInt(source.slice(at + (braced ? 3 : 2), at + length - (braced ? 1 : 0)), 16);
  if (!(code <= 0x10ffff)) return false;
  return (start ? NAME_START : NAME_PART).test(String.fromCodePoint(code));
}

const UNICODE_ESCAPE = /\\u(?:\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{4}))/g;

/**
 * `text` with its `\u` escapes read as the characters they stand for: the name an identifier spelled with them
 * denotes (a code point past U+10FFFF, never valid, stays as written).
 */
export function unescapeName(text: string): string {
  if (!text.includes('\\u')) return text;
  return text.replace(UNICODE_ESCAPE, (sequence, braced: string | undefined, four: string | undefined) => {
    const code = Number.parseInt(braced ?? four ?? '', 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : sequence;
  });
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
  while (j >= 0 && isSpaceCode(source.charCodeAt(j))) j--;
  if (j < 0) return true;
  const c = source[j] ?? '';
  if (REGEX_AFTER.has(c)) return true;
  return REGEX_KEYWORDS.test(source.slice(Math.max(0, j - 7), j + 1));
}

/**
 * Calls `visit(index, char)` for every character of code (outside strings, comments, templates and regexes) from
 * `start`, until `visit` returns true; returns that index, or -1.
 *
 * With `stops`, only for the characters of code that it matches (see codeStops; or the pattern it returns, asked
 * again at every stop, for a visitor whose interest changes as it goes): the scan then jumps from one to the next in
 * a regex, native code from its first run, instead of testing every character in JavaScript that runs cold on the
 * import path (a whole-module scan was most of the transform's time on packages as published).
 */
export function scanCode(
  source: string,
  start: number,
  visit: (index: number, char: string) => boolean,
  stops?: RegExp | (() => RegExp),
): number {
  if (stops === undefined) return scanEvery(source, start, visit);
  let i = start;
  for (;;) {
    const pattern = typeof stops === 'function' ? stops() : stops;
    // Set anew at every stop: a visitor or a skip may have run the same pattern over another range.
    pattern.lastIndex = i;
    const found = pattern.exec(source);
    if (found === null) return -1;
    i = found.index;
    const c = source[i] ?? '';
    if (c === '"' || c === "'") {
      i = skipString(source, i);
      continue;
    }
    if (c === '`') {
      i = skipTemplate(source, i);
      continue;
    }
    if (c === '/') {
      const next = source[i + 1];
      if (next === '/') {
        const end = source.indexOf('\n', i);
        if (end === -1) return -1;
        i = end + 1;
        continue;
      }
      if (next === '*') {
        const end = source.indexOf('*/', i + 2);
        if (end === -1) return -1;
        i = end + 2;
        continue;
      }
      if (regexAllowed(source, i)) {
        i = skipRegex(source, i);
        continue;
      }
    }
    if (visit(i, c)) return i;
    i++;
  }
}

/**
 * A `stops` pattern for scanCode: the given characters of code, or matches of `words` (a regex source, each match
 * visited at its first character), together with the characters that open strings, comments, templates and regexes,
 * which the scan must always see.
 */
export function codeStops(chars: string, words = ''): RegExp {
  const escaped = chars.replace(/[\\\]^-]/g, '\\$&');
  return new RegExp(`[${escaped}"'\`/]${words === '' ? '' : `|${words}`}`, 'g');
}

/** The characters of code bracket matching needs (see scanCode). */
export const BRACKETS = codeStops('()[]{}');

function scanEvery(source: string, start: number, visit: (index: number, char: string) => boolean): number {
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
  const end = scanCode(
    source,
    open,
    (_, c) => {
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth--;
      return depth === 0;
    },
    BRACKETS,
  );
  return end === -1 ? source.length : end + 1;
}

/** For a `class` declaration starting at `at`: the index of its body's `{` (past any `extends` expression), or -1. */
export function classBodyStart(source: string, at: number): number {
  let depth = 0;
  return scanCode(
    source,
    at,
    (_, c) => {
      if (c === '{' && depth === 0) return true;
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth--;
      return false;
    },
    BRACKETS,
  );
}

/** Words after which an operand must follow: a regex may start there, and a line break does not end the expression. */
const OPERATOR_WORDS = new Set(['typeof', 'void', 'delete', 'new', 'await', 'yield', 'in', 'instanceof', 'of']);
/** The binary-operator words that continue an expression across a line break. */
const CONTINUING_WORDS = new Set(['in', 'instanceof']);

function isLineTerminator(code: number): boolean {
  return code === 10 || code === 13 || code === 0x2028 || code === 0x2029;
}

/** Index just past the identifier, private name, keyword or number starting at `i`. */
function skipWord(source: string, i: number): number {
  const first = source.charCodeAt(i);
  const numeric = (first >= 48 && first <= 57) || first === 46;
  const hex = numeric && /^0[xX]/.test(source.slice(i, i + 2));
  let j = i + 1;
  while (j < source.length) {
    const code = source.charCodeAt(j);
    if (isIdentifierChar(code) || code === 92 || (numeric && code === 46)) j++;
    // `1e+5`: an exponent's sign belongs to the number.
    else if (numeric && !hex && (code === 43 || code === 45) && /[eE]/.test(source[j - 1] ?? '')) j++;
    else break;
  }
  return j;
}

/**
 * Whether the token at `i`, first on its line after a complete operand, continues the expression (no automatic
 * semicolon): a call, member access, template, or a binary or assignment operator. `++` and `--` do not (a postfix
 * operator may not follow a line break), nor anything that can only start an operand (`!`, `~`, a literal, a name).
 */
function continuesAfterLineBreak(source: string, i: number): boolean {
  const c = source[i] ?? '';
  const next = source[i + 1] ?? '';
  if (c === '+' || c === '-') return next !== c;
  if (c === '!') return next === '=';
  if ('([`.?*/%<>=&|^,:'.includes(c)) return true;
  if (/[a-z]/.test(c)) return CONTINUING_WORDS.has(source.slice(i, skipWord(source, i)));
  return false;
}

/**
 * For `export default <expression>` whose expression starts at `from`: where to close a wrapper around the
 * expression — the index of its terminating `;`, or just past its last token when it ends by ASI or at the end of
 * the source (so the closing text stays on the expression's own line, before any comment) — with `semicolon` telling
 * whether a `;` is already there. Returns undefined when the shape is not one it can be sure of.
 *
 * It reads tokens as the grammar does where it matters for ASI: a line break ends the expression after a complete
 * operand unless the next line continues it, and an arrow function's block body ends it (nothing but `:` of an
 * enclosing conditional may follow one).
 */
export function expressionEnd(source: string, from: number): { at: number; semicolon: boolean } | undefined {
  let depth = 0;
  /** Whether the tokens so far end with a complete operand (so `/` divides, and a line break may end it). */
  let operand = false;
  let sawNewline = false;
  /** Just past the last token of the expression seen so far. */
  let codeEnd = from;
  /** `=>` just seen at depth 0; then whether its block body has just closed. */
  let arrow = false;
  let arrowBodyClosed = false;
  let arrowBody = false;
  /** The last token was `.` or `?.`: a word after it is a property name, never an operator. */
  let member = false;
  let i = from;
  while (i < source.length) {
    const code = source.charCodeAt(i);
    const c = source[i] ?? '';
    if (isLineTerminator(code)) {
      if (depth === 0) sawNewline = true;
      i++;
      continue;
    }
    if (isSpaceCode(code)) {
      i++;
      continue;
    }
    if (c === '/' && source[i + 1] === '/') {
      i += 2;
      while (i < source.length && !isLineTerminator(source.charCodeAt(i))) i++;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      const end = close === -1 ? source.length : close + 2;
      if (depth === 0 && /[\n\r\u2028\u2029]/.test(source.slice(i, end))) sawNewline = true;
      i = end;
      continue;
    }
    // A token starts at i.
    if (depth === 0) {
      if (c === ';') return { at: i, semicolon: true };
      if (c === ')' || c === ']' || c === '}') return undefined;
      if (sawNewline && arrowBodyClosed && c !== ':') return { at: codeEnd, semicolon: false };
      if (sawNewline && operand && !continuesAfterLineBreak(source, i)) return { at: codeEnd, semicolon: false };
    }
    arrowBodyClosed = false;
    let end = i + 1;
    const wasArrow = arrow;
    arrow = false;
    const wasMember = member;
    member = c === '.' && !/[0-9]/.test(source[i + 1] ?? '');
    if (c === '"' || c === "'") {
      end = skipString(source, i);
      operand = true;
    } else if (c === '`') {
      end = skipTemplate(source, i);
      operand = true;
    } else if (c === '/') {
      if (operand) operand = false;
      else {
        end = skipRegex(source, i);
        operand = true;
      }
    } else if (isIdentifierChar(code) || c === '\\' || c === '#') {
      end = skipWord(source, i);
      operand = wasMember || !OPERATOR_WORDS.has(source.slice(i, end));
    } else if (c === '(' || c === '[' || c === '{') {
      if (c === '{' && wasArrow && depth === 0) arrowBody = true;
      depth++;
      operand = false;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
      operand = true;
      if (depth === 0 && arrowBody) {
        arrowBody = false;
        arrowBodyClosed = true;
      }
    } else if ((c === '+' || c === '-') && source[i + 1] === c) {
      // Postfix after an operand (which stays complete), prefix otherwise.
      end = i + 2;
    } else if (c === '=' && source[i + 1] === '>') {
      end = i + 2;
      arrow = depth === 0;
      operand = false;
    } else if (c === '.' && /[0-9]/.test(source[i + 1] ?? '')) {
      end = skipWord(source, i);
      operand = true;
    } else {
      operand = false;
    }
    i = end;
    codeEnd = Math.min(end, source.length);
    sawNewline = false;
  }
  if (depth !== 0) return undefined;
  return { at: codeEnd, semicolon: false };
}

/** Index of the first character at or after `i` that is neither white space nor in a comment. */
function skipBlank(source: string, i: number): number {
  while (i < source.length) {
    if (isSpaceCode(source.charCodeAt(i))) i++;
    else if (source.startsWith('//', i)) {
      while (i < source.length && !isLineTerminator(source.charCodeAt(i))) i++;
    } else if (source.startsWith('/*', i)) {
      const close = source.indexOf('*/', i + 2);
      i = close === -1 ? source.length : close + 2;
    } else break;
  }
  return i;
}

/**
 * For a function body whose code starts at `from` (just past its `{`): the end of its directive prologue
 * (`'use strict'` and the like), where code may be inserted without turning a directive into a plain statement;
 * `open` tells that the last directive has no `;` of its own. `from` itself when the body has no directives.
 */
export function directivesEnd(source: string, from: number): { at: number; open: boolean } {
  let end = { at: from, open: false };
  for (let i = skipBlank(source, from); source[i] === '"' || source[i] === "'"; ) {
    const after = skipString(source, i);
    let j = after;
    // Blanks on the same line: a line break may end the directive (ASI).
    while (j < source.length && /[^\S\n\r\u2028\u2029]/.test(source[j] ?? '')) j++;
    if (source[j] === ';') {
      end = { at: j + 1, open: false };
      i = skipBlank(source, j + 1);
      continue;
    }
    const next = skipBlank(source, after);
    const lineBreak = /[\n\r\u2028\u2029]/.test(source.slice(after, next));
    if (source[next] === '}' || (lineBreak && !continuesAfterLineBreak(source, next))) {
      end = { at: after, open: true };
      i = next;
      continue;
    }
    break;
  }
  return end;
}
