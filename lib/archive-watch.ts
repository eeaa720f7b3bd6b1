/**
 * The update source for archives: watches every archive that hot modules were loaded from (one non-persistent
 * watcher per directory, and a poll of each archive's path, so watching never keeps the process alive and follows
 * recreated directories and symlinks), and on a change reads a new snapshot, diffs its central directory against
 * the last applied one by CRC-32 and size, and hands the runtime the module URLs whose entries changed. A snapshot
 * that cannot be read (torn, truncated, corrupt, deleted) is never applied in part: the baseline stays, and the
 * next change is diffed against it again. A change the runtime rejects before anything ran waits, and is tried
 * again at the archive's next change and whenever another archive's update applies.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Archive } from './archive.js';
import { cachedArchive, openArchive, refreshArchive } from './archive-cache.js';
import { emptyReport, type HotRuntime, type UpdateReport, type UpdateSource } from './hot-runtime.js';
import { log } from './log.js';
import { splitSuffix } from './version-query.js';
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
  /**
   * The last state tried: what the running code was loaded from, except for versions that ran and failed (those
   * are not run again until they change).
   */
  baseline: Fingerprint;
  /**
   * The entries of a change rejected before anything ran, with the prints they had: the change is tried again when
   * any archive's update applies, and entries changed since then may apply without them.
   */
  waiting: Fingerprint | undefined;
  /** The directories watched for it: its own, and its real location's when the path is (or passes) a symlink. */
  directories: string[];
  timer: NodeJS.Immediate | undefined;
  running: Promise<UpdateReport> | undefined;
  dirty: boolean;
  /**
   * The whole archive as it was when a change was last refused: the same bytes seen again through a late event or
   * the poll are not tried again (that would report the same refusal twice), only a real change, an explicit
   * check, or another archive's update applying (`retry`) is.
   */
  refused: Fingerprint | undefined;
  retry: boolean;
}

/**
 * How often each archive's path is also polled (a stat, which follows symlinks): directory watchers end when their
 * directory is deleted (`rm -rf dist && build`) and never see a symlink's target change; polling sees both.
 */
const POLL_MS = 500;

/** The print of an entry that is not in the archive. */
const REMOVED = 'removed';

/** The directories whose entries name `archivePath` or, when it passes through symlinks, its real file. */
function directoriesOf(archivePath: string): Array<[string, string]> {
  const watched: Array<[string, string]> = [[path.dirname(archivePath), path.basename(archivePath)]];
  try {
    const real = fs.realpathSync(archivePath);
    if (real !== archivePath) watched.push([path.dirname(real), path.basename(real)]);
  } catch {
    // Gone for now: polling notices it coming back.
  }
  return watched;
}

