/**
 * Trampolines: the edits that make an exported function, once its version is replaced, forward every call to the
 * newest version of its export, so that a reference captured before an update (a stored callback, a server's
 * request handler) follows updates whatever the function's shape.
 *
 * The forwarding test runs before the function's parameters are bound, so that they are bound once, by the version
 * that runs: with only plain identifier parameters the test simply opens the body (binding those twice would be
 * unobservable); a function with defaults, patterns or a rest parameter keeps a parameter list of plain names as
 * long as its `length`, and binds its own list in an arrow function that shares its `this`, `arguments` and
 * `new.target` (see innerName for the name it shows in stack traces). An exported arrow function becomes a method
 * of the same name, parameters and body: a method, like an arrow, is not a constructor and has no `prototype`, and
 * unlike an arrow it sees the arguments it was called with, all of which it must forward. Arrows whose body reads
 * `this` or `arguments` (which a method would see differently) keep no trampoline.
 */
import { assignmentEnd, nextCode, wordAt } from './declarations.js';
import { classBodyStart, codeStops, directivesEnd, isSpaceCode, scanCode, skipBalanced, unescapeName } from './scan.js';
import type { SourceEdits } from './source-edits.js';

/** The prefix of every name the transform declares, unless the module spells it (see declaredPrefix). */
export const HANDLE = '__hz$';

/** Prefixes as long as HANDLE, tried in turn: a name the transform declares fits where HANDLE's would. */
const PREFIXES = [HANDLE, '__hZ$', '__Hz$', '__HZ$'];

/**
 * The prefix of the names the transform declares in a module (aliases, kept functions, a default's binding,
 * parameters standing in for a parameter list, the handle where no short one is free): one `spelled` (its
 * spelledText) never contains, so none of them can be a name the module binds or reads. A module that spells all
 * of PREFIXES gets a longer one (a declared default name may then no longer fit in place: its line's columns move).
 */
export function declaredPrefix(spelled: string): string {
  const free = PREFIXES.find((prefix) => !spelled.includes(prefix));
  if (free !== undefined) return free;
  let prefix = `${HANDLE}$`;
  while (spelled.includes(prefix)) prefix += '$';
  return prefix;
}

/**
 * One-character names for the module's handle on its runtime instance (declared by the registration: see
 * ./transform.ts), which every trampoline spells twice: Latin-1 letters that almost never appear in code and keep an
 * ASCII source one byte per character in V8, none of them a short default-export name or accessor parameter. A
 * module that contains all of them gets HANDLE.
 */
const SHORT_HANDLES = ['ÿ', 'Þ', 'Ð', 'Ý'];

/**
 * `source` with its `\u` escapes read as the characters they stand for: a name may be declared through them
 * (`let \u00ff`, as esbuild writes non-ASCII names by default), and it then binds the same name as the letters.
 */
export function spelledText(source: string): string {
  return unescapeName(source);
}

/** The handle's name in `spelled` (a module's spelledText): a short one the module never spells, else `prefix`. */
export function handleName(spelled: string, prefix: string): string {
  return SHORT_HANDLES.find((name) => !spelled.includes(name)) ?? prefix;
}

/** What a module's trampolines test and call: its modeCondition, its handle's name, and its declaredPrefix. */
export interface Guard {
  condition: string;
  handle: string;
  prefix: string;
}
/** The 64 characters a mode global's name spells its hash in: six of them hold 32 bits. */
const NAME_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$_';

/**
 * The name of the global property that holds a module instance's trampoline mode (see hot-runtime.ts): `$hz` and
 * six characters spelling a hash of the instance's URL, always as long, so every trampoline of every module has the
 * same width (and is short: every exported function of every version carries it). Two
 * instances whose names collide only take each other's slow path (correct, slower).
 *
 * Why a global property: V8 optimizes a read of a global whose property cell has never changed into the constant
 * it holds, with a dependency that deoptimizes the code when the cell is written, so while the version is current
 * the whole test folds away. A module-scope variable is never folded (V8 tracks constness for script contexts, not
 * module contexts), and a module `const` would be in its temporal dead zone when a function is called before the
 * module body ran (a cycle); a missing global property reads as undefined.
 */
