/**
 * `npm run stress`: the long soak (200 replacements, one in four broken, under continuous load) and the long race
 * run (1,000 rounds) and the long fuzz (10,000 mutated archives), and the long differential update fuzz (200 seeds of
 * 50 edits), with their figures. Arguments: replacements, rounds, fuzz cases, update-fuzz seeds, edits per seed,
 * first seed (HOTZIP_UPDATE_FUZZ_ONLY=1 runs the update fuzz alone).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../helpers/fixtures.js';
import { race } from './races.js';
import { soak } from './soak.js';
import { byDesignReasons, findingOf, fuzzSeed, type Regression, type SeedReport, summarize } from './update-fuzz.js';

const replacements = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 1000);
const fuzzCases = Number(process.argv[4] ?? 10000);
const updateSeeds = Number(process.argv[5] ?? 200);
const updateSteps = Number(process.argv[6] ?? 50);
const firstSeed = Number(process.argv[7] ?? 1);
if (process.env.HOTZIP_UPDATE_FUZZ_ONLY !== '1') await reliability();
await updateFuzz();

async function reliability(): Promise<void> {
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
}

/** The long differential update fuzz: two seeds at a time (each a live process and its fresh oracles). */
async function updateFuzz(): Promise<void> {
  const reports: SeedReport[] = [];
  let next = firstSeed;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < firstSeed + updateSeeds) {
      const seed = next++;
      const report = await fuzzSeed({ seed, steps: updateSteps });
      reports.push(report);
      if (process.env.HOTZIP_UPDATE_FUZZ_PROGRESS === '1') {
        console.log(
          `  seed ${seed}: ${report.size} modules, ${report.steps} steps, ${report.divergences.length} divergences, ${report.ms} ms`,
        );
      }
    }
  };
  await Promise.all([worker(), worker()]);
  const summary = summarize(reports);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `update fuzz: ${summary.steps} steps over ${summary.seeds} seeds (seeds ${firstSeed}–${firstSeed + updateSeeds - 1}, 10–60 modules, two archives, host files) in ${seconds.toFixed(1)} s: ${(summary.steps / seconds).toFixed(2)} steps/s`,
  );
  console.log(`  edits ${JSON.stringify(summary.edits)}`);
  const kept = path.join(repoRoot, 'test', 'stress', 'fuzz-update-regressions');
  let unexplained = 0;
  let total = 0;
  console.log(summary.byKind.size === 0 ? '  divergences: none' : '  divergences by kind (smallest reproducing seed):');
  for (const [kind, { count, smallest }] of [...summary.byKind].sort()) {
    const finding = findingOf(kind);
    total += count;
    if (finding === undefined) unexplained += count;
    console.log(
      `    ${kind}: ${count}  [${finding === undefined ? 'UNEXPLAINED' : `finding ${finding}`}]  seed ${smallest.seed}, ${smallest.step} steps, ${smallest.size} modules`,
    );
    if (finding === undefined) {
      fs.mkdirSync(kept, { recursive: true });
      const regression: Regression = {
        kind,
        finding: finding ?? 'unexplained',
        seed: smallest.seed,
        steps: smallest.step,
        minModules: 10,
        maxModules: 60,
      };
      fs.writeFileSync(
        path.join(kept, `${kind.replace(/[^\w-]+/g, '_')}-${smallest.seed}.json`),
        `${JSON.stringify(regression, null, 2)}\n`,
      );
    }
  }
  console.log('  by-design differences:');
  for (const [reason, count] of Object.entries(summary.byDesign)) {
    console.log(`    ${reason}: ${count} (${byDesignReasons[reason] ?? 'no reason recorded'})`);
  }
  const crashes = [...summary.byKind].filter(([kind]) => kind.startsWith('crash')).reduce((n, [, v]) => n + v.count, 0);
  const hangs = [...summary.byKind].filter(([kind]) => kind.startsWith('hang')).reduce((n, [, v]) => n + v.count, 0);
  console.log(`  crashes ${crashes}, hangs ${hangs}, divergences ${total} (${unexplained} unexplained)`);
  if (total > 0) process.exitCode = 1;
}
