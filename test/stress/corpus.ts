/**
 * A corpus of malformed archives, one per way an archive can be wrong, each built at test time by zip-builder.ts
 * and named with the code hotzip must answer it with. It is a module of its own so that every consumer of the reader
 * (Archive.parse, `hotzip verify`) can be held to the same table.
 */
import type { ArchiveLimits } from '../../lib/archive/reader.js';
import type { ErrorCode } from '../../lib/errors.js';
import {
  buildZip,
  deflate,
  FLAG,
  quotedOverlapBomb,
  SIG,
  type ZipEntry,
  type ZipOptions,
  zip64Extra,
} from '../helpers/zip-builder.js';

/** One malformed archive and what hotzip must say about it. */
export interface CorpusCase {
  /** What is wrong with it. */
  name: string;
  /** The archive's bytes, built afresh on each call. */
  bytes(): Uint8Array;
  /** The code every failure must carry. */
  code: Extract<ErrorCode, 'ERR_HOTZIP_BAD_ARCHIVE' | 'ERR_HOTZIP_LIMIT'>;
  /** Where the reader notices: when parsing, or only when the entry is read (bad data, unservable names). */
  at: 'parse' | 'read';
  /** The entry the error names, when one is at fault. */
  entry?: string;
  /** Limits to parse with, over the defaults (cases about limits set them low so test archives stay small). */
  limits?: Partial<ArchiveLimits>;
}

const text = 'export const answer = 42;\n'.repeat(20);

/** A valid two-entry archive with `overrides` applied to the second entry ('bad.js'). */
function withBad(overrides: Omit<ZipEntry, 'name'> & { name?: string | Uint8Array }): Uint8Array {
  return buildZip([
    { name: 'ok.js', data: text },
    { name: 'bad.js', data: text, ...overrides },
  ]);
}

/** A valid two-entry archive written with `options` (end record overrides, ZIP64 records, trailing bytes). */
function withEnd(options: ZipOptions): Uint8Array {
  return buildZip(
    [
      { name: 'a.js', data: text },
      { name: 'b.js', data: text, compression: 'store' },
    ],
    options,
  );
}

/** A valid archive cut to `keep(length)` bytes. */
function truncated(keep: (length: number) => number): Uint8Array {
  const bytes = withEnd({});
  return bytes.subarray(0, keep(bytes.length));
}

/** Sets one little-endian u32 at `at` in a copy of `bytes`. */
function patch32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  new DataView(copy.buffer).setUint32(at, value, true);
  return copy;
}

/** A ZIP64 archive of exactly 221 bytes whose ZIP64 end record claims 2^32 entries (fflate looped on it for minutes). */
function zip64Claiming(entries: number | bigint): Uint8Array {
  return buildZip([{ name: 'a.txt', data: 'x'.repeat(37), compression: 'store' }], {
    zip64: true,
    end64: { entries, entriesOnDisk: entries },
  });
}

const BAD: CorpusCase['code'] = 'ERR_HOTZIP_BAD_ARCHIVE';
const LIMIT: CorpusCase['code'] = 'ERR_HOTZIP_LIMIT';

/** The bytes of an archive of `entries`, built afresh on each call. */
function zipOf(...entries: ZipEntry[]): () => Uint8Array {
  return () => buildZip(entries);
}

/** A case, with `entry` and `limits` only when given. */
function caseOf(
  name: string,
  bytes: () => Uint8Array,
  code: CorpusCase['code'],
  at: CorpusCase['at'],
  entry?: string,
  limits?: Partial<ArchiveLimits>,
): CorpusCase {
  return { name, bytes, code, at, ...(entry !== undefined && { entry }), ...(limits !== undefined && { limits }) };
}

/** A case the parser refuses with ERR_HOTZIP_BAD_ARCHIVE, naming `entry` when one entry is at fault. */
function parseFails(name: string, bytes: () => Uint8Array, entry?: string): CorpusCase {
  return caseOf(name, bytes, BAD, 'parse', entry);
}

/** A case whose entry `entry` parses but is refused with ERR_HOTZIP_BAD_ARCHIVE when read. */
function readFails(name: string, bytes: () => Uint8Array, entry: string): CorpusCase {
  return caseOf(name, bytes, BAD, 'read', entry);
}

/** A case over `limits`, refused with ERR_HOTZIP_LIMIT `at` parse or read time (naming `entry` when given). */
function overLimit(
  name: string,
  bytes: () => Uint8Array,
  at: CorpusCase['at'],
  limits: Partial<ArchiveLimits>,
  entry?: string,
): CorpusCase {
  return caseOf(name, bytes, LIMIT, at, entry, limits);
}

