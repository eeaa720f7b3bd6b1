/**
 * Insertions and replacements over one source, applied in a single pass. The transform makes dozens of tiny edits
 * per module on the cold-import path, where magic-string's chunk objects cost measurable garbage; magic-string is
 * used only when a source map is asked for, by replaying the same edits into it.
 */
import MagicString from 'magic-string';

/** A list of edits to one source, in parallel arrays (a large module gets one or more edits per export). */
export class SourceEdits {
  readonly #source: string;
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  readonly #texts: string[] = [];
  /**
   * The edits made before an earlier one in source order (by position, then end): the transform makes a few such
   * (a statement's keyword, rewritten once its exports are all read) among thousands made in order.
   */
  readonly #late: number[] = [];
  #lastStart = -1;
  #lastEnd = -1;
  #tail = '';

  constructor(source: string) {
    this.#source = source;
  }

  /** Inserts `text` before the character at `at`. */
  insert(at: number, text: string): void {
    this.overwrite(at, at, text);
  }

  /** Replaces `[start, end)` with `text`. */
  overwrite(start: number, end: number, text: string): void {
    if (start < this.#lastStart || (start === this.#lastStart && end < this.#lastEnd)) {
      this.#late.push(this.#starts.length);
    } else {
      this.#lastStart = start;
      this.#lastEnd = end;
    }
    this.#starts.push(start);
    this.#ends.push(end);
    this.#texts.push(text);
  }

  /** Adds `text` after the end of the source. */
  append(text: string): void {
    this.#tail += text;
  }

  /**
   * Whether some edit moves code to another column: an edit that changes length moves the rest of its line, which
   * matters only when code (not just whitespace or a line comment) follows on that line.
   */
  movesColumns(): boolean {
    const source = this.#source;
    for (let k = 0; k < this.#texts.length; k++) {
      const end = this.#ends[k] as number;
      if ((this.#texts[k] as string).length === end - (this.#starts[k] as number)) continue;
      let i = end;
      while (i < source.length && (source[i] === ' ' || source[i] === '\t' || source[i] === '\r')) i++;
      if (i < source.length && source[i] !== '\n' && !source.startsWith('//', i)) return true;
    }
    return false;
  }

  /**
   * The edits' indexes by position (then end, then the order they were made in, so that two insertions at one
   * position keep it); undefined when they were made in that order already, as the transform mostly makes them.
   */
  #sorted(): number[] | undefined {
    const late = this.#late;
    if (late.length === 0) return undefined;
    const starts = this.#starts;
    const ends = this.#ends;
    const before = (a: number, b: number): boolean =>
      (starts[a] as number) < (starts[b] as number) ||
      (starts[a] === starts[b] && ((ends[a] as number) < (ends[b] as number) || (ends[a] === ends[b] && a < b)));
    // The others are in order already: the late ones, sorted, are merged into them.
    const sortedLate = [...late].sort((a, b) => (before(a, b) ? -1 : 1));
    const order: number[] = [];
    let next = 0;
    let lateAt = 0;
    for (let k = 0; k < starts.length; k++) {
      if (k === late[next]) {
        next++;
        continue;
      }
      while (lateAt < sortedLate.length && before(sortedLate[lateAt] as number, k))
        order.push(sortedLate[lateAt++] as number);
      order.push(k);
    }
    while (lateAt < sortedLate.length) order.push(sortedLate[lateAt++] as number);
    return order;
  }

  /** The edited source. */
  toString(): string {
    const source = this.#source;
    const order = this.#sorted();
    const parts: string[] = [];
    let at = 0;
    for (let j = 0; j < this.#starts.length; j++) {
      const k = order === undefined ? j : (order[j] as number);
      const start = this.#starts[k] as number;
      // An edit starting inside one applied before it (the transform makes none) adds its text alone.
      if (start > at) parts.push(source.slice(at, start));
      parts.push(this.#texts[k] as string);
      at = Math.max(at, this.#ends[k] as number);
    }
    parts.push(source.slice(at), this.#tail);
    return parts.join('');
  }

  /** The edited source with an inline source map pointing back at `sourceUrl`'s original text. */
  toStringWithMap(sourceUrl: string): string {
    const magic = new MagicString(this.#source);
    const order = this.#sorted();
    for (let j = 0; j < this.#starts.length; j++) {
      const k = order === undefined ? j : (order[j] as number);
      const start = this.#starts[k] as number;
      const end = this.#ends[k] as number;
      if (start === end) magic.appendLeft(start, this.#texts[k] as string);
      else magic.overwrite(start, end, this.#texts[k] as string);
    }
    if (this.#tail !== '') magic.append(this.#tail);
    const map = magic.generateMap({ source: sourceUrl, includeContent: true, hires: 'boundary' });
    return `${magic.toString()}\n//# sourceMappingURL=${map.toUrl()}\n`;
  }
}
