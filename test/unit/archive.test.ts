/**
 * The zip reader (lib/archive/reader.ts) and its snapshot cache (lib/archive/cache.ts), one requirement per test: every
 * archive real writers produce is read, every malformed or hostile one is refused with a code that names the archive
 * (and the entry at fault), and nothing unsafe is ever served. Archives are built by test/helpers/zip-builder.ts
 * so each test sets exactly the field it is about; fflate and the system `zip` stand in for real-world writers.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { type Zippable, zipSync } from 'fflate';
import { forgetArchive, limitsFromEnv, openArchive } from '../../lib/archive/cache.js';
import { Archive, type ArchiveLimits, defaultLimits } from '../../lib/archive/reader.js';
import { HotzipError } from '../../lib/errors.js';
import {
  buildZip,
  bytesOf,
  concat,
  deflate,
  FLAG,
  quotedOverlapBomb,
  SIG,
  toBuffer,
  type ZipEntry,
  zip64Extra,
} from '../helpers/zip-builder.js';

const ARCHIVE = '/srv/plugins/app.zip';
const source = 'export const greeting = "hello";\n'.repeat(40);

function parse(bytes: Uint8Array, limits: Partial<ArchiveLimits> = {}): Archive {
  return Archive.parse(toBuffer(bytes), ARCHIVE, { ...defaultLimits, ...limits });
}

/** Asserts `fn` throws a HotzipError with `code` naming ARCHIVE (and `entry`), its message matching `reason`. */
function rejects(fn: () => unknown, code: string, expected: { entry?: string; reason?: RegExp } = {}): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof HotzipError, `a HotzipError, not ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.archive, ARCHIVE);
    assert.ok(error.message.includes(ARCHIVE), `message names the archive: ${error.message}`);
    if (expected.entry !== undefined) {
      assert.equal(error.entry, expected.entry);
      assert.ok(error.message.includes(`"${expected.entry}"`), `message names the entry: ${error.message}`);
    }
    if (expected.reason !== undefined) assert.match(error.message, expected.reason);
    return true;
  });
}

/** Every servable entry's text, for comparing with what was packed. */
function texts(archive: Archive): Record<string, string> {
  return Object.fromEntries([...archive.entries.keys()].map((name) => [name, archive.read(name).toString('utf8')]));
}

describe('accepts', () => {
  const tree = [
    { name: 'index.js', data: source },
    { name: 'lib/util.js', data: 'export {};\n', compression: 'store' as const },
  ];
  const expected = { 'index.js': source, 'lib/util.js': 'export {};\n' };

  test('a shebang line prepended, offsets not adjusted (as `cat stub app.zip` leaves them)', () => {
    const archive = parse(buildZip(tree, { prefix: '#!/usr/bin/env -S node --import hotzip/register\n' }));
    assert.deepEqual(texts(archive), expected);
  });

  test('a stub prepended with offsets adjusted to count it (as `zip -A` leaves them)', () => {
    const archive = parse(buildZip(tree, { prefix: new Uint8Array(4096).fill(0x7f), adjustOffsets: true }));
    assert.deepEqual(texts(archive), expected);
  });

  test('an fflate archive behind a stub', () => {
    const zipped = zipSync({ 'index.js': bytesOf(source) });
    assert.deepEqual(texts(parse(concat([bytesOf('#!/bin/sh\nexec node "$0"\n'), zipped]))), { 'index.js': source });
  });

  test('ZIP64 with sentinels in the end record and in every entry, real values in the ZIP64 fields', () => {
    const bytes = buildZip(
      tree.map((e) => ({ ...e, zip64: true })),
      { zip64: 'sentinels' },
    );
    const view = Buffer.from(bytes);
    assert.equal(view.readUInt32LE(view.length - 22 + 12), 0xffffffff, 'end record holds sentinels');
    assert.deepEqual(texts(parse(bytes)), expected);
  });

  test('ZIP64 records alongside real values in the end record, behind a prefix', () => {
    assert.deepEqual(texts(parse(buildZip(tree, { zip64: 'values', prefix: 'stub!' }))), expected);
    assert.deepEqual(texts(parse(buildZip(tree, { zip64: true, prefix: 'stub!', adjustOffsets: true }))), expected);
  });

  test('a ZIP64 field holding only the values whose 32-bit fields are sentinels, in APPNOTE order', () => {
    // Only the offset is a sentinel here: the field holds just the offset.
    const bytes = buildZip([{ name: 'a.js', data: source, offset: 0xffffffff, extra: zip64Extra(0) }]);
    assert.equal(parse(bytes).read('a.js').toString(), source);
  });

  test('data descriptors: sizes come from the central directory (signed and unsigned, stored and deflated, ZIP64)', () => {
    const bytes = buildZip(
      [
        { name: 'a.js', data: source, descriptor: true },
        { name: 'b.js', data: source, descriptor: 'unsigned', compression: 'store' },
        { name: 'c.js', data: source, descriptor: true, zip64: true },
      ],
      { zip64: true },
    );
    const view = Buffer.from(bytes);
    assert.equal(view.readUInt16LE(6) & FLAG.descriptor, FLAG.descriptor);
    assert.equal(view.readUInt32LE(18), 0, 'the local header holds no compressed size');
    assert.deepEqual(texts(parse(bytes)), { 'a.js': source, 'b.js': source, 'c.js': source });
  });

  test('UTF-8 names under the UTF-8 flag', () => {
    const archive = parse(
      buildZip([
        { name: 'src/héllo wörld.js', data: '1', utf8: true },
        { name: '日本/語.js', data: '2', utf8: true },
      ]),
    );
    assert.deepEqual(texts(archive), { 'src/héllo wörld.js': '1', '日本/語.js': '2' });
    assert.ok(archive.isDirectory('日本'));
  });

  test('names without the UTF-8 flag are code page 437 (0x81 is "ü")', () => {
    const archive = parse(buildZip([{ name: Uint8Array.of(0x6d, 0x81, 0x6c, 0x6c, 0x2e, 0x6a, 0x73), data: 'x' }]));
    assert.deepEqual([...archive.entries.keys()], ['müll.js']);
  });

  test('code page 437 decodes all 128 high bytes to their own characters', () => {
    // Spot checks across the table, including the box-drawing run where a shifted table goes wrong.
    const high = Uint8Array.from({ length: 128 }, (_, i) => 0x80 + i);
    const archive = parse(buildZip([{ name: 'a', data: '' }], { comment: high }));
    const decoded = [...archive.comment];
    assert.equal(decoded.length, 128);
    const at = (byte: number) => decoded[byte - 0x80];
    assert.deepEqual(
      [at(0x80), at(0x81), at(0x9b), at(0xb0), at(0xcc), at(0xcd), at(0xce), at(0xdb), at(0xe1), at(0xfe), at(0xff)],
      ['Ç', 'ü', '¢', '░', '╠', '═', '╬', '█', 'ß', '■', '\u00a0'],
    );
    assert.equal(new Set(decoded).size, 128, 'no two bytes decode alike');
  });

  test('directories: explicit entries, implied parents and the root; files are not directories', () => {
    const archive = parse(
      buildZip([
        { name: 'assets/', compression: 'store' },
        { name: 'src/lib/a.js', data: 'a' },
      ]),
    );
    for (const dir of ['', 'assets', 'src', 'src/lib']) assert.ok(archive.isDirectory(dir), `isDirectory(${dir})`);
    for (const notDir of ['src/lib/a.js', 'src/li', 'missing', 'assets/'])
      assert.ok(!archive.isDirectory(notDir), notDir);
    assert.ok(!archive.isFile('assets/') && !archive.isFile('assets') && !archive.isFile('src'));
    assert.deepEqual([...archive.entries.keys()], ['src/lib/a.js']);
  });

  test('empty files: stored, deflated, and deflated with no data bytes at all', () => {
    const archive = parse(
      buildZip([
        { name: 'stored.txt', compression: 'store' },
        { name: 'deflated.txt' },
        { name: 'bare.txt', raw: new Uint8Array(), method: 8 },
      ]),
    );
    for (const name of ['stored.txt', 'deflated.txt', 'bare.txt']) {
      assert.ok(archive.isFile(name));
      assert.equal(archive.read(name).length, 0, name);
    }
    assert.deepEqual(archive.verify(), []);
  });

  test('an archive comment with end-record signature bytes inside it', () => {
    const comment = `built by ci PK\x05\x06${'\0'.repeat(16)} PK\x06\x07 PK\x01\x02 done`;
    const archive = parse(buildZip(tree, { comment }));
    assert.equal(archive.comment, comment);
    assert.deepEqual(texts(archive), expected);
  });

  for (const level of [0, 9] as const) {
    test(`fflate zipSync at level ${level}`, () => {
      const input: Zippable = {
        'package.json': [bytesOf('{"type":"module"}'), { level }],
        'src/': [new Uint8Array(), { level }],
        'src/index.js': [bytesOf(source), { level }],
        'src/ünï.js': [bytesOf('export default 1;'), { level }],
        'empty.txt': [new Uint8Array(), { level }],
      };
      const archive = parse(zipSync(input));
      assert.deepEqual(texts(archive), {
        'package.json': '{"type":"module"}',
        'src/index.js': source,
        'src/ünï.js': 'export default 1;',
        'empty.txt': '',
      });
      assert.ok(archive.isDirectory('src'));
      assert.deepEqual(archive.verify(), []);
    });
  }

  const zipMissing = spawnSync('zip', ['-v']).error !== undefined;
  test('archives written by the system `zip` command (with a symlink, stored and deflated entries, `zip -A`)', {
    skip: zipMissing ? 'the system `zip` command is not installed (`which zip` finds nothing)' : false,
  }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-archive-zip-'));
    try {
      const root = path.join(dir, 'app');
      fs.mkdirSync(path.join(root, 'src', 'empty-dir'), { recursive: true });
      fs.writeFileSync(path.join(root, 'src', 'index.js'), source);
      fs.writeFileSync(path.join(root, 'src', 'tiny.js'), 'x');
      fs.writeFileSync(path.join(root, 'empty.txt'), '');
      fs.symlinkSync('../../etc/passwd', path.join(root, 'src', 'link.js'));
      const out = path.join(dir, 'app.zip');
      execFileSync('zip', ['-q', '-r', '-X', '-y', out, '.'], { cwd: root });
      const archive = Archive.parse(fs.readFileSync(out), ARCHIVE);
      assert.deepEqual(texts(archive), { 'src/index.js': source, 'src/tiny.js': 'x', 'empty.txt': '' });
      assert.ok(archive.isDirectory('src/empty-dir'));
      assert.ok(!archive.isFile('src/link.js'));
      rejects(() => archive.read('src/link.js'), 'ERR_HOTZIP_BAD_ARCHIVE', {
        entry: 'src/link.js',
        reason: /symbolic link/,
      });
      // A self-extractor: stub + archive, then `zip -A` adjusts the offsets for the stub.
      const sfx = path.join(dir, 'app.sfx');
      fs.writeFileSync(sfx, Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), fs.readFileSync(out)]));
      assert.deepEqual(texts(Archive.parse(fs.readFileSync(sfx), ARCHIVE)), texts(archive), 'as `cat` leaves it');
      execFileSync('zip', ['-q', '-A', sfx]);
      assert.deepEqual(texts(Archive.parse(fs.readFileSync(sfx), ARCHIVE)), texts(archive), 'after `zip -A`');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rejects with ERR_HOTZIP_BAD_ARCHIVE', () => {
  const BAD = 'ERR_HOTZIP_BAD_ARCHIVE';
  const good = () => buildZip([{ name: 'ok.js', data: source }]);
  /** A two-entry archive whose second entry ('bad.js') has the given fields overridden. */
  const withBad = (overrides: Partial<ZipEntry>) =>
    buildZip([
      { name: 'ok.js', data: source },
      { name: 'bad.js', data: source, ...overrides },
    ]);

  test('an empty file', () => rejects(() => parse(new Uint8Array()), BAD, { reason: /0 bytes/ }));
  test('a file that is not a zip', () => rejects(() => parse(bytesOf(source)), BAD, { reason: /not a zip/ }));
  test('a file too short to hold an end record', () =>
    rejects(() => parse(good().subarray(-21)), BAD, { reason: /too short/ }));
  test('an end record whose comment length does not fit the file', () => {
    rejects(() => parse(buildZip([{ name: 'a' }], { end: { commentLength: 10 } })), BAD, { reason: /comment length/ });
    rejects(() => parse(buildZip([{ name: 'a' }], { trailing: 'junk' })), BAD, { reason: /comment length/ });
  });
  test('a central directory out of bounds', () => {
    rejects(() => parse(buildZip([{ name: 'a' }], { end: { directorySize: 100_000 } })), BAD, {
      reason: /outside the file/,
    });
    rejects(() => parse(buildZip([{ name: 'a' }], { end: { directoryOffset: 100_000 } })), BAD, {
      reason: /outside the file/,
    });
  });
  test('an entry out of bounds', () => {
    rejects(() => parse(withBad({ offset: 100_000 })), BAD, { entry: 'bad.js', reason: /outside the file data/ });
    rejects(() => parse(withBad({ compressedSize: 100_000 })), BAD, {
      entry: 'bad.js',
      reason: /runs into the central/,
    });
  });
  test('an entry count inconsistent with the directory size', () => {
    rejects(() => parse(buildZip([{ name: 'a' }], { end: { entries: 2 } })), BAD, { reason: /claims 2 entries/ });
    rejects(() => parse(buildZip([{ name: 'a' }, { name: 'b' }], { end: { entries: 1 } })), BAD, {
      reason: /holds more data/,
    });
  });
  test('the 221-byte ZIP64 archive claiming 2^32 entries fails at once', { timeout: 5000 }, () => {
    const bytes = buildZip([{ name: 'a.txt', data: 'x'.repeat(37), compression: 'store' }], {
      zip64: true,
      end64: { entries: 2 ** 32, entriesOnDisk: 2 ** 32 },
    });
    assert.equal(bytes.length, 221);
    rejects(() => parse(bytes), BAD, { reason: /claims 4294967296 entries/ });
  });
  test('bad central and local signatures', () => {
    rejects(() => parse(withBad({ centralSignature: SIG.local })), BAD, { reason: /central directory entry 1/ });
    rejects(() => parse(withBad({ localSignature: 0 })), BAD, { entry: 'bad.js', reason: /local header signature/ });
  });
  test('multi-disk archives', () => {
    for (const end of [{ disk: 1 }, { directoryDisk: 1 }, { entriesOnDisk: 0 }]) {
      rejects(() => parse(buildZip([{ name: 'a' }], { end })), BAD, { reason: /multi-disk/ });
    }
    rejects(() => parse(buildZip([{ name: 'a' }], { zip64: true, locator: { totalDisks: 3 } })), BAD, {
      reason: /multi-disk/,
    });
    rejects(() => parse(withBad({ diskStart: 2 })), BAD, { entry: 'bad.js', reason: /multi-disk/ });
  });
  test('0xFFFFFFFF sentinels without the ZIP64 field', () => {
    rejects(() => parse(withBad({ size: 0xffffffff })), BAD, { entry: 'bad.js', reason: /no ZIP64 field/ });
    rejects(() => parse(withBad({ compressedSize: 0xffffffff })), BAD, { entry: 'bad.js', reason: /no ZIP64 field/ });
    rejects(() => parse(withBad({ offset: 0xffffffff })), BAD, { entry: 'bad.js', reason: /no ZIP64 field/ });
    rejects(() => parse(buildZip([{ name: 'a' }], { end: { directoryOffset: 0xffffffff } })), BAD, {
      reason: /no ZIP64 end record/,
    });
  });
  test('the encryption flags', () => {
    rejects(() => parse(withBad({ flags: FLAG.encrypted })), BAD, { entry: 'bad.js', reason: /encrypted/ });
    rejects(() => parse(withBad({ flags: FLAG.strongEncryption })), BAD, { entry: 'bad.js', reason: /encrypted/ });
    rejects(() => parse(withBad({ localFlags: FLAG.encrypted })), BAD, { entry: 'bad.js', reason: /encrypted/ });
  });
  test('methods other than store and deflate (12 bzip2, 14 LZMA)', () => {
    for (const method of [12, 14, 1, 9, 93, 95, 99]) {
      rejects(() => parse(withBad({ method })), BAD, { entry: 'bad.js', reason: new RegExp(`method ${method} `) });
    }
  });
  test('a local name that differs from the central name', () => {
    rejects(() => parse(withBad({ localName: 'other.js' })), BAD, { entry: 'bad.js', reason: /different file/ });
  });
  test('deflate data inflating to more, or less, than declared', () => {
    const more = parse(withBad({ size: source.length - 1 }));
    rejects(() => more.read('bad.js'), BAD, { entry: 'bad.js', reason: /more than its declared/ });
    const less = parse(withBad({ size: source.length + 1 }));
    rejects(() => less.read('bad.js'), BAD, { entry: 'bad.js', reason: /holds \d+ bytes but declares/ });
    assert.equal(less.read('ok.js').toString(), source, 'the sound entry still reads');
  });
  test('a stored entry whose sizes disagree', () => {
    rejects(() => parse(withBad({ compression: 'store', size: 3 })), BAD, { entry: 'bad.js', reason: /stored entry/ });
  });
  test('a CRC-32 mismatch, reported when the entry is read', () => {
    const archive = parse(withBad({ crc: 0xdeadbeef }));
    assert.ok(archive.isFile('bad.js'));
    rejects(() => archive.read('bad.js'), BAD, { entry: 'bad.js', reason: /CRC-32 mismatch.*0xdeadbeef/ });
    assert.equal(archive.verify().length, 1);
    assert.match(archive.verify()[0] ?? '', /bad\.js.*CRC-32/);
  });
  test('overlapping entries: many central records sharing one local header ("a better zip bomb")', () => {
    const bomb = buildZip([
      { name: 'kernel', data: new Uint8Array(1 << 16) },
      ...Array.from({ length: 50 }, () => ({ name: 'kernel', shareLocalWith: 0 })),
    ]);
    rejects(() => parse(bomb), BAD, { entry: 'kernel', reason: /overlaps/ });
  });
  test("overlapping entries: each local header quoted in the previous entry's data (overlapping kernels)", () => {
    rejects(() => parse(quotedOverlapBomb(16, 1 << 16)), BAD, { entry: 'f1.bin', reason: /overlaps entry "f0\.bin"/ });
  });
  test('a central directory listing entries out of their order in the file: read, and overlaps still found', () => {
    // Central records in the reverse order of their data: what the overlap check sorts by offset for.
    const reversed = (bytes: Uint8Array): Uint8Array => {
      const view = Buffer.from(bytes);
      const end = view.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      const count = view.readUInt16LE(end + 10);
      const start = view.readUInt32LE(end + 16);
      const records: Buffer[] = [];
      for (let p = start, i = 0; i < count; i++) {
        const length = 46 + view.readUInt16LE(p + 28) + view.readUInt16LE(p + 30) + view.readUInt16LE(p + 32);
        records.push(view.subarray(p, p + length));
        p += length;
      }
      return Buffer.concat([view.subarray(0, start), ...records.reverse(), view.subarray(end)]);
    };
    const sound = parse(
      reversed(buildZip([...'abcdef'].map((c) => ({ name: `${c}.js`, data: `export const ${c} = 1;` })))),
    );
    assert.deepEqual([...sound.entries.keys()], ['f.js', 'e.js', 'd.js', 'c.js', 'b.js', 'a.js']);
    assert.equal(sound.read('c.js').toString(), 'export const c = 1;');
    rejects(() => parse(reversed(quotedOverlapBomb(16, 1 << 16))), BAD, { reason: /overlaps entry "f\d+\.bin"/ });
  });
  test('duplicate names', () => {
    const bytes = buildZip([
      { name: 'a.js', data: 'first' },
      { name: 'a.js', data: 'second' },
    ]);
    rejects(() => parse(bytes), BAD, { entry: 'a.js', reason: /two entries/ });
  });
});

describe('never serves unsafe entries', () => {
  const unsafe: Array<[string, ZipEntry & { name: string }]> = [
    ['an absolute name', { name: '/etc/x' }],
    ['a ".." segment', { name: 'lib/../../x.js' }],
    ['a leading ".."', { name: '../x.js' }],
    ['a backslash', { name: 'lib\\x.js' }],
    ['a NUL byte', { name: 'x.js\0.png' }],
    ['a drive letter', { name: 'C:x.js' }],
    ['a drive letter and slash', { name: 'c:/windows/x.js' }],
    ['a symbolic link (unix mode 0o120777)', { name: 'link.js', unixMode: 0o120777, data: '/etc/passwd' }],
  ];
  for (const [label, entry] of unsafe) {
    test(label, () => {
      const archive = parse(
        buildZip([
          { name: 'ok.js', data: 'ok' },
          { data: 'secret', ...entry },
        ]),
      );
      assert.equal(archive.isFile(entry.name), false);
      assert.equal(archive.get(entry.name), undefined);
      rejects(() => archive.read(entry.name), 'ERR_HOTZIP_BAD_ARCHIVE', { entry: entry.name, reason: /never served/ });
      const problems = archive.verify();
      assert.equal(problems.length, 1);
      assert.ok(problems[0]?.includes(`"${entry.name}"`), problems[0]);
      assert.equal(archive.read('ok.js').toString(), 'ok');
    });
  }
  test('a regular file with unix mode 0o100644 is served', () => {
    const archive = parse(buildZip([{ name: 'x.js', data: 'x', unixMode: 0o100644 }]));
    assert.equal(archive.get('x.js')?.mode, 0o644);
    assert.equal(archive.read('x.js').toString(), 'x');
  });
  test('unsafe names imply no directories', () => {
    const archive = parse(
      buildZip([
        { name: '/etc/passwd', data: 'x' },
        { name: '../up/x.js', data: 'x' },
      ]),
    );
    assert.ok(!archive.isDirectory('/etc') && !archive.isDirectory('../up') && !archive.isDirectory('..'));
  });
});

describe('limits (ERR_HOTZIP_LIMIT)', () => {
  const LIMIT = 'ERR_HOTZIP_LIMIT';
  test('an entry over maxEntryBytes, when read', () => {
    const archive = parse(
      buildZip([
        { name: 'big.js', data: source },
        { name: 'small.js', data: 'x' },
      ]),
      { maxEntryBytes: 100 },
    );
    rejects(() => archive.read('big.js'), LIMIT, { entry: 'big.js', reason: /over the limit of 100/ });
    assert.equal(archive.read('small.js').toString(), 'x');
  });
  test('a ratio over maxRatio above ratioFloorBytes; below the floor the ratio is not checked', () => {
    const zeros = { name: 'zeros.bin', data: new Uint8Array(50_000) };
    rejects(() => parse(buildZip([zeros]), { maxRatio: 10, ratioFloorBytes: 1000 }).read('zeros.bin'), LIMIT, {
      entry: 'zeros.bin',
      reason: /compression ratio/,
    });
    assert.equal(parse(buildZip([zeros]), { maxRatio: 10, ratioFloorBytes: 100_000 }).read('zeros.bin').length, 50_000);
  });
  test('the default limits refuse a 2 MB deflate bomb entry (about 1000:1)', () => {
    const archive = parse(
      buildZip([{ name: 'bomb.bin', raw: deflate(new Uint8Array(2 << 20)), size: 2 << 20, crc: 0 }]),
    );
    rejects(() => archive.read('bomb.bin'), LIMIT, { entry: 'bomb.bin', reason: /HOTZIP_MAX_RATIO/ });
  });
  test('more entries than maxEntries', () => {
    const bytes = buildZip(Array.from({ length: 11 }, (_, i) => ({ name: `${i}.js` })));
    rejects(() => parse(bytes, { maxEntries: 10 }), LIMIT, {
      reason: /11 entries, over the limit of 10 \(HOTZIP_MAX_ENTRIES\)/,
    });
    assert.equal(parse(bytes, { maxEntries: 11 }).entries.size, 11);
  });
  test('declared sizes over maxArchiveBytes', () => {
    const bytes = buildZip([
      { name: 'a.js', data: source },
      { name: 'b.js', data: source },
    ]);
    rejects(() => parse(bytes, { maxArchiveBytes: source.length * 2 - 1 }), LIMIT, {
      reason: /HOTZIP_MAX_ARCHIVE_BYTES/,
    });
    assert.equal(parse(bytes, { maxArchiveBytes: source.length * 2 }).entries.size, 2);
  });
});

describe('archive-cache', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotzip-archive-cache-'));
  after(() => {
    forgetArchive();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const version = (text: string) => buildZip([{ name: 'v.js', data: text, compression: 'store' }]);

  test('caches by identity: the same file gives the same snapshot', () => {
    const file = path.join(dir, 'same.zip');
    fs.writeFileSync(file, version('one'));
    const first = openArchive(file);
    assert.equal(openArchive(file), first);
  });

  test('a snapshot is trusted for 2 ms without a stat, then checked again', async () => {
    const file = path.join(dir, 'window.zip');
    fs.writeFileSync(file, version('one'));
    assert.equal(openArchive(file, true).read('v.js').toString(), 'one');
    fs.writeFileSync(file, version('three!'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(openArchive(file).read('v.js').toString(), 'three!');
  });

  test('re-reads after the file is replaced by rename, even with equal size and mtime', () => {
    const file = path.join(dir, 'renamed.zip');
    fs.writeFileSync(file, version('one'));
    const before = fs.statSync(file);
    assert.equal(openArchive(file).read('v.js').toString(), 'one');
    const temp = path.join(dir, 'renamed.zip.tmp');
    fs.writeFileSync(temp, version('two'));
    fs.utimesSync(temp, before.atime, before.mtime);
    fs.renameSync(temp, file);
    const after = fs.statSync(file);
    assert.notEqual(after.ino, before.ino);
    assert.equal(after.size, before.size);
    assert.equal(openArchive(file, true).read('v.js').toString(), 'two');
  });

  test('re-reads after an in-place rewrite with a different size', () => {
    const file = path.join(dir, 'rewritten.zip');
    fs.writeFileSync(file, version('one'));
    const before = fs.statSync(file);
    assert.equal(openArchive(file).read('v.js').toString(), 'one');
    fs.writeFileSync(file, version('three'));
    fs.utimesSync(file, before.atime, before.mtime);
    assert.equal(fs.statSync(file).ino, before.ino, 'the same inode, rewritten');
    assert.equal(openArchive(file, true).read('v.js').toString(), 'three');
  });

  test('a replaced archive that no longer parses is refused, not served from the old snapshot', () => {
    const file = path.join(dir, 'broken.zip');
    fs.writeFileSync(file, version('one'));
    openArchive(file);
    fs.writeFileSync(file, 'not a zip any more');
    assert.throws(() => openArchive(file, true), { code: 'ERR_HOTZIP_BAD_ARCHIVE', archive: file });
  });

  test('a missing archive (or a directory) is ERR_MODULE_NOT_FOUND naming the path', () => {
    for (const missing of [path.join(dir, 'nope.zip'), dir]) {
      assert.throws(
        () => openArchive(missing),
        (error: unknown) => {
          assert.ok(error instanceof HotzipError);
          assert.equal(error.code, 'ERR_MODULE_NOT_FOUND');
          assert.equal(error.archive, missing);
          assert.ok(error.message.includes(missing), error.message);
          return true;
        },
      );
    }
  });

  describe('limitsFromEnv', () => {
    const names = ['HOTZIP_MAX_ENTRY_BYTES', 'HOTZIP_MAX_RATIO', 'HOTZIP_MAX_ARCHIVE_BYTES', 'HOTZIP_MAX_ENTRIES'];
    /** Runs `fn` with the HOTZIP_MAX_* variables set to `values` (others unset), restoring them afterwards. */
    function withEnv<T>(values: Record<string, string>, fn: () => T): T {
      const saved = names.map((name) => [name, process.env[name]] as const);
      for (const name of names) delete process.env[name];
      Object.assign(process.env, values);
      try {
        return fn();
      } finally {
        for (const [name, value] of saved) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    }

    test('the defaults when nothing is set (or a variable is empty)', () => {
      assert.deepEqual(
        withEnv({ HOTZIP_MAX_RATIO: '' }, () => limitsFromEnv()),
        { ...defaultLimits },
      );
    });

    test('parses every HOTZIP_MAX_* variable', () => {
      const limits = withEnv(
        {
          HOTZIP_MAX_ENTRY_BYTES: '1000',
          HOTZIP_MAX_RATIO: '7',
          HOTZIP_MAX_ARCHIVE_BYTES: '5000',
          HOTZIP_MAX_ENTRIES: '3',
        },
        () => limitsFromEnv(),
      );
      assert.deepEqual(limits, {
        ...defaultLimits,
        maxEntryBytes: 1000,
        maxRatio: 7,
        maxArchiveBytes: 5000,
        maxEntries: 3,
      });
    });

    for (const garbage of ['abc', '-1', '0', '1.5', '12abc', '0x10', '1e3', ' 5', 'Infinity', '9007199254740993']) {
      test(`rejects ${JSON.stringify(garbage)}`, () => {
        for (const name of names) {
          assert.throws(
            () => withEnv({ [name]: garbage }, () => limitsFromEnv()),
            (error: unknown) => {
              assert.ok(error instanceof HotzipError);
              assert.equal(error.code, 'ERR_HOTZIP_LIMIT');
              assert.ok(error.message.includes(name), error.message);
              return true;
            },
          );
        }
      });
    }
  });
});
