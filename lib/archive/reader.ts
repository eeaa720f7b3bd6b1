/**
 * The zip reader: one immutable snapshot of an archive's bytes, indexed once, entries inflated on demand.
 *
 * It trusts nothing the archive says until it has checked it against the rest of the file: fflate's unzip checks
 * none of signatures, bounds, CRC-32 or counts, and a module loader that reads archives other people
 * build must not hang, over-read or serve half an entry. Sizes always come from the central directory (data
 * descriptors are never scanned for), and offsets are only ever applied to the bytes they were read from.
 */
import * as zlib from 'node:zlib';
import { codeOf, describeSite, type ErrorSite, fail, HotzipError, messageOf } from '../errors.js';
import { crc32 } from './crc32.js';

/** Bounds that protect the process from zip bombs and absurd archives. */
export interface ArchiveLimits {
  /** Largest uncompressed entry that may be read. */
  maxEntryBytes: number;
  /** Largest compression ratio (uncompressed / compressed) of an entry bigger than `ratioFloorBytes`. */
  maxRatio: number;
  /** Entries up to this size are exempt from the ratio check: small text compresses well legitimately. */
  ratioFloorBytes: number;
  /** Largest total of declared uncompressed sizes. */
  maxArchiveBytes: number;
  /** Most entries in one archive. */
  maxEntries: number;
}

/** The limits used when nothing else is configured. */
export const defaultLimits: Readonly<ArchiveLimits> = Object.freeze({
  maxEntryBytes: 64 * 1024 * 1024,
  maxRatio: 200,
  ratioFloorBytes: 1024 * 1024,
  maxArchiveBytes: 1024 * 1024 * 1024,
  maxEntries: 100_000,
});

/** One file entry as the central directory describes it, with offsets already corrected for prepended data. */
export interface ArchiveEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: 0 | 8;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Absolute offset of the entry's data in the snapshot's bytes. */
  readonly dataOffset: number;
  /** Unix permission bits when the archive was made on Unix, else undefined. */
  readonly mode: number | undefined;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const END_SIZE = 22;
const LOCATOR64_SIZE = 20;
const END64_SIZE = 56;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const FLAG_UTF8 = 0x0800;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const HOST_UNIX = 3;

/** Code page 437's upper half, 0x80–0xFF (128 characters): names without the UTF-8 flag are CP437 by the APPNOTE. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function decodeCp437(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80];
  return text;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The verdicts of unsafeNameReason on names already seen ('' when safe): an archive is parsed again at every change,
 * with nearly all the same names, and checking them was most of a parse.
 */
const checkedNames = new Map<string, string>();

/** Why a name may never be served, or undefined when it is safe (remembered: see checkedNames). */
function nameReason(name: string): string | undefined {
  let reason = checkedNames.get(name);
  if (reason === undefined) {
    if (checkedNames.size >= 100_000) checkedNames.clear();
    reason = unsafeNameReason(name) ?? '';
    checkedNames.set(name, reason);
  }
  return reason === '' ? undefined : reason;
}

/** Why a name may never be served, or undefined when it is safe: it must stay inside the archive on every OS. */
function unsafeNameReason(name: string): string | undefined {
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.startsWith('/')) return 'is absolute';
  if (/^[a-zA-Z]:/.test(name)) return 'starts with a drive letter';
  const segments = name.replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '..' || s === '.')) return 'contains a "." or ".." segment';
  if (segments.some((s) => s === '')) return 'contains an empty path segment';
  return undefined;
}

interface RawEntry extends ArchiveEntry {
  readonly localOffset: number;
  /** Where the central directory holds the entry's name (its bytes, as the local header must repeat them). */
  readonly nameAt: number;
  readonly nameLength: number;
  readonly flags: number;
}

/** Everything the reader needs to know about a parse in progress, so rules read as one line each. */
class Reader {
  constructor(
    readonly bytes: Buffer,
    readonly path: string,
  ) {}

  bad(detail: string, entry?: string): never {
    const site: ErrorSite = { archive: this.path, entry };
    return fail('ERR_HOTZIP_BAD_ARCHIVE', `${describeSite(site)}: ${detail}`, site);
  }

