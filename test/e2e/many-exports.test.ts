/**
 * Installing a new version's exports costs a bounded amount of work per export, whatever their number. V8 resolves
 * each name that an eval (or a lazily compiled function) reads from a module's bindings by a linear search of them,
 * so code built per update through the module's eval costs the square of the number of exports: these tests count
 * evals, generated code and namespace reads instead of timing anything.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { manyExportsModule } from '../../bench/hot.js';
import { addsNames, describeModule, type RawDescription, UNINITIALIZED } from '../../lib/hot/description.js';
import {
  INLINE_ACCESSORS_FROM,
  READER_ARGUMENTS_BELOW,
  RUNTIME_SYMBOL,
  transformModule,
  VERSION_ACCESSORS_FROM,
  VERSION_READER_FROM,
} from '../../lib/transform/transform.js';
import { repoRoot, runNode } from '../helpers/fixtures.js';

type Namespace = Record<string, unknown>;

/** Each raw registration the modules evaluated here handed the runtime, by URL. */
const registered = new Map<string, RawDescription>();
const runtimeKey = Symbol.for(RUNTIME_SYMBOL);
let loaded = 0;

/**
 * Transforms `source` as a new version of an update (`versioned`) or as a first instance, and evaluates it as a real
 * ES module; returns its registration and namespace.
 */
async function load(
  source: string,
  versioned = true,
): Promise<{ raw: RawDescription; namespace: Namespace; code: string }> {
  const url = `zip:///srv/many.zip!/m${++loaded}.js`;
  const { code } = transformModule(source, { url, versioned });
  const global = globalThis as unknown as Record<symbol, unknown>;
  const saved = global[runtimeKey];
  global[runtimeKey] = {
    register: (at: string, raw: RawDescription) => {
      registered.set(at, raw);
      // A current instance's handle: its functions run their own bodies (no mode global is defined here).
      return { s: () => false, t: () => undefined };
    },
  };
  try {
    const namespace = (await import(`data:text/javascript,${encodeURIComponent(code)}`)) as Namespace;
    const raw = registered.get(url);
    assert.ok(raw, 'the module registered');
    return { raw, namespace, code };
  } finally {
    global[runtimeKey] = saved;
  }
}

/** The registration with its eval counted: how many times, and how much code it compiled. */
function counted(raw: RawDescription): { raw: RawDescription; evals: number; chars: number } {
  const stats = { raw, evals: 0, chars: 0 };
  stats.raw = {
    ...raw,
    e: (code) => {
      stats.evals++;
      stats.chars += code.length;
      return raw.e(code);
    },
  };
  return stats;
}

/** A namespace-like object that counts how often it is tested (`in`) and read. */
function countingValues(values: Namespace): { proxy: Namespace; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(values, {
    has: (target, key) => {
      reads++;
      return key in target;
    },
    get: (target, key) => {
      reads++;
      return Reflect.get(target, key);
    },
  });
  return { proxy, reads: () => reads };
}

