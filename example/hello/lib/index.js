import { readFileSync } from 'hotzip';
import words from '#words' with { type: 'json' };

export function greet(name) {
  return `${words.greeting}, ${name}!`;
}

export const banner = readFileSync(new URL('../banner.txt', import.meta.url), 'utf8').trim();
