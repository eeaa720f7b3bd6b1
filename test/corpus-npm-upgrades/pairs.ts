/**
 * The pairs of the upgrade corpus: two consecutive published releases of a real package whose JavaScript differs
 * (test/corpus-npm-upgrades/package.json pins both as npm aliases `<name>-<version>`). An app imports the package by
 * name from an archive holding the older release; the archive is replaced by one holding the newer at the same
 * paths, and hotzip applies that real diff. The smoke calls are expressions of the namespace `m` (as in the corpus),
 * chosen to run the package's code rather than only read its shape.
 */

/** One upgrade: a package, the release it starts from and the one it moves to. */
export interface UpgradePair {
  name: string;
  from: string;
  to: string;
  /** What the app imports, when not the package's main. */
  specifier?: string;
  /** A cheap deterministic expression of the namespace `m` (may be a promise). */
  smoke: string;
  /** In the subset `npm test` runs. */
  subset?: boolean;
}

/** Every pair, by package name. */
export const upgradePairs: readonly UpgradePair[] = [
  { name: 'chalk', from: '5.3.0', to: '5.4.0', smoke: `JSON.stringify(new m.Chalk({ level: 1 }).red.bold('x'))` },
  {
    name: 'change-case',
    from: '5.4.2',
    to: '5.4.3',
    specifier: 'change-case/keys',
    smoke: `JSON.stringify(m.camelCase({ a_b: [{ c_d: 'x1' }] }, 3, { separateNumbers: true }))`,
    subset: true,
  },
  { name: 'clsx', from: '2.0.0', to: '2.1.0', smoke: `m.clsx('a', { b: true, c: false }, ['d', ['e']])` },
  {
    name: 'dayjs',
    from: '1.11.12',
    to: '1.11.13',
    specifier: 'dayjs/plugin/customParseFormat.js',
    smoke: `typeof m.default + m.default.length`,
  },
  {
    name: 'date-fns',
    from: '4.0.0',
    to: '4.1.0',
    smoke: `[m.format(new Date(Date.UTC(2020, 0, 2)), 'yyyy-MM-dd'), (() => { try { return m.constructFrom(null, 0).getTime(); } catch (error) { return error.name; } })()].join()`,
  },
  {
    name: 'defu',
    from: '6.1.3',
    to: '6.1.4',
    smoke: `JSON.stringify(m.defu({ a: [1], b: { c: 1 } }, { a: [2], b: { d: 2 } }))`,
  },
  {
    name: 'destr',
    from: '2.0.2',
    to: '2.0.3',
    smoke: `JSON.stringify([m.destr('{"a":1}'), m.destr('true'), m.destr('x')])`,
  },
  {
    name: 'es-module-lexer',
    from: '1.5.3',
    to: '1.5.4',
    smoke: `m.init.then(() => JSON.stringify(m.parse('import a from "b"; export const c = 1;').slice(0, 2).map((list) => list.map((item) => item.n))))`,
  },
  {
    name: 'es-toolkit',
    from: '1.26.0',
    to: '1.26.1',
    specifier: 'es-toolkit/compat',
    smoke: `[m.isMatch({ a: 1, b: [1, 2] }, { b: [2] }), m.isMatch({ a: { b: 1 } }, { a: null }), m.chunk([1, 2, 3], 2).length].join()`,
  },
  {
    name: 'fflate',
    from: '0.8.1',
    to: '0.8.2',
    smoke: `m.strFromU8(m.decompressSync(m.compressSync(m.strToU8('hello hello'))))`,
  },
  {
    name: 'hono',
    from: '4.6.12',
    to: '4.6.13',
    smoke: `(async () => { const app = new m.Hono(); app.get('/a/:id', (c) => c.json({ id: c.req.param('id') })); const r = await app.request('/a/7'); return r.status + ' ' + (await r.text()); })()`,
    subset: true,
  },
  {
    name: 'immer',
    from: '10.0.3',
    to: '10.1.0',
    smoke: `JSON.stringify(m.produce({ a: 1, b: [1] }, (d) => { d.a = 2; d.b.push(2); }))`,
  },
  { name: 'kleur', from: '4.1.4', to: '4.1.5', smoke: `JSON.stringify(m.default.red('x'))` },
  {
    name: 'ky',
    from: '1.7.2',
    to: '1.7.3',
    smoke: `typeof m.default.create({ prefixUrl: 'http://example.invalid' }).get`,
  },
  {
    name: 'lru-cache',
    from: '11.0.1',
    to: '11.0.2',
    smoke: `(() => { const c = new m.LRUCache({ max: 2 }); c.set('a', 1); c.set('b', 2); c.get('a'); c.set('c', 3); return [...c.keys()].join(); })()`,
  },
  {
    name: 'magic-string',
    from: '0.30.11',
    to: '0.30.12',
    smoke: `new m.default('abcdef').overwrite(0, 1, 'X').remove(2, 3).append('!').toString()`,
    subset: true,
  },
  {
    name: 'marked',
    from: '14.1.2',
    to: '14.1.3',
    smoke: `m.marked.parse('# hi\\n\\n*a [b](c(d)*e) f*')`,
    subset: true,
  },
  {
    name: 'nanoid',
    from: '5.0.8',
    to: '5.0.9',
    smoke: `[m.nanoid(7).length, m.nanoid(2.5).length, m.customAlphabet('a', 3)()].join()`,
    subset: true,
  },
  {
    name: 'p-limit',
    from: '6.1.0',
    to: '6.2.0',
    smoke: `(async () => { const limit = m.default(1); return (await Promise.all([1, 2].map((x) => limit(async () => x * 2)))).join(); })()`,
    subset: true,
  },
  {
    name: 'p-queue',
    from: '8.0.1',
    to: '8.1.0',
    smoke: `(async () => { const q = new m.default({ concurrency: 1 }); const r = await Promise.all([q.add(async () => 1), q.add(async () => 2)]); return [r.join(), q.size, typeof q.setPriority].join(); })()`,
  },
  {
    name: 'pathe',
    from: '1.1.1',
    to: '1.1.2',
    smoke: `[m.join('a', '../b', 'c'), m.normalize('a//b/'), m.extname('x.tar.gz')].join()`,
    subset: true,
  },
  { name: 'picocolors', from: '1.1.0', to: '1.1.1', smoke: `JSON.stringify(m.default.createColors(true).red('x'))` },
  { name: 'preact', from: '10.24.2', to: '10.24.3', smoke: `JSON.stringify(m.h('div', { id: 'x' }, 'y').props)` },
  {
    name: 'semver',
    from: '7.6.2',
    to: '7.6.3',
    smoke: `[m.default.satisfies('1.2.3', '^1.0.0'), m.default.inc('1.2.3', 'minor')].join()`,
  },
  { name: 'std-env', from: '3.7.0', to: '3.8.0', smoke: `JSON.stringify([typeof m.isCI, m.platform])`, subset: true },
  {
    name: 'superstruct',
    from: '2.0.1',
    to: '2.0.2',
    smoke: `(() => { const S = m.object({ a: m.number() }); return [m.is({ a: 1 }, S), m.is({ a: 'x' }, S)].join(); })()`,
    subset: true,
  },
  {
    name: 'p-timeout',
    from: '6.1.3',
    to: '6.1.4',
    smoke: `m.default(Promise.resolve(1), { milliseconds: 50, signal: new AbortController().signal })`,
  },
  {
    name: 'ufo',
    from: '1.5.3',
    to: '1.5.4',
    smoke: `[m.joinURL('http://a.com/', '/b', 'c'), m.withQuery('/x', { a: 1 }), m.parseURL('http://a.com/C:/x').pathname].join()`,
    subset: true,
  },
  { name: 'uuid', from: '11.0.2', to: '11.0.3', smoke: `[m.validate(m.v4()), m.v5('x', m.v5.DNS)].join()` },
  {
    name: 'valibot',
    from: '0.41.0',
    to: '0.42.0',
    smoke: `[m.safeParse(m.object({ a: m.number() }), { a: 1 }).success, m.safeParse(m.string(), 1).issues?.length].join()`,
  },
  {
    name: 'yocto-queue',
    from: '1.1.1',
    to: '1.2.0',
    smoke: `(() => { const q = new m.default(); q.enqueue(1); q.enqueue(2); return [q.dequeue(), q.size, [...q].join(), typeof q.drain].join(); })()`,
    subset: true,
  },
  {
    name: 'zod',
    from: '3.23.8',
    to: '3.24.0',
    smoke: `[m.z.object({ a: m.z.number() }).safeParse({ a: 'x' }).success, m.z.string().email().safeParse('a@b.co').success, typeof m.z.string()['~standard']].join()`,
  },
];
