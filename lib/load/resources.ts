/**
 * Reading data files that ship inside an archive, the counterpart of Python's `zipimporter.get_data()`:
 * `readFileSync(new URL('./data.txt', import.meta.url))` works the same whether the module came from an archive or
 * from the extracted tree on disk.
 */
import * as fs from 'node:fs';
import { openArchive } from '../archive/cache.js';
import { fail } from '../errors.js';
import { isZipUrl, parseZipUrl } from '../url/zip-url.js';

/** What `readFile` accepts: a `zip:` URL (string or URL), a `file:` URL or a plain path. */
export type ResourceLocation = string | URL;

/** An encoding name as `Buffer#toString` takes it. */
export type ResourceEncoding = BufferEncoding;

function zipUrlOf(location: ResourceLocation): string | undefined {
  const text = typeof location === 'string' ? location : location.href;
  return isZipUrl(text) ? text : undefined;
}

function readEntry(url: string): Buffer {
  const { archive, entry } = parseZipUrl(url);
  if (entry === '') fail('ERR_HOTZIP_INVALID_SPECIFIER', `"${url}" names an archive, not an entry`, { archive });
  return openArchive(archive, true).read(entry);
}

/** Reads a file or archive entry synchronously; with an encoding, as a string. */
export function readFileSync(location: ResourceLocation): Buffer;
export function readFileSync(location: ResourceLocation, encoding: ResourceEncoding): string;
export function readFileSync(location: ResourceLocation, encoding?: ResourceEncoding): Buffer | string {
  const url = zipUrlOf(location);
  if (url === undefined)
    return encoding === undefined ? fs.readFileSync(location) : fs.readFileSync(location, encoding);
  const bytes = readEntry(url);
  return encoding === undefined ? bytes : bytes.toString(encoding);
}

/** Reads a file or archive entry; with an encoding, as a string. Archive entries are read from the cached snapshot. */
export async function readFile(location: ResourceLocation): Promise<Buffer>;
export async function readFile(location: ResourceLocation, encoding: ResourceEncoding): Promise<string>;
export async function readFile(location: ResourceLocation, encoding?: ResourceEncoding): Promise<Buffer | string> {
  const url = zipUrlOf(location);
  if (url === undefined) {
    return encoding === undefined ? fs.promises.readFile(location) : fs.promises.readFile(location, encoding);
  }
  return encoding === undefined ? readFileSync(url) : readFileSync(url, encoding);
}
