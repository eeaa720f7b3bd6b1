import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { withVersion } from '../../lib/url/version-query.js';
import {
  canonicalZipUrl,
  entryUrlPath,
  formatZipUrl,
  locate,
  locateInstance,
  parseZipSpecifier,
  parseZipUrl,
  resolveEntrySpecifier,
} from '../../lib/url/zip-url.js';
import { repoRoot } from '../helpers/fixtures.js';

const site = { archive: '/srv/app.zip', entry: 'src/a.js' };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('formatZipUrl', () => {
  test('canonical form is zip:// + file URL path + !/ + entry', () => {
    assert.equal(formatZipUrl('/srv/app/plugins/hello.zip', 'lib/x.js'), 'zip:///srv/app/plugins/hello.zip!/lib/x.js');
  });
  test('percent-encodes archive paths and entries as file URLs do, and escapes ! in the archive path', () => {
    assert.equal(formatZipUrl('/a b/c#d.zip', 'x y/%z.js'), 'zip:///a%20b/c%23d.zip!/x%20y/%25z.js');
    assert.equal(formatZipUrl('/w!/a.zip', 'e.js'), 'zip:///w%21/a.zip!/e.js');
  });
  test('an entry is encoded exactly as pathToFileURL encodes it, with or without the shortcut for plain names', () => {
    // Every file name of this repository's installed packages (names we did not choose), then names that need work.
    const names: string[] = [];
    const walk = (dir: string, prefix: string): void => {
      for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
        const name = `${prefix}${item.name}`;
        if (item.isDirectory()) walk(path.join(dir, item.name), `${name}/`);
        else names.push(name);
      }
    };
    walk(path.join(repoRoot, 'node_modules'), '');
    const odd = ['a/./b', 'a/../b', './a', '../a', '.', '..', 'a/.', 'a/..', 'a//b', 'a/', 'a b', 'a#b', 'a?b', '~'];
    odd.push('a~b/c', 'a%20b', 'é/ü.js', 'a\\b', '.a/..b/...', '-/_/~', 'x@1.0/+$', 'a\nb', "a'b", 'a!b', 'a:b');
    for (const name of [...names, ...odd]) {
      assert.equal(entryUrlPath(name), pathToFileURL(`/${name}`).pathname.slice(1), JSON.stringify(name));
    }
    assert.ok(names.length > 500, `${names.length} names`);
  });
  test('a version rides in the query after the user query', () => {
    assert.equal(formatZipUrl('/a.zip', 'e.js', { version: 3 }), 'zip:///a.zip!/e.js?hz=3');
    assert.equal(
      formatZipUrl('/a.zip', 'e.js', { search: '?x=1', hash: '#h', version: 2 }),
      'zip:///a.zip!/e.js?x=1&hz=2#h',
    );
  });
});

describe('parseZipUrl', () => {
  test('round-trips every part', () => {
    for (const [archive, entry] of [
      ['/srv/app.zip', 'lib/x.js'],
      ['/a b/c#d.zip', 'x y/%z.js'],
      ['/w!/a.zip', 'dir/e.mjs'],
      ['/x.zip', 'ünï/çødé.js'],
    ] as const) {
      const url = formatZipUrl(archive, entry, { search: '?q=1', hash: '#f', version: 7 });
      assert.deepEqual(parseZipUrl(url), { archive, entry, search: '?q=1', hash: '#f', version: 7 });
    }
  });
  test('strips only the version parameter', () => {
    assert.equal(canonicalZipUrl('zip:///a.zip!/e.js?hz=4'), 'zip:///a.zip!/e.js');
    assert.equal(canonicalZipUrl('zip:///a.zip!/e.js?a=1&hz=4&b=2'), 'zip:///a.zip!/e.js?a=1&b=2');
    assert.equal(parseZipUrl('zip:///a.zip!/e.js?hz=12').version, 12);
  });
  test('rejects non-canonical and nested forms', () => {
    assert.equal(
      codeOf(() => parseZipUrl('zip:./a.zip!/e.js')),
      'ERR_HOTZIP_INVALID_SPECIFIER',
    );
    assert.equal(
      codeOf(() => parseZipUrl('zip:///a.zip!/b.zip!/e.js')),
      'ERR_HOTZIP_INVALID_SPECIFIER',
    );
    assert.equal(
      codeOf(() => parseZipUrl('zip:///a.zip!/a%2Fb.js')),
      'ERR_HOTZIP_INVALID_SPECIFIER',
    );
  });
});