export function modeGlobal(url: string): string {
  // FNV-1a, 32 bits.
  let hash = 0x811c9dc5;
  for (let i = 0; i < url.length; i++) hash = Math.imul(hash ^ url.charCodeAt(i), 0x01000193);
  let name = '$hz';
  for (let digit = 0, rest = hash >>> 0; digit < 6; digit++, rest = Math.floor(rest / 64))
    name += NAME_DIGITS.charAt(rest % 64);
  return name;
}

/**
 * The condition under which an exported function asks the runtime (its mode global does not hold 0). `defined`: the
 * global already exists and cannot be removed (the hooks run in the module's own thread and defined it before the
 * module compiled), so the bare name is read, 15 bytes shorter than the `globalThis.` form in every exported
 * function: the runtime's other values are truthy. Otherwise a missing global must read as undefined, not throw: a
 * property read, or, where the module binds `globalThis` itself, the `typeof` form.
 */
export function modeCondition(url: string, shadowsGlobals: boolean, defined = false): string {
  const name = modeGlobal(url);
  if (defined) return name;
  return shadowsGlobals ? `typeof ${name}!=='number'` : `globalThis.${name}!==0`;
}

/** A plain name, its characters possibly spelled with `\u` escapes. */
const SIMPLE_PARAMETER =
  /^(?:[\p{ID_Start}$_]|\\u(?:\{[0-9a-fA-F]+\}|[0-9a-fA-F]{4}))(?:[\p{ID_Continue}$\u200c\u200d]|\\u(?:\{[0-9a-fA-F]+\}|[0-9a-fA-F]{4}))*$/u;

/** A parameter list: its parentheses, whether every parameter is a plain identifier, and its `length`. */
interface ParameterList {
  open: number;
  /** Index of the closing `)`. */
  close: number;
  simple: boolean;
  length: number;
}

/** What a parameter list's scan looks at (see scanCode). */
const PARAMETER_STOPS = codeStops('()[]{},=');

/** Reads the parameter list whose `(` is at `open`. */
function parameterList(source: string, open: number): ParameterList | undefined {
  let depth = 0;
  let start = open + 1;
  let simple = true;
  let length = 0;
  let counting = true;
  let hasDefault = false;
  const finish = (end: number): void => {
    const text = source.slice(start, end).trim();
    if (text === '') return;
    const rest = text.startsWith('...');
    if (!SIMPLE_PARAMETER.test(text)) simple = false;
    if (rest || hasDefault) counting = false;
    if (counting) length++;
    hasDefault = false;
  };
  const close = scanCode(
    source,
    open + 1,
    (i, c) => {
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) {
          finish(i);
          return true;
        }
        depth--;
      } else if (depth === 0 && c === ',') {
        finish(i);
        start = i + 1;
      } else if (depth === 0 && c === '=' && !hasDefault) {
        hasDefault = true;
      }
      return false;
    },
    PARAMETER_STOPS,
  );
  if (close === -1 || source[close] !== ')') return undefined;
  // A comment among the parameters fails the plain-name test: the safe construction is taken.
  return { open, close, simple, length };
}

/** The plain parameters standing in for a non-simple list, as many as its `length`. */
function standIns(length: number, prefix: string): string {
  return Array.from({ length }, (_, i) => `${prefix}${i}`).join(',');
}

/**
 * The object literal property that names the inner function of a non-simple parameter list, and how it is read back:
 * a property key gives a function its name (the one stack traces print) without binding anything its body could
 * see, as a name of its own would. `__proto__: value` would set the literal's prototype instead, so that one is
 * computed.
 */
function innerName(name: string): { key: string; read: string } {
  return { key: unescapeName(name) === '__proto__' ? '["__proto__"]' : name, read: `.${name}` };
}

/**
 * How a trampoline calls the inner function: with the outer call's receiver, so that its stack frame reads like the
 * outer one's (`Object.name` for a method call; the arrow itself ignores the receiver).
 */
const INNER_CALL = '.apply(this,arguments)';

/** INNER_CALL, with no receiver in a construct call. */
const CONSTRUCT_CALL = '.apply(new.target?void 0:this,arguments)';

/** The kinds of function SIMPLE_HEAD reads. */
const GENERATOR = { constructible: false, generator: true };
const ASYNC = { constructible: false, generator: false };
const CONSTRUCTIBLE = { constructible: true, generator: false };