/** Watches archives and feeds their changes to a HotRuntime. */
export class ArchiveWatcher implements UpdateSource {
  readonly #runtime: HotRuntime;
  readonly #archives = new Map<string, Watched>();
  /** Directory → its watcher and the file names in it that belong to watched archives. */
  readonly #directories = new Map<string, { watcher: fs.FSWatcher; names: Set<string> }>();
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
    const watched: Watched = {
      path: archivePath,
      baseline: fingerprint(archive),
      waiting: undefined,
      directories: [],
      timer: undefined,
      running: undefined,
      dirty: false,
      refused: undefined,
      retry: false,
    };
    this.#archives.set(archivePath, watched);
    if (prefix !== undefined) this.#trackedPrefixes.add(prefix);
    this.#watchDirectories(watched);
    fs.watchFile(archivePath, { persistent: false, interval: POLL_MS }, (now, before) => {
      if (now.mtimeMs === before.mtimeMs && now.ino === before.ino && now.size === before.size) return;
      // The directory may have been recreated, or the link retargeted: watch where the archive is now.
      this.#watchDirectories(watched);
      this.#schedule(watched);
    });
  }

  /** Watches the directories the archive is found through now, replacing watchers whose directory went away. */
  #watchDirectories(watched: Watched): void {
    const now = directoriesOf(watched.path);
    watched.directories = now.map(([directory]) => directory);
    for (const [directory, name] of now) {
      const existing = this.#directories.get(directory);
      if (existing !== undefined && fs.existsSync(directory) && existing.names.has(name)) continue;
      if (existing !== undefined) {
        existing.names.add(name);
        // A watcher of a directory that was deleted and made again sees nothing: start a new one.
        existing.watcher.close();
      }
      const names = existing?.names ?? new Set([name]);
      try {
        const watcher = fs.watch(directory, { persistent: false }, (_event, filename) => {
          const changed = filename?.toString();
          if (changed !== undefined && !names.has(changed)) return;
          for (const archive of this.#archives.values()) {
            if (archive.directories.includes(directory)) this.#schedule(archive);
          }
        });
        watcher.on('error', (error) => log('debug', `watching ${directory} failed: ${String(error)}`));
        this.#directories.set(directory, { watcher, names });
      } catch (error) {
        this.#directories.delete(directory);
        log('debug', `cannot watch ${directory} now (${String(error)}); polling ${watched.path}`);
      }
    }
  }

  /**
   * Checks the archive once the events of this turn of the event loop are in (a rename brings several). Not after a
   * delay: a half-written archive has no valid end record yet, so an early look is only retried; and on a loaded
   * machine every sleep, however short, waits for the CPU again.
   */
  #schedule(watched: Watched): void {
    if (watched.timer !== undefined) return;
    watched.timer = setImmediate(() => {
      watched.timer = undefined;
      void this.#check(watched);
    });
    watched.timer.unref();
  }

  /** Checks one archive (by path), one module (by URL), or every watched archive now. */
  async check(target?: string): Promise<UpdateReport> {
    const wanted =
      target === undefined ? undefined : isZipUrl(target) ? parseZipUrl(target).archive : path.resolve(target);
    const reports: UpdateReport[] = [];
    for (const watched of this.#archives.values()) {
      if (wanted !== undefined && watched.path !== wanted) continue;
      watched.retry = true;
      reports.push(await this.#check(watched));
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

  /** Tries again, after an update applied, every archive whose last change waited for something. */
  #retryWaiting(except: Watched): void {
    for (const watched of this.#archives.values())
      if (watched !== except && watched.waiting !== undefined) {
        watched.retry = true;
        this.#schedule(watched);
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
    const retry = watched.retry;
    watched.retry = false;
    if (!retry && watched.refused !== undefined && samePrints(next, watched.refused)) return emptyReport();
    watched.refused = undefined;
    const urlOf = (name: string): string => formatZipUrl(watched.path, name);
    // Loaded modules of an entry: an entry imported with its own `?query` or `#hash` is a module of its own.
    const modulesOf = (name: string): string[] => this.#runtime.modulesAt(urlOf(name));
    const printOf = (name: string): string => next.get(name) ?? REMOVED;
    const diff = [...new Set([...next.keys(), ...watched.baseline.keys()])].filter(
      (name) => next.get(name) !== watched.baseline.get(name),
    );
    if (diff.length === 0) {
      watched.waiting = undefined;
      return emptyReport();
    }
    const attempt = (names: string[]): Promise<UpdateReport> => {
      const changed: string[] = [];
      const added: string[] = [];
      const removed: string[] = [];
      for (const name of names) {
        if (!next.has(name)) removed.push(name);
        // An entry removed and restored while its module stayed loaded is an update of that module.
        else if (!watched.baseline.has(name) && modulesOf(name).length === 0) added.push(name);
        else changed.push(name);
      }
      // Modules still loading from the old bytes (their importers wait, e.g. on a top-level await) follow later.
      this.#runtime.passOver(changed.filter((name) => modulesOf(name).length === 0).map(urlOf));
      return this.#runtime.apply({
        updated: changed.flatMap(modulesOf),
        added: added.map(urlOf),
        removed: removed.flatMap(modulesOf),
        label: path.basename(watched.path),
      });
    };
    // Rejected before anything ran (or a restart is required): the running code is still the baseline's.
    const refused = (report: UpdateReport): boolean =>
      report.updated.length + report.removed.length + report.failed.length === 0 &&
      (report.error !== undefined || report.restartRequired.length > 0);
    const report = await attempt(diff);
    if (!refused(report)) {
      watched.baseline = next;
      watched.waiting = undefined;
      this.#retryWaiting(watched);
      return report;
    }
    // A change rejected earlier that has not changed since must not hold back the entries changed after it: those
    // apply on their own, and the rejected ones keep their previous version, as a version that throws does. Never
    // after decline() or changed re-exports, which ask for a restart to apply the whole change.
    const waiting = watched.waiting;
    const fresh = diff.filter((name) => waiting?.get(name) !== printOf(name));
    // Only when what was rejected is one of the entries rejected before: a fresh entry's own fault stops it anyway.
    const culprit = (report.error as { url?: unknown } | undefined)?.url;
    const blamesStale =
      typeof culprit === 'string' &&
      diff.some((name) => !fresh.includes(name) && urlOf(name) === splitSuffix(culprit).path);
    if (blamesStale && report.restartRequired.length === 0 && fresh.length > 0) {
      const partial = await attempt(fresh);
      if (!refused(partial)) {
        const baseline = new Map(watched.baseline);
        for (const name of fresh) {
          const print = next.get(name);
          if (print === undefined) baseline.delete(name);
          else baseline.set(name, print);
        }
        watched.baseline = baseline;
        this.#retryWaiting(watched);
        return partial;
      }
    }
    // Tried again with the next change of this archive, or when another archive's update applies.
    watched.waiting = new Map(diff.map((name) => [name, printOf(name)]));
    watched.refused = next;
    return report;
  }

  /** Stops every watcher (tests, shutdown). */
  close(): void {
    for (const { watcher } of this.#directories.values()) watcher.close();
    this.#directories.clear();
    for (const watched of this.#archives.values()) fs.unwatchFile(watched.path);
  }
}

function samePrints(a: Fingerprint, b: Fingerprint): boolean {
  if (a.size !== b.size) return false;
  for (const [name, print] of a) if (b.get(name) !== print) return false;
  return true;
}

function merge(reports: UpdateReport[]): UpdateReport {
  const merged = emptyReport();
  for (const report of reports) {
    merged.updated.push(...report.updated);
    merged.added.push(...report.added);
    merged.removed.push(...report.removed);
    merged.restartRequired.push(...report.restartRequired);
    merged.failed.push(...report.failed);
    merged.ms += report.ms;
    merged.error ??= report.error;
  }
  return merged;
}