describe('locate', () => {
  test('carries the parts, the URL and its canonical form', () => {
    const url = 'zip:///a%20b.zip!/lib/x.js?q=1&hz=3r1#f';
    assert.deepEqual(locate(url), {
      archive: '/a b.zip',
      entry: 'lib/x.js',
      search: '?q=1',
      hash: '#f',
      version: 3,
      restores: 1,
      url,
      canonical: 'zip:///a%20b.zip!/lib/x.js?q=1#f',
    });
  });
  test('a first instance is its own canonical URL', () => {
    const url = 'zip:///a.zip!/e.js?q=1#f';
    assert.equal(locate(url).canonical, url);
    assert.equal(locate(url).canonical, canonicalZipUrl(url));
  });
  test('an instance located from its first instance is the one located from its own URL', () => {
    for (const url of [
      'zip:///a%20b.zip!/lib/x.js',
      'zip:///a.zip!/e.js?q=1#f',
      'zip:///a.zip!/',
      'zip:///a.zip!/e.js?hz=3r1',
    ]) {
      const instance = locateInstance(locate(url), 4);
      assert.deepEqual(instance, locate(withVersion(url, 4)));
      assert.equal(instance.version, 4);
      assert.equal(instance.restores, undefined);
    }
  });
});

describe('parseZipSpecifier', () => {
  const base = 'file:///home/u/app/src/';
  test('relative, parent-relative, absolute and canonical forms', () => {
    assert.equal(parseZipSpecifier('zip:./p/a.zip!/e.js', base).archive, '/home/u/app/src/p/a.zip');
    assert.equal(parseZipSpecifier('zip:../a.zip!/e.js', base).archive, '/home/u/app/a.zip');
    assert.equal(parseZipSpecifier('zip:/abs/a.zip!/e.js', base).archive, '/abs/a.zip');
    assert.deepEqual(parseZipSpecifier('zip:///abs/a.zip!/lib/e.js?x=1&hz=2#y', base), {
      archive: '/abs/a.zip',
      entry: 'lib/e.js',
      search: '?x=1',
      hash: '#y',
      version: 2,
    });
  });
  test('no !/ means the main module (entry "")', () => {
    assert.equal(parseZipSpecifier('zip:./a.zip', base).entry, '');
  });
  test('decodes percent-escapes in both parts', () => {
    const parsed = parseZipSpecifier('zip:./my%20dir/a.zip!/x%20y.js', base);
    assert.equal(parsed.archive, '/home/u/app/src/my dir/a.zip');
    assert.equal(parsed.entry, 'x y.js');
  });
  test('dot segments are found before decoding: an escaped `%` never makes one', () => {
    // As a file: URL reads them: `%252e` is the three characters `%2e`, a name, never `.`.
    assert.equal(parseZipSpecifier('zip:./a.zip!/%252e%252e/x.js', base).entry, '%2e%2e/x.js');
    assert.equal(parseZipSpecifier('zip:./a.zip!/lib/%252E/x.js', base).entry, 'lib/%2E/x.js');
    assert.equal(parseZipSpecifier('zip:./a.zip!/lib/%2e%2e/x.js', base).entry, 'x.js');
    assert.equal(parseZipSpecifier('zip:./a.zip!/lib/./%25/x.js', base).entry, 'lib/%/x.js');
  });
  test('rejects malformed specifiers with ERR_HOTZIP_INVALID_SPECIFIER', () => {
    for (const bad of [
      'zip:',
      'zip:a.zip!/e.js',
      'zip://host/a.zip!/e.js',
      'zip:./a.zip!/../e.js',
      'zip:./a.zip!/x/%2e%2e/%2e%2e/e.js',
      'zip:./a.zip!/in.zip!/e.js',
      'zip:./a.zip!/%E0%A4%A.js',
    ]) {
      assert.equal(
        codeOf(() => parseZipSpecifier(bad, base)),
        'ERR_HOTZIP_INVALID_SPECIFIER',
        bad,
      );
    }
  });
});

