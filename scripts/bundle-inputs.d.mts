import type { Metafile } from 'esbuild';

/** Records the sources of `outdir`'s bundles from esbuild's metafiles. */
export function writeBundleInputs(outdir: string, metafiles: Metafile[]): Promise<void>;
/** Whether `bundle` in `outdir` exists and no source it was built from is newer. */
export function bundleIsCurrent(outdir: string, bundle: string): boolean;
