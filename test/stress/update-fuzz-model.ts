/**
 * The differential update fuzzer's model: random module graphs over two archives and host files, random
 * edits of them, their rendering to source, and what hotzip must do with each edit (apply it, reject it, or ask for a
 * restart). Generated modules keep no state, so what a probe sees is a pure function of the sources.
 */
import { prng } from '../helpers/prng.js';

/** How an export is written. Function shapes, value shapes and default shapes. */
export type Shape =
  | 'decl'
  | 'asyncDecl'
  | 'arrowExpr'
  | 'arrowBlock'
  | 'asyncArrow'
  | 'fnExpr'
  | 'letFn'
  | 'clause'
  | 'clauseAs'
  | 'class'
  | 'const'
  | 'let'
  | 'var'
  | 'multiConst'
  | 'destructure'
  | 'commentConst'
  | 'destructAssign'
  | 'dExpr'
  | 'dArrow'
  | 'dAsyncArrow'
  | 'dAnonFn'
  | 'dAnonAsyncFn'
  | 'dClass'
  | 'dNamedFn'
  | 'dIdentFn'
  | 'dIdentValue'
  | 'dNamedClass';

const functionShapes: Shape[] = [
  'decl',
  'asyncDecl',
  'arrowExpr',
  'arrowBlock',
  'asyncArrow',
  'fnExpr',
  'letFn',
  'clause',
  'clauseAs',
];
const valueShapes: Shape[] = ['const', 'let', 'var', 'multiConst', 'destructure', 'commentConst', 'destructAssign'];
const defaultShapes: Shape[] = [
  'dExpr',
  'dArrow',
  'dAsyncArrow',
  'dAnonFn',
  'dAnonAsyncFn',
  'dClass',
  'dNamedFn',
  'dIdentFn',
  'dIdentValue',
  'dNamedClass',
];
const asyncShapes = new Set<Shape>(['asyncDecl', 'asyncArrow', 'dAsyncArrow', 'dAnonAsyncFn']);
const classShapes = new Set<Shape>(['class', 'dClass', 'dNamedClass']);
const valueLike = new Set<Shape>([...valueShapes, 'dExpr', 'dIdentValue']);

/** Whether an export of this shape is a value (not a function or class) at run time. */
export function isValueShape(shape: Shape): boolean {
  return valueLike.has(shape);
}

/** Whether an export of this shape is a class. */
export function isClassShape(shape: Shape): boolean {
  return classShapes.has(shape);
}

/** How a function body refers to another module's export. */
export type Via = 'named' | 'ns' | 'barrel' | 'barrelNs' | 'dynamic';

/** One reference from a function body to an export of another module. */
export interface Dep {
  target: string;
  name: string;
  via: Via;
  /** The barrel it goes through, for `barrel` and `barrelNs`. */
  barrel?: string;
}

/** One export of a module. */
export interface Export {
  name: string;
  shape: Shape;
  /** Which parameter list (see `params`). */
  params: number;
  ver: number;
  deps: Dep[];
}

/** One generated module: a plain module or a barrel (`export *` of other modules). */
export interface Mod {
  key: string;
  archive: 'app' | 'deps';
  file: string;
  /** Dependencies always have a lower rank; an import of a higher rank is a cycle's back edge. */
  rank: number;
  ver: number;
  exports: Export[];
  /** 0: no top-level await; 1: await a resolved promise; 2: await a timer. */
  tla: 0 | 1 | 2;
  decline: boolean;
  /** For barrels: the modules it re-exports with `export *`. */
  reexports?: string[];
}

/** A plain `.mjs` file outside the archives that imports from them; it never changes. */
export interface Host {
  file: string;
  named: Array<{ target: string; name: string }>;
  namespaces: string[];
}

/** The whole state the archives are rendered from. */
export interface Model {
  mods: Record<string, Mod>;
  /** Modules taken out of the archive, kept to be restored. */
  removed: Record<string, Mod>;
  /** Modules ever restored (their divergences are told apart). */
  restored: string[];
  hosts: Host[];
  counter: number;
}

/** A one-shot damage of one module's source. */
export type Breakage = 'syntax' | 'throw' | 'link' | 'never';

/** What hotzip must do with a step. */
export type Expectation = 'accept' | 'reject' | 'fail' | 'restart' | 'either' | 'ignore' | 'accept-or-restart';

