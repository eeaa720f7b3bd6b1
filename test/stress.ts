/**
 * `npm run stress`: the long soak (200 replacements, one in four broken, under continuous load) and the long race
 * run (1,000 rounds) and the long fuzz (10,000 mutated archives), with their figures. Arguments: replacements,
 * rounds, fuzz cases.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { race } from './races.js';
import { soak } from './soak.js';

const replacements = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 1000);
const fuzzCases = Number(process.argv[4] ?? 10000);
const report = await soak({ replacements });
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
console.log(
  `soak: ${report.replacements} replacements (${report.broken} broken) in ${(report.ms / 1000).toFixed(1)} s`,
);
console.log(
  `  requests ${report.requests}, failed ${report.failed}, broken versions served ${report.brokenServed.length}, broken archives refused ${report.refused}`,
);
console.log(
  `  good versions observed in order: ${report.observed.length} (${report.observed.every((v, i) => v === i + 1) ? 'in order' : 'OUT OF ORDER'})`,
);
console.log(
  `  server heap ${mb(report.heapStartBytes)} MB → ${mb(report.heapEndBytes)} MB (${((report.heapEndBytes - report.heapStartBytes) / 1024 / (report.replacements - report.broken)).toFixed(0)} KB per applied update)`,
);
if (report.failed > 0 || report.brokenServed.length > 0) process.exitCode = 1;

const races = await race(rounds);
console.log(
  `races: ${races.rounds} rounds (torn in-place writes, renames, delete and recreate) in ${(races.ms / 1000).toFixed(1)} s`,
);
console.log(
  `  partial updates seen ${races.partial}, crashed ${races.crashed}, final version ${races.final} (expected ${races.rounds})`,
);
if (races.partial > 0 || races.crashed || races.final !== races.rounds) process.exitCode = 1;

const fuzzStarted = performance.now();
const fuzz = spawnSync(
  process.execPath,
  ['--test', path.join(path.dirname(fileURLToPath(import.meta.url)), 'fuzz.test.js')],
  {
    env: { ...process.env, HOTZIP_FUZZ_CASES: String(fuzzCases) },
    encoding: 'utf8',
  },
);
const outcomes = /# (\{.*\})/.exec(fuzz.stdout)?.[1] ?? '(no outcome line)';
console.log(
  `fuzz: ${fuzzCases} mutated archives in ${((performance.now() - fuzzStarted) / 1000).toFixed(1)} s: ${fuzz.status === 0 ? 'all loaded correctly or failed with a code' : 'FAILED'}`,
);
console.log(`  outcomes ${outcomes}`);
if (fuzz.status !== 0) process.exitCode = 1;