/** `[async] function [*] [name](a, b) {`: plain parameters only, no comments. */
const SIMPLE_HEAD = /(async\s+)?function\s*(\*?)\s*[\w$]*\s*\(\s*(?:[\w$]+\s*(?:,\s*[\w$]+\s*)*,?\s*)?\)\s*\{/y;

/**
 * The forwarding test, placed where a body opens (see the runtime's `s` and `t`): while the instance is current its
 * mode global holds 0, and optimized code drops the test (see modeGlobal). Before the registration ran (the global
 * and the handle are still missing) the function runs its own body; once the version is replaced, it asks the
 * runtime.
 */
export function trampolineTest(
  index: number,
  kind: { constructible: boolean; generator: boolean },
  guard: Guard,
): string {
  // `t` takes the index `s` was just asked about: nothing can run between the two calls.
  const parts = testParts(kind, guard);
  return parts[0] + String(index) + parts[1];
}

/**
 * The text of trampolineTest around the index: the same for every function of a kind in a module (a module may have
 * tens of thousands), so it is made once.
 */
function testParts(kind: { constructible: boolean; generator: boolean }, guard: Guard): readonly [string, string] {
  let cached = partsCache;
  if (cached === undefined || cached.condition !== guard.condition || cached.handle !== guard.handle) {
    cached = { condition: guard.condition, handle: guard.handle, kinds: [] };
    partsCache = cached;
  }
  const key = (kind.constructible ? 1 : 0) + (kind.generator ? 2 : 0);
  let parts = cached.kinds[key];
  if (parts === undefined) {
    const delegate = kind.generator ? 'yield*' : '';
    const target = kind.constructible ? ',new.target' : '';
    parts = [
      `if(${guard.condition}&&${guard.handle}?.s(`,
      `))return ${delegate}${guard.handle}.t(this,arguments${target});`,
    ];
    cached.kinds[key] = parts;
  }
  return parts;
}

/** testParts's, for the last guard it was asked with (one per module transformed), by kind (see its `key`). */
let partsCache: { condition: string; handle: string; kinds: Array<readonly [string, string] | undefined> } | undefined;

/**
 * Inserts the forwarding test into the body whose `{` is just before `from`, after the body's directive prologue:
 * before it, a `'use strict'` would be a plain string, and a function that may not have one (non-simple parameters)
 * would load where Node rejects it.
 */
function insertTest(source: string, edits: SourceEdits, from: number, text: string): void {
  // The usual body starts with a statement: no white space, comment or string (directive) to read past first.
  const c = source.charCodeAt(from);
  if (c !== 34 && c !== 39 && c !== 47 && !isSpaceCode(c)) {
    edits.insert(from, text);
    return;
  }
  const directives = directivesEnd(source, from);
  edits.insert(directives.at, directives.open ? `;${text}` : text);
}

/**
 * For the `function` (or `async function`) at `at`, a declaration or an expression: inserts its trampoline, which
 * forwards to export `index` of the newest version. `name` is the name an anonymous one gets from where it stands
 * (its binding's, or "default"). Returns the index of its body's `{`, or -1 when the shape is not one it can read.
 */
export function addFunctionTrampoline(
  source: string,
  edits: SourceEdits,
  at: number,
  index: number,
  condition: Guard,
  name: string,
): number {
  // The common shape, read with one regex: this runs for every exported function on the cold-import path. Tested,
  // not executed (no match to allocate): `async` and `*` are read back from the source.
  SIMPLE_HEAD.lastIndex = at;
  if (SIMPLE_HEAD.test(source)) {
    const isAsync = source.startsWith('async', at);
    let star = at + (isAsync ? 'async'.length : 0);
    while (isSpaceCode(source.charCodeAt(star))) star++;
    star += 'function'.length;
    while (isSpaceCode(source.charCodeAt(star))) star++;
    const generator = source.charCodeAt(star) === 42;
    const kind = generator ? GENERATOR : isAsync ? ASYNC : CONSTRUCTIBLE;
    const from = SIMPLE_HEAD.lastIndex;
    const c = source.charCodeAt(from);
    if (c === 34 || c === 39 || c === 47 || isSpaceCode(c)) {
      insertTest(source, edits, from, trampolineTest(index, kind, condition));
      return from - 1;
    }
    // The usual body, which starts with a statement: the test goes first, inserted as its constant parts and the
    // index, so that no string is made for it (joined once, with the whole module).
    const parts = testParts(kind, condition);
    edits.insert(from, parts[0]);
    edits.insert(from, String(index));
    edits.insert(from, parts[1]);
    return from - 1;
  }
  const test = (i: number, kind: { constructible: boolean; generator: boolean }): string =>
    trampolineTest(i, kind, condition);
  let keyword = at;
  const isAsync = wordAt(source, at) === 'async';
  if (isAsync) keyword = nextCode(source, at + 'async'.length);
  if (wordAt(source, keyword) !== 'function') return -1;
  let next = nextCode(source, keyword + 'function'.length);
  const generator = source[next] === '*';
  if (generator) next = nextCode(source, next + 1);
  const own = source[next] === '(' ? '' : wordAt(source, next);
  if (own !== '') next = nextCode(source, next + own.length);
  if (source[next] !== '(') return -1;
  const params = parameterList(source, next);
  if (params === undefined) return -1;
  const brace = nextCode(source, params.close + 1);
  if (source[brace] !== '{') return -1;
  const kind = { constructible: !generator && !isAsync, generator };
  if (params.simple) {
    insertTest(source, edits, brace + 1, test(index, kind));
    return brace;
  }
  // The parameter list moves into a function that binds it once, in the version that runs the body, named as the
  // function is.
  const end = skipBalanced(source, brace);
  const inner = innerName(own === '' ? name : own);
  const head = `(${standIns(params.length, condition.prefix)}){${test(index, kind)}return${generator ? ' yield*' : ''}{${inner.key}:`;
  if (generator) {
    edits.insert(params.open, `${head}${isAsync ? 'async ' : ''}function*`);
  } else {
    edits.insert(params.open, `${head}${isAsync ? 'async' : ''}`);
    edits.insert(params.close + 1, '=>');
  }
  // An anonymous default declaration is renamed: in a construct call, its instance as the receiver would name that
  // frame after the new name (V8 names an instance's type after its constructor's own name, not its `name` property).
  const call = own === '' && name === 'default' && kind.constructible ? CONSTRUCT_CALL : INNER_CALL;
  edits.insert(end, `}${inner.read}${call}}`);
  return brace;
}

/** An arrow function's parts, read from its start. */
interface Arrow {
  isAsync: boolean;
  /** Where its parameters start (`(` or the single parameter's name). */
  paramsStart: number;
  /** Just past its parameters. */
  paramsEnd: number;
  params: ParameterList | undefined;
  arrow: number;
  body: number;
  /** Just past the body. */
  end: number;
}

/** Reads the arrow function starting at `at` (`async`, `(`, or its single parameter), if it is one. */
function arrowAt(source: string, at: number): Arrow | undefined {
  let paramsStart = at;
  let isAsync = false;
  if (wordAt(source, at) === 'async') {
    const next = nextCode(source, at + 'async'.length);
    // `async => …` is an arrow whose parameter is named async.
    if (next !== -1 && source[next] !== '=' && !source.slice(at, next).includes('\n')) {
      isAsync = true;
      paramsStart = next;
    }
  }
  let params: ParameterList | undefined;
  let paramsEnd: number;
  if (source[paramsStart] === '(') {
    params = parameterList(source, paramsStart);
    if (params === undefined) return undefined;
    paramsEnd = params.close + 1;
  } else {
    const name = wordAt(source, paramsStart);
    if (name === '' || !SIMPLE_PARAMETER.test(name)) return undefined;
    paramsEnd = paramsStart + name.length;
  }
  const arrow = nextCode(source, paramsEnd);
  if (!source.startsWith('=>', arrow)) return undefined;
  const body = nextCode(source, arrow + 2);
  if (body === -1) return undefined;
  const end = source[body] === '{' ? skipBalanced(source, body) : assignmentEnd(source, body);
  if (end === undefined) return undefined;
  return { isAsync, paramsStart, paramsEnd, params, arrow, body, end };
}

const SCOPED_KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'with']);

