/**
 * An opt-in disk cache of hot-transformed module sources (`HOTZIP_CACHE=<dir>`): a repeat start of the same archive
 * serves each module's rewritten source from a file instead of lexing and rewriting it again (measured: the
 * transform is most of what hot reload adds to a cold start).
 *
 * Nothing is trusted by name alone. An entry is keyed by the module URL, the options that change the output, a
 * SHA-1 of the entry's bytes as stored in the archive (deflated: inflating is deterministic, so equal stored bytes
 * are equal content, and a hit needs no inflating; the first load read and CRC-checked them) and a fingerprint of
 * the transform's own code, so a different hotzip build never reuses another's output. The key is stored in the
 * file and compared in full on every read; files are written to a temporary name and renamed, so concurrent
 * processes see a whole file or none. Any failure to read or write the cache only means the module is transformed
 * as if there were no cache.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { log } from './log.js';
import { writeFileAtomic } from './write-atomic.js';

/** The files whose code decides what the transform outputs; any change to them invalidates every entry. */
const IMPLEMENTATION = [
  '../../package.json',
  './transform.js',
  './trampoline.js',
  './declarations.js',
  './source-edits.js',
  './scan.js',
  './lex.js',
  './load.js',
];

let fingerprint: string | undefined;

function implementationFingerprint(): string {
  if (fingerprint === undefined) {
    const parts = IMPLEMENTATION.map((file) => {
      try {
        return fs.readFileSync(new URL(file, import.meta.url));
      } catch {
        return Buffer.from(`missing ${file}`);
      }
    });
    fingerprint = createHash('sha1').update(Buffer.concat(parts)).digest('base64');
  }
  return fingerprint;
}

/** FNV-1a: only spreads keys over file names; the full key inside the file decides a hit. */
function fileName(key: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `${(hash >>> 0).toString(16).padStart(8, '0')}.js`;
}

let directoryReady: string | undefined;

/**
 * One module's transform, through the cache in `dir`: `transform` runs only on a miss. `identity` is everything
 * else that decides the output (the URL, options, the entry's method, size and CRC-32); `content` the bytes that
 * decide the source, hashed into the key.
 */
export function cachedTransform(
  dir: string,
  identity: ReadonlyArray<string | number>,
  content: Uint8Array,
  transform: () => string,
): string {
  // JSON keeps the key on one line whatever the URL holds.
  const key = JSON.stringify([
    implementationFingerprint(),
    ...identity,
    createHash('sha1').update(content).digest('base64'),
  ]);
  const file = path.join(dir, fileName(key));
  try {
    const cached = fs.readFileSync(file, 'utf8');
    if (cached.length > key.length && cached.startsWith(key) && cached.charCodeAt(key.length) === 10) {
      return cached.slice(key.length + 1);
    }
  } catch {
    // Not cached yet (or unreadable): transform below.
  }
  const code = transform();
  try {
    if (directoryReady !== dir) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      directoryReady = dir;
    }
    writeFileAtomic(file, `${key}\n${code}`, 0o600);
  } catch (error) {
    log('debug', `cannot write the transform cache ${file}: ${String(error)}`);
  }
  return code;
}
