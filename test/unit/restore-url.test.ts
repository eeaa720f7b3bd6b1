/**
 * The version that evaluates an earlier instance's source again (`?hz=NrK`): parsed, formatted and stripped like any
 * version, so `import.meta.url` and resolution never see it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { decideResolution } from '../../lib/resolve/resolve.js';
import { splitVersion, withRestore, withVersion } from '../../lib/url/version-query.js';
import { formatZipUrl, parseZipUrl } from '../../lib/url/zip-url.js';
import { writeZip } from '../helpers/fixtures.js';

test('hz=NrK names instance N evaluating the source of instance K, and round-trips', () => {
  const url = withRestore('zip:///srv/app.zip!/a.js?x=1#h', 5, 3);
  assert.equal(url, 'zip:///srv/app.zip!/a.js?x=1&hz=5r3#h');
  const parsed = parseZipUrl(url);
  assert.deepEqual(
    { version: parsed.version, restores: parsed.restores, search: parsed.search, hash: parsed.hash },
    { version: 5, restores: 3, search: '?x=1', hash: '#h' },
  );
  assert.equal(formatZipUrl(parsed.archive, parsed.entry, parsed), url);
  assert.deepEqual(splitVersion(url), { canonical: 'zip:///srv/app.zip!/a.js?x=1#h', version: 5 });
  assert.equal(parseZipUrl('zip:///srv/app.zip!/a.js?hz=5').restores, undefined);
});

test('hz=Nu names unlinked version N, and round-trips', () => {
  const url = withVersion('zip:///srv/app.zip!/a.js?x=1#h', 5, true);
  assert.equal(url, 'zip:///srv/app.zip!/a.js?x=1&hz=5u#h');
  const parsed = parseZipUrl(url);
  assert.deepEqual(
    { version: parsed.version, unlinked: parsed.unlinked, restores: parsed.restores, search: parsed.search },
    { version: 5, unlinked: true, restores: undefined, search: '?x=1' },
  );
  assert.equal(formatZipUrl(parsed.archive, parsed.entry, parsed), url);
  assert.deepEqual(splitVersion(url), { canonical: 'zip:///srv/app.zip!/a.js?x=1#h', version: 5 });
  assert.equal(parseZipUrl('zip:///srv/app.zip!/a.js?hz=5').unlinked, undefined);
  assert.equal(parseZipUrl('zip:///srv/app.zip!/a.js?hz=5r2').unlinked, undefined);
});

test('an unlinked version importing itself gets itself; its other imports bind to the live instances', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-unlinked-'));
  try {
    const archive = path.join(dir, 'app.zip');
    writeZip(archive, { 'a.js': "import './a.js'; import './b.js';", 'b.js': 'export {};' });
    const parent = withVersion(formatZipUrl(archive, 'a.js'), 3, true);
    const resolved = (specifier: string): string | undefined => {
      const decision = decideResolution(specifier, parent, ['node', 'import']);
      return decision.kind === 'url' ? decision.url : undefined;
    };
    assert.equal(resolved('./a.js'), parent);
    assert.equal(resolved('./b.js'), formatZipUrl(archive, 'b.js'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
