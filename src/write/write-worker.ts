// The writer thread of a background StagedWrite (stage.ts): writes each file it is sent into the staging folder by
// the same FileWriter as the main thread, stops at the first error, and answers 'end' with that error.
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { errorData } from './errors.js';
import { FileWriter } from './files.js';
import type { Batch, WriterData, WriterResult } from './workers.js';

const { stage, fault } = workerData as WriterData;
const writer = new FileWriter(stage, fault);
const result: WriterResult = {};
parentPort!.on('message', (m: Batch | 'end') => {
  if (m === 'end') return parentPort!.postMessage(result);
  if (result.error) return;
  let file = '';
  try {
    for (const [f, content] of m) writer.write((file = f), content);
  } catch (e) {
    result.error = errorData(e, join(stage, file));
  }
});
