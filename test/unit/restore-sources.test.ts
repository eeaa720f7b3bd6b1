import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pinSource, rememberedSource, rememberSource } from '../../lib/hot/restore-sources.js';

const bytes = (n: number) => (): Uint8Array => Uint8Array.of(n);
const kept = (url: string, versions: number[]): number[] =>
  versions.filter((version) => rememberedSource(url, version) !== undefined);

test('the running version keeps its source however many versions load after it', () => {
  const url = 'zip:///app.zip!/first.js';
  for (let version = 0; version <= 12; version++) rememberSource(url, version, bytes(version));
  // A first instance runs until an update installs another: it stays, with the four most recent.
  assert.deepEqual(kept(url, [...Array(13).keys()]), [0, 9, 10, 11, 12]);
  assert.deepEqual(rememberedSource(url, 0), Uint8Array.of(0));
});

test('once another version runs, the one before it is dropped like any other', () => {
  const url = 'zip:///app.zip!/later.js';
  for (let version = 0; version <= 3; version++) rememberSource(url, version, bytes(version));
  pinSource(url, 2);
  for (let version = 4; version <= 9; version++) rememberSource(url, version, bytes(version));
  assert.deepEqual(kept(url, [...Array(10).keys()]), [2, 6, 7, 8, 9]);
  pinSource(url, 8);
  rememberSource(url, 10, bytes(10));
  assert.deepEqual(kept(url, [...Array(11).keys()]), [6, 7, 8, 9, 10]);
});
