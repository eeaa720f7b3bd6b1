// Run with: node --import hotzip/register example/app.js (after node example/build.js, as `npm run demo` does)

import { banner, greet } from 'zip:./hello.zip!/lib/index.js';
import { on } from 'hotzip';
import { buildHello } from './build.js';

console.log(banner);
console.log(greet('world'));
const captured = greet; // a function stored before an update (a route handler, a callback) follows it too

on('update', () => {
  console.log(`${greet('world')} (live binding) / ${captured('again')} (captured function)`);
  buildHello(); // leave example/hello.zip as it was
  setImmediate(() => process.exit(0));
});
// Edit the archive while the program runs, as `hotzip pack --watch` does on every save.
buildHello((name, text) => (name === 'lib/index.js' ? text.replace('words.greeting', "'Goodbye'") : text));
setTimeout(() => process.exit(1), 10_000);
