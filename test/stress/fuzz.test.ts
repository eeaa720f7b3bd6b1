/**
 * End-to-end fuzz: mutated copies of a valid archive (truncations, byte flips, field edits in the end
 * record, central directory, local headers and ZIP64 records) imported by a real process. Every case must either
 * load with exactly the original content or fail with a hotzip/Node error code, each within a time bound; nothing
 * may hang or crash the process. Cases that ever failed are kept in test/stress/fuzz-regressions/ and replayed first.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { makeApp, repoRoot, runNode, writeTree } from '../helpers/fixtures.js';
import { prng } from '../helpers/prng.js';
import { buildZip } from '../helpers/zip-builder.js';

const CASES = Number(process.env.HOTZIP_FUZZ_CASES ?? 300);
const regressions = path.join(repoRoot, 'test', 'stress', 'fuzz-regressions');
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const files = {
  'package.json': '{ "type": "module" }',
  'a.mjs': "import { b } from './b.mjs';\nexport const value = 'a:' + b;\n",
  'b.mjs': "export const b = 'b'.repeat(40);\n",
};

function baseArchives(): Uint8Array[] {
  const entries = Object.entries(files).map(([name, data]) => ({ name, data }));
  const plain = buildZip(entries);
  const stored = buildZip(entries.map((entry) => ({ ...entry, compression: 'store' as const })));
  const zip64 = buildZip(
    entries.map((entry) => ({ ...entry, zip64: true })),
    { zip64: 'values' },
  );
  return [plain, stored, zip64];
}

function mutate(bytes: Uint8Array, random: () => number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const pick = (limit: number): number => Math.floor(random() * limit);
  const kind = pick(5);
  if (kind === 0) return out.subarray(0, pick(out.length));
  // Field edits aim at the structures: the last 120 bytes hold the end records, the first 100 a local header.
  const region = kind === 1 ? [out.length - 120, out.length] : kind === 2 ? [0, 100] : [0, out.length];
  const flips = 1 + pick(4);
  for (let i = 0; i < flips; i++) {
    const at = Math.max(0, (region[0] ?? 0) + pick((region[1] ?? 0) - Math.max(0, region[0] ?? 0)));
    out[at] = kind === 3 ? 0xff : pick(256);
  }
  return out;
}

test(`${CASES} mutated archives load correctly or fail with an error code, none hangs`, {
  timeout: 180_000,
}, async (t) => {
  const dir = makeApp('hotzip-fuzz-');
  dirs.push(dir);
  const random = prng(0x5eed);
  const bases = baseArchives();
  const names: string[] = [];
  const kept = fs.existsSync(regressions) ? fs.readdirSync(regressions).filter((name) => name.endsWith('.zip')) : [];
  for (const name of kept) {
    fs.copyFileSync(path.join(regressions, name), path.join(dir, name));
    names.push(name);
  }
  bases.forEach((bytes, index) => {
    fs.writeFileSync(path.join(dir, `base-${index}.zip`), bytes);
    names.push(`base-${index}.zip`);
  });
  for (let i = 0; i < CASES; i++) {
    const name = `case-${i}.zip`;
    fs.writeFileSync(path.join(dir, name), mutate(bases[i % bases.length] ?? new Uint8Array(), random));
    names.push(name);
  }
  writeTree(dir, {
    'main.mjs': [
      `const names = ${JSON.stringify(names)};`,
      "const expected = 'a:' + 'b'.repeat(40);",
      'for (const name of names) {',
      "  let timer; const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })), 5000); });",
      '  try {',
      "    const ns = await Promise.race([import('zip:./' + name + '!/a.mjs'), timeout]);",
      "    console.log(name, ns.value === expected ? 'OK' : 'WRONG-CONTENT ' + JSON.stringify(ns.value));",
      '  } catch (e) {',
      "    console.log(name, typeof e?.code === 'string' ? e.code : 'UNCODED ' + (e?.name ?? typeof e) + ': ' + e?.message);",
      '  } finally { clearTimeout(timer); }',
      '}',
      "console.log('done');",
    ].join('\n'),
  });
  const result = await runNode(['main.mjs'], { cwd: dir, timeoutMs: 170_000, env: { HOTZIP_HOT: '0' } });
  const lines = result.stdout.trim().split('\n');
  const allowed = /^(OK|ERR_HOTZIP_BAD_ARCHIVE|ERR_HOTZIP_LIMIT|ERR_MODULE_NOT_FOUND)$/;
  const failures = lines.filter((line) => line !== 'done' && !allowed.test(line.slice(line.indexOf(' ') + 1)));
  const outcomes = new Map<string, number>();
  for (const line of lines) {
    const outcome = line.slice(line.indexOf(' ') + 1);
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  t.diagnostic(JSON.stringify(Object.fromEntries(outcomes)));
  for (const line of failures) {
    const name = line.slice(0, line.indexOf(' '));
    if (name.startsWith('case-')) {
      fs.mkdirSync(regressions, { recursive: true });
      fs.copyFileSync(path.join(dir, name), path.join(regressions, `fuzz-${Date.now()}-${name}`));
    }
  }
  assert.equal(result.code, 0, `the process crashed: ${result.stderr}`);
  assert.equal(lines.at(-1), 'done');
  assert.equal(lines.length, names.length + 1);
  assert.deepEqual(failures, [], 'failing cases were kept in test/stress/fuzz-regressions/');
  // The unmutated archives (deflated, stored, ZIP64) must load, or the mutations prove nothing.
  assert.deepEqual(
    lines.filter((line) => line.startsWith('base-')),
    ['base-0.zip OK', 'base-1.zip OK', 'base-2.zip OK'],
  );
});
