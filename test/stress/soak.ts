/**
 * The soak scenario: a `node:http` server whose request handler lives in an archive serves keep-alive
 * requests from this process without pause while the archive is replaced again and again, one replacement in four
 * broken. Shared by the short run in `npm test` and the long one in `npm run stress`.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { makeApp, type Tree, writeTree, writeZip, zipBytes } from '../helpers/fixtures.js';

/** What a soak run measured. */
export interface SoakReport {
  replacements: number;
  broken: number;
  requests: number;
  failed: number;
  /** Good versions in the order responses first showed them. */
  observed: number[];
  /** Versions that were broken but appeared in a response (must be empty). */
  brokenServed: number[];
  /**
   * Broken replacements the server reported refusing (rejected update, failed evaluation, unreadable archive,
   * restart required).
   */
  refused: number;
  heapStartBytes: number;
  heapEndBytes: number;
  ms: number;
}

function handlerTree(version: number): Tree {
  return {
    'package.json': '{ "type": "module" }\n',
    'handler.js': [
      "import { render } from './render.js';",
      "import './config.js';",
      'export let served = 0;',
      'export function handler(request, response) {',
      '  served++;',
      "  if (request.url === '/mem') { globalThis.gc?.(); response.end(String(process.memoryUsage().heapUsed)); return; }",
      `  response.end(render(${version}));`,
      '}',
    ].join('\n'),
    'render.js': "export const render = (version) => 'version ' + version;\n",
    // Declines updates: a change of it asks for a restart, and the good versions never change it.
    'config.js': 'import.meta.hot?.decline();\nexport const config = {};\n',
  };
}

type Breakage =
  | 'syntax'
  | 'throw'
  | 'missing-export'
  | 'torn'
  | 'corrupt-crc'
  | 'host-export-removed'
  | 'no-longer-function'
  | 'never-settles'
  | 'link-error'
  | 'decline';
const breakages: Breakage[] = [
  'syntax',
  'throw',
  'missing-export',
  'torn',
  'corrupt-crc',
  'host-export-removed',
  'no-longer-function',
  'never-settles',
  'link-error',
  'decline',
];

function brokenBytes(version: number, kind: Breakage): Uint8Array {
  const tree = handlerTree(version);
  switch (kind) {
    case 'syntax':
      return zipBytes({ ...tree, 'handler.js': `${tree['handler.js']}\nexport const = ;\n` });
    case 'throw':
      return zipBytes({ ...tree, 'handler.js': `${tree['handler.js']}\nthrow new Error('broken at top level');\n` });
    // render.js no longer exports the name handler.js imports: rejected before anything runs.
    case 'missing-export':
      return zipBytes({ ...tree, 'render.js': "export const draw = (version) => 'version ' + version;\n" });
    case 'torn':
      return zipBytes(tree, 0).subarray(0, 200);
    // The new handler.js imports a name render.js never had: it cannot link.
    case 'link-error':
      return zipBytes({ ...tree, 'handler.js': `import { nowhere } from './render.js';\n${tree['handler.js']}` });
    // A change of a module that declined updates: restart-required, nothing applied.
    case 'decline':
      return zipBytes({
        ...tree,
        'config.js': `import.meta.hot?.decline();\nexport const config = { v: ${version} };\n`,
      });
    // The server (a plain file) imports `handler` by name: removing it is rejected.
    case 'host-export-removed':
      return zipBytes({ ...tree, 'handler.js': `export const other = ${version};\n` });
    // Still exported, but no longer callable: not installed.
    case 'no-longer-function':
      return zipBytes({ ...tree, 'handler.js': `export const handler = ${version};\n` });
    // A top-level await that never settles: the update's time limit ends it.
    case 'never-settles':
      return zipBytes({ ...tree, 'handler.js': `await new Promise(() => {});\n${tree['handler.js']}` });
    case 'corrupt-crc': {
      const bytes = Buffer.from(zipBytes(tree, 0));
      // Stored entries: flip a byte of the first entry's data, after its 30-byte header and name.
      const nameLength = bytes.readUInt16LE(26);
      const at = 30 + nameLength + bytes.readUInt16LE(28) + 2;
      bytes[at] = (bytes[at] ?? 0) ^ 0xff;
      return bytes;
    }
  }
}

