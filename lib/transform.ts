/**
 * The source transform that makes a module hot in place (SPEC §4): its own instance is its facade.
 *
 * One es-module-lexer pass finds the exports; a handful of small edits that keep every line where it was and, in
 * almost all code, every column (so that stack traces need no source map):
 * - a registration hands the runtime the module's exported local bindings (through a closure of its own `eval`) and
 *   sets `import.meta.hot`; it goes among the leading imports and comments, or at the end (see transformModule);
 * - `export const` (and a top-level `const` exported by a clause) becomes `let  `, so the runtime can reassign it;
 * - a default-exported expression gets a local binding as wide as `export default `, re-exported as `default`;
 * - every exported function declaration gets a one-comparison trampoline at the top of its body, so a reference
 *   captured before an update calls the newest version.
 * No export is added or removed: namespace keys stay exactly the native ones.
 */
import type { Export, Import } from 'es-module-lexer';
import { lex } from './lex.js';
import { classBodyStart, directivesEnd, expressionEnd, functionBodyStart, topLevelConstDeclarations } from './scan.js';
import { SourceEdits } from './source-edits.js';

/** The global symbol under which the application thread's hot runtime is reachable from transformed modules. */
export const RUNTIME_SYMBOL = 'hotzip.runtime';

/** The local names the transform introduces; chosen to be unlikely in user code. */
const HANDLE = '__hz$';
/** The module's trampoline mode (0 until the runtime sets it through the module's eval: see hot-runtime.ts). */
export const MODE_VARIABLE = '__hz$m';
const DEFAULT_LOCAL = '__hz$default';

/** What one static import or re-export of a module asks of its dependency: names, or '*' for the namespace. */
export type ImportedNames = readonly string[] | '*';

/** Options of one transform. */
export interface TransformOptions {
  /** The module's URL as Node loads it (a new version's includes `?hz=N`). */
  url: string;
  /**
   * A new version of a loaded module: the runtime copies the exports it reassigns into the live bindings, so they
   * are listed. A first instance's importers link to its own bindings and see its reassignments natively: its list
   * would never be read, and skipping the whole-source scan for it is a third of the transform's time.
   */
  versioned?: boolean;
  /**
   * When set, a result whose edits move code to other columns carries an inline source map naming this URL as its
   * source (the edits never move lines, and most move no column either: those need no map).
   */
  sourceMapUrl?: string | undefined;
}

/** The transformed source (what the runtime needs rides in its line-1 registration). */
export interface TransformResult {
  code: string;
}

/** Space between keywords: white space and comments. */
const GAP = String.raw`(?:\s|/\*[\s\S]*?\*/|//[^\n\r\u2028\u2029]*)+`;
/** Space that holds no line break (`async` and `function` must share a line). */
const INLINE_GAP = String.raw`(?:[^\S\n\r\u2028\u2029]|/\*(?:(?!\*/)[^\n\r\u2028\u2029])*\*/)+`;
/** An identifier, ASCII or not. */
const IDENTIFIER = String.raw`[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*`;
/** The end of a keyword: no identifier character follows. */
const KEYWORD_END = String.raw`(?![\p{ID_Continue}$\u200c\u200d])`;

const LOCAL_DECLARATION = new RegExp(
  `export${GAP}(const|let|var|class|(?:async${INLINE_GAP})?function|default|\\{)${KEYWORD_END}`,
  'uy',
);
const DEFAULT_DECLARATION = new RegExp(
  `default${GAP}((?:async${INLINE_GAP})?function${KEYWORD_END}\\s*\\*?|class${KEYWORD_END})\\s*((?!extends${KEYWORD_END})${IDENTIFIER})?`,
  'duy',
);

const COMMENT = /\/\*[\s\S]*?\*\/|\/\/[^\n\r\u2028\u2029]*/g;
/** `name from` or `name,` at the start of an import clause: a default import. */
const DEFAULT_IMPORT = new RegExp(`^${IDENTIFIER}\\s*(,|from)`, 'u');

function quote(value: string): string {
  return JSON.stringify(value);
}

/**
 * The imported names of a static import or re-export statement, read from its clause (the registration carries
 * them, and an update's preview reads the new source the same way, so the runtime can compare the two).
 */
