/** One set of ajv options, shared by the runtime compiler (tests) and the build-time standalone compiler. */
export const AJV_OPTIONS = { strict: true, allErrors: true, verbose: true, useDefaults: true, allowUnionTypes: true } as const;
