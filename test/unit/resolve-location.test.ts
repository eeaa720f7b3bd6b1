/**
 * Resolution from an importer parsed once: `decideResolution` given the importer's location decides exactly as it
 * does given the URL, and a decision handed on to Node carries that location, from which `require()` beside the
 * archive resolves and names the importer in its errors.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { resolveBesideArchive } from '../../lib/load/require-host.js';
import { decideResolution } from '../../lib/resolve/resolve.js';
import { formatZipUrl, locate } from '../../lib/url/zip-url.js';
import { makeApp, writeTree, writeZip } from '../helpers/fixtures.js';

const REQUIRE = ['require', 'node'] as const;
const IMPORT = ['node', 'import'] as const;

let app = '';
let archive = '';
let importer = '';
before(() => {
  app = makeApp('hotzip-resolve-location-');
  writeTree(app, { 'node_modules/host-pkg/index.js': 'module.exports = 1;\n' });
  archive = writeZip(path.join(app, 'app.zip'), {
    'lib/a.js': "require('./b.js');\n",
    'lib/b.js': 'module.exports = 2;\n',
    'node_modules/inner/package.json': JSON.stringify({ name: 'inner', main: 'main.js' }),
    'node_modules/inner/main.js': 'module.exports = 3;\n',
  });
  importer = formatZipUrl(archive, 'lib/a.js', { search: '?q=1' });
});
after(() => fs.rmSync(app, { recursive: true, force: true }));

/** The code and message of what `run` throws. */
function failure(run: () => unknown): { code: unknown; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof Error) return { code: (error as { code?: unknown }).code, message: error.message };
  }
  return assert.fail('expected an error');
}

describe('decideResolution from a location', () => {
  test('decides as from the URL, for every kind of specifier', () => {
    // Relative, a package inside the archive and one beside it, builtins, a URL and a zip: specifier.
    const specifiers = './b.js ../lib/b.js inner host-pkg node:fs fs file:///x.js zip:./app.zip!/lib/b.js'.split(' ');
    for (const conditions of [REQUIRE, IMPORT]) {
      for (const specifier of specifiers) {
        assert.deepEqual(
          decideResolution(specifier, locate(importer), conditions),
          decideResolution(specifier, importer, conditions),
          specifier,
        );
      }
    }
  });

  test('fails as from the URL, naming the importer', () => {
    const fromUrl = failure(() => decideResolution('./missing.js', importer, REQUIRE));
    assert.deepEqual(
      failure(() => decideResolution('./missing.js', locate(importer), REQUIRE)),
      fromUrl,
    );
    assert.equal(fromUrl.code, 'MODULE_NOT_FOUND');
    assert.ok(fromUrl.message.endsWith(`required from ${importer}`), fromUrl.message);
  });

  test('a decision handed on to Node carries the importer, parsed once', () => {
    const location = locate(importer);
    const decision = decideResolution('host-pkg', location, REQUIRE);
    assert.equal(decision.kind, 'next');
    if (decision.kind !== 'next') return;
    assert.equal(decision.importer, location);
    assert.equal(decision.parentURL, pathToFileURL(archive).href);
    // Node's require() from beside the archive finds the host package there.
    assert.equal(
      resolveBesideArchive(decision.specifier, decision.importer),
      pathToFileURL(fs.realpathSync(path.join(app, 'node_modules/host-pkg/index.js'))).href,
    );
  });

  test('require() beside the archive names the importing entry when it finds nothing', () => {
    const decision = decideResolution('not-installed', importer, REQUIRE);
    assert.equal(decision.kind, 'next');
    if (decision.kind !== 'next') return;
    assert.throws(() => resolveBesideArchive(decision.specifier, decision.importer), {
      code: 'MODULE_NOT_FOUND',
      message: `Cannot find module 'not-installed' required from ${importer} (entry "lib/a.js" in ${archive})`,
      requireStack: [importer],
    });
  });
});
