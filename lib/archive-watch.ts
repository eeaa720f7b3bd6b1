/**
 * The update source for archives: watches every archive that hot modules were loaded from (one non-persistent
 * watcher per directory, so watching never keeps the process alive), and on a change reads a new snapshot, diffs
 * its central directory against the last applied one by CRC-32 and size, and hands the runtime the module URLs
 * whose entries changed. A snapshot that cannot be read (torn, truncated, corrupt, deleted) is never applied in
 * part: the baseline stays, and the next change is diffed against it again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Archive } from './archive.js';
import { cachedArchive, openArchive, refreshArchive } from './archive-cache.js';
import { emptyReport, type HotRuntime, type UpdateReport, type UpdateSource } from './hot-runtime.js';
import { log } from './log.js';
import { formatZipUrl, isZipUrl, parseZipUrl } from './zip-url.js';

/** Entry name → CRC-32 and size: all an archive's contents are compared by. */
type Fingerprint = Map<string, string>;

function fingerprint(archive: Archive): Fingerprint {
  const prints: Fingerprint = new Map();
  for (const [name, entry] of archive.entries) prints.set(name, `${entry.crc32}:${entry.size}`);
  return prints;
}

interface Watched {
  path: string;
  baseline: Fingerprint;
  timer: NodeJS.Timeout | undefined;
  running: Promise<UpdateReport> | undefined;
  dirty: boolean;
}

// Checks start at once: a half-written archive has no valid end record yet, so an early look is only retried.
const DEBOUNCE_MS = 1;

/** Watches archives and feeds their changes to a HotRuntime. */
export class ArchiveWatcher implements UpdateSource {
  readonly #runtime: HotRuntime;
  readonly #archives = new Map<string, Watched>();
  readonly #directories = new Map<string, fs.FSWatcher>();
  /** The `zip://…` part before `!/` of every URL whose archive is watched already. */
  readonly #trackedPrefixes = new Set<string>();

  constructor(runtime: HotRuntime) {
    this.#runtime = runtime;
  }

  /** Starts watching the archive a hot module came from (once per archive). */
  track(url: string): void {
    if (!isZipUrl(url)) return;
    // Every hot module registers as it starts: its archive is nearly always watched already, and parsing the URL
    // (a file: URL conversion) to find that out cost more than the rest of the registration.
    const bang = url.indexOf('!/');
    const prefix = bang === -1 ? undefined : url.slice(0, bang);
    if (prefix !== undefined && this.#trackedPrefixes.has(prefix)) return;
    const archivePath = parseZipUrl(url).archive;
    if (this.#archives.has(archivePath)) {
      if (prefix !== undefined) this.#trackedPrefixes.add(prefix);
      return;
    }
    let archive: Archive | undefined;
    try {
      archive = cachedArchive(archivePath) ?? openArchive(archivePath);
    } catch (error) {
      log('debug', `cannot read ${archivePath} to watch it: ${String(error)}`);
      return;
    }
    this.#archives.set(archivePath, {
      path: archivePath,
      baseline: fingerprint(archive),
      timer: undefined,
      running: undefined,
      dirty: false,
    });
    if (prefix !== undefined) this.#trackedPrefixes.add(prefix);
    this.#watchDirectory(path.dirname(archivePath));
  }

  #watchDirectory(directory: string): void {
    if (this.#directories.has(directory)) return;
    try {
      const watcher = fs.watch(directory, { persistent: false }, (_event, filename) => {
        const name = filename?.toString();
        for (const watched of this.#archives.values()) {
          if (name === undefined || name === path.basename(watched.path)) this.#schedule(watched);
        }
      });
      watcher.on('error', (error) => log('debug', `watching ${directory} failed: ${String(error)}`));
      this.#directories.set(directory, watcher);
    } catch (error) {
      log('error', `cannot watch ${directory}: ${String(error)}; call reload() to apply changes`);
    }
  }

  #schedule(watched: Watched): void {
    if (watched.timer !== undefined) clearTimeout(watched.timer);
    watched.timer = setTimeout(() => {
      watched.timer = undefined;
      void this.#check(watched);
    }, DEBOUNCE_MS);
    watched.timer.unref();
  }

  /** Checks one archive (by path), one module (by URL), or every watched archive now. */
  async check(target?: string): Promise<UpdateReport> {
    const wanted =
      target === undefined ? undefined : isZipUrl(target) ? parseZipUrl(target).archive : path.resolve(target);
    const reports: UpdateReport[] = [];
    for (const watched of this.#archives.values()) {
      if (wanted === undefined || watched.path === wanted) reports.push(await this.#check(watched));
    }
    return merge(reports);
  }

  /** Runs one check at a time per archive; a change during a check runs another right after it. */
  async #check(watched: Watched): Promise<UpdateReport> {
    if (watched.running !== undefined) {
      watched.dirty = true;
      await watched.running;
      if (watched.running !== undefined) return watched.running;
    }
    watched.dirty = false;
    watched.running = this.#diffAndApply(watched);
    try {
      return await watched.running;
    } finally {
      watched.running = undefined;
      if (watched.dirty) this.#schedule(watched);
    }
  }

  async #diffAndApply(watched: Watched): Promise<UpdateReport> {
    let archive: Archive;
    try {
      archive = refreshArchive(watched.path);
    } catch (error) {
      // Half-written or gone: leave running code alone and look again at the next change.
      const code = (error as { code?: string }).code;
      log('debug', `${watched.path} not applied (${code ?? 'error'}): ${String(error)}; waiting for the next change`);
      return emptyReport(error as Error & { code?: string });
    }
    const next = fingerprint(archive);
    const changed: string[] = [];
    const added: string[] = [];
    const removed: string[] = [];
    for (const [name, print] of next) {
      const before = watched.baseline.get(name);
      if (before === undefined) added.push(name);
      else if (before !== print) changed.push(name);
    }
    for (const name of watched.baseline.keys()) if (!next.has(name)) removed.push(name);
    if (changed.length + added.length + removed.length === 0) return emptyReport();
    const loaded = new Set(this.#runtime.moduleUrls);
    const urlsOf = (names: string[]): string[] =>
      names.map((name) => formatZipUrl(watched.path, name)).filter((url) => loaded.has(url));
    const report = await this.#runtime.apply({
      updated: urlsOf(changed),
      added: added.map((name) => formatZipUrl(watched.path, name)),
      removed: urlsOf(removed),
      label: path.basename(watched.path),
    });
    const rejected = report.error !== undefined && report.updated.length === 0;
    if (!rejected) watched.baseline = next;
    return report;
  }

  /** Stops every watcher (tests, shutdown). */
  close(): void {
    for (const watcher of this.#directories.values()) watcher.close();
    this.#directories.clear();
  }
}

function merge(reports: UpdateReport[]): UpdateReport {
  const merged = emptyReport();
  for (const report of reports) {
    merged.updated.push(...report.updated);
    merged.added.push(...report.added);
    merged.removed.push(...report.removed);
    merged.restartRequired.push(...report.restartRequired);
    merged.ms += report.ms;
    merged.error ??= report.error;
  }
  return merged;
}
