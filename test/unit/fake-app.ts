/**
 * An in-process stand-in for Node's module loader and for an archive, driving a real HotRuntime through the two
 * things it is given (`importModule` and `preview`): no hooks, no child process. A module is a function body that
 * registers exactly as transformed code does (an eval over its own scope, a mode variable, an instance handle), so
 * the runtime's bindings, trampolines and gates work on it as on a real module.
 *
 * What the stand-in keeps of Node: one record per URL (a module map), a graph linked whole before anything evaluates,
 * a new version's gate signalled at link time and awaited before its body (or, where the runtime lets a version gate
 * inline, signalled as its body starts, once its dependencies have evaluated), dependencies evaluated before importers,
 * an evaluation error cached on its record, and each update reading the snapshot of the files it was previewed from.
 * Not kept: cycles, CommonJS, re-exported bindings (a module's `reexports` is only compared, never served).
 */
import type { Namespace } from '../../lib/hot/context.js';
import type { RawDescription } from '../../lib/hot/description.js';
import {
  type ChangeSet,
  HotRuntime,
  type ModulePreview,
  type SyntaxLocation,
  type UpdateReport,
} from '../../lib/hot/runtime.js';
import { HANDLE, modeCondition, trampolineTest } from '../../lib/transform/trampoline.js';
import type { ImportedNames } from '../../lib/transform/transform.js';
import { splitSuffix, stripVersion } from '../../lib/url/version-query.js';

/** One version of a module's source. */
export interface FakeModule {
  /**
   * The module's body (may `await`). It declares each name of `exports` as a local binding, and sees `hot`
   * (`import.meta.hot`), `dep(name)` (the namespace of a module it imports, live like an import) and `trace(value)`
   * (appends to the app's trace). `HOT(name)` at the start of an exported function's body stands for the trampoline
   * the transform inserts there: calls of a replaced version's function go to the newest one.
   */
  body: string;
  exports?: string[];
  /** Exports the body reassigns (`export let` that changes). */
  mutable?: string[];
  /** Static imports: module name → the names it takes, or '*'. */
  imports?: Record<string, ImportedNames>;
  /** The registration's re-export list (`name:from`, `*:from`): only compared between versions. */
  reexports?: string;
  /** Where the source fails to parse: loading it rejects with a SyntaxError. */
  syntaxError?: { line: number; column: number };
}

/** What a module body is compiled to. */
type Body = (
  hz: { register(raw: RawDescription): unknown },
  hot: () => unknown,
  dep: (name: string) => Namespace,
  trace: (value: unknown) => void,
) => Promise<void>;

const AsyncFunction = (async () => {}).constructor as new (...parameters: string[]) => Body;

/** A module record: one per URL, as in Node's module map. */
interface ModuleRecord {
  url: string;
  name: string;
  source: FakeModule;
  deps: Map<string, ModuleRecord>;
  /** The module's eval over its own scope, once its body has started. */
  scope: ((code: string) => unknown) | undefined;
  namespace: Namespace;
  gate: Promise<void> | undefined;
  /** A version that awaits its gate in its own body: it signals linked only once its dependencies have evaluated. */
  inlineGate: boolean;
  evaluation: Promise<Namespace> | undefined;
}

/** The URL of module `name` (a bare name such as `a`). */
export function urlOf(name: string): string {
  return `fake:/${name}.js`;
}

/** The name of module `url` (any version of it). */
export function nameOf(url: string): string {
  return splitSuffix(url).path.slice('fake:/'.length, -'.js'.length);
}

/** The module body, with the registration a transformed module carries at its top. */
function compile(source: FakeModule, url: string): Body {
  const condition = { condition: modeCondition(url, false), handle: HANDLE, prefix: HANDLE };
  const exports = source.exports ?? [];
  const trampolined = source.body.replace(/\bHOT\((\w+)\)/g, (_, name: string) => {
    const index = exports.indexOf(name);
    if (index === -1) throw new Error(`HOT(${name}): not an export`);
    return trampolineTest(index, { constructible: true, generator: false }, condition);
  });
  const imports = Object.entries(source.imports ?? {}).map(([name, names]) => [name, names]);
  const raw = [
    `e:(${HANDLE}c,${HANDLE}v)=>eval(${HANDLE}c)`,
    `l:${JSON.stringify(exports.join(','))}`,
    `m:${JSON.stringify(source.mutable ?? [])}`,
    `i:${JSON.stringify(imports)}`,
    `r:${JSON.stringify(source.reexports ?? '')}`,
    'h:1',
  ];
  return new AsyncFunction(
    '$hz',
    '$hot',
    'dep',
    'trace',
    `'use strict';const ${HANDLE}=$hz.register({${raw.join(',')}});const hot=$hot();\n${trampolined}`,
  );
}