  u16(at: number): number {
    return this.bytes.readUInt16LE(at);
  }

  u32(at: number): number {
    return this.bytes.readUInt32LE(at);
  }

  u64(at: number, what: string): number {
    const value = this.bytes.readBigUInt64LE(at);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.bad(`${what} ${value} is out of range`);
    return Number(value);
  }
}

/** Where the central directory lies and how many entries it must hold, from the (ZIP64) end records. */
interface Directory {
  count: number;
  start: number;
  size: number;
  /** Bytes prepended to the archive (a shebang line, a self-extractor stub): added to every stored offset. */
  prefix: number;
  comment: string;
}

function findEnd(r: Reader): number {
  const { bytes } = r;
  if (bytes.length < END_SIZE) r.bad(`not a zip archive (${bytes.length} bytes, too short for an end record)`);
  const lowest = Math.max(0, bytes.length - END_SIZE - MAX_COMMENT);
  let sawSignature = false;
  for (let at = bytes.length - END_SIZE; at >= lowest; at--) {
    if (bytes[at] !== 0x50 || r.u32(at) !== SIG_END) continue;
    sawSignature = true;
    if (at + END_SIZE + r.u16(at + 20) === bytes.length) return at;
  }
  return r.bad(
    sawSignature
      ? 'the end-of-central-directory comment length does not match the file size'
      : 'not a zip archive (no end-of-central-directory record)',
  );
}

function readDirectory(r: Reader, end: number): Directory {
  const onDisk = r.u16(end + 8);
  let count = r.u16(end + 10);
  let size = r.u32(end + 12);
  let offset = r.u32(end + 16);
  const commentBytes = r.bytes.subarray(end + END_SIZE, end + END_SIZE + r.u16(end + 20));
  const comment = decodeCp437(commentBytes);
  const locator = end - LOCATOR64_SIZE;
  const hasLocator = locator >= 0 && r.u32(locator) === SIG_LOCATOR64;
  const sentinels = count === U16_MAX || onDisk === U16_MAX || size === U32_MAX || offset === U32_MAX;
  let recordsEnd = end;
  if (hasLocator) {
    if (r.u32(locator + 4) !== 0 || r.u32(locator + 16) > 1) r.bad('multi-disk archives are not supported');
    const stated = r.u64(locator + 8, 'ZIP64 end record offset');
    let end64 = locator - END64_SIZE;
    if (end64 < 0 || r.u32(end64) !== SIG_END64) {
      end64 = stated;
      if (end64 + END64_SIZE > locator || r.u32(end64) !== SIG_END64) {
        r.bad('bad ZIP64 end-of-central-directory record');
      }
    }
    if (r.u32(end64 + 16) !== 0 || r.u32(end64 + 20) !== 0) r.bad('multi-disk archives are not supported');
    const onDisk64 = r.u64(end64 + 24, 'ZIP64 entry count');
    count = r.u64(end64 + 32, 'ZIP64 entry count');
    if (onDisk64 !== count) r.bad('multi-disk archives are not supported');
    size = r.u64(end64 + 40, 'ZIP64 central directory size');
    offset = r.u64(end64 + 48, 'ZIP64 central directory offset');
    recordsEnd = end64;
  } else {
    if (sentinels) r.bad('end record holds ZIP64 sentinel values but there is no ZIP64 end record');
    // Disk numbers matter only without a ZIP64 record, which carries its own (checked above).
    if (r.u16(end + 4) !== 0 || r.u16(end + 6) !== 0 || onDisk !== count) {
      r.bad('multi-disk archives are not supported');
    }
  }
  // The central directory ends where the end records begin; anything before its stated offset was prepended.
  const start = recordsEnd - size;
  const prefix = start - offset;
  if (start < 0 || prefix < 0) r.bad('the central directory lies outside the file');
  if (count * CENTRAL_SIZE > size) {
    r.bad(
      `the end record claims ${count} entries but the central directory has room for at most ${Math.floor(size / CENTRAL_SIZE)}`,
    );
  }
  return { count, start, size, prefix, comment };
}

