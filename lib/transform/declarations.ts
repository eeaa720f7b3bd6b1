/**
 * Reading a module's top-level variable and function declarations, and whether a name is ever written after its
 * declaration: what the transform needs to keep `const` constant, to find the function an export clause or an
 * `export default name` refers to, and to list the exports a newer version reassigns. A scanner over statements,
 * not a parser: what it cannot read with certainty it reports as unknown, and callers then take the safe side.
 */
import {
  BRACKETS,
  codeStops,
  expressionEnd,
  isIdentifierChar,
  isNameEscape,
  isSpaceCode,
  scanCode,
  skipBalanced,
  unescapeName,
  unicodeEscapeLength,
  WIDE_SPACE,
} from './scan.js';

/** One declarator of a `const`/`let`/`var` statement. */
export interface Declarator {
  /**
   * The names it declares (for a destructuring pattern, every identifier in it: a superset, which is safe), with
   * their `\u` escapes read (see unescapeName).
   */
  names: string[];
  /** The declared name when the binding is a plain identifier (`name = …`), else undefined; escapes read. */
  simple: string | undefined;
  /** Where the binding (identifier or pattern) is, `[start, end)`. */
  binding: [number, number];
  /** Where its initializer starts (first code character after `=`), or -1. */
  init: number;
  /** Just past its initializer's last token, or -1. */
  initEnd: number;
}

/** A top-level `const`, `let` or `var` statement. */
export interface VariableStatement {
  kind: 'const' | 'let' | 'var';
  /** Index of the keyword. */
  keyword: number;
  declarators: Declarator[];
  /** Where the statement ends: the index of its `;`, or just past its last token; undefined when unsure. */
  end: { at: number; semicolon: boolean } | undefined;
}

/** What declares a top-level name. */
export type Declaration =
  | { type: 'function'; at: number }
  | { type: 'variable'; statement: VariableStatement; declarator: Declarator };

/**
 * The characters past ASCII that count as part of a name: all but white space and line terminators (only names the
 * lexer already found are ever looked up, so a wider set is safe).
 */
const WIDE_NAME = String.raw`\u0080-\u009f\u00a1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\ufefe\uff00-\uffff`;
const IDENTIFIER_START = new RegExp(`[A-Za-z$_${WIDE_NAME}]`);

function isLineTerminator(code: number): boolean {
  return code === 10 || code === 13 || code === 0x2028 || code === 0x2029;
}

/**
 * The identifier-like word starting at `at` ('' when none), as the source spells it: `\u` escapes included (its
 * length is the source's; unescapeName gives the name it denotes).
 */
export function wordAt(source: string, at: number): string {
  let end = at;
  for (;;) {
    while (end < source.length && isIdentifierChar(source.charCodeAt(end))) end++;
    const sequence = unicodeEscapeLength(source, end);
    if (sequence === 0 || !isNameEscape(source, end, sequence, end === at)) break;
    end += sequence;
  }
  return end === at ? '' : source.slice(at, end);
}

/** Index of the next character of code at or after `from` (past whitespace and comments), or -1. */
export function nextCode(source: string, from: number): number {
  let i = from;
  while (i < source.length) {
    const c = source.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12) i++;
    else if (c > 127 && WIDE_SPACE.test(source[i] ?? '')) i++;
    else if (c === 47 && source[i + 1] === '/') {
      i += 2;
      while (i < source.length && !isLineTerminator(source.charCodeAt(i))) i++;
    } else if (c === 47 && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end === -1) return -1;
      i = end + 2;
    } else return i;
  }
  return -1;
}

