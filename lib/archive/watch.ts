/**
 * The update source for archives: watches every archive that hot modules were loaded from (one non-persistent
 * watcher per directory, and a poll of each archive's path, so watching never keeps the process alive and follows
 * recreated directories and symlinks), and on a change reads a new snapshot, diffs its central directory against
 * the last applied one by CRC-32 and size, and hands the runtime the module URLs whose entries changed. Changes of
 * several archives found together, and any change still waiting, are one update, applied all or nothing: a build
 * that renames a name in deps.zip and in the app.zip module importing it lands as one. A snapshot that cannot be
 * read (torn, truncated, corrupt, deleted) is never applied in part: the baseline stays, and the next change is
 * diffed against it again. A change the runtime rejects before anything ran waits, and is tried again with the
 * next change of any archive.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { codeOf, type UpdateError } from '../errors.js';
import { emptyReport, type HotRuntime, type UpdateReport, type UpdateSource } from '../hot/runtime.js';
import { warmUpLater } from '../hot/warm-up.js';
import { log } from '../log.js';
import { splitSuffix } from '../url/version-query.js';
import { formatZipUrl, isZipUrl, parseZipUrl } from '../url/zip-url.js';
import { cachedArchive, openArchive, refreshArchive } from './cache.js';
import type { Archive } from './reader.js';

/** What an entry's contents are compared by: its CRC-32 and size. */
interface Print {
  readonly crc32: number;
  readonly size: number;
}

/**
 * Entry name → its print: the snapshot's own entries, read in place (an update of an archive of thousands of entries
 * made a string of each and compared those, about a tenth of the update's time).
 */
type Fingerprint = ReadonlyMap<string, Print>;

function fingerprint(archive: Archive): Fingerprint {
  return archive.entries;
}

function samePrint(a: Print | undefined, b: Print | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.crc32 === b.crc32 && a.size === b.size);
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
  /**
   * The whole archive as it was when a change was last refused: the same bytes seen again through a late event or
   * the poll are not tried again (that would report the same refusal twice); a real change, an explicit check, or
   * another archive's change is.
   */
  refused: Fingerprint | undefined;
  /** Its snapshot could not be read: the timer that says so if it stays that way (see DAMAGED_MS), kept once said. */
  damaged: NodeJS.Timeout | undefined;
}

/** A refusal the watcher found on its own, said when its grace period ends (see GRACE_MS). */
interface Held {
  report: UpdateReport;
  label: string;
  timer: NodeJS.Timeout | undefined;
}

/** One archive's share of an update: its new prints, and the entries of it the update applies. */
interface Part {
  watched: Watched;
  next: Fingerprint;
  names: string[];
}

/**
 * How often each archive's path is also polled (a stat, which follows symlinks): directory watchers end when their
 * directory is deleted (`rm -rf dist && build`) and never see a symlink's target change; polling sees both.
 */
const POLL_MS = 500;

/**
 * How long a refusal the watcher found on its own waits before it is said, when several archives are watched: a
 * build writes its archives one after the other, and the next one may make the change apply.
 */
const GRACE_MS = 200;

/**
 * How long an archive found unreadable by the watcher (torn, truncated, corrupt, deleted) may stay so before it is
 * said, as an `error` event and line: a writer in the middle of writing it makes it unreadable for a moment, and
 * its next write is a change that is read again; an archive still unreadable this long after is damaged.
 */
const DAMAGED_MS = 1000;

/** The print of an entry that is not in the archive (no entry has a negative size). */
const REMOVED: Print = { crc32: -1, size: -1 };

function printOf(part: Part, name: string): Print {
  return part.next.get(name) ?? REMOVED;
}

function labelOf(parts: Part[]): string {
  return parts.map((part) => path.basename(part.watched.path)).join(' + ');
}