export function importedNames(source: string, entry: Import): ImportedNames {
  // Comments in the clause are not names (a string name holding `/*` is left to a wrong, never unsafe, list).
  const clause = source.slice(entry.importStart, entry.start - 1).replace(COMMENT, ' ');
  if (/\*/.test(clause)) return '*';
  const names: string[] = [];
  const braces = /\{([^}]*)\}/.exec(clause);
  if (braces?.[1] !== undefined) {
    for (const part of braces[1].split(',')) {
      const name = part
        .trim()
        .split(/\s+as\s+/)[0]
        ?.replace(/^type\s+/, '')
        .replace(/^["']|["']$/g, '');
      if (name) names.push(name);
    }
  }
  const head = clause.replace(/\{[^}]*\}/, '').replace(/^(import|export)\s*/, '');
  if (DEFAULT_IMPORT.test(head) && !/^from\s*['"]/.test(head)) names.push('default');
  return names;
}

interface Edits {
  magic: SourceEdits;
  /** How the inserted code names `Object`: the module may bind that name itself. */
  object: string;
  mutable: string[];
  prefixExtra: string[];
  suffix: string[];
}

/**
 * The trampoline names its export by index into the registration's list of local exports (short: it is repeated
 * for every exported function). Generators and async functions cannot be constructed, so they skip `new.target`.
 */
function addTrampoline(source: string, edits: Edits, at: number, index: number): void {
  const brace = functionBodyStart(source, at);
  if (brace === -1) return;
  // Read in place: a slice and two regexes per exported function showed in cold-start profiles.
  let star = source.indexOf('function', at) + 'function'.length;
  while (star < brace && /\s/.test(source[star] ?? '')) star++;
  const generator = source.charCodeAt(star) === 42; // '*'
  const constructible = !generator && !source.startsWith('async', at);
  const call = `${HANDLE}.t(${index},this,arguments${constructible ? ',new.target' : ''})`;
  // After the body's directives: before them, a `'use strict'` would be a plain string, and a function that may not
  // have one (non-simple parameters) would load when Node rejects it.
  const directives = directivesEnd(source, brace + 1);
  edits.magic.insert(
    directives.at,
    `${directives.open ? ';' : ''}if(${MODE_VARIABLE})return ${generator ? 'yield*' : ''}${call};`,
  );
}

/**
 * `text` padded with spaces to the length of `[start, end)`, when it fits there without covering a line break: the
 * replacement then leaves every following character in its column.
 */
function fitted(source: string, start: number, end: number, text: string): string | undefined {
  const room = end - start;
  if (text.length > room) return undefined;
  for (let i = start; i < end; i++) if (source.charCodeAt(i) === 10) return undefined;
  return text + ' '.repeat(room - text.length);
}

/**
 * One-character names for a default expression's binding: `let X={default:` must fit where `export default ` was
 * (15 characters). These Latin-1 letters are valid identifiers that almost never appear in code, and keep an ASCII
 * source one byte per character in V8 (a letter past U+00FF would double the memory of the module's source text);
 * a module that uses all of them gets the long name and a moved column.
 */
const SHORT_DEFAULT_LOCALS = ['ª', 'º', 'þ', 'ð'];

/** Rewrites one `export default …` statement at `at` (the `export` keyword) and returns its local name. */
function rewriteDefault(source: string, edits: Edits, at: number, afterExport: number, index: number): string {
  DEFAULT_DECLARATION.lastIndex = afterExport;
  const declaration = DEFAULT_DECLARATION.exec(source);
  const keyword = declaration?.[1];
  const named = declaration?.[2];
  const keywordSpan = declaration?.indices?.[1];
  if (declaration !== null && keyword !== undefined && keywordSpan !== undefined) {
    // Where a name goes: past the keyword (and any `*` and blanks).
    const keywordEnd = declaration.indices?.[2]?.[0] ?? afterExport + declaration[0].length;
    const keywordStart = keywordSpan[0];
    if (named) {
      if (keyword.startsWith('class')) return named;
      addTrampoline(source, edits, keywordStart, index);
      return named;
    }
    // Anonymous declarations get a name, exported as default from a clause: `export default function (` becomes
    // `function __hz$default  (`, same length. The name property is set back to "default" as Node would have it.
    const keywordText = keyword.trimEnd();
    const replacement = fitted(source, at, keywordStart + keywordText.length, `${keywordText} ${DEFAULT_LOCAL}`);
    if (replacement !== undefined) {
      edits.magic.overwrite(at, keywordStart + keywordText.length, replacement);
      edits.suffix.push(`export{${DEFAULT_LOCAL} as default};`);
    } else {
      edits.magic.insert(keywordEnd, ` ${DEFAULT_LOCAL} `);
    }
    if (keyword.startsWith('class')) {
      const body = classBodyStart(source, keywordEnd);
      // A static `name` method is defined before static blocks run: only the name the class got from us changes.
      const fixClassName = `static{if(${edits.object}.getOwnPropertyDescriptor(this,'name')?.value===${quote(DEFAULT_LOCAL)})${edits.object}.defineProperty(this,'name',{value:'default'})}`;
      if (body !== -1) edits.magic.insert(body + 1, fixClassName);
    } else {
      edits.prefixExtra.push(`${edits.object}.defineProperty(${DEFAULT_LOCAL},'name',{value:'default'});`);
      addTrampoline(source, edits, keywordStart, index);
    }
    return DEFAULT_LOCAL;
  }
  // `export default <expression>`: a local binding. Wrapped as `{default: EXPR}.default`, an anonymous function or
  // class is named "default" by the language itself, as it is natively.
  const defaultKeyword = source.indexOf('default', afterExport);
  let expressionStart = defaultKeyword + 'default'.length;
  const end = expressionEnd(source, expressionStart);
  if (end !== undefined) {
    while (source[expressionStart] === ' ' || source[expressionStart] === '\t') expressionStart++;
    const short = SHORT_DEFAULT_LOCALS.find((name) => !source.includes(name));
    const replacement = short === undefined ? undefined : fitted(source, at, expressionStart, `let ${short}={default:`);
    // Without room (a line break after `default`) or a free short name: the long name, and the line's columns move.
    const [local, open, close] =
      short !== undefined && replacement !== undefined
        ? [short, replacement, '}.default']
        : [DEFAULT_LOCAL, `let ${DEFAULT_LOCAL}=({default:`, '}).default'];
    edits.magic.overwrite(at, expressionStart, open);
    edits.magic.insert(end.at, end.semicolon ? close : `${close};`);
    edits.suffix.push(`export{${local} as default};`);
    return local;
  }
  edits.suffix.push(`export{${DEFAULT_LOCAL} as default};`);
  edits.magic.overwrite(at, expressionStart, `let ${DEFAULT_LOCAL} =`);
  edits.suffix.push(
    `if(typeof ${DEFAULT_LOCAL}==='function'&&${DEFAULT_LOCAL}.name===${quote(DEFAULT_LOCAL)})${edits.object}.defineProperty(${DEFAULT_LOCAL},'name',{value:'default'});`,
  );
  return DEFAULT_LOCAL;
}

/** An exported local binding: export name, local name, and whether the module may reassign it. */
type Binding = [name: string, local: string, mutable: boolean];

/** The assignment operators: `=`, the compound forms, `++` and `--`. */
const ASSIGNING = String.raw`\s*(?:(?:\*\*|<<|>>>?|&&|\|\||\?\?|[-+*/%&|^])?=(?![=>])|\+\+|--)`;

/** `name =`, `name +=` (and the other compound forms), `name++`, `name--`, `++name`, `--name`; not `a.name =`. */
const ASSIGNMENT = new RegExp(
  String.raw`(?<![\p{ID_Continue}$.\u200c\u200d])(${IDENTIFIER})${ASSIGNING}|(?:\+\+|--)\s*(${IDENTIFIER})`,
  'gu',
);
/** The same for a source with only ASCII characters (a third of the Unicode pattern's time). */
const ASCII_ASSIGNMENT = new RegExp(
  String.raw`(?<![\w$.])([A-Za-z_$][\w$]*)${ASSIGNING}|(?:\+\+|--)\s*([A-Za-z_$][\w$]*)`,
  'g',
);

/**
 * Where each identifier is assigned, in one pass over the source: only exports assigned other than at their
 * declaration need copying into the live bindings after each call into a newer version. Text in strings or
 * comments can only make an export look reassigned, which costs time, never correctness.
 */
function assignments(source: string, names: ReadonlySet<string>): Map<string, number[]> {
  const found = new Map<string, number[]>();
  const pattern = /[\u0080-\uffff]/.test(source) ? ASSIGNMENT : ASCII_ASSIGNMENT;
  for (const match of source.matchAll(pattern)) {
    const name = match[1] ?? match[2];
    // Only the names asked about are kept: a minified module assigns thousands of others.
    if (name === undefined || !names.has(name)) continue;
    const at = match[1] === undefined ? match.index + match[0].length - name.length : match.index;
    const list = found.get(name);
    if (list === undefined) found.set(name, [at]);
    else list.push(at);
  }
  return found;
}

function localExports(source: string, exports: readonly Export[], edits: Edits, versioned: boolean): Binding[] {
  const bindings: Binding[] = [];
  // Bindings that may be reassigned, with where each is declared: checked in one pass once all are known.
  const candidates: Array<[binding: Binding, declaredAt: number]> = [];
  const reassigned = (binding: Binding, declaredAt: number): void => {
    if (versioned) candidates.push([binding, declaredAt]);
  };
  const statements = new Map<number, string>();
  const clauseLocals = new Set<string>();
  for (const entry of exports) {
    if (entry.type !== 'direct') continue;
    let kind = statements.get(entry.exportStart);
    if (kind === undefined) {
      LOCAL_DECLARATION.lastIndex = entry.exportStart;
      const match = LOCAL_DECLARATION.exec(source);
      kind = match?.[1] ?? '';
      statements.set(entry.exportStart, kind);
      const keywordAt = entry.exportStart + (match?.[0].length ?? 0) - kind.length;
      if (kind === 'const') edits.magic.overwrite(keywordAt, keywordAt + 5, 'let  ');
      if (kind === 'default' && bindings.some(([name]) => name === 'default')) {
        // A second `export default` is a SyntaxError: leave it for Node to report in its own words.
        continue;
      }
      if (kind === 'default') {
        const local = rewriteDefault(source, edits, entry.exportStart, keywordAt, bindings.length);
        const binding: Binding = ['default', local, false];
        bindings.push(binding);
        // A default function may reassign its own name (`fn = 2`); a default expression's binding is ours alone.
        if (local !== DEFAULT_LOCAL) reassigned(binding, entry.localStart);
        continue;
      }
      if (kind.endsWith('function') && entry.localName !== undefined) {
        addTrampoline(source, edits, keywordAt, bindings.length);
      }
    }
    if (kind === 'default') continue;
    const local = entry.localName ?? entry.name;
    if (kind === '{') clauseLocals.add(local);
    // Function and class declarations are reassignable bindings too, though rarely reassigned.
    const binding: Binding = [entry.name, local, false];
    bindings.push(binding);
    if (kind !== 'const') reassigned(binding, entry.localStart);
  }
  if (candidates.length > 0) {
    const assigned = assignments(source, new Set(candidates.map(([[, local]]) => local)));
    for (const [binding, declaredAt] of candidates) {
      binding[2] = assigned.get(binding[1])?.some((at) => at !== declaredAt) ?? false;
    }
  }
  for (const [, at] of topLevelConstDeclarations(source, clauseLocals)) {
    edits.magic.overwrite(at, at + 5, 'let  ');
  }
  return bindings;
}

/** Where code may start: after a hashbang line (ended by any line terminator), which must stay first. */
function codeStart(source: string): number {
  if (!source.startsWith('#!')) return 0;
  const end = /[\n\r\u2028\u2029]/.exec(source);
  if (end === null) return source.length;
  return source.startsWith('\r\n', end.index) ? end.index + 2 : end.index + 1;
}

/**
 * A place for the registration that moves no code to another column: within the module's leading comments and
 * import declarations (which run nothing: imports are hoisted), at a point where the rest of the line is blank or
 * a line comment. -1 when code comes first on its line. `separate` tells that an import without its `;` comes just
 * before, on the same line, so the registration needs one to start a statement of its own.
 */
function quietHeaderPosition(source: string, imports: readonly Import[]): { at: number; separate: boolean } | -1 {
  let next = 0;
  let at = codeStart(source);
  let separate = false;
  for (;;) {
    for (;;) {
      const c = source[at];
      if (c === ';') separate = false;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
      at++;
    }
    if (at >= source.length || source[at] === '\n' || source.startsWith('//', at)) return { at, separate };
    if (source.startsWith('/*', at)) {
      const close = source.indexOf('*/', at + 2);
      if (close === -1) return -1;
      at = close + 2;
      continue;
    }
    while (next < imports.length && (imports[next]?.importStart ?? 0) < at) next++;
    const statement = imports[next];
    if (statement?.importStart !== at || !isStaticImport(statement)) return -1;
    at = statement.importEnd;
    separate = source[at - 1] !== ';';
  }
}

/** A static import or `export * from`: linked before the module runs (dynamic imports and import.meta are not). */
export function isStaticImport(entry: Import): entry is Extract<Import, { type: 'static' | 'reexport-star' }> {
  return entry.type === 'static' || entry.type === 'reexport-star';
}

/**
 * A name or specifier as an item of the registration's lists, which separate with `,`, `=` and `:`: a string export
 * name (`export { a as "x,y" }`) or a specifier may hold them, so they (and `%`) are percent-escaped.
 */
export function listItem(text: string): string {
  return /[%,=:]/.test(text) ? text.replace(/[%,=:]/g, (c) => `%${c.charCodeAt(0).toString(16)}`) : text;
}

/** The name or specifier a list item stands for (see listItem). */
export function fromListItem(item: string): string {
  return item.includes('%') ? decodeURIComponent(item) : item;
}

/** What a module re-exports, as `name:from` and `*:from`, comma-separated: compared between versions. */
export function reexportList(exports: readonly Export[]): string {
  return exports
    .filter((entry) => entry.type !== 'direct')
    .map((entry) =>
      entry.type === 'reexport-all' ? `*:${listItem(entry.from)}` : `${listItem(entry.name)}:${listItem(entry.from)}`,
    )
    .join(',');
}

/**
 * From this many local exports on, a module carries its binding accessor in its own source (see bindingAccessor).
 * Below it they are compiled on first use through the module's eval, which costs a module nothing until an update;
 * but V8 resolves each name an eval (or a lazily compiled function) reads from a module's bindings by a linear search
 * of them, so that accessor costs the square of the number of exports: about 1 ms at this size, minutes at 60,000.
 */
export const INLINE_ACCESSORS_FROM = 256;

/** The accessor's parameters when no short name is free (and always in code run through the module's eval). */
const ACCESSOR_PARAMETERS: readonly [string, string, string] = [`${HANDLE}k`, `${HANDLE}x`, `${HANDLE}w`];

/**
 * Short names for the accessor's parameters, which its code repeats for every export: Latin-1 letters (one byte per
 * character in V8, like ASCII) absent from the module, so they shadow none of its bindings; none of them is a short
 * default-export name.
 */
const SHORT_PARAMETERS = ['µ', 'ß', 'ø', 'æ', 'ñ', 'ý', 'ü', 'ç'];

/** The accessor's parameter names for `source`: three short ones it does not contain, else the long ones. */
export function accessorParameters(source: string): readonly [string, string, string] {
  const free = SHORT_PARAMETERS.filter((name) => !source.includes(name));
  const [k, x, w] = free;
  return k !== undefined && x !== undefined && w !== undefined ? [k, x, w] : ACCESSOR_PARAMETERS;
}

/**
 * A function expression `(index, value, write)` over a module's exported local bindings, by index in the
 * registration's `l:` list: it returns the binding's value, after assigning `value` to it when `write` is true. The
 * switch has dense integer cases, which V8 compiles to a jump table: one call costs the same whatever the number of
 * exports. Parenthesized, it is compiled with the module itself, where names resolve by hash: linear in the number
 * of exports.
 */
export function bindingAccessor(
  locals: readonly string[],
  [k, x, w]: readonly [string, string, string] = ACCESSOR_PARAMETERS,
): string {
  let cases = '';
  for (let i = 0; i < locals.length; i++) {
    const local = locals[i];
    cases += `case ${i}:return ${w}?${local}=${x}:${local};`;
  }
  return `(function(${k},${x},${w}){switch(${k}){${cases}}})`;
}

/**
 * A declaration or import that may bind `globalThis`, `Symbol` or `Object` in the module's scope, where the inserted
 * code looks them up. Matching more (an object key, a parameter) only costs the longer, slower forms.
 */
const GLOBAL_BINDING =
  /\b(?:function\*?|class)\s+(?:globalThis|Symbol|Object)(?![\w$])|(?:\b(?:var|let|const|import|as)\s+|[{,[]\s*)(?:globalThis|Symbol|Object)(?![\w$]|\s*[.(])/;

/**
 * Makes `source` (an ES module) hot-replaceable in place. Throws the lexer's SyntaxError for sources it cannot
 * lex; callers then serve the source untouched so that Node reports the real syntax error.
 */
export function transformModule(source: string, options: TransformOptions): TransformResult {
  const [imports, exports] = lex(source);
  const shadowsGlobals = GLOBAL_BINDING.test(source);
  const edits: Edits = {
    magic: new SourceEdits(source),
    // An object literal's constructor is the realm's own `Object`, whatever the module binds to the name.
    object: shadowsGlobals ? '({}).constructor' : 'Object',
    mutable: [],
    prefixExtra: [],
    suffix: [],
  };
  const bindings = localExports(source, exports, edits, options.versioned === true);
  // Local exports as `name` or `name=local`; the runtime assigns them through the module's own eval, so the
  // registration stays a few bytes per export instead of a setter and a getter spelled out per binding.
  const locals = bindings.map(([name, local]) => (name === local ? name : `${listItem(name)}=${local}`));
  for (const [name, , mutable] of bindings) if (mutable) edits.mutable.push(name);
  const dependencies: string[] = [];
  for (const entry of imports) {
    if (!isStaticImport(entry)) continue;
    dependencies.push(`[${quote(entry.specifier)},${JSON.stringify(importedNames(source, entry))}]`);
  }
  const reexports = reexportList(exports);
  const usesMeta = imports.some((entry) => entry.type === 'import-meta');
  const description = [
    `e:(${HANDLE}c,${HANDLE}v)=>eval(${HANDLE}c)`,
    `l:${quote(locals.join(','))}`,
    `m:${JSON.stringify(edits.mutable)}`,
    `i:[${dependencies.join(',')}]`,
    `r:${quote(reexports)}`,
    `h:${usesMeta ? 1 : 0}`,
  ];
  if (bindings.length >= INLINE_ACCESSORS_FROM) {
    const localNames = bindings.map(([, local]) => local);
    description.push(`a:${bindingAccessor(localNames, accessorParameters(source))}`);
  }
  // `var`: hoisted, so a function called before the registration ran (in a cycle) finds the mode undefined: run.
  const runtime = `globalThis[Symbol.for(${quote(RUNTIME_SYMBOL)})]`;
  // A module that binds `globalThis` or `Symbol` itself (lodash-es: `var Symbol = root.Symbol`) would hand the
  // registration its own, maybe not yet assigned, binding: the runtime is then looked up in the global scope, by an
  // indirect eval (a module is simply not hot where code generation from strings is disallowed).
  const lookup = shadowsGlobals ? `(()=>{try{return(0,eval)(${quote(runtime)})}catch{}})()` : runtime;
  let header = `var ${MODE_VARIABLE},${HANDLE}=${lookup}?.register(${quote(options.url)},()=>import.meta,{${description.join(',')}});`;
  header += edits.prefixExtra.join('');
  const quiet = quietHeaderPosition(source, imports);
  // Without a quiet place, a module that needs its registration before its body runs (a reader of import.meta.hot,
  // a default function to rename, top-level await that may never settle) takes line 1 and moves that line's
  // columns; any other registers as its body ends, which changes nothing it can observe.
  // A module that is one hashbang line (no line break) has nowhere but the end: in its line, code is a comment.
  if (source.startsWith('#!') && !/[\n\r\u2028\u2029]/.test(source)) edits.suffix.unshift(header);
  else if (quiet !== -1) edits.magic.insert(quiet.at, quiet.separate ? `;${header}` : header);
  else if (usesMeta || edits.prefixExtra.length > 0 || /\bawait\b/.test(source)) {
    edits.magic.insert(codeStart(source), header);
  } else edits.suffix.unshift(header);
  if (edits.suffix.length > 0) edits.magic.append(`\n${edits.suffix.join('')}`);
  const mapUrl = options.sourceMapUrl;
  const mapped = mapUrl !== undefined && edits.magic.movesColumns();
  return { code: mapped ? edits.magic.toStringWithMap(mapUrl) : edits.magic.toString() };
}
