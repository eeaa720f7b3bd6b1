/**
 * The benchmark app: a generated graph of ES modules of realistic shape (imports in a DAG, functions, classes,
 * constants, strings), the same bytes written as a directory and as a deflated archive.
 */
import type { Tree } from '../test/helpers/fixtures.js';

/**
 * How function bodies are laid out: `formatted` opens each body on its own line, as Prettier and Biome write it
 * (hotzip's edits then move no column); `one-line` keeps whole functions on one line, so every module's trampolines
 * move columns, and with HOTZIP_SOURCE_MAPS=1 every module carries a source map: the worst case for maps.
 */
export type BenchStyle = 'formatted' | 'one-line';

/** Builds `count` modules of about `bytesPerModule` each; `main.js` imports them all through the graph. */
export function benchApp(count = 500, bytesPerModule = 5000, style: BenchStyle = 'formatted'): Tree {
  const body = (code: string): string => (style === 'formatted' ? `\n  ${code}\n` : ` ${code} `);
  const tree: Tree = { 'package.json': '{ "name": "bench-app", "type": "module", "main": "main.js" }\n' };
  for (let i = 0; i < count; i++) {
    const lines: string[] = [];
    const deps = [...new Set([i * 2 + 1, i * 2 + 2, i + 7])].filter((d) => d < count);
    for (const d of deps) lines.push(`import { fn${d}, Thing${d}, value${d} } from './m${d}.js';`);
    lines.push(`export const value${i} = ${i};`);
    lines.push(`export let counter${i} = 0;`);
    lines.push(
      `export function fn${i}(x) {${body(`counter${i}++; return x + value${i}${deps.map((d) => ` + value${d}`).join('')};`)}}`,
    );
    lines.push(`export class Thing${i} { constructor() { this.id = ${i}; } get twice() { return this.id * 2; } }`);
    lines.push(
      `export default function main${i}() {${body(`return [${deps.map((d) => `fn${d}(1), new Thing${d}().twice`).join(', ')}];`)}}`,
    );
    let filler = 0;
    while (lines.join('\n').length < bytesPerModule) {
      lines.push(
        `export function helper${i}_${filler}(a, b) {${body(`const s = 'module ${i} helper ${filler} ' + a; return s.length + (b ?? ${filler}) * ${i};`)}}`,
      );
      filler++;
    }
    tree[`m${i}.js`] = `${lines.join('\n')}\n`;
  }
  tree['main.js'] = "import run from './m0.js';\nexport const result = run();\n";
  return tree;
}
