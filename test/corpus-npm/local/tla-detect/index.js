// No import or export: only the top-level await makes this an ES module for Node's syntax detection.
const { default: os } = await import('node:os')
globalThis.tlaDetectEol = JSON.stringify(os.EOL)
