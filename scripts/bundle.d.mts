/** Builds the CLI bundle (dist/cli by default). */
export function bundleCli(outdir?: string): Promise<void>;
/** Builds the Electron shell's bundles (dist/shell by default). */
export function bundleShell(outdir?: string): Promise<void>;
/** The worker threads' entry points by name, each bundled beside the bundle that starts it. */
export const workerEntries: Record<string, string>;
