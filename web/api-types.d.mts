// Types of api-types.mjs, for src/api-types.test.ts.
/** The contents of src/api-types.ts for the OpenAPI document `specText` (JSON). */
export function apiTypes(specText: string): Promise<string>