/** Identifiers of a destructuring pattern's text (not property keys before `:`), escapes read. */
function patternNames(source: string, start: number, end: number): string[] {
  const names: string[] = [];
  let resumeAt = start;
  scanCode(source, start, (i, c) => {
    if (i >= end) return true;
    if (i < resumeAt || !(IDENTIFIER_START.test(c) || c === '\\') || isIdentifierChar(source.charCodeAt(i - 1))) {
      return false;
    }
    const word = wordAt(source, i);
    if (word === '') return false;
    resumeAt = i + word.length;
    const after = nextCode(source, i + word.length);
    if (source[after] !== ':') names.push(unescapeName(word));
    return false;
  });
  return names;
}

const ASSIGNMENT_STOPS = codeStops('()[]{},;');

/**
 * The end of the expression starting at `from` that a `,` or `;` at its own depth ends (an initializer, an arrow
 * function's expression body): the index just past its last token, or undefined when unsure.
 */
export function assignmentEnd(source: string, from: number): number | undefined {
  let depth = 0;
  const stop = scanCode(
    source,
    from,
    (_, c) => {
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        depth--;
        return depth < 0;
      } else if (depth === 0 && (c === ',' || c === ';')) return true;
      return false;
    },
    ASSIGNMENT_STOPS,
  );
  // A string slice is a view in V8: no copy of the source.
  const end = expressionEnd(stop === -1 ? source : source.slice(0, stop), from);
  if (end === undefined) return undefined;
  return end.at;
}

/** Parses the `const`/`let`/`var` statement whose keyword is at `keyword`. */
export function variableStatement(source: string, keyword: number): VariableStatement | undefined {
  const kind = wordAt(source, keyword);
  if (kind !== 'const' && kind !== 'let' && kind !== 'var') return undefined;
  const statement: VariableStatement = { kind, keyword, declarators: [], end: undefined };
  let at = keyword + kind.length;
  for (;;) {
    const start = nextCode(source, at);
    if (start === -1) return statement;
    const c = source[start] ?? '';
    let bindingEnd: number;
    let simple: string | undefined;
    let names: string[];
    if (c === '[' || c === '{') {
      bindingEnd = skipBalanced(source, start);
      names = patternNames(source, start, bindingEnd);
    } else {
      const word = wordAt(source, start);
      if (word === '' || !(IDENTIFIER_START.test(c) || c === '\\')) return statement;
      bindingEnd = start + word.length;
      simple = unescapeName(word);
      names = [simple];
    }
    const next = nextCode(source, bindingEnd);
    const declarator: Declarator = { names, simple, binding: [start, bindingEnd], init: -1, initEnd: -1 };
    statement.declarators.push(declarator);
    let after = bindingEnd;
    if (source[next] === '=' && source[next + 1] !== '=') {
      declarator.init = nextCode(source, next + 1);
      if (declarator.init === -1) return statement;
      const end = assignmentEnd(source, declarator.init);
      if (end === undefined) return statement;
      declarator.initEnd = end;
      after = end;
    }
    const following = nextCode(source, after);
    if (source[following] === ',') {
      at = following + 1;
      continue;
    }
    statement.end = source[following] === ';' ? { at: following, semicolon: true } : { at: after, semicolon: false };
    return statement;
  }
}

/** Whether the code before `at` ends a statement, so that a declaration may start at `at`. */
function statementStart(source: string, at: number): boolean {
  let j = at - 1;
  let newline = false;
  while (j >= 0) {
    const c = source[j];
    if (c === '\n') newline = true;
    else if (c !== ' ' && c !== '\t' && c !== '\r') break;
    j--;
  }
  if (j < 0) return true;
  const c = source[j] ?? '';
  if (c === ';' || c === '}' || c === '{') return true;
  if (c === '/' && source[j - 1] === '*') return true;
  if (/[\w$]/.test(c)) {
    const word = /[\w$]+$/.exec(source.slice(Math.max(0, j - 10), j + 1))?.[0] ?? '';
    if (word === 'export' || word === 'default') return true;
    return newline;
  }
  return newline && (c === ')' || c === ']');
}