/**
 * The sizes, offset and disk number of a central record whose 32-bit (or 16-bit) fields hold their sentinel, read
 * from its ZIP64 extra field in the APPNOTE's order: only the fields that hold it have a value there.
 */
function widenZip64(
  r: Reader,
  z64: Buffer | undefined,
  name: string,
  [size, compressedSize, localOffset, diskStart]: [number, number, number, number],
): [number, number, number, number] {
  let cursor = 0;
  const widen = (value: number, sentinel: number, width: 4 | 8, what: string): number => {
    if (value !== sentinel) return value;
    if (z64 === undefined || cursor + width > z64.length) {
      r.bad(`${what} is 0x${sentinel.toString(16)} but the entry has no ZIP64 field for it`, name);
    }
    const found = width === 8 ? Number(z64.readBigUInt64LE(cursor)) : z64.readUInt32LE(cursor);
    cursor += width;
    return found;
  };
  return [
    widen(size, U32_MAX, 8, 'the uncompressed size'),
    widen(compressedSize, U32_MAX, 8, 'the compressed size'),
    widen(localOffset, U32_MAX, 8, 'the local header offset'),
    widen(diskStart, U16_MAX, 4, 'the disk number'),
  ];
}

/** The ZIP64 extended-information extra field (id 1), whose values replace 0xFFFFFFFF sentinels in order. */
function zip64Extra(r: Reader, extra: Buffer, name: string): Buffer | undefined {
  for (let p = 0; p + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (p + 4 + length > extra.length) r.bad('an extra field runs past the end of its header', name);
    if (id === 0x0001) return extra.subarray(p + 4, p + 4 + length);
    p += 4 + length;
  }
  return undefined;
}

