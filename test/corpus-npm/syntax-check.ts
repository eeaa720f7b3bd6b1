/**
 * The transform proven on real code: every ES module file of the corpus, rewritten as hotzip rewrites it (a first
 * instance and an update's version), must still parse as a module with a real parser (acorn, a devDependency) and
 * keep the same static imports and exports. The check itself is the suite's shared one (../syntax-check.ts); this
 * file finds the corpus's ES module files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'acorn';

export { checkTransformed, type ReassignedTally } from '../helpers/syntax-check.js';

function nearestType(dir: string, root: string, cache: Map<string, string | undefined>): string | undefined {
  if (cache.has(dir)) return cache.get(dir);
  let type: string | undefined;
  const manifest = path.join(dir, 'package.json');
  if (fs.existsSync(manifest)) {
    try {
      const parsed = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { type?: unknown };
      type = typeof parsed.type === 'string' ? parsed.type : 'none';
    } catch {
      type = 'none';
    }
  } else if (dir !== root && path.dirname(dir) !== dir) type = nearestType(path.dirname(dir), root, cache);
  cache.set(dir, type);
  return type;
}

function parsesAs(source: string, sourceType: 'script' | 'module'): boolean {
  try {
    parse(source, { ecmaVersion: 'latest', sourceType, allowHashBang: true, allowReturnOutsideFunction: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The ES module files below `packageDir` (its nested node_modules left out), as Node would decide their format:
 * `.mjs`; `.js` under `"type": "module"`; `.js` with no type in scope that fails as a script but parses as a module.
 */
export function esModuleFiles(packageDir: string): string[] {
  const found: string[] = [];
  const types = new Map<string, string | undefined>();
  const walk = (dir: string): void => {
    for (const dirent of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, dirent.name);
      if (dirent.isDirectory()) {
        if (dirent.name !== 'node_modules') walk(file);
        continue;
      }
      if (dirent.name.endsWith('.mjs')) found.push(file);
      else if (dirent.name.endsWith('.js')) {
        const type = nearestType(dir, packageDir, types) ?? 'none';
        if (type === 'module') found.push(file);
        else if (type === 'none') {
          const source = fs.readFileSync(file, 'utf8');
          if (/\b(import|export|await)\b/.test(source) && !parsesAs(source, 'script') && parsesAs(source, 'module')) {
            found.push(file);
          }
        }
      }
    }
  };
  walk(packageDir);
  return found.sort();
}
