/**
 * A small zip writer for tests, written here rather than taken from fflate so that every field of every record can
 * be set to a wrong value on purpose: the reader's tests need archives no well-behaved writer would produce.
 *
 * Defaults give a valid archive; every option overrides exactly one thing. Offsets in options are, like the
 * offsets the zip format stores, relative to the start of the archive proper (after any prepended bytes), unless
 * `adjustOffsets` says the prefix is counted in.
 */
import * as zlib from 'node:zlib';
import { crc32 } from '../../lib/archive/crc32.js';

/** Record signatures, for tests that corrupt or search for them. */
export const SIG = Object.freeze({
  local: 0x04034b50,
  central: 0x02014b50,
  descriptor: 0x08074b50,
  end: 0x06054b50,
  end64: 0x06064b50,
  locator64: 0x07064b50,
});

/** General-purpose flag bits. */
export const FLAG = Object.freeze({
  encrypted: 0x0001,
  descriptor: 0x0008,
  strongEncryption: 0x0040,
  utf8: 0x0800,
});

/** Fixed sizes of the records, without their variable parts. */
export const SIZE = Object.freeze({ local: 30, central: 46, end: 22, end64: 56, locator64: 20 });

const U16 = 0xffff;
const U32 = 0xffffffff;
const HOST_UNIX = 3;

/** A value for a 64-bit field: a number, or a bigint for values past Number.MAX_SAFE_INTEGER. */
export type U64 = number | bigint;

/** One entry to write. Only `name` is required; every other field is computed unless given. */
export interface ZipEntry {
  /** The name in the central directory: a string is written as UTF-8, bytes are written as they are. */
  name: string | Uint8Array;
  /** The uncompressed content (a string is UTF-8); empty by default. */
  data?: string | Uint8Array;
  /** How `data` is compressed: 'deflate' (zlib.deflateRawSync, the default) or 'store'. */
  compression?: 'store' | 'deflate';
  /** Bytes written as the entry's data instead of compressing `data` (sizes and CRC still default from `data`). */
  raw?: Uint8Array;
  /** Method number in both headers; defaults to 0 for store, 8 for deflate. */
  method?: number;
  /** Method number in the local header only. */
  localMethod?: number;
  /** General-purpose flags in both headers (FLAG.descriptor and FLAG.utf8 are added from the options below). */
  flags?: number;
  /** Flags in the local header only (replaces the computed local flags). */
  localFlags?: number;
  /** Sets FLAG.utf8 in both headers. */
  utf8?: boolean;
  /** CRC-32 in both headers (default: of `data`). */
  crc?: number;
  /** Compressed size in both headers (default: length of the written data). */
  compressedSize?: number;
  /** Uncompressed size in both headers (default: length of `data`). */
  size?: number;
  /** CRC-32, compressed and uncompressed size in the local header only. */
  localCrc?: number;
  localCompressedSize?: number;
  localSize?: number;
  /** The name in the local header, when it should differ from the central one. */
  localName?: string | Uint8Array;
  /** Extra field bytes in the central record (replaces the computed ZIP64 field). */
  extra?: Uint8Array;
  /** Extra field bytes in the local header (replaces the computed ZIP64 field). */
  localExtra?: Uint8Array;
  /** Entry comment in the central record. */
  comment?: string;
  /** Version made by (high byte: host system, 3 = Unix). */
  versionMadeBy?: number;
  /** Version needed to extract, in both headers. */
  versionNeeded?: number;
  /** External attributes (for Unix hosts the mode sits in the high 16 bits). */
  externalAttrs?: number;
  /** Shorthand for a Unix host with this mode: `0o120777` makes a symbolic link, `0o100644` a file. */
  unixMode?: number;
  /** Disk number start in the central record. */
  diskStart?: number;
  /** Local header signature (default SIG.local). */
  localSignature?: number;
  /** Central record signature (default SIG.central). */
  centralSignature?: number;
  /** The local header offset written in the central record, overriding where the header really is. */
  offset?: U64;
  /** Do not write a local header or data: the central record points at entry number `shareLocalWith`'s header. */
  shareLocalWith?: number;
  /**
   * Flag bit 3: the local header holds zero CRC and sizes and a data descriptor follows the data; the central
   * record holds the real values. `'unsigned'` leaves out the optional descriptor signature.
   */
  descriptor?: boolean | 'unsigned';
  /**
   * ZIP64 for this entry: sizes and offset in the central record (and sizes in the local header) are 0xFFFFFFFF and
   * the real values sit in a ZIP64 extended-information extra field (id 1).
   */
  zip64?: boolean;
}

