/**
 * `hotzip ls <app.zip> [--json]`: what an archive holds, as the reader sees it (so a listing never shows an entry the
 * loader would refuse without saying so).
 */
import { entryCount } from '../archive/pack.js';
import { cliLimits, openArchive, printableName } from './archive.js';

/** One row of the listing; sizes are null for entries that are never served (the reader keeps only their reason). */
export interface ListedEntry {
  name: string;
  size: number | null;
  compressedSize: number | null;
  /** CRC-32 as 8 lowercase hex digits. */
  crc32: string | null;
  method: 'store' | 'deflate' | null;
  /** Unix permission bits, when the archive was made on Unix. */
  mode: number | null;
  /** Why the loader never serves this entry, when it does not. */
  unservable: string | null;
}

/** Lists the archive at `file`; the rows, in central-directory order, unservable entries last. */
export function listArchive(file: string): { archive: string; comment: string; entries: ListedEntry[] } {
  const archive = openArchive(file, cliLimits());
  const entries: ListedEntry[] = [];
  for (const entry of archive.entries.values()) {
    entries.push({
      name: entry.name,
      size: entry.size,
      compressedSize: entry.compressedSize,
      crc32: entry.crc32.toString(16).padStart(8, '0'),
      method: entry.method === 0 ? 'store' : 'deflate',
      mode: entry.mode ?? null,
      unservable: null,
    });
  }
  for (const [name, reason] of archive.unservable) {
    entries.push({ name, size: null, compressedSize: null, crc32: null, method: null, mode: null, unservable: reason });
  }
  return { archive: archive.path, comment: archive.comment, entries };
}

/** The listing as the aligned table `hotzip ls` prints. */
export function formatListing(entries: readonly ListedEntry[]): string {
  const rows = entries.map((e) => [
    e.size === null ? '-' : String(e.size),
    e.compressedSize === null ? '-' : String(e.compressedSize),
    e.method ?? '-',
    e.crc32 ?? '-',
    e.unservable === null ? printableName(e.name) : `${printableName(e.name)}  (never served: ${e.unservable})`,
  ]);
  const header = ['Size', 'Packed', 'Method', 'CRC-32', 'Name'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  // Numbers right-aligned, text left-aligned; the last column is never padded (no trailing spaces).
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : i < 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ');
  let size = 0;
  let packed = 0;
  for (const e of entries) {
    size += e.size ?? 0;
    packed += e.compressedSize ?? 0;
  }
  const unservable = entries.filter((e) => e.unservable !== null).length;
  const total = `${entryCount(entries.length)}, ${size} bytes (${packed} packed)${unservable > 0 ? `, ${unservable} never served` : ''}`;
  return [line(header), ...rows.map(line), total].join('\n');
}
