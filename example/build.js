// Builds example/hello.zip from example/hello/ (the demo's archive), with fflate as `hotzip pack` will.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';

const root = new URL('./hello/', import.meta.url);
const files = {};
for (const name of fs.readdirSync(root, { recursive: true })) {
  const file = new URL(name, root);
  if (fs.statSync(file).isFile()) files[name.split(path.sep).join('/')] = fs.readFileSync(file);
}
fs.writeFileSync(new URL('./hello.zip', import.meta.url), zipSync(files, { level: 9 }));
console.log(`wrote example/hello.zip (${Object.keys(files).length} entries)`);