describe('resolveEntrySpecifier', () => {
  test('resolves like a URL against the importing entry', () => {
    assert.equal(resolveEntrySpecifier('./b.js', 'src/a.js', site).entry, 'src/b.js');
    assert.equal(resolveEntrySpecifier('../lib/c.js', 'src/a.js', site).entry, 'lib/c.js');
    assert.equal(resolveEntrySpecifier('./x/../y/./z.js', 'a.js', site).entry, 'y/z.js');
    assert.equal(resolveEntrySpecifier('./a%20b.js', 'a.js', site).entry, 'a b.js');
    assert.deepEqual(resolveEntrySpecifier('./d.js?v=1#k', 'a.js', site), {
      entry: 'd.js',
      search: '?v=1',
      hash: '#k',
    });
  });
  test('never leaves the archive', () => {
    for (const bad of [
      '../x.js',
      '../../etc/passwd',
      './%2e%2e/x.js',
      './a/.%2E/../../x.js',
      '/etc/passwd',
      './a\\..\\b.js',
    ]) {
      assert.equal(
        codeOf(() => resolveEntrySpecifier(bad, 'a.js', site)),
        'ERR_HOTZIP_INVALID_SPECIFIER',
        bad,
      );
    }
    assert.equal(
      codeOf(() => resolveEntrySpecifier('../../x.js', 'src/a.js', site)),
      'ERR_HOTZIP_INVALID_SPECIFIER',
    );
  });
  test('agrees with the URL parser on every path it accepts (generated specifiers and importers)', () => {
    const parts = ['a', 'b.js', '.', '..', '%2e', '.%2E', '%2E%2e', '', '.hidden', 'x%2ey', '%41', 'sp ace', '..a'];
    let seed = 7;
    // An importer is a real entry: its name has no dot segment and no empty one.
    const names = parts.filter((part) => part !== '' && part !== '.' && part !== '..' && !/^[.%]2e/i.test(part));
    const pick = (from = parts): string => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return from[seed % from.length] as string;
    };
    let accepted = 0;
    for (let n = 0; n < 4000; n++) {
      const specifier = `./${Array.from({ length: 1 + (n % 5) }, () => pick()).join('/')}`;
      const parent = `${Array.from({ length: n % 3 }, () => pick(names)).join('/')}${n % 3 === 0 ? '' : '/'}m.js`;
      const root = 'file:///r/o/o/t/';
      const expected = new URL(specifier, new URL(parent.replace(/%/g, '%25'), root)).pathname;
      let entry: string;
      try {
        entry = resolveEntrySpecifier(specifier, parent, site).entry;
      } catch {
        // Refused: only a path that leaves the root (or its parent's own dot segments) may be.
        continue;
      }
      accepted++;
      assert.ok(expected.startsWith('/r/o/o/t/'), `${specifier} from ${parent}`);
      // An empty segment names the same file as none, on disk as in an archive.
      const path = decodeURIComponent(expected.slice('/r/o/o/t/'.length)).replace(/\/{2,}/g, '/');
      assert.equal(entry, path.startsWith('/') ? path.slice(1) : path, `${specifier} from ${parent}`);
    }
    assert.ok(accepted > 1000, `only ${accepted} accepted`);
  });
  test('refuses encoded separators like Node does for file: URLs', () => {
    assert.equal(
      codeOf(() => resolveEntrySpecifier('./a%2fb.js', 'a.js', site)),
      'ERR_INVALID_MODULE_SPECIFIER',
    );
  });
});