/** Every malformed archive kind, each with its expected code. */
export const corpus: readonly CorpusCase[] = [
  // The end record.
  parseFails('empty file', () => new Uint8Array()),
  parseFails('not a zip (text)', () => new TextEncoder().encode('console.log("hi");\n'.repeat(5))),
  parseFails('too short for an end record', () => Uint8Array.of(0x50, 0x4b, 5, 6, 0, 0, 0, 0, 0, 0)),
  parseFails('truncated to half', () => truncated((n) => n >> 1)),
  parseFails('truncated inside the end record', () => truncated((n) => n - 5)),
  parseFails('end record comment length runs past the file', () => withEnd({ end: { commentLength: 40 } })),
  parseFails('trailing bytes after the end record', () => withEnd({ trailing: 'garbage' })),
  parseFails('central directory larger than the file', () => withEnd({ end: { directorySize: 1 << 20 } })),
  parseFails('central directory offset past its real start', () => withEnd({ end: { directoryOffset: 1 << 20 } })),
  parseFails('entry count too large for the directory size', () => withEnd({ end: { entries: 1000 } })),
  parseFails('entry count smaller than the directory holds', () => withEnd({ end: { entries: 1 } })),
  parseFails('ZIP64 end record claiming 2^32 entries (221 bytes)', () => zip64Claiming(2 ** 32)),
  parseFails('ZIP64 entry count past 2^53', () => zip64Claiming(2n ** 63n)),
  parseFails('ZIP64 directory size past 2^53', () => withEnd({ zip64: true, end64: { directorySize: 2n ** 60n } })),
  parseFails('ZIP64 locator but no ZIP64 end record', () => withEnd({ zip64: true, end64: { signature: 0 } })),
  parseFails('end record sentinels without ZIP64 records', () =>
    withEnd({ end: { entries: 0xffff, directorySize: 0xffffffff, directoryOffset: 0xffffffff } }),
  ),
  // Multi-disk archives.
  parseFails('multi-disk: end record on disk 1', () => withEnd({ end: { disk: 1 } })),
  parseFails('multi-disk: directory on disk 1', () => withEnd({ end: { directoryDisk: 1 } })),
  parseFails('multi-disk: entries on this disk differ', () => withEnd({ end: { entriesOnDisk: 1 } })),
  parseFails('multi-disk: ZIP64 locator counts 2 disks', () => withEnd({ zip64: true, locator: { totalDisks: 2 } })),
  parseFails('multi-disk: ZIP64 end record on disk 1', () => withEnd({ zip64: true, end64: { disk: 1 } })),
  parseFails('multi-disk: entry starts on disk 1', () => withBad({ diskStart: 1 }), 'bad.js'),
  // Central directory records.
  parseFails('bad central directory signature', () => withBad({ centralSignature: SIG.local })),
  parseFails('central record name runs past the directory', () => {
    const bytes = withBad({ name: 'bad.js' });
    const end = bytes.length - 22;
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const last = view.getUint32(end + 16, true) + (view.getUint32(end + 12, true) - (46 + 'bad.js'.length));
    view.setUint16(last + 28, 0x7fff, true);
    return bytes;
  }),
  parseFails('size 0xFFFFFFFF without a ZIP64 field', () => withBad({ size: 0xffffffff }), 'bad.js'),
  parseFails('offset 0xFFFFFFFF without a ZIP64 field', () => withBad({ offset: 0xffffffff }), 'bad.js'),
  parseFails(
    'ZIP64 field too short for its sentinels',
    () => withBad({ zip64: true, extra: zip64Extra(text.length) }),
    'bad.js',
  ),
  parseFails('ZIP64 size past 2^53', () => withBad({ zip64: true, extra: zip64Extra(2n ** 62n, 10, 0) }), 'bad.js'),
  parseFails(
    'extra field runs past its record',
    () => withBad({ extra: Uint8Array.of(0x55, 0x54, 0x40, 0x00, 1, 2) }),
    'bad.js',
  ),
  parseFails('UTF-8 flag on a name that is not UTF-8', () =>
    withBad({ name: Uint8Array.of(0x62, 0xff, 0xfe, 0x2e, 0x6a, 0x73), utf8: true }),
  ),
  { name: 'encryption flag', bytes: () => withBad({ flags: FLAG.encrypted }), code: BAD, at: 'parse', entry: 'bad.js' },
  parseFails('strong encryption flag', () => withBad({ flags: FLAG.strongEncryption }), 'bad.js'),
  parseFails('encryption flag in the local header only', () => withBad({ localFlags: FLAG.encrypted }), 'bad.js'),
  { name: 'method 12 (bzip2)', bytes: () => withBad({ method: 12 }), code: BAD, at: 'parse', entry: 'bad.js' },
  { name: 'method 14 (LZMA)', bytes: () => withBad({ method: 14 }), code: BAD, at: 'parse', entry: 'bad.js' },
  { name: 'method 99 (AES)', bytes: () => withBad({ method: 99 }), code: BAD, at: 'parse', entry: 'bad.js' },
  parseFails(
    'stored entry with compressed size ≠ size',
    () => withBad({ compression: 'store', size: text.length - 1 }),
    'bad.js',
  ),
  // Local headers and entry bounds.
  parseFails('bad local header signature', () => withBad({ localSignature: SIG.central }), 'bad.js'),
  parseFails('local method ≠ central method', () => withBad({ localMethod: 0 }), 'bad.js'),
  parseFails('local name ≠ central name', () => withBad({ localName: 'evil.js' }), 'bad.js'),
  parseFails('local header offset past the data', () => withBad({ offset: 1 << 20 }), 'bad.js'),
  parseFails(
    'local header offset inside the central directory',
    () => {
      const bytes = withBad({});
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      const directoryOffset = view.getUint32(bytes.length - 22 + 16, true);
      const second = directoryOffset + 46 + 'ok.js'.length;
      return patch32(bytes, second + 42, directoryOffset);
    },
    'bad.js',
  ),
  parseFails(
    'entry data runs into the central directory',
    () => withBad({ compression: 'store', size: 1 << 16, compressedSize: 1 << 16 }),
    'bad.js',
  ),
  // Overlaps and duplicates.
  parseFails(
    'full-overlap zip bomb: central records share one local header',
    zipOf(
      { name: 'k.bin', data: new Uint8Array(4096) },
      ...Array.from({ length: 9 }, () => ({ name: 'k.bin', shareLocalWith: 0 })),
    ),
    'k.bin',
  ),
  parseFails(
    'full-overlap zip bomb with distinct central names',
    zipOf(
      { name: 'k0.bin', data: new Uint8Array(4096) },
      ...Array.from({ length: 9 }, (_, i) => ({
        name: `k${i + 1}.bin`,
        data: new Uint8Array(4096),
        shareLocalWith: 0,
      })),
    ),
  ),
  parseFails('quoted-overlap zip bomb (overlapping kernels)', () => quotedOverlapBomb(8, 64 * 1024)),
  parseFails(
    'entry data overlaps the next local header',
    zipOf(
      { name: 'ok.js', data: text, compression: 'store', size: text.length + 40, compressedSize: text.length + 40 },
      { name: 'bad.js', data: text },
    ),
    'bad.js',
  ),
  parseFails('duplicate names', zipOf({ name: 'a.js', data: 'one' }, { name: 'a.js', data: 'two' }), 'a.js'),
  parseFails(
    'a file and a directory with the same name',
    zipOf({ name: 'lib', data: 'file' }, { name: 'lib/x.js', data: 'x' }),
    'lib',
  ),
  // Entry data, found when read.
  readFails('deflate inflating to more than declared', () => withBad({ size: text.length - 10, crc: 0 }), 'bad.js'),
  readFails('deflate inflating to less than declared', () => withBad({ size: text.length + 10 }), 'bad.js'),
  readFails(
    'deflate data that is not deflate',
    () => withBad({ raw: Uint8Array.from({ length: 40 }, (_, i) => (i * 37 + 0xfe) & 0xff) }),
    'bad.js',
  ),
  readFails('deflate stream cut short', () => withBad({ raw: deflate(text).subarray(0, 10) }), 'bad.js'),
  readFails('CRC-32 mismatch (deflate)', () => withBad({ crc: 0x12345678 }), 'bad.js'),
  readFails('CRC-32 mismatch (stored)', () => withBad({ compression: 'store', crc: 0x12345678 }), 'bad.js'),
  readFails('CRC-32 mismatch with a data descriptor', () => withBad({ descriptor: true, crc: 0 }), 'bad.js'),
  // Entries that must never be served.
  { name: 'absolute name', bytes: () => withBad({ name: '/etc/x' }), code: BAD, at: 'read', entry: '/etc/x' },
  readFails('".." segment', () => withBad({ name: 'lib/../../x.js' }), 'lib/../../x.js'),
  readFails('backslash in the name', () => withBad({ name: '..\\x.js' }), '..\\x.js'),
  { name: 'NUL in the name', bytes: () => withBad({ name: 'x.js\0.txt' }), code: BAD, at: 'read', entry: 'x.js\0.txt' },
  { name: 'drive letter', bytes: () => withBad({ name: 'C:x.js' }), code: BAD, at: 'read', entry: 'C:x.js' },
  readFails('symbolic link', () => withBad({ name: 'link.js', unixMode: 0o120777, data: '/etc/passwd' }), 'link.js'),
  // Limits.
  overLimit('entry over maxEntryBytes', () => withBad({}), 'read', { maxEntryBytes: 100 }),
  overLimit(
    'compression ratio over maxRatio',
    () => withBad({ data: new Uint8Array(200_000) }),
    'read',
    { maxRatio: 50, ratioFloorBytes: 1000 },
    'bad.js',
  ),
  overLimit('more entries than maxEntries', () => withBad({}), 'parse', { maxEntries: 1 }),
  overLimit('declared sizes over maxArchiveBytes', () => withBad({}), 'parse', { maxArchiveBytes: text.length + 1 }),
];