/**
 * Where topLevelDeclarations looks at depth 0: brackets, and the keywords that may start a declaration, wherever they
 * occur (a match inside a longer word is told apart as the full scan did, by the character before it and the word).
 */
const DECLARATION_STOPS = codeStops('()[]{}', 'const|let|var|function|async');

/**
 * Every top-level declaration of the module, by name (the first one wins). Function declarations are found as
 * statements, never as expressions (`x = function f() {}` declares no `f`).
 */
export function topLevelDeclarations(source: string): Map<string, Declaration> {
  const found = new Map<string, Declaration>();
  let depth = 0;
  let resumeAt = 0;
  // Declarations are looked for at depth 0 alone; deeper, the scan needs only the brackets.
  const stops = (): RegExp => (depth === 0 ? DECLARATION_STOPS : BRACKETS);
  scanCode(
    source,
    0,
    (i, c) => {
      if (i < resumeAt) return false;
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') depth--;
      else if (depth === 0 && (c === 'c' || c === 'l' || c === 'v' || c === 'f' || c === 'a')) {
        if (isIdentifierChar(source.charCodeAt(i - 1))) return false;
        const word = wordAt(source, i);
        if ((word === 'const' || word === 'let' || word === 'var') && statementStart(source, i)) {
          const statement = variableStatement(source, i);
          if (statement === undefined) return false;
          for (const declarator of statement.declarators) {
            for (const name of declarator.names) {
              if (!found.has(name)) found.set(name, { type: 'variable', statement, declarator });
            }
          }
          // Its initializers were read already; their brackets are balanced, so depth resumes at 0 after them.
          const last = statement.declarators.at(-1);
          resumeAt = statement.end?.at ?? last?.binding[1] ?? i + word.length;
        } else if ((word === 'function' || word === 'async') && statementStart(source, i)) {
          let at = i + word.length;
          if (word === 'async') {
            const next = nextCode(source, at);
            if (wordAt(source, next) !== 'function') return false;
            at = next + 'function'.length;
          }
          let name = nextCode(source, at);
          if (source[name] === '*') name = nextCode(source, name + 1);
          const declared = wordAt(source, name);
          const key = unescapeName(declared);
          if (declared !== '' && !found.has(key)) found.set(key, { type: 'function', at: i });
          resumeAt = name + declared.length;
        } else {
          resumeAt = i + word.length;
        }
      }
      return false;
    },
    stops,
  );
  return found;
}

/**
 * Whether `at` is inside one of `ranges`: a binary search when they are in source order and do not overlap (as a
 * statement's declarators are), since a statement may declare tens of thousands of names; else a linear one.
 */
function within(at: number, ranges: ReadonlyArray<readonly [number, number]>): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [start, stop] = ranges[mid] as readonly [number, number];
    if (at < start) high = mid - 1;
    else if (at >= stop) low = mid + 1;
    else return true;
  }
  // Not found: exact when the ranges are ordered, else checked the slow way.
  return !ordered(ranges) && ranges.some(([start, stop]) => at >= start && at < stop);
}

const orderedRanges = new WeakMap<object, boolean>();

/** Whether `ranges` are in order and disjoint (checked once per list). */
function ordered(ranges: ReadonlyArray<readonly [number, number]>): boolean {
  let known = orderedRanges.get(ranges);
  if (known === undefined) {
    known = true;
    for (let i = 1; i < ranges.length && known; i++) {
      known = (ranges[i] as readonly [number, number])[0] >= (ranges[i - 1] as readonly [number, number])[1];
    }
    orderedRanges.set(ranges, known);
  }
  return known;
}

/** Above this many characters, finding every identifier once beats searching the source for each name. */
const LARGE_SOURCE = 100_000;

const ASSIGNING_OPERATOR = /(?:\*\*|<<|>>>?|&&|\|\||\?\?|[-+*/%&|^])?=(?![=>])|\+\+|--/y;

