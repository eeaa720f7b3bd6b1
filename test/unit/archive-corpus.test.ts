/**
 * The reader against hostile input in bulk: a named corpus of malformed archives (test/stress/corpus.ts), each of which must
 * fail with its own code, and a seeded mutation loop over valid archives whose every outcome must be either a sound
 * read or a coded hotzip error. A RangeError from a Buffer read, or any other uncoded error, is a reader bug: the
 * loader turns hotzip codes into module errors and anything else into a crash.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crc32 } from '../../lib/archive/crc32.js';
import { Archive, type ArchiveEntry, type ArchiveLimits, defaultLimits } from '../../lib/archive/reader.js';
import { HotzipError } from '../../lib/errors.js';
import { prng } from '../helpers/prng.js';
import { buildZip, FIELD, findSignatures, SIG, toBuffer } from '../helpers/zip-builder.js';
import { type CorpusCase, corpus } from '../stress/corpus.js';

const ARCHIVE = '/srv/corpus/app.zip';
const ALLOWED = new Set(['ERR_HOTZIP_BAD_ARCHIVE', 'ERR_HOTZIP_LIMIT', 'ERR_MODULE_NOT_FOUND']);

/** What happened to one archive: the error at parse, or every entry's read error (none for a sound archive). */
type Outcome = { at: 'parse'; error: unknown } | { at: 'read'; errors: Array<{ name: string; error: unknown }> };

/** Parses and reads every entry (servable or not), returning the errors; rethrows nothing. */
function attempt(bytes: Uint8Array, limits: Readonly<ArchiveLimits> = defaultLimits): Outcome {
  let archive: Archive;
  try {
    archive = Archive.parse(toBuffer(bytes), ARCHIVE, limits);
  } catch (error) {
    return { at: 'parse', error };
  }
  const errors: Array<{ name: string; error: unknown }> = [];
  for (const name of [...archive.entries.keys(), ...archive.unservable.keys()]) {
    try {
      const data = archive.read(name);
      const entry = archive.get(name) as ArchiveEntry;
      if (data.length !== entry.size || crc32(data) !== entry.crc32) {
        errors.push({ name, error: new Error(`read() returned ${data.length} unchecked bytes`) });
      }
    } catch (error) {
      errors.push({ name, error });
    }
  }
  return { at: 'read', errors };
}

/** Why `error` is not a coded hotzip error naming the archive, or undefined when it is one. */
function uncoded(error: unknown): string | undefined {
  if (!(error instanceof HotzipError)) return `not a HotzipError: ${String(error)}`;
  if (!ALLOWED.has(error.code)) return `unexpected code ${error.code}: ${error.message}`;
  if (error.archive !== ARCHIVE || !error.message.includes(ARCHIVE))
    return `does not name the archive: ${error.message}`;
  return undefined;
}

describe('malformed archive corpus', () => {
  test('holds at least 30 distinct named kinds', () => {
    assert.ok(corpus.length >= 30, `${corpus.length} cases`);
    assert.equal(new Set(corpus.map((c) => c.name)).size, corpus.length, 'names are unique');
  });

  for (const c of corpus) {
    test(`${c.name} → ${c.code} at ${c.at}`, { timeout: 5000 }, () => checkCase(c));
  }
});

