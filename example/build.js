// Builds example/hello.zip from example/hello/ (the demo's archive), with fflate as `hotzip pack` does.
// `node example/build.js` writes it as it is; the demo imports `buildHello` to write an edited copy while it runs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';

const root = new URL('./hello/', import.meta.url);
const archive = new URL('./hello.zip', import.meta.url);

/** Writes example/hello.zip, each file's text passed through `edit(name, text)`; atomic, as `hotzip pack` writes. */
export function buildHello(edit = (_name, text) => text) {
  const files = {};
  // Sorted names and a fixed timestamp: the same tree gives the same bytes, so rebuilding leaves git clean.
  for (const name of fs.readdirSync(root, { recursive: true }).sort()) {
    const file = new URL(name, root);
    if (!fs.statSync(file).isFile()) continue;
    const entry = name.split(path.sep).join('/');
    files[entry] = new TextEncoder().encode(edit(entry, fs.readFileSync(file, 'utf8')));
  }
  const temp = `${fileURLToPath(archive)}.tmp`;
  fs.writeFileSync(temp, zipSync(files, { level: 9, mtime: new Date('1980-01-01T00:00:00Z') }));
  fs.renameSync(temp, archive);
  return Object.keys(files).length;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`wrote example/hello.zip (${buildHello()} entries)`);
}