/** By ASCII code: 1 for the characters that may continue a name-like word (letters, digits, `$`, `_`). */
const ASCII_WORD = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  ASCII_WORD[code] =
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 36 ||
    code === 95
      ? 1
      : 0;
}

/** Whether a character code may continue a name-like word (and, but for digits, start one). */
function isWordCode(code: number): boolean {
  if (code < 128) return ASCII_WORD[code] === 1;
  return WIDE_NAME_CHAR.test(String.fromCharCode(code));
}

const WIDE_NAME_CHAR = new RegExp(`[${WIDE_NAME}]`);

/** Up to this many first characters of wanted names, wordIndex searches for them instead of reading every one. */
const FEW_FIRSTS = 4;

/**
 * Whether wordIndex's scan starts a word at `at`, which holds a word character other than a digit: unless the
 * digits before it follow such a character (then it continues that word).
 */
function startsWord(source: string, at: number): boolean {
  let j = at - 1;
  while (j >= 0) {
    const code = source.charCodeAt(j);
    if (code < 48 || code > 57) return !isWordCode(code);
    j--;
  }
  return true;
}

/**
 * Where each name-like word of `source` occurs (a letter, `$`, `_` or one of WIDE_NAME, then those or digits). With
 * `wanted`, those words alone: only a word whose length and first character some wanted name has is ever copied out
 * of the source and looked up; with `keep`, only the occurrences it accepts, asked before the word is copied.
 */
function wordIndex(
  source: string,
  wanted: readonly string[] | undefined,
  keep?: (start: number, end: number) => boolean,
): Map<string, number[]> {
  const index = new Map<string, number[]>();
  const lengths = new Set<number>();
  const firsts = new Set<number>();
  for (const name of wanted ?? []) {
    lengths.add(name.length);
    firsts.add(name.charCodeAt(0));
  }
  // Made only once a word passes the cheaper tests: a large module's names would cost a hash each.
  let wantedSet: ReadonlySet<string> | undefined;
  const visit = (start: number, end: number): void => {
    if (keep !== undefined && !keep(start, end)) return;
    const word = source.slice(start, end);
    if (wanted !== undefined) wantedSet ??= new Set(wanted);
    if (wantedSet === undefined || wantedSet.has(word)) {
      const list = index.get(word);
      if (list === undefined) index.set(word, [start]);
      else list.push(start);
    }
  };
  const length = source.length;
  if (wanted !== undefined && firsts.size <= FEW_FIRSTS) {
    // The words that start with one of a few characters: found by searching for those characters (a native search
    // skips the rest of the source), in order, and each kept only where the scan below would start a word.
    const characters: string[] = [];
    const next: number[] = [];
    for (const code of firsts) {
      if (!isWordCode(code) || (code >= 48 && code <= 57)) continue;
      characters.push(String.fromCharCode(code));
      next.push(source.indexOf(String.fromCharCode(code)));
    }
    for (;;) {
      let stream = -1;
      for (let k = 0; k < next.length; k++) {
        const at = next[k] as number;
        if (at !== -1 && (stream === -1 || at < (next[stream] as number))) stream = k;
      }
      if (stream === -1) break;
      const start = next[stream] as number;
      next[stream] = source.indexOf(characters[stream] as string, start + 1);
      if (!startsWord(source, start)) continue;
      let end = start + 1;
      while (end < length && isWordCode(source.charCodeAt(end))) end++;
      if (lengths.has(end - start)) visit(start, end);
    }
    return index;
  }
  let i = 0;
  while (i < length) {
    const code = source.charCodeAt(i);
    // A digit continues a word but starts none: the next character is tried, as the regex would.
    if (!isWordCode(code) || (code >= 48 && code <= 57)) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < length && isWordCode(source.charCodeAt(end))) end++;
    if (wanted === undefined || (lengths.has(end - i) && firsts.has(code))) visit(i, end);
    i = end;
  }
  return index;
}