/** A step: the next model (what the archives hold), damage applied at render time, and the expected outcome. */
export interface Step {
  kind: string;
  next: Model;
  /** A one-shot breakage of the rendered archives: it never becomes part of the model. */
  breakage?: { type: Breakage | 'torn'; key: string };
  expect: Expectation;
  /** Why that outcome is expected. */
  reason: string;
}

const params = ['', 'a', '{ k }', '{ k } = {}', "a = { k: 'dflt' }", '...r'];
const paramExprs = ["'-'", 'String(a?.k)', 'String(k)', 'String(k)', 'String(a.k)', 'String(r.length)'];

type Random = () => number;

function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

function chance(random: Random, p: number): boolean {
  return random() < p;
}

function clone(model: Model): Model {
  return structuredClone(model);
}

function specifier(from: Mod, to: Mod): string {
  return from.archive === to.archive ? `./${to.file}` : `zip:./${to.archive}.zip!/${to.file}`;
}

function alias(dep: Dep): string {
  const through = dep.via === 'barrel' ? `${dep.barrel ?? ''}_` : '';
  return `i_${`${through}${dep.target}`.replace(/\W/g, '_')}_${dep.name}`;
}

function nsAlias(key: string): string {
  return `ns_${key.replace(/\W/g, '_')}`;
}

function valueLiteral(exp: Export): string {
  switch (exp.ver % 3) {
    case 0:
      return `'${exp.name}#v${exp.ver}'`;
    case 1:
      return `['${exp.name}', ${exp.ver}]`;
    default:
      return `{ n: '${exp.name}', v: ${exp.ver} }`;
  }
}

/** The expression a function body returns: its name, version, argument and what it sees of its dependencies. */
function bodyExpression(model: Model, mod: Mod, exp: Export, argument: string): string {
  const parts = exp.deps.map((dep) => {
    const target = model.mods[dep.target];
    if (dep.via === 'dynamic') {
      if (!asyncShapes.has(exp.shape) || target === undefined) return "'dyn'";
      return `(await import('${specifier(mod, target)}')).id`;
    }
    const ref =
      dep.via === 'ns'
        ? `${nsAlias(dep.target)}.${dep.name}`
        : dep.via === 'barrelNs'
          ? `${nsAlias(dep.barrel ?? '')}.${dep.name}`
          : alias(dep);
    // A back edge of a cycle (or anything whose kind an edit may change): only its type.
    return (target?.rank ?? 0) >= mod.rank ? `typeof ${ref}` : `__show(${ref})`;
  });
  return `'${mod.key}:${exp.name}#v${exp.ver}|' + ${argument} + '|' + [${parts.join(', ')}].join(',')`;
}

function renderExport(model: Model, mod: Mod, exp: Export): string {
  const p = params[exp.params] ?? '';
  const body = bodyExpression(model, mod, exp, paramExprs[exp.params] ?? "'-'");
  const block = `{\n  return ${body};\n}`;
  const classBody = `{\n  constructor(a) {\n    this.a = a;\n  }\n  m() {\n    return ${bodyExpression(model, mod, exp, 'String(this.a?.k)')};\n  }\n}`;
  const n = exp.name;
  const local = `${mod.file.replace(/\W/g, '_')}_default`;
  switch (exp.shape) {
    case 'decl':
      return `export function ${n}(${p}) ${block}`;
    case 'asyncDecl':
      return `export async function ${n}(${p}) ${block}`;
    case 'arrowExpr':
      return `export const ${n} = (${p}) => (${body});`;
    case 'arrowBlock':
      return `export const ${n} = (${p}) => ${block};`;
    case 'asyncArrow':
      return `export const ${n} = async (${p}) => ${block};`;
    case 'fnExpr':
      return `export const ${n} = function (${p}) ${block};`;
    case 'letFn':
      return `export let ${n} = (${p}) => ${block};`;
    case 'clause':
      return `function ${n}(${p}) ${block}\nexport { ${n} };`;
    case 'clauseAs':
      return `function ${n}_impl(${p}) ${block}\nexport { ${n}_impl as ${n} };`;
    case 'class':
      return `export class ${n} ${classBody}`;
    case 'const':
      return `export const ${n} = ${valueLiteral(exp)};`;
    case 'let':
      return `export let ${n} = ${valueLiteral(exp)};`;
    case 'var':
      return `export var ${n} = ${valueLiteral(exp)};`;
    case 'multiConst':
      return `const ${n}_unit = 'm', ${n} = ${valueLiteral(exp)};\nexport { ${n} };`;
    case 'destructure':
      return `const { ${n} } = { ${n}: ${valueLiteral(exp)} };\nexport { ${n} };`;
    case 'commentConst':
      return `export /* c */ const ${n} = ${valueLiteral(exp)};`;
    case 'destructAssign':
      return `export let ${n};\n[${n}] = [${valueLiteral(exp)}];`;
    case 'dExpr':
      return `export default ${valueLiteral(exp)};`;
    case 'dArrow':
      return `export default (${p}) => ${block};`;
    case 'dAsyncArrow':
      return `export default async (${p}) => ${block};`;
    case 'dAnonFn':
      return `export default function (${p}) ${block}`;
    case 'dAnonAsyncFn':
      return `export default async function (${p}) ${block}`;
    case 'dClass':
      return `export default class ${classBody}`;
    case 'dNamedFn':
      return `export default function ${local}(${p}) ${block}`;
    case 'dIdentFn':
      return `function ${local}(${p}) ${block}\nexport default ${local};`;
    case 'dIdentValue':
      return `const ${local} = ${valueLiteral(exp)};\nexport default ${local};`;
    case 'dNamedClass':
      return `export default class ${local} ${classBody}`;
  }
}