function checkCase(c: CorpusCase): void {
  const limits = { ...defaultLimits, ...c.limits };
  const outcome = attempt(c.bytes(), limits);
  if (c.at === 'parse') {
    assert.equal(outcome.at, 'parse', `${c.name}: expected Archive.parse to throw`);
    const { error } = outcome as { error: unknown };
    assert.equal(uncoded(error), undefined);
    const coded = error as HotzipError;
    assert.equal(coded.code, c.code, coded.message);
    if (c.entry !== undefined) assert.equal(coded.entry, c.entry, coded.message);
    return;
  }
  assert.equal(
    outcome.at,
    'read',
    `${c.name}: expected Archive.parse to succeed, got ${String((outcome as { error?: unknown }).error)}`,
  );
  const { errors } = outcome as { errors: Array<{ name: string; error: unknown }> };
  assert.ok(errors.length > 0, `${c.name}: expected a read() to throw`);
  for (const { error } of errors) {
    assert.equal(uncoded(error), undefined);
    assert.equal((error as HotzipError).code, c.code, (error as Error).message);
  }
  if (c.entry !== undefined) {
    assert.ok(
      errors.some(({ error }) => (error as HotzipError).entry === c.entry),
      `an error names entry ${JSON.stringify(c.entry)}`,
    );
  }
  const verify = Archive.parse(toBuffer(c.bytes()), ARCHIVE, limits).verify();
  assert.ok(verify.length > 0, 'verify() reports the problem');
}

/** Field positions of every record in a valid archive, for targeted edits. */
function fieldSites(bytes: Uint8Array): Array<{ at: number; width: 2 | 4 }> {
  const sites: Array<{ at: number; width: 2 | 4 }> = [];
  const wide = new Set([
    'crc',
    'compressedSize',
    'size',
    'offset',
    'externalAttrs',
    'directorySize',
    'directoryOffset',
  ]);
  const add = (base: number, fields: Record<string, number>) => {
    for (const [field, offset] of Object.entries(fields))
      sites.push({ at: base + offset, width: wide.has(field) ? 4 : 2 });
  };
  for (const at of findSignatures(bytes, SIG.local)) add(at, FIELD.local);
  for (const at of findSignatures(bytes, SIG.central)) add(at, FIELD.central);
  for (const at of findSignatures(bytes, SIG.end)) add(at, FIELD.end);
  for (const at of findSignatures(bytes, SIG.end64))
    for (let o = 4; o < 56; o += 4) sites.push({ at: at + o, width: 4 });
  for (const at of findSignatures(bytes, SIG.locator64))
    for (let o = 4; o < 20; o += 4) sites.push({ at: at + o, width: 4 });
  // A signature inside a comment is not a record: keep only fields that lie inside the file.
  return sites.filter((site) => site.at + site.width <= bytes.length);
}

/** One random mutation of `bytes`, with a description for the failure message. */
function mutate(
  bytes: Uint8Array,
  random: () => number,
  sites: Array<{ at: number; width: 2 | 4 }>,
): [Uint8Array, string] {
  const pick = (n: number) => Math.floor(random() * n);
  const kind = pick(6);
  if (kind === 0) {
    const length = pick(bytes.length);
    return [bytes.slice(0, length), `truncate to ${length}`];
  }
  const copy = Uint8Array.from(bytes);
  const view = new DataView(copy.buffer);
  if (kind === 1) {
    const flips: string[] = [];
    for (let i = 0, n = 1 + pick(4); i < n; i++) {
      const at = pick(copy.length);
      const bit = 1 << pick(8);
      copy[at] = (copy[at] ?? 0) ^ bit;
      flips.push(`${at}^${bit}`);
    }
    return [copy, `flip ${flips.join(',')}`];
  }
  if (kind === 2) {
    const from = pick(copy.length);
    const length = 1 + pick(16);
    return [
      new Uint8Array([...copy.subarray(0, from), ...copy.subarray(from + length)]),
      `delete ${length} at ${from}`,
    ];
  }
  if (kind === 3) {
    const from = pick(copy.length + 1);
    const insert = Array.from({ length: 1 + pick(8) }, () => pick(256));
    return [
      new Uint8Array([...copy.subarray(0, from), ...insert, ...copy.subarray(from)]),
      `insert ${insert} at ${from}`,
    ];
  }
  // Field edits: the interesting values for a length, count or offset field.
  const site = sites[pick(sites.length)] ?? { at: 0, width: 4 };
  const max = site.width === 2 ? 0xffff : 0xffffffff;
  const old = site.width === 2 ? view.getUint16(site.at, true) : view.getUint32(site.at, true);
  const values = [0, 1, max, max - 1, old + 1, old - 1, old * 2, old >>> 1, pick(max + 1), copy.length, 0x8000, 46, 30];
  const value = (values[pick(values.length)] ?? 0) & max;
  if (site.width === 2) view.setUint16(site.at, value, true);
  else view.setUint32(site.at, value >>> 0, true);
  return [copy, `set u${site.width * 8} at ${site.at} from ${old} to ${value}`];
}

