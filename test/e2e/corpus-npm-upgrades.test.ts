/**
 * Real upgrades, the `npm test` subset (`npm run corpus:upgrades` runs every pair): a package of
 * test/corpus-npm-upgrades, imported by name from an archive at one published release, is upgraded in place to the
 * next release (the archive replaced by one holding it at the same paths) and must then answer as a fresh native
 * process on that release does, or be refused with a clear error while the older release keeps working. When the
 * pinned releases cannot be installed (no registry and no npm cache), this fails with that reason.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { ensureInstalled } from '../corpus-npm/install.js';
import {
  acceptedBack,
  acceptedVerdicts,
  aliasOf,
  runPair,
  type UpgradeOutcome,
  upgradesDir,
} from '../corpus-npm-upgrades/harness.js';
import { upgradePairs } from '../corpus-npm-upgrades/pairs.js';

const subset = upgradePairs.filter((pair) => pair.subset === true);

/** `a` < `b` as release numbers (x.y.z). */
function older(a: string, b: string): boolean {
  const [x, y] = [a, b].map((version) => version.split('.').map(Number));
  for (let i = 0; i < 3; i++) {
    const d = (x?.[i] ?? 0) - (y?.[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return false;
}

test('the pairs table lists exactly the pinned aliases, each pair two releases in order', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(upgradesDir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const expected: Record<string, string> = {};
  for (const pair of upgradePairs) {
    assert.ok(older(pair.from, pair.to), `${pair.name}: ${pair.from} is not before ${pair.to}`);
    for (const version of [pair.from, pair.to]) expected[aliasOf(pair.name, version)] = `npm:${pair.name}@${version}`;
  }
  assert.deepEqual(manifest.dependencies, expected);
  assert.ok(upgradePairs.length >= 20, `only ${upgradePairs.length} pairs`);
  assert.ok(subset.length >= 8 && subset.length <= 12, `subset of ${subset.length}`);
});

describe('upgrade corpus subset: real releases upgraded in place, against native processes on each', () => {
  const outcomes = new Map<string, UpgradeOutcome>();
  let installError: Error | undefined;

  before(async () => {
    try {
      ensureInstalled(upgradesDir);
    } catch (error) {
      installError = error as Error;
      return;
    }
    for (const pair of subset) outcomes.set(pair.name, await runPair(pair));
  });

  test('the pinned releases are installed from their lockfile', () => {
    assert.equal(installError, undefined, installError?.message);
  });

  for (const pair of subset) {
    test(`${pair.name} ${pair.from} → ${pair.to}`, () => {
      assert.equal(installError, undefined, installError?.message);
      const outcome = outcomes.get(pair.name);
      assert.ok(outcome !== undefined, `no outcome for ${pair.name}`);
      assert.ok(outcome.changed.length > 0, 'the two releases are the same bytes');
      assert.ok(acceptedVerdicts.includes(outcome.verdict), `${outcome.verdict}: ${outcome.detail}`);
      // Back to the starting release in the same process: a second update over what the first one left.
      assert.ok(acceptedBack.includes(outcome.back), `back: ${outcome.back}: ${outcome.backDetail}`);
    });
  }

  test('the subset reloads real modules and tells the releases apart', () => {
    assert.equal(installError, undefined, installError?.message);
    const all = [...outcomes.values()];
    // A run where nothing was evaluated again, or where no smoke call answers differently on the two releases,
    // would prove nothing about upgrades.
    assert.ok(all.filter((o) => o.updated > 0).length >= 6, 'too few upgrades evaluated modules again');
    assert.ok(all.filter((o) => o.reimported === 'to').length >= 4, 'too few upgrades tell the releases apart');
    assert.ok(
      all.some((o) => o.verdict === 'applied+export-list'),
      'no pair adds or removes an export (p-limit adds one, std-env removes one)',
    );
  });
});
