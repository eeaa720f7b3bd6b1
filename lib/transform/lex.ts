/**
 * es-module-lexer's `parse`, remembering the last source: an entry is often lexed twice in a row (an update's preview,
 * then format detection; detection of a typeless module, then the hot transform); one pass serves both.
 */
import { parse } from 'es-module-lexer';

type Lexed = ReturnType<typeof parse>;

let lastSource: string | undefined;
let lastResult: Lexed | undefined;

/** The lexer's result for `source` (throws the lexer's error for sources it cannot read). */
export function lex(source: string): Lexed {
  if (source === lastSource && lastResult !== undefined) return lastResult;
  const result = parse(source);
  lastSource = source;
  lastResult = result;
  return result;
}
