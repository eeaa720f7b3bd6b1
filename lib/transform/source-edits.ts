/**
 * Insertions and replacements over one source, applied in a single pass. The transform makes dozens of tiny edits
 * per module on the cold-import path, where magic-string's chunk objects cost measurable garbage; magic-string is
 * used only when a source map is asked for, by replaying the same edits into it.
 */
import MagicString from 'magic-string';

interface Edit {
  start: number;
  end: number;
  text: string;
  /** Insertion order, so that two insertions at one position keep the order they were made in. */
  order: number;
}

/** A list of edits to one source. */
export class SourceEdits {
  readonly #source: string;
  readonly #edits: Edit[] = [];
  #tail = '';

  constructor(source: string) {
    this.#source = source;
  }

  /** Inserts `text` before the character at `at`. */
  insert(at: number, text: string): void {
    this.#edits.push({ start: at, end: at, text, order: this.#edits.length });
  }

  /** Replaces `[start, end)` with `text`. */
  overwrite(start: number, end: number, text: string): void {
    this.#edits.push({ start, end, text, order: this.#edits.length });
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
    for (const edit of this.#edits) {
      if (edit.text.length === edit.end - edit.start) continue;
      let i = edit.end;
      while (i < source.length && (source[i] === ' ' || source[i] === '\t' || source[i] === '\r')) i++;
      if (i < source.length && source[i] !== '\n' && !source.startsWith('//', i)) return true;
    }
    return false;
  }

  #sorted(): Edit[] {
    return [...this.#edits].sort((a, b) => a.start - b.start || a.end - b.end || a.order - b.order);
  }

  /** The edited source. */
  toString(): string {
    let out = '';
    let at = 0;
    for (const edit of this.#sorted()) {
      out += this.#source.slice(at, edit.start) + edit.text;
      at = Math.max(at, edit.end);
    }
    return out + this.#source.slice(at) + this.#tail;
  }

  /** The edited source with an inline source map pointing back at `sourceUrl`'s original text. */
  toStringWithMap(sourceUrl: string): string {
    const magic = new MagicString(this.#source);
    for (const edit of this.#sorted()) {
      if (edit.start === edit.end) magic.appendLeft(edit.start, edit.text);
      else magic.overwrite(edit.start, edit.end, edit.text);
    }
    if (this.#tail !== '') magic.append(this.#tail);
    const map = magic.generateMap({ source: sourceUrl, includeContent: true, hires: 'boundary' });
    return `${magic.toString()}\n//# sourceMappingURL=${map.toUrl()}\n`;
  }
}
