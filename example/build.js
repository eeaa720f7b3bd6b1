// Builds example/hello.zip from example/hello/ (the demo's archive), with fflate as `hotzip pack` will.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';

const root = new URL('./hello/', import.meta.url);
const files = {};
// Sorted names and a fixed timestamp: the same tree gives the same bytes, so rebuilding leaves git clean.
for (const name of fs.readdirSync(root, { recursive: true }).sort()) {
  const file = new URL(name, root);
  if (fs.statSync(file).isFile()) files[name.split(path.sep).join('/')] = fs.readFileSync(file);
}
fs.writeFileSync(
  new URL('./hello.zip', import.meta.url),
  zipSync(files, { level: 9, mtime: new Date('1980-01-01T00:00:00Z') }),
);
console.log(`wrote example/hello.zip (${Object.keys(files).length} entries)`);