/** The source of one module as the model describes it. */
export function renderModule(model: Model, mod: Mod): string {
  const lines: string[] = [];
  if (mod.reexports !== undefined) {
    for (const key of mod.reexports) {
      const target = model.mods[key];
      if (target !== undefined) lines.push(`export * from '${specifier(mod, target)}';`);
    }
  }
  const named = new Map<string, Set<string>>();
  const namespaces = new Set<string>();
  for (const exp of mod.exports) {
    for (const dep of exp.deps) {
      if (dep.via === 'dynamic') continue;
      if (dep.via === 'ns' || dep.via === 'barrelNs')
        namespaces.add(dep.via === 'ns' ? dep.target : (dep.barrel ?? ''));
      else {
        const from = dep.via === 'barrel' ? (dep.barrel ?? '') : dep.target;
        const set = named.get(from) ?? new Set<string>();
        set.add(dep.name === 'default' ? `default as ${alias(dep)}` : `${dep.name} as ${alias(dep)}`);
        named.set(from, set);
      }
    }
  }
  for (const [key, names] of named) {
    const target = model.mods[key];
    if (target !== undefined) lines.push(`import { ${[...names].join(', ')} } from '${specifier(mod, target)}';`);
  }
  for (const key of namespaces) {
    const target = model.mods[key];
    if (target !== undefined) lines.push(`import * as ${nsAlias(key)} from '${specifier(mod, target)}';`);
  }
  lines.push(
    "const __show = (v) => typeof v === 'function' ? 'fn:' + v.name : JSON.stringify(v);",
    `export const id = '${mod.key}#v${mod.ver}';`,
  );
  if (mod.tla === 1) lines.push('await Promise.resolve();');
  if (mod.tla === 2) lines.push('await new Promise((resolve) => setTimeout(resolve, 2));');
  if (mod.decline) lines.push('import.meta.hot?.decline();');
  for (const exp of mod.exports) lines.push(renderExport(model, mod, exp));
  return `${lines.join('\n')}\n`;
}

/** The files of each archive. */
export function renderArchives(model: Model): { app: Record<string, string>; deps: Record<string, string> } {
  const app: Record<string, string> = { 'package.json': '{ "type": "module" }\n' };
  const deps: Record<string, string> = { 'package.json': '{ "type": "module" }\n' };
  for (const mod of Object.values(model.mods))
    (mod.archive === 'app' ? app : deps)[mod.file] = renderModule(model, mod);
  return { app, deps };
}

