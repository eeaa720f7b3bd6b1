// Top-level await in a module whose format is given by "type": "module", written without semicolons.
import { setTimeout as sleep } from 'node:timers/promises'
const settings = await sleep(1, { retries: 3 })
export const retries = settings.retries
export function describe() {
  return `retries=${retries}`
}
