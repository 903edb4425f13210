// Optional packages (package.json optionalDependencies): the profiler's report and the CLI use them,
// the kernels never do, so `npm install gsparse --omit=optional` still gives working kernels.
import { readFileSync } from 'node:fs';

/** The version range package.json asks for, so the install hint matches what npm would have installed. */
function wantedRange(name: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      optionalDependencies?: Record<string, string>;
    };
    return pkg.optionalDependencies?.[name];
  } catch {
    return undefined;
  }
}

function isMissing(e: unknown, name: string): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((e as Error).message).includes(`'${name}'`);
}

/** The message for optional packages a feature needs but are not installed (one line, with the fix). */
export function missingPackagesMessage(feature: string, missing: readonly string[]): string {
  const specs = missing.map((n) => { const r = wantedRange(n); return r ? `${n}@${r}` : n; });
  const what = missing.length === 1 ? `package ${missing[0]}` : `packages ${missing.join(', ')}`;
  return `${feature} needs the optional ${what}, which ${missing.length === 1 ? 'is' : 'are'} not installed ` +
    `(npm skips optional dependencies with --omit=optional); install with: npm install ${specs.join(' ')}`;
}

/**
 * Loads the optional packages a feature needs, so a missing one fails at once with a message naming it
 * and the install command, instead of an ERR_MODULE_NOT_FOUND deep inside the feature.
 */
export async function requireOptional(feature: string, names: readonly string[]): Promise<void> {
  const missing: string[] = [];
  let cause: unknown;
  for (const name of names) {
    try {
      await import(name);
    } catch (e) {
      if (!isMissing(e, name)) throw e;
      missing.push(name);
      cause ??= e;
    }
  }
  if (missing.length > 0) throw new Error(missingPackagesMessage(feature, missing), { cause });
}