/** The fields of an end-of-central-directory record. */
export interface EndRecord {
  signature: number;
  disk: number;
  directoryDisk: number;
  entriesOnDisk: number;
  entries: number;
  directorySize: number;
  directoryOffset: number;
  /** The comment-length field; defaults to the length of `comment`, set it to lie. */
  commentLength?: number;
  comment?: string | Uint8Array;
}

/** The fields of a ZIP64 end-of-central-directory record. */
export interface End64Record {
  signature: number;
  /** Size of the rest of the record (44 for the fixed part). */
  recordSize: U64;
  versionMadeBy: number;
  versionNeeded: number;
  disk: number;
  directoryDisk: number;
  entriesOnDisk: U64;
  entries: U64;
  directorySize: U64;
  directoryOffset: U64;
}

/** The fields of a ZIP64 end-of-central-directory locator. */
export interface Locator64 {
  signature: number;
  /** Disk holding the ZIP64 end record. */
  disk: number;
  /** Offset of the ZIP64 end record. */
  end64Offset: U64;
  totalDisks: number;
}

/** Options for the archive as a whole. */
export interface ZipOptions {
  /** Bytes before the archive (a shebang line, a self-extractor stub), as `cat stub app.zip` prepends them. */
  prefix?: string | Uint8Array;
  /** Count the prefix into every stored offset, as `zip -A` does after prepending. Default false (as `cat`). */
  adjustOffsets?: boolean;
  /** The archive comment. */
  comment?: string | Uint8Array;
  /**
   * Write a ZIP64 end record and locator. `'values'` also keeps the real values in the classic end record;
   * `true`/`'sentinels'` puts 0xFFFF / 0xFFFFFFFF there, as writers do when the values do not fit.
   */
  zip64?: boolean | 'sentinels' | 'values';
  /** Overrides for the end record's fields. */
  end?: Partial<EndRecord>;
  /** Overrides for the ZIP64 end record's fields. */
  end64?: Partial<End64Record>;
  /** Overrides for the ZIP64 locator's fields. */
  locator?: Partial<Locator64>;
  /** Bytes after the end record (trailing garbage). */
  trailing?: string | Uint8Array;
}