/** Where the code before `at` ends, past white space and block comments (0 when none comes before). */
function codeBefore(source: string, at: number): number {
  let j = at;
  for (;;) {
    while (j > 0 && isSpaceCode(source.charCodeAt(j - 1))) j--;
    if (j < 2 || source[j - 1] !== '/' || source[j - 2] !== '*') return j;
    const open = source.lastIndexOf('/*', j - 3);
    if (open === -1) return j;
    j = open;
  }
}

/** Whether `++` or `--` comes just before `at`, but for white space and block comments (`++\n x`, `--/* c *\/x`). */
function followsIncrement(source: string, at: number): boolean {
  const j = codeBefore(source, at);
  if (j < 2) return false;
  const c = source.charCodeAt(j - 1);
  if ((c !== 43 && c !== 45) || source.charCodeAt(j - 2) !== c) return false;
  // On an earlier line, `++` may end a line comment (`// ---`): then it is no operator.
  const lineStart = Math.max(source.lastIndexOf('\n', j - 1), source.lastIndexOf('\r', j - 1)) + 1;
  return !source.slice(lineStart, j).includes('//');
}

/**
 * Words after which a `[` starts an expression (`return [a] = b`, `export default [a] = b`), not a computed member
 * (`obj[key] = 1`).
 */
const BEFORE_EXPRESSION = new Set([
  'return',
  'typeof',
  'void',
  'delete',
  'await',
  'yield',
  'in',
  'of',
  'instanceof',
  'new',
  'case',
  'do',
  'else',
  'throw',
  'extends',
  'default',
]);

/**
 * Whether the `[` at `open` reads a computed member (`obj[key] = 1`, `a[0][key] = 1`), which writes no name inside
 * it: it follows a name that is no keyword, or a `]`. After `)` it may start a statement (`if (c) [a, b] = [b, a]`).
 */
function memberBracket(source: string, open: number): boolean {
  if (source[open] !== '[') return false;
  const j = codeBefore(source, open);
  if (j === 0) return false;
  if (source[j - 1] === ']') return true;
  if (!isIdentifierChar(source.charCodeAt(j - 1))) return false;
  let start = j - 1;
  while (start > 0 && isIdentifierChar(source.charCodeAt(start - 1))) start--;
  return !BEFORE_EXPRESSION.has(source.slice(start, j));
}

/**
 * What the backward match cannot see: a `]` or `}` followed by `of` or `in` (maybe a pattern in a `for` head), or by
 * a comment (maybe before its `=`).
 */
const FORWARD_ONLY = /[\]}]\s*(?:(?:of|in)(?![\w$])|\/[*/])/;

