// Run with: node --import hotzip/register example/app.js
import { banner, greet } from 'zip:./hello.zip!/lib/index.js';

console.log(banner);
console.log(greet('world'));
console.log(import.meta.resolve('zip:./hello.zip'));
