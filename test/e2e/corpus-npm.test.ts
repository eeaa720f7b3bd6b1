/**
 * Real-world parity, the `npm test` subset (about 25 varied packages; `npm run corpus` runs all of them): each package
 * of test/corpus-npm, installed from its lockfile, is imported natively from the extracted tree and from one archive
 * under hotzip with hot reload on; the namespaces (keys, kinds, arities, members of `default`) and a smoke call must
 * agree, before and after an update that changes every module of the archive, applied with `reload()`. Every ES
 * module of those packages must also still parse after the transform. When the corpus cannot be installed (no
 * registry and no npm cache), this fails with that reason rather than passing on nothing.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { allowedDifferences, type PackageOutcome, runCorpus } from '../corpus-npm/harness.js';
import { corpusDir, corpusModules, ensureCorpusInstalled } from '../corpus-npm/install.js';
import { corpusPackages } from '../corpus-npm/packages.js';
import { checkTransformed, esModuleFiles } from '../corpus-npm/syntax-check.js';

const subset = corpusPackages.filter((item) => item.subset === true).map((item) => item.name);

test('the corpus table lists exactly the pinned dependencies, at exact versions', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(corpusDir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  assert.deepEqual(
    corpusPackages.map((item) => item.name),
    Object.keys(manifest.dependencies).sort(),
  );
  for (const [name, version] of Object.entries(manifest.dependencies)) {
    assert.match(version, /^(\d+\.\d+\.\d+(-[\w.]+)?|file:local\/[\w-]+)$/, `${name} is not pinned: ${version}`);
  }
  assert.ok(corpusPackages.length >= 150, `only ${corpusPackages.length} packages`);
  assert.ok(subset.length >= 20 && subset.length <= 30, `subset of ${subset.length}`);
});

describe('npm corpus subset: native vs archive, before and after an update of every module', () => {
  let outcomes = new Map<string, PackageOutcome>();
  let installError: Error | undefined;

  before(async () => {
    try {
      ensureCorpusInstalled();
    } catch (error) {
      installError = error as Error;
      return;
    }
    const results = await runCorpus(subset, { batchSize: 14, timeoutMs: 15_000 });
    outcomes = new Map(results.map((outcome) => [outcome.name, outcome]));
  });

  test('the corpus is installed from its lockfile', () => {
    assert.equal(installError, undefined, installError?.message);
  });

  for (const name of subset) {
    test(name, () => {
      assert.equal(installError, undefined, installError?.message);
      const outcome = outcomes.get(name);
      assert.ok(outcome !== undefined, `no outcome for ${name}`);
      assert.ok(outcome.native.ok, `native import failed: ${outcome.native.error?.message}`);
      assert.doesNotMatch(outcome.native.smoke ?? '', /^threw /, 'the smoke call fails natively: fix the table');
      if (outcome.allowed !== undefined) {
        assert.ok(allowedDifferences.some((allowed) => allowed.reason === outcome.allowed));
        return;
      }
      assert.equal(outcome.cause, undefined, `${outcome.cause}: ${outcome.detail}`);
      assert.ok(outcome.parityBefore && outcome.updateApplied && outcome.parityAfter);
    });
  }

  test('the update reached the packages that have ES modules', () => {
    assert.equal(installError, undefined, installError?.message);
    const esm = [...outcomes.values()].filter((o) => o.zip.ok && o.updateApplied && o.updatedModules > 0);
    // A run where no package saw a module evaluated again would prove nothing about updates.
    assert.ok(esm.length >= 5, `only ${esm.length} packages had modules updated`);
  });
});

describe('npm corpus subset: the transform of every ES module parses and keeps its imports and exports', () => {
  for (const name of subset) {
    test(name, (t) => {
      ensureCorpusInstalled();
      const files = esModuleFiles(fs.realpathSync(path.join(corpusModules, name)));
      const failures: string[] = [];
      for (const file of files) {
        const url = `zip:///corpus.zip!/${path.relative(corpusModules, file)}`;
        try {
          checkTransformed(fs.readFileSync(file, 'utf8'), url);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
      t.diagnostic(`${files.length} ES modules`);
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${files.length} modules fail`);
    });
  }
});