/**
 * `promise`, with the event loop kept alive until it settles: the runtime's time limits do not keep a process alive
 * (an application does, with its server or its work), and a test must see them expire.
 */
export async function keptAlive<T>(promise: Promise<T>): Promise<T> {
  const alive = setInterval(() => {}, 1000);
  try {
    return await promise;
  } finally {
    clearInterval(alive);
  }
}

/** Options of a FakeApp. */
export interface FakeAppOptions {
  /** The runtime's time limit for top-level await and hot handlers (ms); small, so a test that hits it is fast. */
  timeoutMs?: number;
}

/** A set of modules, their loader, and the runtime that updates them. */
export class FakeApp {
  readonly runtime: HotRuntime;
  /** What module bodies passed to `trace`, in order. */
  readonly trace: unknown[] = [];
  /** The runtime's log lines, `level: message`. */
  readonly logs: string[] = [];
  /** The URLs the runtime asked to import, in order. */
  readonly imported: string[] = [];
  readonly #files: Map<string, FakeModule>;
  /** The files as each update read them (0: as the app started), by version. */
  readonly #snapshots = new Map<number, Map<string, FakeModule>>();
  readonly #records = new Map<string, ModuleRecord>();

  constructor(files: Record<string, FakeModule>, options: FakeAppOptions = {}) {
    this.#files = new Map(Object.entries(files));
    this.#snapshots.set(0, new Map(this.#files));
    this.runtime = new HotRuntime({
      importModule: (url) => {
        this.imported.push(url);
        return this.#import(url);
      },
      log: (level, message) => this.logs.push(`${level}: ${message}`),
      locateSyntaxError: (urls) => this.#locate(urls),
      preview: (url, version) => this.#preview(url, version),
      timeoutMs: options.timeoutMs,
    });
  }

  /** A first-time import from plain code (the test), as `import()` of the module would be. */
  load(name: string): Promise<Namespace> {
    const url = urlOf(name);
    return this.#import(this.runtime.redirect(url) ?? url);
  }

  /**
   * Changes the files (undefined removes one) and applies what changed as one update, as the archive watcher
   * would report it: changed and removed modules, and added ones.
   */
  change(files: Record<string, FakeModule | undefined>): Promise<UpdateReport> {
    const changes: Required<Omit<ChangeSet, 'label' | 'quiet' | 'cold'>> = { updated: [], added: [], removed: [] };
    for (const [name, source] of Object.entries(files)) {
      const existed = this.#files.has(name);
      if (source === undefined) {
        this.#files.delete(name);
        if (existed) changes.removed.push(urlOf(name));
      } else {
        this.#files.set(name, source);
        // An entry that comes back while its module is still loaded is a change of that module.
        const loaded = this.runtime.moduleUrls.includes(urlOf(name));
        (existed || loaded ? changes.updated : changes.added).push(urlOf(name));
      }
    }
    return keptAlive(this.runtime.apply(changes));
  }

  /** The report of the next update that changes something (one the runtime starts itself, e.g. on invalidate). */
  nextUpdate(): Promise<UpdateReport> {
    return keptAlive(
      new Promise((resolve) => {
        const listener = (report: unknown): void => {
          this.runtime.off('update', listener);
          resolve(report as UpdateReport);
        };
        this.runtime.on('update', listener);
      }),
    );
  }

  /** The files as update `version` reads them: pinned when it first asks. */
  #snapshot(version: number | undefined): Map<string, FakeModule> {
    if (version === undefined) return this.#files;
    let snapshot = this.#snapshots.get(version);
    if (snapshot === undefined) {
      snapshot = new Map(this.#files);
      this.#snapshots.set(version, snapshot);
    }
    return snapshot;
  }

