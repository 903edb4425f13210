// `node --import ./record-imports.mjs`: appends every URL the ESM loader resolves to the file named by
// $GSPARSE_RECORD_IMPORTS, so a test can see which packages an import pulled in.
import { register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url);