/** A host file's source: static imports from the archives, functions captured as it evaluates, a digest function. */
export function renderHost(model: Model, host: Host): string {
  const lines: string[] = [];
  const entries: string[] = [];
  host.named.forEach((item, index) => {
    const target = model.mods[item.target];
    if (target === undefined) return;
    const url = `zip:./${target.archive}.zip!/${target.file}`;
    const imported = item.name === 'default' ? 'default' : item.name;
    lines.push(`import { ${imported} as h${index} } from '${url}';`, `const c${index} = h${index};`);
    entries.push(
      `['${host.file}|named|${item.target}|${item.name}', h${index}]`,
      `['${host.file}|cap|${item.target}|${item.name}', c${index}]`,
    );
  });
  host.namespaces.forEach((key, index) => {
    const target = model.mods[key];
    if (target === undefined) return;
    lines.push(`import * as n${index} from 'zip:./${target.archive}.zip!/${target.file}';`);
    entries.push(`['${host.file}|ns|${key}|id', n${index}.id]`);
  });
  lines.push(
    'export async function digest(describe) {',
    '  const out = {};',
    `  for (const [key, value] of [${entries.join(', ')}]) out[key] = await describe(value);`,
    '  return out;',
    '}',
  );
  return `${lines.join('\n')}\n`;
}

function newExport(model: Model, random: Random, mod: Mod, name?: string): Export {
  const shape = name === 'default' ? pick(random, defaultShapes) : pick(random, [...functionShapes, ...valueShapes]);
  const exp: Export = {
    name: name ?? `e${model.counter++}`,
    shape: chance(random, 0.08) && name !== 'default' ? 'class' : shape,
    params: Math.floor(random() * params.length),
    ver: 0,
    deps: [],
  };
  addDeps(model, random, mod, exp, 1 + Math.floor(random() * 3));
  return exp;
}

/** Adds references to exports `mod` may import: lower ranks mostly (a higher one makes a cycle), through barrels too. */
function addDeps(model: Model, random: Random, mod: Mod, exp: Export, count: number): void {
  const others = Object.values(model.mods).filter(
    (other) => other.key !== mod.key && !(mod.archive === 'deps' && other.archive === 'app'),
  );
  for (let i = 0; i < count; i++) {
    const lower = others.filter((other) => other.rank < mod.rank);
    const pool = lower.length > 0 && !chance(random, 0.1) ? lower : others;
    if (pool.length === 0) return;
    const target = pick(random, pool);
    if (target.reexports !== undefined) {
      // Through a barrel: a name of one of its sources, by name or through its namespace.
      const sources = target.reexports.map((key) => model.mods[key]).filter((m): m is Mod => m !== undefined);
      const names = sources.flatMap((source) =>
        source.exports.filter((e) => e.name !== 'default').map((e) => [source.key, e.name] as const),
      );
      if (names.length === 0) continue;
      const [sourceKey, name] = pick(random, names);
      exp.deps.push({ target: sourceKey, name, via: chance(random, 0.5) ? 'barrel' : 'barrelNs', barrel: target.key });
      continue;
    }
    const via: Via = chance(random, 0.15) ? 'ns' : chance(random, 0.1) ? 'dynamic' : 'named';
    const name = via === 'dynamic' ? 'id' : pick(random, ['id', ...target.exports.map((e) => e.name)]);
    if (!exp.deps.some((d) => d.target === target.key && d.name === name && d.via === via)) {
      exp.deps.push({ target: target.key, name, via });
    }
  }
}

/** A random graph of `size` modules over app.zip and deps.zip, with barrels and two host files. */
export function generateModel(seed: number, size: number): Model {
  const random = prng(seed);
  const model: Model = { mods: {}, removed: {}, restored: [], hosts: [], counter: 0 };
  const depsCount = Math.max(2, Math.floor(size / 5));
  for (let i = 0; i < size; i++) {
    const inDeps = i < depsCount;
    const barrel = !inDeps && i > depsCount + 2 && chance(random, 0.12);
    const mod: Mod = {
      key: inDeps ? `deps:d${i}.js` : `app:${barrel ? 'b' : 'm'}${i}.js`,
      archive: inDeps ? 'deps' : 'app',
      file: inDeps ? `d${i}.js` : `${barrel ? 'b' : 'm'}${i}.js`,
      rank: i,
      ver: 0,
      exports: [],
      tla: chance(random, 0.1) ? (chance(random, 0.5) ? 1 : 2) : 0,
      decline: false,
    };
    if (barrel) {
      const sources = Object.values(model.mods).filter((m) => m.archive === 'app' && m.reexports === undefined);
      mod.reexports = [...new Set([pick(random, sources).key, pick(random, sources).key])];
      mod.tla = 0;
    } else {
      const count = 1 + Math.floor(random() * 4);
      for (let e = 0; e < count; e++) mod.exports.push(newExport(model, random, mod));
      if (chance(random, 0.4)) mod.exports.push(newExport(model, random, mod, 'default'));
    }
    model.mods[mod.key] = mod;
  }
  const plain = Object.values(model.mods).filter((m) => m.reexports === undefined && m.exports.length > 0);
  for (const file of ['host0.mjs', 'host1.mjs']) {
    const host: Host = { file, named: [], namespaces: [] };
    for (let i = 0; i < 2; i++) {
      const target = pick(random, plain);
      const exp = pick(random, target.exports);
      if (!host.named.some((n) => n.target === target.key && n.name === exp.name)) {
        host.named.push({ target: target.key, name: exp.name });
      }
    }
    if (chance(random, 0.5)) host.namespaces.push(pick(random, plain).key);
    model.hosts.push(host);
  }
  return model;
}