/** Bytes of a string as UTF-8, or the bytes themselves. */
export function bytesOf(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? new TextEncoder().encode(value) : value;
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A little-endian record being written field by field. */
class Fields {
  readonly #parts: number[] = [];
  readonly #tail: Uint8Array[] = [];

  u16(value: number): this {
    this.#parts.push(value & 0xff, (value >>> 8) & 0xff);
    return this;
  }

  u32(value: number): this {
    const v = value >>> 0;
    this.#parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
    return this;
  }

  u64(value: U64): this {
    const v = BigInt.asUintN(64, BigInt(value));
    for (let i = 0n; i < 8n; i++) this.#parts.push(Number((v >> (8n * i)) & 0xffn));
    return this;
  }

  bytes(value: Uint8Array): this {
    this.#tail.push(Uint8Array.from(this.#parts), value);
    this.#parts.length = 0;
    return this;
  }

  done(): Uint8Array {
    return concat([...this.#tail, Uint8Array.from(this.#parts)]);
  }
}

/**
 * The fixed fields of a record, in the order they are written: `name:bytes` pairs (2, 4 or 8), separated by spaces.
 * One writer serves every record laid out this way; a field left out of the values it is given is written as 0.
 */
type Layout = string;

const END_LAYOUT: Layout =
  'signature:4 disk:2 directoryDisk:2 entriesOnDisk:2 entries:2 directorySize:4 directoryOffset:4 commentLength:2';
const END64_LAYOUT: Layout =
  'signature:4 recordSize:8 versionMadeBy:2 versionNeeded:2 disk:4 directoryDisk:4 entriesOnDisk:8 entries:8 ' +
  'directorySize:8 directoryOffset:8';
const LOCATOR64_LAYOUT: Layout = 'signature:4 disk:4 end64Offset:8 totalDisks:4';

/**
 * Writes the fields of `layout`, each from `fields` when set there, else from `defaults`, else 0; then `tail`.
 * Entries of `fields` no layout names (a comment's text) are passed over.
 */
function writeRecord(
  layout: Layout,
  defaults: object,
  fields: object,
  tail: Uint8Array = new Uint8Array(),
): Uint8Array {
  const set = Object.entries(fields).filter(([, value]) => value !== undefined);
  const given = new Map<string, unknown>([...Object.entries(defaults), ...set]);
  const out = new Fields();
  for (const field of layout.split(' ')) {
    const [name = '', size] = field.split(':');
    const value = given.get(name);
    const number = typeof value === 'number' || typeof value === 'bigint' ? value : 0;
    if (size === '8') out.u64(number);
    else if (size === '4') out.u32(Number(number));
    else out.u16(Number(number));
  }
  return out.bytes(tail).done();
}

/** A raw end-of-central-directory record (22 bytes plus the comment). */
export function endRecord(fields: Partial<EndRecord> = {}): Uint8Array {
  const comment = bytesOf(fields.comment ?? '');
  const entries = fields.entries ?? 0;
  const defaults = { signature: SIG.end, entriesOnDisk: entries, commentLength: comment.length };
  return writeRecord(END_LAYOUT, defaults, fields, comment);
}

/** A raw ZIP64 end-of-central-directory record (56 bytes). */
export function end64Record(fields: Partial<End64Record> = {}): Uint8Array {
  const entries = fields.entries ?? 0;
  const defaults = { signature: SIG.end64, recordSize: SIZE.end64 - 12, versionMadeBy: 45, versionNeeded: 45 };
  return writeRecord(END64_LAYOUT, { ...defaults, entriesOnDisk: entries }, fields);
}

/** A raw ZIP64 end-of-central-directory locator (20 bytes). */
export function locator64(fields: Partial<Locator64> = {}): Uint8Array {
  return writeRecord(LOCATOR64_LAYOUT, { signature: SIG.locator64, totalDisks: 1 }, fields);
}

/** An extra field: id, length, data. */
export function extraField(id: number, data: Uint8Array): Uint8Array {
  return new Fields().u16(id).u16(data.length).bytes(data).done();
}

/** A ZIP64 extended-information extra field (id 1) holding the given 64-bit values in order. */
export function zip64Extra(...values: U64[]): Uint8Array {
  const fields = new Fields();
  for (const value of values) fields.u64(value);
  return extraField(0x0001, fields.done());
}

/** Deflates bytes the way zip writers do (raw deflate, no zlib header). */
export function deflate(data: string | Uint8Array, level = 9): Uint8Array {
  return new Uint8Array(zlib.deflateRawSync(bytesOf(data), { level }));
}

/** Writes an archive of `entries` (in order: local headers and data, central directory, end records). */
export function buildZip(entries: readonly ZipEntry[], options: ZipOptions = {}): Uint8Array {
  const prefix = bytesOf(options.prefix ?? '');
  const base = options.adjustOffsets ? prefix.length : 0;
  const body: Uint8Array[] = [];
  let position = 0;
  const localOffsets: number[] = [];
  const centrals: Uint8Array[] = [];

  for (const entry of entries) {
    const name = bytesOf(entry.name);
    const data = bytesOf(entry.data ?? '');
    const compression = entry.compression ?? 'deflate';
    const written = entry.raw ?? (compression === 'store' ? data : deflate(data));
    const method = entry.method ?? (compression === 'store' ? 0 : 8);
    const crc = entry.crc ?? crc32(data);
    const size = entry.size ?? data.length;
    const compressedSize = entry.compressedSize ?? written.length;
    const descriptor = entry.descriptor ?? false;
    const flags = (entry.flags ?? 0) | (entry.utf8 ? FLAG.utf8 : 0) | (descriptor ? FLAG.descriptor : 0);
    const versionNeeded = entry.versionNeeded ?? (entry.zip64 ? 45 : 20);
    const unix = entry.unixMode !== undefined;
    const versionMadeBy = entry.versionMadeBy ?? (unix ? (HOST_UNIX << 8) | 30 : 20);
    const externalAttrs = entry.externalAttrs ?? (unix ? ((entry.unixMode ?? 0) << 16) >>> 0 : 0);

    let localOffset: number;
    if (entry.shareLocalWith !== undefined) {
      const shared = localOffsets[entry.shareLocalWith];
      if (shared === undefined) throw new Error(`shareLocalWith ${entry.shareLocalWith}: no such earlier entry`);
      localOffset = shared;
    } else {
      localOffset = position;
      const localName = bytesOf(entry.localName ?? name);
      const localExtra = entry.localExtra ?? (entry.zip64 ? zip64Extra(size, compressedSize) : new Uint8Array());
      const local = new Fields()
        .u32(entry.localSignature ?? SIG.local)
        .u16(versionNeeded)
        .u16(entry.localFlags ?? flags)
        .u16(entry.localMethod ?? method)
        .u16(0) // time
        .u16(0x21) // date: 1980-01-01
        .u32(entry.localCrc ?? (descriptor ? 0 : crc))
        .u32(entry.localCompressedSize ?? (descriptor ? 0 : entry.zip64 ? U32 : compressedSize))
        .u32(entry.localSize ?? (descriptor ? 0 : entry.zip64 ? U32 : size))
        .u16(localName.length)
        .u16(localExtra.length)
        .bytes(localName)
        .bytes(localExtra)
        .done();
      body.push(local, written);
      position += local.length + written.length;
      if (descriptor) {
        const record = new Fields();
        if (descriptor !== 'unsigned') record.u32(SIG.descriptor);
        record.u32(crc);
        if (entry.zip64) record.u64(compressedSize).u64(size);
        else record.u32(compressedSize).u32(size);
        const bytes = record.done();
        body.push(bytes);
        position += bytes.length;
      }
    }
    localOffsets.push(localOffset);

    const storedOffset = entry.offset ?? localOffset + base;
    const extra = entry.extra ?? (entry.zip64 ? zip64Extra(size, compressedSize, storedOffset) : new Uint8Array());
    const comment = bytesOf(entry.comment ?? '');
    const central = new Fields()
      .u32(entry.centralSignature ?? SIG.central)
      .u16(versionMadeBy)
      .u16(versionNeeded)
      .u16(flags)
      .u16(method)
      .u16(0)
      .u16(0x21)
      .u32(crc)
      .u32(entry.zip64 ? U32 : compressedSize)
      .u32(entry.zip64 ? U32 : size)
      .u16(name.length)
      .u16(extra.length)
      .u16(comment.length)
      .u16(entry.diskStart ?? 0)
      .u16(0) // internal attributes
      .u32(externalAttrs)
      .u32(entry.zip64 ? U32 : Number(storedOffset))
      .bytes(name)
      .bytes(extra)
      .bytes(comment)
      .done();
    centrals.push(central);
  }

  const directory = concat(centrals);
  const directoryOffset = position + base;
  const count = entries.length;
  const tail: Uint8Array[] = [directory];
  const zip64 = options.zip64 ?? false;
  if (zip64 !== false) {
    const end64Offset = position + directory.length + base;
    tail.push(
      end64Record({ entries: count, directorySize: directory.length, directoryOffset, ...options.end64 }),
      locator64({ end64Offset, ...options.locator }),
    );
  }
  const sentinels = zip64 === true || zip64 === 'sentinels';
  tail.push(
    endRecord({
      entries: sentinels ? U16 : count,
      directorySize: sentinels ? U32 : directory.length,
      directoryOffset: sentinels ? U32 : directoryOffset,
      comment: options.comment ?? '',
      ...options.end,
    }),
  );
  return concat([prefix, ...body, ...tail, bytesOf(options.trailing ?? '')]);
}

/**
 * David Fifield's "better zip bomb", quoted-overlap form: each local header is quoted inside the previous entry's
 * deflate stream by a non-final stored block, so entry i's data spans every later header and the shared kernel.
 * Every local name matches its central record; only an overlap check catches it.
 */
export function quotedOverlapBomb(files = 8, kernelBytes = 64 * 1024): Uint8Array {
  const names = Array.from({ length: files }, (_, i) => bytesOf(`f${i}.bin`));
  // Built from the last entry backwards: entry i-1's data is (quote of header i) + header i + entry i's data.
  const datas: Uint8Array[] = [];
  const headers: Uint8Array[] = [];
  let data = deflate(new Uint8Array(kernelBytes));
  for (let i = files - 1; i >= 0; i--) {
    const header = localHeaderFor(names[i] ?? new Uint8Array(), data);
    datas[i] = data;
    headers[i] = header;
    // A non-final stored deflate block (BFINAL=0, BTYPE=00, byte-aligned) whose LEN bytes are the header itself.
    const quote = new Fields()
      .bytes(Uint8Array.of(0))
      .u16(header.length)
      .u16(~header.length & 0xffff)
      .done();
    data = concat([quote, header, data]);
  }
  const directory: Uint8Array[] = [];
  let offset = 0;
  for (let i = 0; i < files; i++) {
    const name = names[i] ?? new Uint8Array();
    directory.push(
      deflatedFields(new Fields().u32(SIG.central).u16(20).u16(20).u16(0), name, datas[i] ?? new Uint8Array())
        .u16(0)
        .u16(0)
        .u16(0)
        .u16(0)
        .u32(0)
        .u32(offset)
        .bytes(name)
        .done(),
    );
    offset += (headers[i]?.length ?? 0) + 5;
  }
  const body = concat([headers[0] ?? new Uint8Array(), datas[0] ?? new Uint8Array()]);
  const central = concat(directory);
  return concat([
    body,
    central,
    endRecord({ entries: files, directorySize: central.length, directoryOffset: body.length }),
  ]);
}

/** A local header for deflated `data` named `name`, with CRC and sizes of what `data` inflates to. */
function localHeaderFor(name: Uint8Array, data: Uint8Array): Uint8Array {
  return deflatedFields(new Fields().u32(SIG.local).u16(20).u16(0), name, data).u16(0).bytes(name).done();
}

/**
 * The run of fields a local header and a central record share for deflated `data` named `name`: method, time,
 * date, then the CRC and sizes of what `data` inflates to, and the name's length.
 */
function deflatedFields(fields: Fields, name: Uint8Array, data: Uint8Array): Fields {
  const inflated = zlib.inflateRawSync(data);
  return fields.u16(8).u16(0).u16(0x21).u32(crc32(inflated)).u32(data.length).u32(inflated.length).u16(name.length);
}

/** Little-endian field offsets inside each record, for tests that edit a written archive in place. */
export const FIELD = Object.freeze({
  local: { flags: 6, method: 8, crc: 14, compressedSize: 18, size: 22, nameLength: 26, extraLength: 28 },
  central: {
    versionMadeBy: 4,
    flags: 8,
    method: 10,
    crc: 16,
    compressedSize: 20,
    size: 24,
    nameLength: 28,
    extraLength: 30,
    commentLength: 32,
    diskStart: 34,
    externalAttrs: 38,
    offset: 42,
  },
  end: {
    disk: 4,
    directoryDisk: 6,
    entriesOnDisk: 8,
    entries: 10,
    directorySize: 12,
    directoryOffset: 16,
    commentLength: 20,
  },
});

/** Offsets of every record with signature `signature` in `bytes` (a plain scan: test archives are small). */
export function findSignatures(bytes: Uint8Array, signature: number): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: number[] = [];
  for (let at = 0; at + 4 <= bytes.length; at++) if (view.getUint32(at, true) === signature) found.push(at);
  return found;
}

/** A Buffer over the same memory, for Archive.parse. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
