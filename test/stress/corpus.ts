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

/** Every malformed archive kind, each with its expected code. */
export const corpus: readonly CorpusCase[] = [
  // The end record.
  { name: 'empty file', bytes: () => new Uint8Array(), code: BAD, at: 'parse' },
  {
    name: 'not a zip (text)',
    bytes: () => new TextEncoder().encode('console.log("hi");\n'.repeat(5)),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'too short for an end record',
    bytes: () => Uint8Array.of(0x50, 0x4b, 5, 6, 0, 0, 0, 0, 0, 0),
    code: BAD,
    at: 'parse',
  },
  { name: 'truncated to half', bytes: () => truncated((n) => n >> 1), code: BAD, at: 'parse' },
  { name: 'truncated inside the end record', bytes: () => truncated((n) => n - 5), code: BAD, at: 'parse' },
  {
    name: 'end record comment length runs past the file',
    bytes: () => withEnd({ end: { commentLength: 40 } }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'trailing bytes after the end record',
    bytes: () => withEnd({ trailing: 'garbage' }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'central directory larger than the file',
    bytes: () => withEnd({ end: { directorySize: 1 << 20 } }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'central directory offset past its real start',
    bytes: () => withEnd({ end: { directoryOffset: 1 << 20 } }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'entry count too large for the directory size',
    bytes: () => withEnd({ end: { entries: 1000 } }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'entry count smaller than the directory holds',
    bytes: () => withEnd({ end: { entries: 1 } }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'ZIP64 end record claiming 2^32 entries (221 bytes)',
    bytes: () => zip64Claiming(2 ** 32),
    code: BAD,
    at: 'parse',
  },
  { name: 'ZIP64 entry count past 2^53', bytes: () => zip64Claiming(2n ** 63n), code: BAD, at: 'parse' },
  {
    name: 'ZIP64 directory size past 2^53',
    bytes: () => withEnd({ zip64: true, end64: { directorySize: 2n ** 60n } }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'ZIP64 locator but no ZIP64 end record',
    bytes: () => withEnd({ zip64: true, end64: { signature: 0 } }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'end record sentinels without ZIP64 records',
    bytes: () => withEnd({ end: { entries: 0xffff, directorySize: 0xffffffff, directoryOffset: 0xffffffff } }),
    code: BAD,
    at: 'parse',
  },
  // Multi-disk archives.
  { name: 'multi-disk: end record on disk 1', bytes: () => withEnd({ end: { disk: 1 } }), code: BAD, at: 'parse' },
  {
    name: 'multi-disk: directory on disk 1',
    bytes: () => withEnd({ end: { directoryDisk: 1 } }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'multi-disk: entries on this disk differ',
    bytes: () => withEnd({ end: { entriesOnDisk: 1 } }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'multi-disk: ZIP64 locator counts 2 disks',
    bytes: () => withEnd({ zip64: true, locator: { totalDisks: 2 } }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'multi-disk: ZIP64 end record on disk 1',
    bytes: () => withEnd({ zip64: true, end64: { disk: 1 } }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'multi-disk: entry starts on disk 1',
    bytes: () => withBad({ diskStart: 1 }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  // Central directory records.
  {
    name: 'bad central directory signature',
    bytes: () => withBad({ centralSignature: SIG.local }),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'central record name runs past the directory',
    bytes: () => {
      const bytes = withBad({ name: 'bad.js' });
      const end = bytes.length - 22;
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      const last = view.getUint32(end + 16, true) + (view.getUint32(end + 12, true) - (46 + 'bad.js'.length));
      view.setUint16(last + 28, 0x7fff, true);
      return bytes;
    },
    code: BAD,
    at: 'parse',
  },
  {
    name: 'size 0xFFFFFFFF without a ZIP64 field',
    bytes: () => withBad({ size: 0xffffffff }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  {
    name: 'offset 0xFFFFFFFF without a ZIP64 field',
    bytes: () => withBad({ offset: 0xffffffff }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  {
    name: 'ZIP64 field too short for its sentinels',
    bytes: () => withBad({ zip64: true, extra: zip64Extra(text.length) }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  {
    name: 'ZIP64 size past 2^53',
    bytes: () => withBad({ zip64: true, extra: zip64Extra(2n ** 62n, 10, 0) }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  {
    name: 'extra field runs past its record',
    bytes: () => withBad({ extra: Uint8Array.of(0x55, 0x54, 0x40, 0x00, 1, 2) }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  {
    name: 'UTF-8 flag on a name that is not UTF-8',
    bytes: () => withBad({ name: Uint8Array.of(0x62, 0xff, 0xfe, 0x2e, 0x6a, 0x73), utf8: true }),
    code: BAD,
    at: 'parse',
  },
  { name: 'encryption flag', bytes: () => withBad({ flags: FLAG.encrypted }), code: BAD, at: 'parse', entry: 'bad.js' },
  {
    name: 'strong encryption flag',
    bytes: () => withBad({ flags: FLAG.strongEncryption }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  {
    name: 'encryption flag in the local header only',
    bytes: () => withBad({ localFlags: FLAG.encrypted }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  { name: 'method 12 (bzip2)', bytes: () => withBad({ method: 12 }), code: BAD, at: 'parse', entry: 'bad.js' },
  { name: 'method 14 (LZMA)', bytes: () => withBad({ method: 14 }), code: BAD, at: 'parse', entry: 'bad.js' },
  { name: 'method 99 (AES)', bytes: () => withBad({ method: 99 }), code: BAD, at: 'parse', entry: 'bad.js' },
  {
    name: 'stored entry with compressed size ≠ size',
    bytes: () => withBad({ compression: 'store', size: text.length - 1 }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  // Local headers and entry bounds.
  {
    name: 'bad local header signature',
    bytes: () => withBad({ localSignature: SIG.central }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  {
    name: 'local method ≠ central method',
    bytes: () => withBad({ localMethod: 0 }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  {
    name: 'local name ≠ central name',
    bytes: () => withBad({ localName: 'evil.js' }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  {
    name: 'local header offset past the data',
    bytes: () => withBad({ offset: 1 << 20 }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  {
    name: 'local header offset inside the central directory',
    bytes: () => {
      const bytes = withBad({});
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      const directoryOffset = view.getUint32(bytes.length - 22 + 16, true);
      const second = directoryOffset + 46 + 'ok.js'.length;
      return patch32(bytes, second + 42, directoryOffset);
    },
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  {
    name: 'entry data runs into the central directory',
    bytes: () => withBad({ compression: 'store', size: 1 << 16, compressedSize: 1 << 16 }),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  // Overlaps and duplicates.
  {
    name: 'full-overlap zip bomb: central records share one local header',
    bytes: () =>
      buildZip([
        { name: 'k.bin', data: new Uint8Array(4096) },
        ...Array.from({ length: 9 }, () => ({ name: 'k.bin', shareLocalWith: 0 })),
      ]),
    code: BAD,
    at: 'parse',
    entry: 'k.bin',
  },
  {
    name: 'full-overlap zip bomb with distinct central names',
    bytes: () =>
      buildZip([
        { name: 'k0.bin', data: new Uint8Array(4096) },
        ...Array.from({ length: 9 }, (_, i) => ({
          name: `k${i + 1}.bin`,
          data: new Uint8Array(4096),
          shareLocalWith: 0,
        })),
      ]),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'quoted-overlap zip bomb (overlapping kernels)',
    bytes: () => quotedOverlapBomb(8, 64 * 1024),
    code: BAD,
    at: 'parse',
  },
  {
    name: 'entry data overlaps the next local header',
    bytes: () =>
      buildZip([
        { name: 'ok.js', data: text, compression: 'store', size: text.length + 40, compressedSize: text.length + 40 },
        { name: 'bad.js', data: text },
      ]),
    code: BAD,
    at: 'parse',
    entry: 'bad.js',
  },
  {
    name: 'duplicate names',
    bytes: () =>
      buildZip([
        { name: 'a.js', data: 'one' },
        { name: 'a.js', data: 'two' },
      ]),
    code: BAD,
    at: 'parse',
    entry: 'a.js',
  },
  {
    name: 'a file and a directory with the same name',
    bytes: () =>
      buildZip([
        { name: 'lib', data: 'file' },
        { name: 'lib/x.js', data: 'x' },
      ]),
    code: BAD,
    at: 'parse',
    entry: 'lib',
  },
  // Entry data, found when read.
  {
    name: 'deflate inflating to more than declared',
    bytes: () => withBad({ size: text.length - 10, crc: 0 }),
    code: BAD,
    at: 'read',
    entry: 'bad.js',
  },
  {
    name: 'deflate inflating to less than declared',
    bytes: () => withBad({ size: text.length + 10 }),
    code: BAD,
    at: 'read',
    entry: 'bad.js',
  },
  {
    name: 'deflate data that is not deflate',
    bytes: () => withBad({ raw: Uint8Array.from({ length: 40 }, (_, i) => (i * 37 + 0xfe) & 0xff) }),
    code: BAD,
    at: 'read',
    entry: 'bad.js',
  },
  {
    name: 'deflate stream cut short',
    bytes: () => withBad({ raw: deflate(text).subarray(0, 10) }),
    code: BAD,
    at: 'read',
    entry: 'bad.js',
  },
  {
    name: 'CRC-32 mismatch (deflate)',
    bytes: () => withBad({ crc: 0x12345678 }),
    code: BAD,
    at: 'read',
    entry: 'bad.js',
  },
  {
    name: 'CRC-32 mismatch (stored)',
    bytes: () => withBad({ compression: 'store', crc: 0x12345678 }),
    code: BAD,
    at: 'read',
    entry: 'bad.js',
  },
  {
    name: 'CRC-32 mismatch with a data descriptor',
    bytes: () => withBad({ descriptor: true, crc: 0 }),
    code: BAD,
    at: 'read',
    entry: 'bad.js',
  },
  // Entries that must never be served.
  { name: 'absolute name', bytes: () => withBad({ name: '/etc/x' }), code: BAD, at: 'read', entry: '/etc/x' },
  {
    name: '".." segment',
    bytes: () => withBad({ name: 'lib/../../x.js' }),
    code: BAD,
    at: 'read',
    entry: 'lib/../../x.js',
  },
  {
    name: 'backslash in the name',
    bytes: () => withBad({ name: '..\\x.js' }),
    code: BAD,
    at: 'read',
    entry: '..\\x.js',
  },
  { name: 'NUL in the name', bytes: () => withBad({ name: 'x.js\0.txt' }), code: BAD, at: 'read', entry: 'x.js\0.txt' },
  { name: 'drive letter', bytes: () => withBad({ name: 'C:x.js' }), code: BAD, at: 'read', entry: 'C:x.js' },
  {
    name: 'symbolic link',
    bytes: () => withBad({ name: 'link.js', unixMode: 0o120777, data: '/etc/passwd' }),
    code: BAD,
    at: 'read',
    entry: 'link.js',
  },
  // Limits.
  {
    name: 'entry over maxEntryBytes',
    bytes: () => withBad({}),
    code: LIMIT,
    at: 'read',
    limits: { maxEntryBytes: 100 },
  },
  {
    name: 'compression ratio over maxRatio',
    bytes: () => withBad({ data: new Uint8Array(200_000) }),
    code: LIMIT,
    at: 'read',
    entry: 'bad.js',
    limits: { maxRatio: 50, ratioFloorBytes: 1000 },
  },
  {
    name: 'more entries than maxEntries',
    bytes: () => withBad({}),
    code: LIMIT,
    at: 'parse',
    limits: { maxEntries: 1 },
  },
  {
    name: 'declared sizes over maxArchiveBytes',
    bytes: () => withBad({}),
    code: LIMIT,
    at: 'parse',
    limits: { maxArchiveBytes: text.length + 1 },
  },
];
