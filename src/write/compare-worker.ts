// The compare thread of BackgroundCompare (compare.ts): compares each file it is sent with disk, by the same
// compareFile as the main thread, and answers 'end' with the changes and the first error.
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { errorData } from './errors.js';
import { compareFile } from './files.js';
import type { Batch, CompareData, CompareResult } from './workers.js';

const { outDir, fault } = workerData as CompareData;
const result: CompareResult = { changes: [] };
parentPort!.on('message', (m: Batch | 'end') => {
  if (m === 'end') return parentPort!.postMessage(result);
  for (const [file, content] of m) {
    try {
      const kind = compareFile(outDir, file, content, fault);
      if (kind !== 'same') result.changes.push({ file, kind });
    } catch (e) {
      result.error ??= errorData(e, join(outDir, file));
    }
  }
});
