// Loader hooks of record-imports.mjs (they run on the loader's own thread).
import { appendFileSync } from 'node:fs';

/** Resolves as usual, then records the resolved URL. */
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.GSPARSE_RECORD_IMPORTS, `${resolved.url}\n`);
  return resolved;
}
