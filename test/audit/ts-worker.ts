import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

const ROOT = resolve(__dirname, '..', '..');

/**
 * A require hook for plain node processes and worker threads started by tests: transpiles .ts with the compiler the
 * repository already has and maps @kopir/* to the libs, as jest's moduleNameMapper does.
 */
export const TS_REGISTER = `
const Module = require('node:module'); const path = require('node:path'); const fs = require('node:fs');
const ts = require(${JSON.stringify(join(ROOT, 'node_modules', 'typescript'))});
const root = ${JSON.stringify(ROOT)};
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@kopir\\/([a-z-]+)$/.exec(request);
  return resolveFilename.call(this, m ? path.join(root, 'libs', m[1], 'src', 'index.ts') : request, ...rest);
};
require.extensions['.ts'] = function (module, filename) {
  const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true,
    experimentalDecorators: true, emitDecoratorMetadata: true };
  module._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions: options, fileName: filename }).outputText, filename);
};
`;

/** A worker thread running a TypeScript file of the repository. */
export function tsWorker(file: string): Worker {
  return new Worker(`${TS_REGISTER}\nrequire(${JSON.stringify(file)});`, { eval: true });
}