/** Whether an update ran anything: a module updated, removed, or evaluated and not installed. */
function ran(report: UpdateReport): boolean {
  return report.updated.length + report.removed.length + report.failed.length > 0;
}

/** Rejected before anything ran (or a restart is required): the running code is still the baseline's. */
function refused(report: UpdateReport): boolean {
  return !ran(report) && (report.error !== undefined || report.restartRequired.length > 0);
}

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
  /** Archives that changed since the last check the watcher started on its own. */
  readonly #scheduled = new Set<Watched>();
  #timer: NodeJS.Immediate | undefined;
  /** Checks run one at a time, in order. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Checks queued or running. */
  #runs = 0;
  /** How many checks found and applied something, and the report of the last one the watcher ran on its own. */
  #applied = 0;
  #lastAutomatic: UpdateReport | undefined;
  /** A refusal waiting out its grace period (see GRACE_MS). */
  #held: Held | undefined;

  /** Every hot module loaded, for the warm-up: made once, as every module's registration passes it on. */
  readonly #loadedModules = (): string[] => this.#runtime.moduleUrls;

  constructor(runtime: HotRuntime) {
    this.#runtime = runtime;
  }

  /** Starts watching the archive a hot module came from (once per archive). */
  track(url: string): void {
    if (!isZipUrl(url)) return;
    warmUpLater(url, this.#loadedModules);
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
      refused: undefined,
      damaged: undefined,
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
   * Checks the archives that changed once the events of this turn of the event loop are in: changes of several
   * archives that arrive together (a build writing deps.zip, then app.zip) are planned as one update. Not after a
   * delay: a half-written archive has no valid end record yet, so an early look is only retried; and on a loaded
   * machine every sleep, however short, waits for the CPU again.
   */
  #schedule(watched: Watched): void {
    this.#scheduled.add(watched);
    if (this.#timer !== undefined) return;
    this.#timer = setImmediate(() => {
      this.#timer = undefined;
      const archives = [...this.#scheduled];
      this.#scheduled.clear();
      void this.#run(archives, true);
    });
    this.#timer.unref();
  }

  /** Checks one archive (by path), one module (by URL), or every watched archive now. */
  check(target?: string): Promise<UpdateReport> {
    const wanted =
      target === undefined ? undefined : isZipUrl(target) ? parseZipUrl(target).archive : path.resolve(target);
    const before = this.#applied;
    return this.#run(
      [...this.#archives.values()].filter((watched) => wanted === undefined || watched.path === wanted),
      false,
    ).then((report) => {
      // The watcher may have applied the change on its own since this call (its event came first): that update is
      // the answer, not an empty one.
      const empty = !ran(report) && report.error === undefined && report.restartRequired.length === 0;
      return empty && this.#applied !== before && this.#lastAutomatic !== undefined ? this.#lastAutomatic : report;
    });
  }

  /** Runs one check at a time; a change during a check is checked right after it. */
  #run(archives: Watched[], automatic: boolean): Promise<UpdateReport> {
    this.#runs++;
    const run = this.#queue.then(async () => {
      const report = await this.#diffAndApply(archives, automatic);
      if (ran(report)) {
        this.#applied++;
        if (automatic) this.#lastAutomatic = report;
      }
      return report;
    });
    this.#queue = run.catch(() => undefined).finally(() => this.#runs--);
    return run;
  }

  /**
   * Holds the refusal of a change the watcher found on its own, for a grace period: another archive's change may
   * still be on its way (a build writes its archives one after the other) and make it apply. Said when the period
   * ends with the change still waiting.
   */
  #hold(report: UpdateReport, label: string): void {
    if (this.#held !== undefined) {
      this.#held.report = report;
      this.#held.label = label;
      return;
    }
    const held: Held = { report, label, timer: undefined };
    const arm = (): void => {
      held.timer = setTimeout(() => {
        if (this.#held !== held) return;
        // A check on its way tries the change again: wait for it, it may apply the change or hold it again.
        if (this.#timer !== undefined || this.#runs > 0) return arm();
        this.#held = undefined;
        this.#runtime.announce(held.report, held.label);
      }, GRACE_MS);
      held.timer.unref();
    };
    arm();
    this.#held = held;
  }

  /**
   * An archive the watcher found unreadable: said once if it still is after DAMAGED_MS (an explicit check reports it
   * in its own report), until it is read again. The running code is untouched meanwhile.
   */
  #damaged(watched: Watched): void {
    if (watched.damaged !== undefined) return;
    const timer = setTimeout(() => {
      if (watched.damaged !== timer) return;
      try {
        refreshArchive(watched.path);
        // Readable by now, with no event for it: look at it as at a change.
        watched.damaged = undefined;
        this.#schedule(watched);
      } catch (error) {
        this.#runtime.announce(emptyReport(error as UpdateError), path.basename(watched.path));
      }
    }, DAMAGED_MS);
    timer.unref();
    watched.damaged = timer;
  }

  /** Drops a held refusal: what it was about is being tried again, or nothing waits any more. */
  #release(): void {
    if (this.#held !== undefined) clearTimeout(this.#held.timer);
    this.#held = undefined;
  }

  /**
   * Diffs `archives`, and every archive whose change is waiting, against what the running code was loaded from,
   * and applies every change found as one update: all of it, or none of it.
   */
  async #diffAndApply(archives: Watched[], automatic: boolean): Promise<UpdateReport> {
    const involved = new Set(archives);
    for (const watched of this.#archives.values()) if (watched.waiting !== undefined) involved.add(watched);
    const parts: Part[] = [];
    let unreadable: UpdateError | undefined;
    let news = !automatic;
    for (const watched of involved) {
      let archive: Archive;
      try {
        archive = refreshArchive(watched.path);
      } catch (error) {
        // Half-written or gone: leave running code alone and look again at the next change.
        const code = codeOf(error);
        log('debug', `${watched.path} not applied (${code ?? 'error'}): ${String(error)}; waiting for the next change`);
        unreadable ??= error as UpdateError;
        if (automatic) this.#damaged(watched);
        continue;
      }
      clearTimeout(watched.damaged);
      watched.damaged = undefined;
      const next = fingerprint(archive);
      if (watched.refused === undefined || !samePrints(next, watched.refused)) news = true;
      const diff = changedNames(watched.baseline, next);
      if (diff.length > 0) parts.push({ watched, next, names: diff });
      else watched.waiting = undefined;
    }
    if (parts.length === 0) {
      if (![...this.#archives.values()].some((watched) => watched.waiting !== undefined)) this.#release();
      return emptyReport(unreadable);
    }
    // Only bytes already refused (a late event, the poll): trying them again would say the same refusal twice.
    if (!news) return emptyReport(unreadable);
    // Only a change found by the watcher waits for its grace period, and only when another archive could fix it.
    const quiet = automatic && this.#archives.size > 1;
    // A held refusal is about changes tried again now: this attempt says what still does not apply.
    this.#release();
    const report = await this.#attempt(parts, quiet);
    for (const part of parts) part.watched.refused = refused(report) ? part.next : undefined;
    if (!refused(report)) {
      for (const part of parts) {
        part.watched.baseline = part.next;
        part.watched.waiting = undefined;
      }
      report.error ??= unreadable;
      return report;
    }
    // A change rejected earlier that has not changed since must not hold back the entries changed after it: those
    // apply on their own, and the rejected ones keep their previous version, as a version that throws does. Never
    // after decline() or changed re-exports, which ask for a restart to apply the whole change.
    const fresh = parts
      .map((part) => ({
        ...part,
        names: part.names.filter((name) => !samePrint(part.watched.waiting?.get(name), printOf(part, name))),
      }))
      .filter((part) => part.names.length > 0);
    // Only when what was rejected is one of the entries rejected before: a fresh entry's own fault stops it anyway.
    const culprit = (report.error as { url?: unknown } | undefined)?.url;
    const blamesStale =
      typeof culprit === 'string' &&
      parts.some((part) =>
        part.names.some(
          (name) =>
            !fresh.some((each) => each.watched === part.watched && each.names.includes(name)) &&
            formatZipUrl(part.watched.path, name) === splitSuffix(culprit).path,
        ),
      );
    if (blamesStale && report.restartRequired.length === 0 && fresh.length > 0) {
      const partial = await this.#attempt(fresh, quiet);
      if (!refused(partial)) {
        for (const part of fresh) {
          const baseline = new Map(part.watched.baseline);
          for (const name of part.names) {
            const print = part.next.get(name);
            if (print === undefined) baseline.delete(name);
            else baseline.set(name, print);
          }
          part.watched.baseline = baseline;
        }
        // What stays rejected is said now: the entries it waits for changed, and did not make it apply.
        if (quiet) this.#runtime.announce(report, labelOf(parts));
        return partial;
      }
      // Both are said: the stale entries' refusal now, the fresh ones' once their grace period ends.
      if (quiet) {
        this.#runtime.announce(report, labelOf(parts));
        this.#wait(parts);
        this.#hold(partial, labelOf(fresh));
        return report;
      }
    }
    this.#wait(parts);
    if (quiet) this.#hold(report, labelOf(parts));
    return report;
  }

  /** Keeps the changed entries of `parts` waiting: they are tried again with the next change of any archive. */
  #wait(parts: Part[]): void {
    for (const part of parts) part.watched.waiting = new Map(part.names.map((name) => [name, printOf(part, name)]));
  }

  /** Applies the changed entries of every part as one update. */
  #attempt(parts: Part[], quiet: boolean): Promise<UpdateReport> {
    const changed: string[] = [];
    const added: string[] = [];
    const removed: string[] = [];
    const late: string[] = [];
    const cold: string[] = [];
    for (const { watched, next, names } of parts) {
      for (const name of names) {
        const url = formatZipUrl(watched.path, name);
        // An entry imported with its own `?query` or `#hash` is a module of its own.
        const modules = this.#runtime.modulesAt(url);
        // Node keeps what it loaded as JSON, CommonJS or WebAssembly: a change to it is never silently left out.
        if (modules.length === 0 && this.#runtime.isCold(url)) cold.push(url);
        else if (!next.has(name)) removed.push(...modules);
        // An entry removed and restored while its module stayed loaded is an update of that module.
        else if (!watched.baseline.has(name) && modules.length === 0) added.push(url);
        else {
          changed.push(...modules);
          if (modules.length === 0) late.push(url);
        }
      }
    }
    // Modules still loading from the old bytes (their importers wait, e.g. on a top-level await) follow later.
    this.#runtime.passOver(late);
    return this.#runtime.apply({ updated: changed, added, removed, label: labelOf(parts), quiet, cold });
  }

  /** Stops every watcher (tests, shutdown). */
  close(): void {
    for (const { watcher } of this.#directories.values()) watcher.close();
    this.#directories.clear();
    for (const watched of this.#archives.values()) fs.unwatchFile(watched.path);
    if (this.#timer !== undefined) clearImmediate(this.#timer);
    this.#release();
  }
}

/** The entries added, removed or changed from `before` to `after`: one pass over each, as every update makes it. */
function changedNames(before: Fingerprint, after: Fingerprint): string[] {
  const names: string[] = [];
  for (const [name, print] of after) if (!samePrint(before.get(name), print)) names.push(name);
  for (const name of before.keys()) if (!after.has(name)) names.push(name);
  return names;
}

function samePrints(a: Fingerprint, b: Fingerprint): boolean {
  if (a.size !== b.size) return false;
  for (const [name, print] of a) if (!samePrint(b.get(name), print)) return false;
  return true;
}
