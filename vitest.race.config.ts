import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** `npm run test:race`: the long race test only (test/long/*.race.ts), with the same setup and closing line. */
export default defineConfig({ ...base, test: { ...base.test, include: ['test/long/*.race.ts'] } });
