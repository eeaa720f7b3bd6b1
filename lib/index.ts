/**
 * hotzip's runtime API: `import { readFile, readFileSync } from 'hotzip'`.
 */
export { HotzipError, type ErrorCode } from './errors.js';
export { readFile, readFileSync, type ResourceEncoding, type ResourceLocation } from './resources.js';