/** Where a word starts, for readsOwnThis (see scanCode). */
const WORD_STOPS = codeStops('', String.raw`(?<![\w$])[\w$\\]`);

/**
 * Whether code in `[from, to)` reads `this` or `arguments` of the arrow itself: occurrences inside nested
 * functions, classes and object methods belong to those.
 */
function readsOwnThis(source: string, from: number, to: number): boolean {
  // Most arrows spell neither word (nor an escape that could): nothing to scan. A long slice is a view in V8.
  const text = source.slice(from, to);
  if (!text.includes('this') && !text.includes('arguments') && !text.includes('\\u')) return false;
  let found = false;
  let resumeAt = from;
  scanCode(
    source,
    from,
    (i, c) => {
      if (i >= to) return true;
      if (i < resumeAt || !/[\w$\\]/.test(c) || /[\w$]/.test(source[i - 1] ?? '')) return false;
      const spelled = wordAt(source, i);
      resumeAt = i + spelled.length;
      // `\u0061rguments` is `arguments` too.
      const word = unescapeName(spelled);
      if ((word === 'this' || word === 'arguments') && source[i - 1] !== '.') {
        found = true;
        return true;
      }
      if (word === 'class') {
        const brace = classBodyStart(source, resumeAt);
        if (brace !== -1) resumeAt = skipBalanced(source, brace);
        return false;
      }
      // `function name(…) {`, and a method `name(…) {` (a call is never followed by a block).
      let paren = nextCode(source, resumeAt);
      if (word === 'function') {
        if (source[paren] === '*') paren = nextCode(source, paren + 1);
        if (source[paren] !== '(') paren = nextCode(source, paren + wordAt(source, paren).length);
      } else if (SCOPED_KEYWORDS.has(word)) {
        return false;
      }
      if (source[paren] !== '(') return false;
      const brace = nextCode(source, skipBalanced(source, paren));
      if (source[brace] === '{' && (word === 'function' || source[brace - 1] !== '>')) {
        resumeAt = skipBalanced(source, brace);
      }
      return false;
    },
    WORD_STOPS,
  );
  return found;
}