/** Why `name` of module `key` is in use in `model` (empty when unused): by name, namespace, barrel or host. */
export function usesOf(model: Model, key: string, name: string): string[] {
  const reasons: string[] = [];
  for (const mod of Object.values(model.mods)) {
    if (mod.reexports?.includes(key)) reasons.push(`reexport:${mod.key}`);
    for (const exp of mod.exports) {
      for (const dep of exp.deps) {
        if (dep.target !== key || dep.via === 'dynamic') continue;
        if (dep.via === 'ns') reasons.push(`namespace:${mod.key}`);
        else if (dep.name === name) reasons.push(`${dep.via === 'barrel' ? 'via-barrel' : dep.via}:${mod.key}`);
      }
    }
    for (const exp of mod.exports) {
      for (const dep of exp.deps) {
        if (dep.via === 'barrelNs' && model.mods[dep.barrel ?? '']?.reexports?.includes(key)) {
          reasons.push(`barrel-namespace:${mod.key}`);
        }
      }
    }
  }
  for (const host of model.hosts) {
    if (host.named.some((n) => n.target === key && n.name === name)) reasons.push(`host:${host.file}`);
    if (host.namespaces.includes(key)) reasons.push(`host-namespace:${host.file}`);
  }
  return [...new Set(reasons)];
}

function hostUses(model: Model, key: string): boolean {
  return model.hosts.some((h) => h.namespaces.includes(key) || h.named.some((n) => n.target === key));
}

/** Decides what hotzip must do with `next` applied over `prev` (both valid models). */
export function judge(prev: Model, next: Model): { expect: Expectation; reason: string } {
  const changed = Object.values(next.mods).filter((mod) => {
    const before = prev.mods[mod.key];
    return before !== undefined && renderModule(prev, before) !== renderModule(next, mod);
  });
  const declined = changed.filter((mod) => prev.mods[mod.key]?.decline === true);
  if (declined.length > 0) return { expect: 'restart', reason: `${declined[0]?.key} declined updates` };
  const reexports = changed.filter(
    (mod) => JSON.stringify(prev.mods[mod.key]?.reexports) !== JSON.stringify(mod.reexports),
  );
  if (reexports.length > 0) return { expect: 'restart', reason: `${reexports[0]?.key} changed its export *` };
  let either: string | undefined;
  for (const mod of changed) {
    const before = prev.mods[mod.key];
    for (const old of before?.exports ?? []) {
      const now = mod.exports.find((e) => e.name === old.name);
      const removed = now === undefined;
      const defunctioned = now !== undefined && !isValueShape(old.shape) && isValueShape(now.shape);
      if (!removed && !defunctioned) continue;
      const reasons = usesOf(next, mod.key, old.name);
      const what = `${mod.key} ${removed ? 'removes' : 'makes a non-function of'} ${old.name}`;
      const definite = reasons.filter((r) => !r.startsWith('reexport:'));
      if (definite.length > 0) return { expect: 'reject', reason: `${what}, used by ${definite.join(' ')}` };
      if (reasons.length > 0) either ??= `${what}, re-exported by ${reasons.join(' ')} (a barrel may count as a use)`;
    }
  }
  if (!linkable(next)) return { expect: 'reject', reason: 'an import of a missing name (link error)' };
  if (either !== undefined) return { expect: 'either', reason: either };
  // A name added behind an `export *` and imported through it: the barrel's instance must gain it, or restart.
  for (const mod of Object.values(next.mods)) {
    for (const dep of mod.exports.flatMap((e) => e.deps)) {
      if (dep.via !== 'barrel' && dep.via !== 'barrelNs') continue;
      const before = prev.mods[dep.target];
      if (before !== undefined && !before.exports.some((e) => e.name === dep.name)) {
        return {
          expect: 'accept-or-restart',
          reason: `${mod.key} uses ${dep.name}, added to ${dep.target} behind the barrel ${dep.barrel}`,
        };
      }
    }
  }
  return { expect: 'accept', reason: 'a valid update' };
}

