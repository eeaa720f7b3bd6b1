/** The specifier predicates the resolvers share (lib/resolve/specifiers.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  builtinUrl,
  hasUrlScheme,
  isRelativeSpecifier,
  isRequire,
  splitPackageSpecifier,
} from '../../lib/resolve/specifiers.js';

test('require() is the require condition without import', () => {
  assert.equal(isRequire(['node', 'require', 'module-sync']), true);
  assert.equal(isRequire(['node', 'import']), false);
  assert.equal(isRequire(['node', 'require', 'import']), false);
  assert.equal(isRequire([]), false);
});

test('relative specifiers are ., .. and what starts with ./ or ../', () => {
  for (const yes of ['.', '..', './a.js', '../b/c.js']) assert.equal(isRelativeSpecifier(yes), true, yes);
  for (const no of ['/abs.js', '.hidden', '..x', 'pkg', 'zip:./a.zip', ''])
    assert.equal(isRelativeSpecifier(no), false, no);
});

test('a URL scheme is a letter, then letters, digits, + . -, then a colon', () => {
  for (const yes of ['file:///x.js', 'data:text/javascript,', 'node:fs', 'zip:./a.zip!/x.js', 'svn+ssh://h']) {
    assert.equal(hasUrlScheme(yes), true, yes);
  }
  for (const no of ['pkg', './a:b.js', '1abc:x', '@scope/pkg', 'C\\x']) assert.equal(hasUrlScheme(no), false, no);
});

test('builtins get their node: scheme once', () => {
  assert.equal(builtinUrl('fs'), 'node:fs');
  assert.equal(builtinUrl('node:fs'), 'node:fs');
  assert.equal(builtinUrl('fs/promises'), 'node:fs/promises');
});

test('a bare specifier splits into package name and subpath', () => {
  assert.deepEqual(splitPackageSpecifier('pkg'), { name: 'pkg', subpath: '.' });
  assert.deepEqual(splitPackageSpecifier('pkg/a/b.js'), { name: 'pkg', subpath: './a/b.js' });
  assert.deepEqual(splitPackageSpecifier('@scope/pkg'), { name: '@scope/pkg', subpath: '.' });
  assert.deepEqual(splitPackageSpecifier('@scope/pkg/sub'), { name: '@scope/pkg', subpath: './sub' });
  assert.equal(splitPackageSpecifier('@scope'), undefined);
});