/**
 * For the arrow function at `at`, the initializer of binding `name` (or a default export, `name` "default"):
 * rewrites it as the method `{name(…){…}}.name` with a trampoline forwarding to export `index`. Returns the arrow's
 * end, or undefined when it left it alone.
 */
export function addArrowTrampoline(
  source: string,
  edits: SourceEdits,
  at: number,
  index: number,
  name: string,
  condition: Guard,
): number | undefined {
  const test = (i: number, kind: { constructible: boolean; generator: boolean }): string =>
    trampolineTest(i, kind, condition);
  const arrow = arrowAt(source, at);
  if (arrow === undefined || readsOwnThis(source, arrow.paramsStart, arrow.end)) return undefined;
  const kind = { constructible: false, generator: false };
  if (arrow.params !== undefined && !arrow.params.simple) {
    // The whole arrow stays as it is, named as the method, called by it with stand-in parameters.
    const inner = innerName(name);
    edits.insert(
      at,
      `{${arrow.isAsync ? 'async ' : ''}${name}(${standIns(arrow.params.length, condition.prefix)}){${test(index, kind)}return{${inner.key}:`,
    );
    edits.insert(arrow.end, `}${inner.read}${INNER_CALL}}}.${name}`);
    return arrow.end;
  }
  // `async (a) => …` becomes `{async name(a)…`: the name goes where the parameters start.
  edits.insert(at, '{');
  const plain = arrow.params === undefined;
  edits.insert(arrow.paramsStart, `${name}${plain ? '(' : ''}`);
  if (plain) edits.insert(arrow.paramsEnd, ')');
  // `=>` becomes two spaces: a line break between it and the body stays where it was.
  edits.overwrite(arrow.arrow, arrow.arrow + 2, '  ');
  if (source[arrow.body] === '{') {
    insertTest(source, edits, arrow.body + 1, test(index, kind));
    edits.insert(arrow.end, `}.${name}`);
  } else {
    edits.insert(arrow.body, `{${test(index, kind)}return `);
    edits.insert(arrow.end, `}}.${name}`);
  }
  return arrow.end;
}

/** Whether the code at `at` starts a function expression (`function`, `async function`). */
export function functionExpressionAt(source: string, at: number): boolean {
  const word = wordAt(source, at);
  if (word === 'function') return true;
  return word === 'async' && wordAt(source, nextCode(source, at + 5)) === 'function';
}