/**
 * The modules of `next` whose change makes a non-function of an export something uses (by name, through a
 * namespace, a barrel or a host file): hotzip sees that only once the new version has evaluated, and then keeps that
 * module's previous version while the rest of the change installs.
 */
export function retypedInUse(prev: Model, next: Model): string[] {
  const keys: string[] = [];
  for (const mod of Object.values(next.mods)) {
    const before = prev.mods[mod.key];
    if (before === undefined || renderModule(prev, before) === renderModule(next, mod)) continue;
    const retyped = before.exports.some((old) => {
      const now = mod.exports.find((e) => e.name === old.name);
      return (
        now !== undefined &&
        !isValueShape(old.shape) &&
        isValueShape(now.shape) &&
        usesOf(next, mod.key, old.name).length > 0
      );
    });
    if (retyped) keys.push(mod.key);
  }
  return keys;
}

/** `next` with the modules `keys` as `prev` has them: the state after those modules' new versions were refused. */
export function reverted(prev: Model, next: Model, keys: string[]): Model {
  const out = clone(next);
  for (const key of keys) {
    const mod = prev.mods[key];
    if (mod !== undefined) out.mods[key] = structuredClone(mod);
  }
  return out;
}

/** Whether `dep` still links in `model` (a restored module may refer to names renamed while it was away). */
function validDep(model: Model, dep: Dep): boolean {
  const target = model.mods[dep.target];
  if (target === undefined) return false;
  if (dep.via === 'barrel' || dep.via === 'barrelNs') {
    if (model.mods[dep.barrel ?? '']?.reexports?.includes(dep.target) !== true) return false;
  }
  return dep.name === 'id' || dep.via === 'ns' || target.exports.some((e) => e.name === dep.name);
}

function touch(mod: Mod): void {
  mod.ver++;
}

function plainMods(model: Model, filter: (mod: Mod) => boolean = () => true): Mod[] {
  return Object.values(model.mods).filter((m) => m.reexports === undefined && filter(m));
}

/** Rewrites every reference to `key`'s `from` export (by name or through a namespace) with `rewrite`. */
function rewriteDeps(model: Model, key: string, from: string, rewrite: (dep: Dep) => Dep | undefined): void {
  for (const mod of Object.values(model.mods)) {
    let touched = false;
    for (const exp of mod.exports) {
      const deps: Dep[] = [];
      for (const dep of exp.deps) {
        if (dep.target === key && (dep.name === from || from === '*')) {
          const next = rewrite(dep);
          touched = true;
          exp.ver++;
          if (next !== undefined) deps.push(next);
        } else deps.push(dep);
      }
      exp.deps = deps;
    }
    if (touched) touch(mod);
  }
}

