/**
 * hotzip's runtime API: `import { readFile, readFileSync } from 'hotzip'`.
 */
export { type ErrorCode, HotzipError } from './errors.js';
export { type ResourceEncoding, type ResourceLocation, readFile, readFileSync } from './resources.js';
