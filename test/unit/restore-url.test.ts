/**
 * The version that evaluates an earlier instance's source again (`?hz=NrK`): parsed, formatted and stripped like any
 * version, so `import.meta.url` and resolution never see it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitVersion, withRestore } from '../../lib/url/version-query.js';
import { formatZipUrl, parseZipUrl } from '../../lib/url/zip-url.js';

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