function replace(file: string, bytes: Uint8Array): void {
  const temp = `${file}.tmp`;
  fs.writeFileSync(temp, bytes);
  fs.renameSync(temp, file);
}

/** Runs the soak: `replacements` archive replacements, every fourth one broken, under continuous load. */
export async function soak(options: { replacements: number; concurrency?: number }): Promise<SoakReport> {
  const started = performance.now();
  const dir = makeApp('hotzip-soak-');
  const archive = path.join(dir, 'app.zip');
  writeZip(archive, handlerTree(0));
  writeTree(dir, {
    'server.mjs': [
      "import http from 'node:http';",
      "import { handler } from 'zip:./app.zip!/handler.js';",
      'const server = http.createServer(handler);',
      "server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));",
    ].join('\n'),
  });
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'hotzip/register', 'server.mjs'],
    { cwd: dir, env: { ...process.env, NODE_OPTIONS: '', HOTZIP_LOG: 'debug', HOTZIP_UPDATE_TIMEOUT: '500' } },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /PORT (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency ?? 4 });
  const get = (pathname: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port, path: pathname, agent }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () =>
          response.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${response.statusCode}`)),
        );
      });
      request.on('error', reject);
      request.setTimeout(10_000, () => request.destroy(new Error('request timed out')));
    });

  const report: SoakReport = {
    replacements: options.replacements,
    broken: 0,
    requests: 0,
    failed: 0,
    observed: [],
    brokenServed: [],
    refused: 0,
    heapStartBytes: Number(await get('/mem')),
    heapEndBytes: 0,
    ms: 0,
  };
  const broken = new Set<number>();
  let latest = 0;
  let running = true;
  const seen = (version: number): void => {
    if (broken.has(version)) report.brokenServed.push(version);
    if (version > latest) {
      latest = version;
      report.observed.push(version);
    }
  };
  const workers = Array.from({ length: options.concurrency ?? 4 }, async () => {
    while (running) {
      report.requests++;
      try {
        const body = await get('/');
        seen(Number(/^version (\d+)$/.exec(body)?.[1] ?? Number.NaN));
      } catch {
        report.failed++;
      }
    }
  });
  const refusals = (): number =>
    stderr
      .split('\n')
      .filter((line) =>
        /update rejected|threw while evaluating|not applied|did not finish evaluating|restart required/.test(line),
      ).length;
  const waitFor = async (version: number): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (latest < version) {
      if (Date.now() > deadline) throw new Error(`version ${version} never served; server said: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  try {
    let good = 0;
    for (let i = 1; i <= options.replacements; i++) {
      if (i % 4 === 0) {
        const version = 10_000 + i;
        broken.add(version);
        report.broken++;
        const kind = breakages[(i / 4) % breakages.length] ?? 'syntax';
        const before = refusals();
        replace(archive, brokenBytes(version, kind));
        // Wait until the server has seen and refused it, so that every broken kind is really exercised under load.
        const deadline = Date.now() + 15_000;
        while (refusals() === before) {
          if (Date.now() > deadline) throw new Error(`the server never refused broken archive ${version} (${kind})`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } else {
        good++;
        replace(archive, zipBytes(handlerTree(good)));
        await waitFor(good);
      }
    }
  } finally {
    running = false;
    await Promise.all(workers);
    report.heapEndBytes = Number(await get('/mem').catch(() => '0'));
    agent.destroy();
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
    report.ms = Math.round(performance.now() - started);
    report.refused = stderr
      .split('\n')
      .filter((line) =>
        /update rejected|threw while evaluating|not applied|did not finish evaluating|restart required/.test(line),
      ).length;
  }
  return report;
}
