// Starting the worker threads of a write (compare-worker.ts, write-worker.ts), and the messages they exchange.
import { Worker } from 'node:worker_threads';
import type { ErrorData, FaultSpec } from './errors.js';
import type { FileState } from './files.js';

/** A batch of files, [path in the folder, content], posted to a worker; the string 'end' asks for the result. */
export type Batch = Array<[string, string]>;
export interface CompareData {
  outDir: string;
  fault: FaultSpec | undefined;
}
export interface CompareResult {
  changes: Array<{ file: string; kind: Exclude<FileState, 'same'> }>;
  error?: ErrorData;
}
export interface WriterData {
  stage: string;
  fault: FaultSpec | undefined;
}
export interface WriterResult {
  error?: ErrorData;
}

/**
 * The file of a worker. In the CLI bundle (dist/tracestack.cjs, where import.meta.url is the bundle's URL, see
 * scripts/build.mjs) each worker is its own small bundle beside it, dist/<name>.cjs; in tsc's output it is the
 * compiled module beside this one, dist/write/<name>.js.
 */
export function workerFile(name: 'compare-worker' | 'write-worker', from: string = import.meta.url): URL {
  return new URL(from.endsWith('.cjs') ? `./${name}.cjs` : `./${name}.js`, from);
}

export function startWorker(name: 'compare-worker', data: CompareData): Worker;
export function startWorker(name: 'write-worker', data: WriterData): Worker;
export function startWorker(name: 'compare-worker' | 'write-worker', data: CompareData | WriterData): Worker {
  return new Worker(workerFile(name), { workerData: data });
}
