/**
 * The redirect table: where an import goes while an update links (its own version of a module that adds exports)
 * and after it (the newest version that added exports), and the hooks thread's copy of it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { RedirectTable, redirectsFrom } from '../../lib/hot/redirects.js';

const a = 'zip:/app.zip!/a.js';
const b = 'zip:/app.zip!/b.js';

test('while an update links, only its own new instances import its versions', () => {
  const table = new RedirectTable();
  assert.equal(table.target(a, b), undefined);
  table.apply({ kind: 'update', version: 3, urls: [a] });
  assert.equal(table.target(a, `${b}?hz=3`), `${a}?hz=3`);
  assert.equal(table.target(a, `${b}?hz=2`), undefined);
  assert.equal(table.target(a, b), undefined);
  assert.equal(table.target(b, `${a}?hz=3`), undefined);
  table.apply({ kind: 'done', version: 3 });
  assert.equal(table.target(a, `${b}?hz=3`), undefined);
});

test('after an update, first-time importers go to the newest version that added exports', () => {
  const table = new RedirectTable();
  table.apply({ kind: 'newest', url: a, to: `${a}?hz=1` });
  table.apply({ kind: 'newest', url: a, to: `${a}?hz=4` });
  assert.equal(table.target(a, b), `${a}?hz=4`);
  assert.equal(table.target(a, undefined), `${a}?hz=4`);
  table.apply({ kind: 'update', version: 5, urls: [a] });
  assert.equal(table.target(a, `${b}?hz=5`), `${a}?hz=5`);
  assert.equal(table.target(a, b), `${a}?hz=4`);
});

test('changes() rebuilds the table, and the hooks thread copy follows posted changes before each look-up', () => {
  const table = new RedirectTable();
  table.apply({ kind: 'newest', url: a, to: `${a}?hz=1` });
  table.apply({ kind: 'update', version: 2, urls: [b] });
  const copy = new RedirectTable();
  for (const change of table.changes()) copy.apply(change);
  assert.equal(copy.target(a, undefined), `${a}?hz=1`);
  assert.equal(copy.target(b, `${a}?hz=2`), `${b}?hz=2`);

  const { port1, port2 } = new MessageChannel();
  try {
    const lookUp = redirectsFrom(port2);
    assert.equal(lookUp(a, undefined), undefined);
    port1.postMessage({ kind: 'newest', url: a, to: `${a}?hz=7` });
    // Read synchronously: no turn of the event loop between the post and the look-up.
    assert.equal(lookUp(a, undefined), `${a}?hz=7`);
  } finally {
    port1.close();
    port2.close();
  }
});