describe('updates of modules with many exports', () => {
  for (const count of [INLINE_ACCESSORS_FROM * 2, INLINE_ACCESSORS_FROM * 8]) {
    test(`${count} exports: installing them never goes through the module's eval`, async () => {
      // The live instance is a first instance (it carries its accessor), the next one a version: it carries a reader,
      // or (fewer exports) is read through its namespace once it has evaluated, as the runtime tells it.
      const live = await load(manyExportsModule(count, 0), false);
      const next = await load(manyExportsModule(count, 1));
      assert.equal(typeof next.raw.v === 'function', count >= VERSION_READER_FROM);
      const target = counted(live.raw);
      const source = counted(next.raw);
      const liveDescription = describeModule(target.raw);
      const nextDescription = describeModule(source.raw);
      nextDescription.readThrough(next.namespace);
      assert.equal(liveDescription.exports.length, count);
      const values = countingValues(next.namespace);
      liveDescription.set(values.proxy, nextDescription);
      // Every binding now holds the new version's value, read from its bindings, not from its namespace.
      assert.equal(live.namespace.a0, 1);
      assert.equal(live.namespace[`a${(count >> 1) - 1}`], count >> 1);
      assert.equal((live.namespace[`f${count - (count >> 1) - 1}`] as () => number)(), count - (count >> 1));
      assert.equal(values.reads(), 0);
      for (const name of liveDescription.exports) liveDescription.get(name);
      assert.equal(liveDescription.get('f0'), next.namespace.f0);
      assert.equal(target.evals + source.evals, 0, 'no eval per update, per export or per read');
    });
  }

  test('the accessors a module carries grow linearly with its exports', async () => {
    const small = (await load(manyExportsModule(INLINE_ACCESSORS_FROM, 0), false)).code;
    const large = (await load(manyExportsModule(INLINE_ACCESSORS_FROM * 16, 0), false)).code;
    const sourceGrowth =
      manyExportsModule(INLINE_ACCESSORS_FROM * 16, 0).length / manyExportsModule(INLINE_ACCESSORS_FROM, 0).length;
    // Longer names and indexes make the growth a little more than 16×; a quadratic part would make it 256×.
    assert.ok(large.length / small.length < sourceGrowth * 1.5, `${large.length} vs ${small.length}`);
  });

  test('a version nothing links to carries no accessor, one importers may link to does', () => {
    const source = manyExportsModule(VERSION_ACCESSORS_FROM, 1);
    const url = 'zip:///srv/many.zip!/m.js?hz=2';
    const linked = transformModule(source, { url, versioned: true }).code;
    const unlinked = transformModule(source, { url: `${url}u`, versioned: true, unlinked: true }).code;
    assert.match(linked, /,a:\(function\(/);
    assert.doesNotMatch(unlinked, /,a:\(function\(/);
    // Both still carry the one-call reader an update reads every version by.
    assert.match(unlinked, /,v:\(function\(/);
    assert.ok(unlinked.length < linked.length * 0.8, `${unlinked.length} vs ${linked.length}`);
  });

  test('the transform of one statement exporting many names grows linearly with their number', async () => {
    // CPU time, the least of five runs after one unmeasured run of each size (so that neither is measured cold), in a
    // child process with V8's helper threads off: on a loaded machine its garbage collector's threads spun, and
    // counted as CPU time they pushed the ratio past the bound. The sizes are 32 times apart: the transform now costs
    // 90 to 220 times more at the larger size (larger strings and collections), where a quadratic step costs 32 times
    // more an export, about 1,000 times more in all. The bound is in between: 16 times more an export. How the update
    // of many exports scales is the benchmark's `--exports` rows.
    const script = [
      `import { transformModule } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist/lib/transform/transform.js')).href)};`,
      `import { manyExportsModule } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist/bench/hot.js')).href)};`,
      'const cost = (count) => {',
      '  let least = Infinity;',
      '  for (let run = 0; run < 5; run++) {',
      '    const source = manyExportsModule(count, run);',
      '    const before = process.cpuUsage();',
      '    transformModule(source, { url: `zip:///srv/many.zip!/t${count}.js?hz=${run}`, versioned: true });',
      '    const used = process.cpuUsage(before);',
      '    least = Math.min(least, used.user + used.system);',
      '  }',
      '  return least;',
      '};',
      'cost(2_000); cost(64_000);',
      'console.log(JSON.stringify([cost(2_000), cost(64_000)]));',
    ].join('\n');
    const result = await runNode(['--single-threaded', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      native: true,
    });
    assert.equal(result.code, 0, result.stderr);
    const [small, large] = JSON.parse(result.stdout) as [number, number];
    assert.ok(large / small < 32 * 16, `${large} µs for 64,000 exports, ${small} µs for 2,000`);
  });

  test('a small module compiles each accessor once through its eval, whatever it is asked', async () => {
    const source = [
      'export let count = 0;',
      'export function bump() { count++; }',
      'const hidden = 1; export { hidden as shown };',
      'export default class {}',
    ].join('\n');
    const live = await load(source);
    const next = await load(source.replace('count = 0', 'count = 5'));
    const target = counted(live.raw);
    const description = describeModule(target.raw);
    for (let i = 0; i < 50; i++) {
      description.set(next.namespace);
      description.set(next.namespace, describeModule(next.raw));
      for (const name of description.exports) description.get(name);
      description.mutableValues();
    }
    assert.equal(live.namespace.count, 5);
    assert.equal(live.namespace.shown, 1);
    assert.equal(live.namespace.default, next.namespace.default);
    // One accessor and one list of mutable values: never one per call or per export.
    assert.ok(target.evals <= 2, `${target.evals} evals`);
    assert.ok(target.chars < 40 * (live.raw.l.length + 20), `${target.chars} characters of eval code`);
  });

  test('a binding that cannot be assigned does not stop the others', async () => {
    const many = Array.from({ length: INLINE_ACCESSORS_FROM }, (_, i) => `export let v${i} = ${i};`).join('\n');
    const live = await load(`${many}\nexport { sep } from 'node:path';\n`);
    const description = describeModule(live.raw);
    const values: Namespace = { v0: 'a', v1: 'b' };
    Object.defineProperty(values, 'v2', {
      enumerable: true,
      get() {
        throw new ReferenceError('uninitialized');
      },
    });
    values.v3 = 'd';
    description.set(values);
    assert.deepEqual([live.namespace.v0, live.namespace.v1, live.namespace.v2, live.namespace.v3], ['a', 'b', 2, 'd']);
    assert.equal(live.namespace.v4, 4, 'a name missing from the values keeps its binding');
    assert.ok(description.exports.includes('sep'));
  });

  test('accessors and readers bind no name the module binds, however many of their short names it spells', async () => {
    // Every short parameter name spelled, and the long ones bound: a parameter would stand for the module's binding.
    const names = "export const __hz$k = 'k', __hz$x = 'x', __hz$f = 'f', \u00b5 = 'mu';\n// ß ø æ ñ ý ü ç\n";
    const owns = { __hz$k: 'k', __hz$x: 'x', __hz$f: 'f', µ: 'mu' };
    const read = (description: ReturnType<typeof describeModule>) =>
      Object.fromEntries(Object.keys(owns).map((name) => [name, description.get(name)]));
    // Through the module's eval (few exports), and written into its source (many).
    const small = await load(names, false);
    assert.deepEqual(read(describeModule(small.raw)), owns);
    const large = await load(`${names}${manyExportsModule(INLINE_ACCESSORS_FROM, 1)}`, false);
    assert.match(large.code, /,a:\(function\(__hz\$k_,__hz\$x_,__hz\$w\)/);
    assert.deepEqual(read(describeModule(large.raw)), owns);
    // A version's reader, which hands its values to a function it is given.
    const version = await load(`${names}${manyExportsModule(VERSION_READER_FROM, 1)}`);
    const values = describeModule(version.raw).values();
    assert.deepEqual(values.slice(0, 4), Object.values(owns));
  });

  test('an unchanged list of exports is recognized without building a set', () => {
    assert.equal(addsNames(['a', 'b'], ['a', 'b']), false);
    assert.equal(addsNames(['a', 'b'], ['b']), false);
    assert.equal(addsNames(['a', 'b'], ['b', 'c']), true);
    assert.equal(addsNames([], ['x']), true);
  });
});

describe('reading a version in one call', () => {
  test('a binding still in its temporal dead zone reads as uninitialized, and the others still read', async () => {
    // Enough exports for the version to carry a reader.
    const padding = Array.from({ length: VERSION_READER_FROM }, (_, i) => `export const p${i} = 0;`).join('\n');
    const source = `export const early = 1;\nexport function f() { return late; }\nexport let late = 2;\n${padding}\n`;
    const next = await load(source);
    assert.equal(typeof next.raw.v, 'function', 'a new version carries its reader');
    // The same registration before its body ran: `late` is not initialized yet (read one by one through the
    // accessor its eval makes, as for a version nothing links to, which carries none).
    const { a: _accessor, ...unlinked } = next.raw;
    const raw: RawDescription = {
      ...unlinked,
      v: () => {
        throw new ReferenceError('late is not initialized');
      },
      e: (code: string) => {
        if (code.startsWith('(function')) {
          return (index: number) => {
            if (index === 2) throw new ReferenceError('late is not initialized');
            return [1, next.namespace.f][index];
          };
        }
        return next.raw.e(code);
      },
    };
    const values = describeModule(raw).values();
    assert.equal(values[0], 1);
    assert.equal(values[1], next.namespace.f);
    assert.equal(values[2], UNINITIALIZED);
    assert.deepEqual(describeModule(next.raw).values().slice(0, 3), [1, next.namespace.f, 2]);
  });

  test('a smaller version carries no reader: it is read through its namespace, a binding in its dead zone too', async () => {
    const source =
      'export const early = 1;\nexport function f() { return late; }\nexport let late = 2;\nexport { f as g };\n';
    const next = await load(source);
    assert.equal(next.raw.v, undefined);
    const counting = counted(next.raw);
    const description = describeModule(counting.raw);
    description.readThrough(next.namespace);
    assert.deepEqual(description.values(), [1, next.namespace.f, 2, next.namespace.f]);
    // Before its body ran, `late` reads as uninitialized through the namespace as through a reader.
    const early: Namespace = { early: 1, f: next.namespace.f, g: next.namespace.f };
    Object.defineProperty(early, 'late', {
      get() {
        throw new ReferenceError('late is not initialized');
      },
    });
    const before = describeModule(next.raw);
    before.readThrough(early);
    assert.deepEqual(before.values(), [1, next.namespace.f, UNINITIALIZED, next.namespace.f]);
    assert.equal(counting.evals, 0, 'no eval');
  });

  for (const count of [READER_ARGUMENTS_BELOW - 2, READER_ARGUMENTS_BELOW]) {
    test(`${count} exports: the reader returns every binding in order, as arguments or as an array literal`, async () => {
      const next = await load(manyExportsModule(count, 3));
      const literal = /,v:\(function\(\)\{return\[/.test(next.code);
      assert.equal(literal, count >= READER_ARGUMENTS_BELOW);
      const values = describeModule(next.raw).values();
      assert.equal(values.length, count);
      assert.equal(values[0], 3);
      assert.equal((values[count - 1] as () => number)(), count - (count >> 1) - 1 + 3);
    });
  }
});
