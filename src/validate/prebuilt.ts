import type { ValidateFunction } from 'ajv';

/**
 * The environment schema's validator, compiled at build time. Running from sources (tests, tsc output) this is
 * undefined and schema.ts finds or compiles the validator itself; the CLI bundle (scripts/build.mjs) replaces this
 * module with the precompiled code, so that it is part of the bundle and of its V8 code cache.
 */
export const prebuiltValidator: ValidateFunction | undefined = undefined;
