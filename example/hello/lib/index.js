import words from '#words' with { type: 'json' };
import { readFileSync } from 'hotzip';

export function greet(name) {
  return `${words.greeting}, ${name}!`;
}

export const banner = readFileSync(new URL('../banner.txt', import.meta.url), 'utf8').trim();
