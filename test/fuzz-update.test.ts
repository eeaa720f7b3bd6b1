/**
 * Short differential update fuzz (issue 13): the seeds kept in test/fuzz-update-regressions/, then a few random
 * graphs of 10–14 modules with a handful of random edits each, in a live process checked against fresh processes
 * (see ./update-fuzz.ts). Every divergence must belong to a known finding (`knownDivergences`, which is emptied as
 * the fixes land); an unexplained one fails the run and its seed is kept as a regression. `npm run stress` runs the
 * long version.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './fixtures.js';
import { type Divergence, findingOf, fuzzSeed, type Regression, type SeedReport } from './update-fuzz.js';

const SEEDS = Number(process.env.HOTZIP_UPDATE_FUZZ_SEEDS ?? 2);
const STEPS = Number(process.env.HOTZIP_UPDATE_FUZZ_STEPS ?? 6);
const regressions = path.join(repoRoot, 'test', 'fuzz-update-regressions');

/** Keeps the seed of an unexplained divergence, so that every later run replays it. */
function keep(divergence: Divergence, minModules: number, maxModules: number): void {
  fs.mkdirSync(regressions, { recursive: true });
  const regression: Regression = {
    kind: divergence.kind,
    finding: 'unexplained',
    seed: divergence.seed,
    steps: divergence.step,
    minModules,
    maxModules,
  };
  const name = `${divergence.kind.replace(/[^\w-]+/g, '_')}-${divergence.seed}.json`;
  fs.writeFileSync(path.join(regressions, name), `${JSON.stringify(regression, null, 2)}\n`);
}

function check(t: { diagnostic(message: string): void }, report: SeedReport, min: number, max: number): string[] {
  const unexplained: string[] = [];
  const kinds = new Map<string, Divergence>();
  for (const divergence of report.divergences) if (!kinds.has(divergence.kind)) kinds.set(divergence.kind, divergence);
  for (const [kind, divergence] of kinds) {
    const finding = findingOf(kind);
    t.diagnostic(
      `seed ${report.seed} step ${divergence.step}: ${kind} (${finding === undefined ? 'UNEXPLAINED' : `issue 13 finding ${finding}`})`,
    );
    if (finding === undefined) {
      unexplained.push(`${kind} (seed ${divergence.seed}, ${divergence.step} steps)\n${divergence.detail}`);
      keep(divergence, min, max);
    }
  }
  return unexplained;
}

test('kept update-fuzz regressions replay with no unexplained divergence', { timeout: 120_000 }, async (t) => {
  const files = fs.existsSync(regressions) ? fs.readdirSync(regressions).filter((name) => name.endsWith('.json')) : [];
  const unexplained: string[] = [];
  for (const file of files) {
    const regression = JSON.parse(fs.readFileSync(path.join(regressions, file), 'utf8')) as Regression;
    const report = await fuzzSeed({
      seed: regression.seed,
      steps: regression.steps,
      minModules: regression.minModules,
      maxModules: regression.maxModules,
    });
    if (!report.divergences.some((d) => d.kind === regression.kind)) {
      t.diagnostic(`${file}: ${regression.kind} no longer diverges (finding ${regression.finding} fixed?)`);
    }
    unexplained.push(...check(t, report, regression.minModules, regression.maxModules));
  }
  assert.deepEqual(unexplained, [], 'unexplained divergences (their seeds were kept in test/fuzz-update-regressions/)');
});

test(`${SEEDS} random graphs take ${STEPS} random edits each with no unexplained divergence`, {
  timeout: 120_000,
}, async (t) => {
  const unexplained: string[] = [];
  let steps = 0;
  let compared = 0;
  let checked = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const report = await fuzzSeed({ seed, steps: STEPS, minModules: 10, maxModules: 14 });
    steps += report.steps;
    compared += report.compared;
    checked += report.checked;
    t.diagnostic(`seed ${seed}: ${report.size} modules, edits ${JSON.stringify(report.edits)} in ${report.ms} ms`);
    unexplained.push(...check(t, report, 10, 14));
  }
  assert.equal(steps, SEEDS * STEPS);
  // Most steps must have been checked against a fresh process, and some found equal, or the fuzzer checks nothing.
  assert.ok(compared >= steps / 2, `only ${compared} of ${steps} steps were compared with a fresh process`);
  assert.ok(checked > 0, 'no step matched a fresh process');
  assert.deepEqual(unexplained, [], 'unexplained divergences (their seeds were kept in test/fuzz-update-regressions/)');
});