  #preview(url: string, version: number): ModulePreview | undefined {
    const source = this.#snapshot(version).get(nameOf(url));
    if (source === undefined) return undefined;
    return {
      hot: true,
      exports: source.exports ?? [],
      reexports: source.reexports ?? '',
      imports: () => Object.entries(source.imports ?? {}).map(([name, names]) => [urlOf(name), names]),
    };
  }

  #locate(urls: string[]): SyntaxLocation | undefined {
    for (const url of urls) {
      const where = this.#files.get(nameOf(url))?.syntaxError;
      if (where !== undefined) return { url, ...where, frame: `> ${where.line} | …` };
    }
    return undefined;
  }

  /** Loads and links `url`'s graph, then evaluates it: Node's `import()`. */
  async #import(url: string): Promise<Namespace> {
    const created: ModuleRecord[] = [];
    let record: ModuleRecord;
    try {
      record = this.#instantiate(url, created);
    } catch (error) {
      // Nothing of a graph that failed to load is kept: a later import loads it again.
      for (const each of created) this.#records.delete(each.url);
      throw error;
    }
    // Linked: every new version's gate module runs now, before any body, and says so to the runtime.
    for (const each of created) {
      if (stripVersion(splitSuffix(each.url).search).version !== undefined) {
        each.inlineGate = this.runtime.versionHints(each.url)?.inlineGate === true;
        if (each.inlineGate) continue;
        each.gate = this.runtime.linked(each.url);
        each.gate?.catch(() => undefined);
      }
    }
    return this.#evaluate(record);
  }

  #instantiate(url: string, created: ModuleRecord[]): ModuleRecord {
    const existing = this.#records.get(url);
    if (existing !== undefined) return existing;
    const { version, restores } = stripVersion(splitSuffix(url).search);
    const name = nameOf(url);
    const source = this.#snapshot(restores ?? version).get(name);
    if (source === undefined) {
      throw Object.assign(new Error(`Cannot find module '${url}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    }
    if (source.syntaxError !== undefined) throw new SyntaxError(`Unexpected token in ${url}`);
    const namespace: Record<string, unknown> = Object.create(null);
    const record: ModuleRecord = {
      url,
      name,
      source,
      deps: new Map(),
      scope: undefined,
      namespace,
      gate: undefined,
      inlineGate: false,
      evaluation: undefined,
    };
    for (const exported of [...(source.exports ?? [])].sort()) {
      Object.defineProperty(namespace, exported, {
        enumerable: true,
        get: () => {
          if (record.scope === undefined) throw new ReferenceError(`${exported} is not initialized`);
          return record.scope(exported);
        },
      });
    }
    Object.defineProperty(namespace, Symbol.toStringTag, { value: 'Module' });
    Object.preventExtensions(namespace);
    this.#records.set(url, record);
    created.push(record);
    for (const dep of Object.keys(source.imports ?? {})) {
      const target = urlOf(dep);
      record.deps.set(dep, this.#instantiate(this.runtime.redirect(target, url) ?? target, created));
    }
    return record;
  }

  #evaluate(record: ModuleRecord): Promise<Namespace> {
    record.evaluation ??= (async () => {
      for (const dep of record.deps.values()) await this.#evaluate(dep);
      if (record.inlineGate) record.gate = this.runtime.linked(record.url);
      await record.gate;
      const meta: { url: string; resolve(specifier: string): string; hot?: unknown } = {
        url: record.url,
        resolve: (specifier: string) => {
          const dep = record.deps.get(specifier);
          if (dep === undefined) throw new Error(`${specifier} does not resolve from ${record.url}`);
          return dep.url;
        },
      };
      const hz = {
        register: (raw: RawDescription) => {
          record.scope = (code) => raw.e(code);
          // A transformed module's `e` answers '' with its import.meta; this scope has none, so the fake's does.
          const e = raw.e;
          return this.runtime.register(record.url, { ...raw, e: (code) => (code ? e(code) : meta) });
        },
      };
      await compile(record.source, record.url)(
        hz,
        () => meta.hot,
        (name) => {
          const dep = record.deps.get(name);
          if (dep === undefined) throw new Error(`${record.name} does not import ${name}`);
          return dep.namespace;
        },
        (value) => this.trace.push(value),
      );
      if (stripVersion(splitSuffix(record.url).search).version === undefined) this.runtime.evaluated(record.url);
      return record.namespace;
    })();
    return record.evaluation;
  }
}