/** One random edit of `model` (which must be valid: the last applied state). */
export function nextStep(model: Model, random: Random): Step {
  const next = clone(model);
  const plain = plainMods(next, (m) => m.exports.length > 0);
  const mod = pick(random, plain);
  const roll = random();
  const step = (kind: string, extra: Partial<Step> = {}): Step => {
    const verdict = judge(model, next);
    return { kind, next, ...verdict, ...extra };
  };
  // A one-shot breakage of `mod`, which asks for a restart instead when the module declines updates.
  const broken = (kind: string, type: Breakage, expect: Expectation, reason: string): Step => {
    touch(mod);
    return {
      kind,
      next,
      breakage: { type, key: mod.key },
      expect: mod.decline ? 'restart' : expect,
      reason: mod.decline ? `${mod.key} declined updates` : reason,
    };
  };
  const named = mod.exports.filter((e) => e.name !== 'default');
  if (roll < 0.2) {
    const exp = pick(random, mod.exports);
    exp.ver++;
    if (chance(random, 0.3)) exp.params = Math.floor(random() * params.length);
    touch(mod);
    return step(`body:${exp.shape}`);
  }
  if (roll < 0.34) {
    const exp = pick(random, mod.exports);
    const from = exp.shape;
    const pool =
      exp.name === 'default'
        ? defaultShapes
        : isClassShape(from)
          ? ['class' as Shape]
          : chance(random, 0.7)
            ? isValueShape(from)
              ? valueShapes
              : functionShapes
            : [...functionShapes, ...valueShapes];
    exp.shape = pick(random, pool);
    exp.ver++;
    touch(mod);
    const kind = isValueShape(from) === isValueShape(exp.shape) ? 'shape' : 'kind';
    return step(`${kind}:${from}->${exp.shape}`);
  }
  if (roll < 0.42 && named.length > 0) {
    const exp = pick(random, named);
    const old = exp.name;
    exp.name = `e${next.counter++}`;
    exp.ver++;
    touch(mod);
    rewriteDeps(next, mod.key, old, (dep) => ({ ...dep, name: exp.name }));
    return step(`rename:${exp.shape}`);
  }
  if (roll < 0.5) {
    const exp = newExport(next, random, mod);
    mod.exports.push(exp);
    touch(mod);
    // Sometimes a module of higher rank starts using it in the same update.
    const users = plainMods(next, (m) => m.rank > mod.rank);
    const barrels = Object.values(next.mods).filter((m) => m.reexports?.includes(mod.key));
    if (users.length > 0 && chance(random, 0.5)) {
      const user = pick(random, users);
      const host = pick(random, user.exports);
      const barrel = barrels.length > 0 && chance(random, 0.5) ? pick(random, barrels) : undefined;
      if (barrel !== undefined) {
        // Through the barrel, by name or through its namespace.
        host.deps.push({
          target: mod.key,
          name: exp.name,
          via: chance(random, 0.5) ? 'barrel' : 'barrelNs',
          barrel: barrel.key,
        });
      } else {
        host.deps.push({ target: mod.key, name: exp.name, via: chance(random, 0.7) ? 'named' : 'ns' });
      }
      host.ver++;
      touch(user);
    }
    return step(barrels.length > 0 ? 'add-export:behind-barrel' : `add-export:${exp.shape}`);
  }
  if (roll < 0.58 && named.length > 0 && mod.exports.length > 1) {
    const exp = pick(random, named);
    mod.exports = mod.exports.filter((e) => e !== exp);
    touch(mod);
    // Importers in the archives drop it (a host cannot).
    rewriteDeps(next, mod.key, exp.name, () => undefined);
    return step(`remove-export:${exp.shape}`);
  }
  if (roll < 0.64) {
    const archive = chance(random, 0.8) ? 'app' : 'deps';
    const rank = archive === 'app' ? 1000 + next.counter : 100 + next.counter;
    const added: Mod = {
      key: `${archive}:n${next.counter}.js`,
      archive,
      file: `n${next.counter++}.js`,
      rank,
      ver: 0,
      exports: [],
      tla: 0,
      decline: false,
    };
    next.mods[added.key] = added;
    added.exports.push(newExport(next, random, added));
    return step('add-module');
  }
  if (roll < 0.7) {
    const removable = plainMods(
      next,
      (m) => !hostUses(next, m.key) && !Object.values(next.mods).some((b) => b.reexports?.includes(m.key)),
    );
    if (removable.length > 0 && plain.length > 6) {
      const gone = pick(random, removable);
      delete next.mods[gone.key];
      next.removed[gone.key] = gone;
      rewriteDeps(next, gone.key, '*', () => undefined);
      return step('remove-module');
    }
  }
  if (roll < 0.75) {
    const keys = Object.keys(next.removed);
    if (keys.length > 0) {
      const key = pick(random, keys);
      const back = next.removed[key];
      if (back !== undefined) {
        delete next.removed[key];
        back.ver++;
        for (const exp of back.exports) exp.deps = exp.deps.filter((d) => validDep(next, d));
        next.mods[key] = back;
        if (!next.restored.includes(key)) next.restored.push(key);
        const users = plainMods(next, (m) => m.rank > back.rank && m.key !== key);
        const first = back.exports[0];
        if (users.length > 0 && first !== undefined) {
          const user = pick(random, users);
          const exp = pick(random, user.exports);
          exp.deps.push({ target: key, name: first.name, via: 'named' });
          exp.ver++;
          touch(user);
        }
        return step('restore-module');
      }
    }
  }
  if (roll < 0.78) {
    const barrels = Object.values(next.mods).filter((m) => m.reexports !== undefined);
    if (barrels.length > 0) {
      const barrel = pick(random, barrels);
      const sources = plainMods(next, (m) => m.archive === 'app' && m.rank < barrel.rank);
      const extra = sources.length > 0 ? pick(random, sources).key : undefined;
      if (extra !== undefined && !barrel.reexports?.includes(extra)) {
        barrel.reexports = [...(barrel.reexports ?? []), extra];
        touch(barrel);
        return step('barrel-reexport');
      }
    }
  }
  if (roll < 0.81) {
    mod.tla = mod.tla === 0 ? 1 : 0;
    touch(mod);
    return step('top-level-await');
  }
  if (roll < 0.83) {
    mod.decline = true;
    touch(mod);
    return step('decline');
  }
  if (roll < 0.87) return broken('syntax-error', 'syntax', 'reject', 'a syntax error');
  if (roll < 0.91) return broken('throw', 'throw', 'fail', 'throws while evaluating');
  if (roll < 0.95) return broken('link-error', 'link', 'reject', 'imports a missing name');
  if (roll < 0.97) {
    const exp = pick(random, mod.exports);
    exp.ver++;
    touch(mod);
    return {
      kind: 'torn',
      next,
      breakage: { type: 'torn', key: mod.key },
      expect: 'ignore',
      reason: 'a torn archive is read again at the next change',
    };
  }
  if (roll < 0.975) {
    return broken(
      'await-never',
      'never',
      'fail',
      'a top-level await that never settles must end in an error after a time limit',
    );
  }
  // Several edits in one update.
  let batch = nextStep(next, random);
  const kinds: string[] = [];
  for (let i = 0; i < 3 && batch.breakage === undefined && batch.expect === 'accept'; i++) {
    kinds.push(batch.kind);
    Object.assign(next, batch.next);
    batch = nextStep(next, random);
  }
  return step(`batch:${kinds.length}`);
}