/** What may start a string, comment, regex or template, inside which a bracket is no bracket. */
const QUOTE_OR_SLASH = /['"`/]/g;

/** Whether a destructuring target `[…]`/`{…}` closing at `close` is assigned: `] =`, or `] of`/`] in` in a `for` head. */
function assignedPattern(source: string, open: number, close: number): boolean {
  const next = nextCode(source, close + 1);
  if (next === -1) return false;
  if (source[next] === '=') return source[next + 1] !== '=' && source[next + 1] !== '>';
  const word = wordAt(source, next);
  if (word !== 'of' && word !== 'in') return false;
  return /(?:^|[^\w$])for\s*(?:await\s*)?\(\s*$/.test(source.slice(Math.max(0, open - 24), open));
}

/**
 * Which names a module may write after declaring them: `name =` and its compound forms, `++`/`--`, `for (name of`,
 * and names inside a destructuring assignment's target (`[lo, hi] = …`). Text in strings or comments can only make
 * a name look written, which is the safe side for every caller.
 */
export class Writes {
  readonly #source: string;
  #patterns: Array<[number, number]> | undefined;
  /** Where each identifier occurs, for a large source (one pass, instead of one search per name asked about). */
  #index: Map<string, number[]> | undefined;
  #expected: readonly string[] | undefined;
  /** The expected names as a set, made only if a question does not say its name is one of them. */
  #expectedSet: ReadonlySet<string> | undefined;
  /** Where declarations of the expected names start, in order (see expect); the index skips them. */
  #declarations: readonly number[] = [];
  #searches = 0;
  /** Where names spelled with `\u` escapes occur, by the name they denote (see escapedNames), once needed. */
  #escaped: Map<string, number[]> | undefined;

  constructor(source: string) {
    this.#source = source;
  }

  /**
   * Announces the names about to be asked about: an index of a large source then records those words alone (most
   * of its words are keywords and property names nobody asks about), and of them only the occurrences that may be
   * writes (a module with tens of thousands of exports mentions most of them once, where it declares them). Any
   * other name is still answered, by a search. `declarations` are where declarations of those names start, in
   * source order, each inside the `declared` ranges every question about its name passes: the index skips them.
   */
  expect(names: readonly string[], declarations: readonly number[] = []): void {
    this.#expected = names;
    this.#declarations = declarations;
  }

  /**
   * Whether the occurrence of a name at `[at, end)` may be a write, whatever ranges the question passes as its
   * declarations (asked of the occurrences in source order, as the index is built).
   */
  #mayWrite(at: number, end: number, declarations: { next: number }): boolean {
    const list = this.#declarations;
    let next = declarations.next;
    while (next < list.length && (list[next] as number) < at) next++;
    declarations.next = next;
    if (list[next] === at) return false;
    return this.#writtenAt(at, end, true);
  }

  /**
   * What `written` asks of every occurrence but whether it lies in the name's declared ranges. `redeclarations`:
   * whether a `var` declarator with a value (`var name = …`, `for (var name of …)`) counts as a write.
   */
  #writtenAt(at: number, end: number, redeclarations: boolean): boolean {
    const source = this.#source;
    if (isIdentifierChar(source.charCodeAt(at - 1)) || isIdentifierChar(source.charCodeAt(end))) return false;
    if (source[at - 1] === '.' && !source.startsWith('...', at - 3)) return false;
    if (!this.#writes(at, end)) return false;
    // A declaration in a nested scope (`let name = …`) shadows the binding rather than writing it; so may a `var`,
    // but one outside functions declares the module's own `var` binding again, and its value is a write.
    const before = source.slice(Math.max(0, at - 8), at);
    if (/(?:^|[^\w$])(?:const|let)\s+$/.test(before)) return false;
    return redeclarations || !/(?:^|[^\w$])var\s+$/.test(before);
  }

  /**
   * False when no announced name (see expect) may be written but in its declarations, which is then known without
   * asking about each: told by the index, built now for a large source or many names. True when some may be, or
   * when the answer would cost more than asking.
   */
  mayWriteAny(): boolean {
    const expected = this.#expected;
    if (expected === undefined) return true;
    // A name spelled with escapes somewhere (a string's `\u00e9` is no name): only one that is asked about counts.
    const escaped = this.#escapedNames();
    if (escaped.size > 0) {
      this.#expectedSet ??= new Set(expected);
      for (const name of escaped.keys()) if (this.#expectedSet.has(name)) return true;
    }
    if (this.#index === undefined && this.#source.length <= LARGE_SOURCE && expected.length <= 8) return true;
    return this.#indexOf(expected).size > 0;
  }

  /** The index of the occurrences of `expected` that may be writes (see expect), built on first use. */
  #indexOf(expected: readonly string[]): Map<string, number[]> {
    if (this.#index === undefined) {
      const cursor = { next: 0 };
      this.#index = wordIndex(this.#source, expected, (at, end) => this.#mayWrite(at, end, cursor));
    }
    return this.#index;
  }

  /** Where `name` occurs as a whole word (and, for a small source, possibly inside a longer word: checked later). */
  #occurrences(name: string, expected: boolean): number[] {
    const source = this.#source;
    if (this.#index !== undefined || source.length > LARGE_SOURCE || ++this.#searches > 8) {
      if (this.#expected === undefined) this.#index ??= wordIndex(source, undefined);
      const index = this.#indexOf(this.#expected ?? []);
      if (this.#expected === undefined || expected) return index.get(name) ?? [];
      this.#expectedSet ??= new Set(this.#expected);
      if (this.#expectedSet.has(name)) return index.get(name) ?? [];
    }
    const found: number[] = [];
    for (let at = source.indexOf(name); at !== -1; at = source.indexOf(name, at + 1)) found.push(at);
    return found;
  }

  /**
   * Targets of destructuring assignments and of `for (… of/in …)` heads (never declarations), as `[start, end)`:
   * brackets matched backwards from each `] =` (which sees into template substitutions) and by one forward scan
   * that skips strings, comments and regexes (which a bracket in them would mislead backwards). Either finding a
   * range only makes more names look written: the safe side.
   */
  #patternTargets(): Array<[number, number]> {
    if (this.#patterns !== undefined) return this.#patterns;
    const source = this.#source;
    const patterns: Array<[number, number]> = [];
    const declaration = (open: number): boolean =>
      /(?:^|[^\w$])(?:const|let|var)\s*$/.test(source.slice(Math.max(0, open - 8), open));
    // The forward scan reads the whole source in JavaScript, on the cold-import path: it runs only where the
    // backward match may be wrong (a string, comment, regex or template inside the brackets it matched, or none
    // matched) or cannot see (see FORWARD_ONLY).
    let doubtful = FORWARD_ONLY.test(source);
    for (const match of source.matchAll(/[\]}]\s*=(?![=>])/g)) {
      const close = match.index;
      const closer = source[close];
      const opener = closer === ']' ? '[' : '{';
      let depth = 0;
      let open = close;
      for (; open >= 0; open--) {
        const c = source[open];
        if (c === closer) depth++;
        else if (c === opener && --depth === 0) break;
      }
      if (open < 0) {
        doubtful = true;
        continue;
      }
      if (!doubtful) {
        QUOTE_OR_SLASH.lastIndex = open;
        const quote = QUOTE_OR_SLASH.exec(source);
        doubtful = quote !== null && quote.index < close;
      }
      if (declaration(open) || memberBracket(source, open)) continue;
      patterns.push([open, close + 1]);
    }
    if (!doubtful) {
      this.#patterns = patterns;
      return patterns;
    }
    const opens: number[] = [];
    scanCode(
      source,
      0,
      (i, c) => {
        if (c === '[' || c === '{' || c === '(') opens.push(i);
        else if (c === ']' || c === '}' || c === ')') {
          const open = opens.pop();
          if (
            c !== ')' &&
            open !== undefined &&
            assignedPattern(source, open, i) &&
            !declaration(open) &&
            !memberBracket(source, open)
          ) {
            patterns.push([open, i + 1]);
          }
        }
        return false;
      },
      BRACKETS,
    );
    this.#patterns = patterns;
    return patterns;
  }

  /**
   * Whether `name` may be written anywhere but inside the `declared` ranges (its own declarations, or a function
   * making them, called only if the name occurs elsewhere). `expected`: the caller knows `name` was announced.
   * `redeclarations`: the name is a module-level `var`, which another `var` declarator with a value reassigns (one
   * in a function, a binding of its own, then looks written: the safe side).
   */
  written(
    name: string,
    declared: ReadonlyArray<readonly [number, number]> | (() => ReadonlyArray<readonly [number, number]>) = [],
    expected = false,
    redeclarations = false,
  ): boolean {
    const source = this.#source;
    let ranges = typeof declared === 'function' ? undefined : declared;
    for (const at of this.#occurrences(name, expected)) {
      const end = at + name.length;
      if (isIdentifierChar(source.charCodeAt(at - 1)) || isIdentifierChar(source.charCodeAt(end))) continue;
      if (source[at - 1] === '.' && !source.startsWith('...', at - 3)) continue;
      // Its own declaration first: the usual only occurrence of an exported name, and a cheaper test.
      ranges ??= (declared as () => ReadonlyArray<readonly [number, number]>)();
      if (within(at, ranges)) continue;
      if (this.#writtenAt(at, end, redeclarations)) return true;
    }
    // The same name spelled with escapes (`\u0061b = 1` writes `ab`).
    for (const at of this.#escapedNames().get(name) ?? []) {
      const end = at + wordAt(source, at).length;
      ranges ??= typeof declared === 'function' ? declared() : declared;
      if (within(at, ranges)) continue;
      if (this.#writtenAt(at, end, redeclarations)) return true;
    }
    return false;
  }

  /**
   * Where each word spelled with a `\u` escape starts, by the name it denotes: found from each escape (in strings
   * and comments too, which can only make a name look written).
   */
  #escapedNames(): Map<string, number[]> {
    if (this.#escaped !== undefined) return this.#escaped;
    const source = this.#source;
    const found = new Map<string, number[]>();
    this.#escaped = found;
    for (let at = source.indexOf('\\u'); at !== -1; at = source.indexOf('\\u', at + 1)) {
      if (unicodeEscapeLength(source, at) === 0) continue;
      // The first escape of its word (the search resumes past each word): the word starts at the letters before it.
      let start = at;
      while (start > 0 && isIdentifierChar(source.charCodeAt(start - 1))) start--;
      const word = wordAt(source, start);
      // No name reaches it (an escape that spells no name's character ends the word before it).
      if (start + word.length <= at || /[0-9]/.test(word[0] ?? '')) continue;
      const name = unescapeName(word);
      const list = found.get(name);
      if (list === undefined) found.set(name, [start]);
      else if (!list.includes(start)) list.push(start);
      at = start + word.length - 1;
    }
    return found;
  }

  /** Whether the name at `[at, end)` may be written there; most reads are told apart by the next character alone. */
  #writes(at: number, end: number): boolean {
    const source = this.#source;
    const before = source.charCodeAt(at - 1);
    // `++name`, `--name` (and the rare `+ +name`: safe side).
    if ((before === 43 || before === 45 || before === 47 || isSpaceCode(before)) && followsIncrement(source, at)) {
      return true;
    }
    let next = nextCode(source, end);
    // A parenthesized target (`(name) = 1`, `(name)++`, `[(name)] = …`) is read past its parentheses; a name that
    // ends a condition or a call may look written then (`if (name) ++other`): the safe side.
    while (next !== -1 && source[next] === ')') next = nextCode(source, next + 1);
    if (next === -1) return false;
    const c = source[next] ?? '';
    if (c === ',' || c === ']' || c === '}') {
      // In a destructuring target a name is followed by one of these (or by `=`, a default: seen below).
      return this.#patternTargets().some(([start, stop]) => at > start && at < stop);
    }
    if (c === 'o' || c === 'i') {
      // `for (name of …)` assigns; `for (const name of …)` declares a binding of its own (told apart by the caller).
      const word = wordAt(source, next);
      if (word !== 'of' && word !== 'in') return false;
      // `for (name of …)`, or `for (var name of …)` (a write only of a module-level `var`: see writtenAt).
      let open = codeBefore(source, at);
      if (source.startsWith('var', open - 3) && !isIdentifierChar(source.charCodeAt(open - 4))) {
        open = codeBefore(source, open - 3);
      }
      return source[open - 1] === '(';
    }
    if ('=+-*/%&|^<>?'.includes(c)) {
      ASSIGNING_OPERATOR.lastIndex = next;
      return ASSIGNING_OPERATOR.test(source);
    }
    return false;
  }
}
