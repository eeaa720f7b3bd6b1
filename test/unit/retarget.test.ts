/**
 * Which modules the program must make follow others when a module's re-exports change (retargetsOf), read from two
 * re-export lists in the registration's format, resolved against a base URL as Node resolves relative specifiers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveReexports, retargetsOf } from '../../lib/hot/retarget.js';

const base = 'zip:///app.zip!/index.js';
const resolved = (list: string) =>
  resolveReexports(list, (specifier) => {
    if (specifier.startsWith('missing')) throw new Error('not found');
    return new URL(specifier, base).href;
  });
const url = (entry: string) => `zip:///app.zip!/${entry}`;
const change = (before: string, after: string) => retargetsOf(resolved(before), resolved(after));

test('nothing to follow when every name still comes from the same binding, however spelled', () => {
  assert.deepEqual(change('a:./x.js,b=c:./x.js,*:./s.js', 'b=c:./lib/../x.js,a:./x.js,*:./s.js'), []);
});

test('a renamed chunk: the old module follows the new one, name by name', () => {
  assert.deepEqual(change('greet=g:./c-1.js,count=c:./c-1.js,v:./v.js', 'greet=x:./c-2.js,count=y:./c-2.js,v:./v.js'), [
    {
      from: url('c-1.js'),
      to: url('c-2.js'),
      names: [
        ['g', 'x'],
        ['c', 'y'],
      ],
    },
  ]);
  // Two names the old module gave under one name of its own take one name of the new one.
  assert.deepEqual(change('a=g:./c-1.js,b=g:./c-1.js', 'a=h:./c-2.js,b=h:./c-2.js'), [
    { from: url('c-1.js'), to: url('c-2.js'), names: [['g', 'h']] },
  ]);
});

test('changes no module can follow say why', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a:./x.js', 'a:./x.js,b:./x.js', /which names it re-exports/],
    ['a:./x.js,b:./y.js', 'a:./x.js', /which names it re-exports/],
    ['*:./s.js', '*:./t.js', /re-exports everything from/],
    ['ns=*:./n-1.js', 'ns=*:./n-2.js', /"ns" is a module namespace/],
    ['a:./x.js', 'a=b:./x.js', /another export of the same module/],
    ['a:./c-1.js,b:./c-1.js', 'a:./c-2.js,b:./c-3.js', /several modules/],
    ['a=g:./c-1.js,b=g:./c-1.js', 'a=g:./c-2.js,b=h:./c-2.js', /"g" of .* two names/],
    ['a:missing.js', 'a:./c-2.js', /does not resolve/],
  ];
  for (const [before, after, why] of cases) {
    const result = change(before, after);
    assert.equal(typeof result, 'string', `${before} → ${after}: ${JSON.stringify(result)}`);
    assert.match(String(result), why);
  }
});