/**
 * A module's source with a one-shot breakage: a syntax error, a throw or a never-settling await at its end, or an
 * import of a missing name.
 */
export function breakSource(source: string, type: Breakage, model: Model, key: string): string {
  if (type === 'syntax') return `${source}let = ;\n`;
  if (type === 'never') return `${source}await new Promise(() => {});\n`;
  if (type === 'throw') return `${source}throw new Error('fuzz: broken at evaluation');\n`;
  const mod = model.mods[key];
  const target = Object.values(model.mods).find((m) => m.key !== key && m.archive === mod?.archive);
  return `import { missing_name_${mod?.ver ?? 0} } from './${target?.file ?? 'nowhere.js'}';\n${source}`;
}

/** The archives whose rendered content differs between two models. */
export function changedArchives(prev: Model, next: Model): Array<'app' | 'deps'> {
  const a = renderArchives(prev);
  const b = renderArchives(next);
  return (['app', 'deps'] as const).filter((archive) => JSON.stringify(a[archive]) !== JSON.stringify(b[archive]));
}

/** `prev` with one archive's modules taken from `next`: the state after only that archive's update applied. */
export function hybrid(prev: Model, next: Model, archive: 'app' | 'deps'): Model {
  const out = clone(prev);
  for (const [key, mod] of Object.entries(out.mods)) if (mod.archive === archive) delete out.mods[key];
  for (const [key, mod] of Object.entries(next.mods)) if (mod.archive === archive) out.mods[key] = structuredClone(mod);
  out.counter = next.counter;
  out.restored = [...new Set([...prev.restored, ...next.restored])];
  for (const [key, mod] of Object.entries(next.removed)) if (out.mods[key] === undefined) out.removed[key] = mod;
  return out;
}

/** Whether every static import of `model` finds its name (an import of a missing name is a link error). */
export function linkable(model: Model): boolean {
  for (const mod of Object.values(model.mods)) {
    for (const key of mod.reexports ?? []) if (model.mods[key] === undefined) return false;
    for (const exp of mod.exports) {
      for (const dep of exp.deps) {
        if (dep.via === 'dynamic' || dep.via === 'ns' || dep.via === 'barrelNs') {
          if (model.mods[dep.via === 'barrelNs' ? (dep.barrel ?? '') : dep.target] === undefined) return false;
          continue;
        }
        if (!validDep(model, dep)) return false;
      }
    }
  }
  for (const host of model.hosts) {
    for (const item of host.named) {
      if (!model.mods[item.target]?.exports.some((e) => e.name === item.name)) return false;
    }
    for (const key of host.namespaces) if (model.mods[key] === undefined) return false;
  }
  return true;
}