/** Runs `count` mutations of `base` and returns every outcome that is not a sound read or a coded error. */
function mutationLoop(
  base: Uint8Array,
  seed: number,
  count: number,
): { bad: string[]; parsed: number; failed: number } {
  const random = prng(seed);
  const sites = fieldSites(base);
  const bad: string[] = [];
  let parsed = 0;
  let failed = 0;
  for (let i = 0; i < count; i++) {
    const [bytes, how] = mutate(base, random, sites);
    let outcome: Outcome;
    try {
      outcome = attempt(bytes);
    } catch (error) {
      bad.push(`#${i} ${how}: escaped attempt(): ${String(error)}`);
      continue;
    }
    if (outcome.at === 'parse') {
      failed++;
      const why = uncoded(outcome.error);
      if (why !== undefined) bad.push(`#${i} ${how}: parse ${why}`);
      continue;
    }
    parsed++;
    for (const { name, error } of outcome.errors) {
      const why = uncoded(error);
      if (why !== undefined) bad.push(`#${i} ${how}: read(${JSON.stringify(name)}) ${why}`);
    }
    try {
      Archive.parse(toBuffer(bytes), ARCHIVE).verify();
    } catch (error) {
      bad.push(`#${i} ${how}: verify() threw ${String(error)}`);
    }
  }
  return { bad, parsed, failed };
}

const sample = 'export function f(x) { return x * 2; }\n'.repeat(30);

/** A valid 5-entry archive touching every feature: store, deflate, a directory, a UTF-8 name, a data descriptor. */
function fiveEntries(): Uint8Array {
  return buildZip([
    { name: 'src/', compression: 'store' },
    { name: 'src/index.js', data: sample },
    { name: 'src/data.json', data: '{"a":[1,2,3]}', compression: 'store' },
    { name: 'src/é.js', data: sample.toUpperCase(), utf8: true },
    { name: 'README.md', data: sample, descriptor: true },
  ]);
}

/** The same entries as ZIP64, behind a shebang line, with ZIP64 extra fields. */
function fiveEntriesZip64(): Uint8Array {
  return buildZip(
    [
      { name: 'src/', compression: 'store' },
      { name: 'src/index.js', data: sample, zip64: true },
      { name: 'src/data.json', data: '{"a":[1,2,3]}', compression: 'store', zip64: true },
      { name: 'src/é.js', data: sample.toUpperCase(), utf8: true },
      { name: 'README.md', data: sample, descriptor: true, zip64: true },
    ],
    { zip64: true, prefix: '#!/usr/bin/env node\n', comment: 'PK\x05\x06 in a comment' },
  );
}

describe('mutation loop', () => {
  for (const [label, build, seed, count] of [
    ['5-entry archive', fiveEntries, 0x5eed, 2000],
    ['5-entry ZIP64 archive with a prefix', fiveEntriesZip64, 0xc0ffee, 1000],
  ] as const) {
    test(`${count} seeded mutations of a ${label}: every outcome is a sound read or a coded error`, {
      timeout: 60_000,
    }, () => {
      const base = build();
      assert.deepEqual(attempt(base), { at: 'read', errors: [] }, 'the unmutated archive is sound');
      const { bad, parsed, failed } = mutationLoop(base, seed, count);
      assert.deepEqual(bad.slice(0, 20), [], `${bad.length} of ${count} mutations (seed ${seed}) misbehaved`);
      // Both branches must be exercised, or the loop proves little.
      assert.ok(parsed > count / 20, `${parsed} mutants parsed`);
      assert.ok(failed > count / 20, `${failed} mutants were rejected`);
    });
  }
});
