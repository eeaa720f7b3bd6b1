/**
 * Watching a source tree for `pack --watch` and `run <dir>`: one non-recursive fs.watch per directory, re-synced with
 * the directories each pack walked. `fs.watch(..., { recursive: true })` only exists on Linux from Node 20 and had
 * gaps there (directories created later went unwatched in early 20.x), and it would also watch `.git` and
 * `node_modules/.cache`, which a pack skips; a watcher per walked directory has neither problem.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Watched {
  watcher: fs.FSWatcher;
  identity: string;
}

/** Calls `onChange` once, `delayMs` after the last of a burst of changes (an editor save is several events). */
export class TreeWatcher {
  /** Watched directory → its watcher and the identity (device, inode, birth time) of the directory it watches. */
  readonly #watchers = new Map<string, Watched>();
  readonly #onChange: () => void;
  readonly #delayMs: number;
  #wanted: readonly string[] = [];
  #started = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(onChange: () => void, delayMs = 100) {
    this.#onChange = onChange;
    this.#delayMs = delayMs;
  }

  /**
   * Watches exactly `directories` from now on: new ones are added, vanished ones dropped. Each is watched as it is
   * now: one deleted and made again (a bundler cleaning its output) is a new directory that the old watcher never
   * hears from, so it gets a new watcher; one missing is watched through its nearest existing parent, to see it
   * come back. A directory watched anew after the first sync gets a pack of its own: what was written in it
   * between the pack's walk and this watch would otherwise wait for the next change.
   */
  sync(directories: readonly string[]): void {
    if (this.#closed) return;
    this.#wanted = directories;
    const wanted = new Map<string, string>();
    for (const dir of directories) {
      for (let at = dir; ; at = path.dirname(at)) {
        const stats = fs.statSync(at, { bigint: true, throwIfNoEntry: false });
        if (stats?.isDirectory() === true) {
          wanted.set(at, `${stats.dev}:${stats.ino}:${stats.birthtimeNs}`);
          break;
        }
        if (path.dirname(at) === at) break;
      }
    }
    for (const [dir, watched] of this.#watchers) {
      if (wanted.get(dir) !== watched.identity) {
        watched.watcher.close();
        this.#watchers.delete(dir);
      }
    }
    let added = false;
    for (const [dir, identity] of wanted) {
      if (this.#watchers.has(dir)) continue;
      try {
        const name = path.basename(dir);
        let watched: Watched | undefined;
        const watcher = fs.watch(dir, (event, filename) => {
          // The directory itself deleted or moved away (its name, as Linux reports it): a directory made again at
          // once may have the same inode and birth time, so the next sync watches whatever is there afresh.
          if (event === 'rename' && filename === name && watched !== undefined) watched.identity = '';
          this.#schedule();
        });
        watched = { watcher, identity };
        // A directory deleted while watched reports an error on some platforms: the next pack walks without it.
        watcher.on('error', () => {
          watcher.close();
          if (this.#watchers.get(dir)?.watcher === watcher) this.#watchers.delete(dir);
          this.#schedule();
        });
        this.#watchers.set(dir, watched);
        added = true;
      } catch {
        // Gone between the walk and the watch: the change that removed it has scheduled a pack already.
      }
    }
    if (added && this.#started) this.#schedule();
    this.#started = true;
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#closed) return;
      this.#onChange();
      // A failed pack syncs nothing: the directories it could not walk may have been replaced or removed.
      this.sync(this.#wanted);
    }, this.#delayMs);
  }

  /** Stops watching; no callback runs after this. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const { watcher } of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }
}