function readCentral(
  r: Reader,
  dir: Directory,
  limits: ArchiveLimits,
): { entries: RawEntry[]; names: string[]; unservable: Map<string, string> } {
  if (dir.count > limits.maxEntries) {
    fail(
      'ERR_HOTZIP_LIMIT',
      `${r.path} has ${dir.count} entries, over the limit of ${limits.maxEntries} (HOTZIP_MAX_ENTRIES)`,
      {
        archive: r.path,
      },
    );
  }
  const entries: RawEntry[] = [];
  const names: string[] = [];
  const unservable = new Map<string, string>();
  const end = dir.start + dir.size;
  let p = dir.start;
  let total = 0;
  for (let i = 0; i < dir.count; i++) {
    if (p + CENTRAL_SIZE > end) r.bad(`central directory entry ${i} runs past the end of the directory`);
    if (r.u32(p) !== SIG_CENTRAL) r.bad(`bad signature for central directory entry ${i}`);
    const madeBy = r.u16(p + 4);
    const flags = r.u16(p + 8);
    const method = r.u16(p + 10);
    const crc = r.u32(p + 16);
    const nameLength = r.u16(p + 28);
    const extraLength = r.u16(p + 30);
    const commentLength = r.u16(p + 32);
    const next = p + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > end) r.bad(`central directory entry ${i} runs past the end of the directory`);
    const nameAt = p + CENTRAL_SIZE;
    let name: string;
    // Nearly every name is ASCII, the same in CP437 and UTF-8: read without a view or a decoder (an archive is
    // parsed again at every change).
    let ascii = true;
    for (let at = nameAt; at < nameAt + nameLength; at++) {
      if ((r.bytes[at] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    const nameBytes = ascii ? undefined : r.bytes.subarray(nameAt, nameAt + nameLength);
    if (nameBytes === undefined) {
      name = r.bytes.toString('latin1', nameAt, nameAt + nameLength);
    } else if (flags & FLAG_UTF8) {
      try {
        name = utf8.decode(nameBytes);
      } catch {
        r.bad(`central directory entry ${i} is flagged UTF-8 but its name is not valid UTF-8`);
      }
    } else {
      name = decodeCp437(nameBytes);
    }
    if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) r.bad('encrypted entries are not supported', name);
    const z64 =
      extraLength === 0
        ? undefined
        : zip64Extra(r, r.bytes.subarray(nameAt + nameLength, nameAt + nameLength + extraLength), name);
    let size = r.u32(p + 24);
    let compressedSize = r.u32(p + 20);
    let localOffset = r.u32(p + 42);
    let diskStart = r.u16(p + 34);
    if (size === U32_MAX || compressedSize === U32_MAX || localOffset === U32_MAX || diskStart === U16_MAX) {
      [size, compressedSize, localOffset, diskStart] = widenZip64(r, z64, name, [
        size,
        compressedSize,
        localOffset,
        diskStart,
      ]);
    }
    if (diskStart !== 0) r.bad('multi-disk archives are not supported', name);
    if (!Number.isSafeInteger(size) || !Number.isSafeInteger(compressedSize) || !Number.isSafeInteger(localOffset)) {
      r.bad('a ZIP64 size or offset is out of range', name);
    }
    const external = r.u32(p + 38);
    const mode = madeBy >> 8 === HOST_UNIX ? external >>> 16 : undefined;
    p = next;
    names.push(name);
    if (name.endsWith('/') && size === 0) {
      // A directory entry: it names a directory and holds no data worth reading.
      continue;
    }
    if (method !== 0 && method !== 8) {
      r.bad(`compression method ${method} is not supported (only store and deflate)`, name);
    }
    if (method === 0 && size !== compressedSize) {
      r.bad(`a stored entry declares ${compressedSize} compressed but ${size} uncompressed bytes`, name);
    }
    total += size;
    if (total > limits.maxArchiveBytes) {
      fail(
        'ERR_HOTZIP_LIMIT',
        `${r.path} declares more than ${limits.maxArchiveBytes} uncompressed bytes (HOTZIP_MAX_ARCHIVE_BYTES)`,
        { archive: r.path },
      );
    }
    const unsafe = nameReason(name);
    if (unsafe !== undefined) unservable.set(name, `the name ${unsafe}`);
    else if (mode !== undefined && (mode & S_IFMT) === S_IFLNK) unservable.set(name, 'it is a symbolic link');
    entries.push({
      name,
      method,
      crc32: crc,
      compressedSize,
      size,
      dataOffset: -1,
      mode: mode === undefined ? undefined : mode & 0o7777,
      localOffset: localOffset + dir.prefix,
      nameAt,
      nameLength,
      flags,
    });
  }
  if (p !== end) {
    r.bad(`the end record claims ${dir.count} entries but the central directory holds more data than that`);
  }
  return { entries, names, unservable };
}

/** Checks each local header against its central record and that no two entries share bytes (zip bombs do). */
function locateData(r: Reader, dir: Directory, raw: RawEntry[]): ArchiveEntry[] {
  const located: ArchiveEntry[] = [];
  // Where each entry's bytes start and end, by entry: in parallel arrays, as an archive may hold thousands.
  const froms: number[] = [];
  const tos: number[] = [];
  for (const entry of raw) {
    const at = entry.localOffset;
    const { name } = entry;
    if (at + LOCAL_SIZE > dir.start) r.bad('the local header lies outside the file data', name);
    if (r.u32(at) !== SIG_LOCAL) r.bad('bad local header signature', name);
    if (r.u16(at + 6) & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) r.bad('encrypted entries are not supported', name);
    if (r.u16(at + 8) !== entry.method) {
      r.bad('the local header and the central directory disagree on the method', name);
    }
    const nameLength = r.u16(at + 26);
    const extraLength = r.u16(at + 28);
    const dataOffset = at + LOCAL_SIZE + nameLength + extraLength;
    const localName = at + LOCAL_SIZE;
    const centralName = entry.nameAt;
    if (
      nameLength !== entry.nameLength ||
      r.bytes.compare(r.bytes, centralName, centralName + nameLength, localName, localName + nameLength) !== 0
    ) {
      r.bad('the local header names a different file than the central directory', name);
    }
    const dataEnd = dataOffset + entry.compressedSize;
    if (dataEnd > dir.start) r.bad('the entry data runs into the central directory or past the end of the file', name);
    froms.push(at);
    tos.push(dataEnd);
    located.push({
      name,
      method: entry.method,
      crc32: entry.crc32,
      compressedSize: entry.compressedSize,
      size: entry.size,
      dataOffset,
      mode: entry.mode,
    });
  }
  // Archives are written front to back: the entries are nearly always in order already, and then need no sort.
  let order: number[] | undefined;
  for (let i = 1; i < froms.length && order === undefined; i++) {
    if ((froms[i] as number) < (froms[i - 1] as number)) {
      order = froms.map((_, k) => k).sort((a, b) => (froms[a] as number) - (froms[b] as number));
    }
  }
  for (let i = 1; i < froms.length; i++) {
    const previous = order === undefined ? i - 1 : (order[i - 1] as number);
    const current = order === undefined ? i : (order[i] as number);
    if ((froms[current] as number) < (tos[previous] as number)) {
      const overlapped = (raw[previous] as RawEntry).name;
      r.bad(
        `the entry overlaps entry "${overlapped}" (overlapping entries are how zip bombs are built)`,
        (raw[current] as RawEntry).name,
      );
    }
  }
  return located;
}

/** One immutable, validated snapshot of a zip archive. */
export class Archive {
  /** Absolute path the snapshot was read from. */
  readonly path: string;
  /** The whole file as it was read; every offset refers to these bytes and no others. */
  readonly bytes: Buffer;
  /** Servable file entries by name (no leading slash). */
  readonly entries: ReadonlyMap<string, ArchiveEntry>;
  /** Entries that exist but are never served (unsafe names, symbolic links), with the reason. */
  readonly unservable: ReadonlyMap<string, string>;
  /** The archive comment. */
  readonly comment: string;
  readonly limits: Readonly<ArchiveLimits>;
  readonly #directories: ReadonlySet<string>;
  readonly #texts = new Map<string, string>();

  private constructor(path: string, bytes: Buffer, limits: Readonly<ArchiveLimits>) {
    const r = new Reader(bytes, path);
    const dir = readDirectory(r, findEnd(r));
    const { entries: raw, names, unservable } = readCentral(r, dir, limits);
    const entries = new Map<string, ArchiveEntry>();
    const seen = new Set<string>();
    for (const entry of locateData(r, dir, raw)) {
      if (seen.has(entry.name)) r.bad('the archive holds two entries with this name', entry.name);
      seen.add(entry.name);
      if (!unservable.has(entry.name)) entries.set(entry.name, entry);
    }
    const directories = new Set<string>(['']);
    for (const name of names) {
      if (nameReason(name) !== undefined) continue;
      // Every ancestor of a file is a directory, and so is a name ending in '/'. A directory already known has all
      // its ancestors known too.
      for (let at = name.lastIndexOf('/'); at > 0; at = name.lastIndexOf('/', at - 1)) {
        const directory = name.slice(0, at);
        if (directories.has(directory)) break;
        directories.add(directory);
      }
    }
    for (const name of entries.keys()) {
      if (directories.has(name)) r.bad('the archive holds both a file and a directory with this name', name);
    }
    this.path = path;
    this.bytes = bytes;
    this.entries = entries;
    this.unservable = unservable;
    this.comment = dir.comment;
    this.limits = limits;
    this.#directories = directories;
  }

  /** Parses and validates `bytes` read from `path`; throws ERR_HOTZIP_BAD_ARCHIVE or ERR_HOTZIP_LIMIT. */
  static parse(bytes: Buffer, path: string, limits: Readonly<ArchiveLimits> = defaultLimits): Archive {
    return new Archive(path, bytes, limits);
  }

  /** The entry called `name`, if it can be served. */
  get(name: string): ArchiveEntry | undefined {
    return this.entries.get(name);
  }

  /** Whether `name` is a servable file entry. */
  isFile(name: string): boolean {
    return this.entries.has(name);
  }

  /** Whether `name` (no trailing slash; '' is the root) is a directory in the archive. */
  isDirectory(name: string): boolean {
    return this.#directories.has(name);
  }

  /**
   * Entry `name` as stored (deflated or not), after the checks `read` makes before inflating: whether it exists and
   * may be served, and the size and ratio limits. Neither inflated nor CRC-checked: inflating is deterministic, so
   * these bytes identify the content for a cache without the cost of reading it.
   */
  stored(name: string): { entry: ArchiveEntry; data: Buffer } {
    const entry = this.entries.get(name);
    const site = { archive: this.path, entry: name };
    if (entry === undefined) {
      const why = this.unservable.get(name);
      if (why !== undefined) fail('ERR_HOTZIP_BAD_ARCHIVE', `${describeSite(site)} is never served: ${why}`, site);
      return fail('ERR_MODULE_NOT_FOUND', `Cannot find ${describeSite(site)}`, site);
    }
    const { limits } = this;
    if (entry.size > limits.maxEntryBytes) {
      fail(
        'ERR_HOTZIP_LIMIT',
        `${describeSite(site)} is ${entry.size} bytes, over the limit of ${limits.maxEntryBytes} (HOTZIP_MAX_ENTRY_BYTES)`,
        site,
      );
    }
    if (entry.size > limits.ratioFloorBytes && entry.size > entry.compressedSize * limits.maxRatio) {
      const ratio = Math.round(entry.size / Math.max(1, entry.compressedSize));
      fail(
        'ERR_HOTZIP_LIMIT',
        `${describeSite(site)} has a compression ratio of ${ratio}:1, over the limit of ${limits.maxRatio}:1 (HOTZIP_MAX_RATIO)`,
        site,
      );
    }
    return { entry, data: this.bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize) };
  }

  /** The bytes of entry `name`, inflated and checked against its size and CRC-32; a fresh Buffer each call. */
  read(name: string): Buffer {
    const { entry, data } = this.stored(name);
    const site = { archive: this.path, entry: name };
    let output: Buffer;
    if (entry.method === 0) {
      output = Buffer.from(data);
    } else if (entry.compressedSize === 0 && entry.size === 0) {
      // An empty entry some writers mark as deflated without writing the two-byte empty deflate block.
      output = Buffer.alloc(0);
    } else {
      try {
        // One byte more than declared, so that an entry inflating to more than it says is caught, not truncated.
        output = zlib.inflateRawSync(data, { maxOutputLength: entry.size + 1 });
      } catch (error) {
        const reason = messageOf(error);
        const tooLarge = codeOf(error) === 'ERR_BUFFER_TOO_LARGE';
        throw new HotzipError(
          'ERR_HOTZIP_BAD_ARCHIVE',
          `${describeSite(site)}: ${tooLarge ? `inflates to more than its declared ${entry.size} bytes` : `corrupt deflate data (${reason})`}`,
          site,
        );
      }
    }
    if (output.length > entry.size) {
      fail(
        'ERR_HOTZIP_BAD_ARCHIVE',
        `${describeSite(site)}: inflates to more than its declared ${entry.size} bytes`,
        site,
      );
    }
    if (output.length < entry.size) {
      fail(
        'ERR_HOTZIP_BAD_ARCHIVE',
        `${describeSite(site)}: holds ${output.length} bytes but declares ${entry.size}`,
        site,
      );
    }
    const actual = crc32(output);
    if (actual !== entry.crc32) {
      fail(
        'ERR_HOTZIP_BAD_ARCHIVE',
        `${describeSite(site)}: CRC-32 mismatch (declared ${hex(entry.crc32)}, data has ${hex(actual)})`,
        site,
      );
    }
    return output;
  }

  /** The entry decoded as UTF-8, cached: package.json files are read again and again by resolution. */
  readText(name: string): string {
    let text = this.#texts.get(name);
    if (text === undefined) {
      text = this.read(name).toString('utf8');
      this.#texts.set(name, text);
    }
    return text;
  }

  /** Reads and checks every entry; the reasons the archive is unsound, empty when it is sound. */
  verify(): string[] {
    const problems: string[] = [];
    for (const [name, why] of this.unservable) problems.push(`entry "${name}" is never served: ${why}`);
    for (const name of this.entries.keys()) {
      try {
        this.read(name);
      } catch (error) {
        problems.push(messageOf(error));
      }
    }
    return problems;
  }
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
