import { Command } from 'commander';
import type { CheckReport } from '../../engine/backend.js';
import { withBackend, withReadBackend } from '../context.js';

function describe(report: CheckReport): string[] {
  const differences = report.vectorIndexDifferences;
  const lines = [
    `${report.photos} photos, ${report.vectors ?? 'no model:'} vectors in the catalog, ${report.vectorIndexSize ?? 'no'} in the vector index`,
  ];
  const problems: [number, string][] = [
    [differences?.missing.length ?? 0, 'vectors missing from the vector index'],
    [differences?.extra.length ?? 0, 'vectors in the vector index that the catalog lacks'],
    [differences?.different.length ?? 0, 'vectors that differ between vector index and catalog'],
    [report.photosWithoutVector.length, 'indexed photos without a vector'],
    [report.missingFiles.length, 'photos whose files are gone'],
    [report.missingThumbnails.length, 'missing thumbnails'],
    [report.staleErrors.length, 'photos recorded as unreadable that read fine now'],
    [report.strayTemporaryFiles.length, 'temporary files a killed run left in the previews'],
    [report.pendingJobs.index, 'files queued for indexing'],
    [report.pendingJobs.remove, 'files queued for removal'],
  ];
  for (const [count, what] of problems) if (count > 0) lines.push(`  ${count} ${what}`);
  for (const folder of report.unavailableFolders) lines.push(`  unavailable: ${folder}`);
  lines.push(report.consistent ? 'consistent' : 'NOT consistent: ferret check --repair fixes it');
  return lines;
}

export const checkCommand = new Command('check')
  .description('verify that the catalog, the vector index, thumbnails and the disk agree')
  .option(
    '--repair',
    'restore consistency (rebuild the vector index, requeue and finish the work)',
    false,
  )
  .action(async (options: { repair: boolean }, command: Command) => {
    await (options.repair ? withBackend : withReadBackend)(command, async (backend, output) => {
      if (options.repair) {
        const repair = await backend.repairLibrary();
        output.result(repair, () =>
          [
            'before:',
            ...describe(repair.before),
            `repaired: ${repair.thumbnailsWritten} thumbnails written` +
              (repair.vectorIndexSynced
                ? `, vector index: ${repair.vectorIndexSynced.added} added, ${repair.vectorIndexSynced.updated} updated, ${repair.vectorIndexSynced.removed} removed`
                : ''),
            ...repair.thumbnailFailures.map((f) => `  thumbnail failed: ${f.path}: ${f.message}`),
            'after:',
            ...describe(repair.after),
          ].join('\n'),
        );
        if (!repair.after.consistent) process.exitCode = 1;
        return;
      }
      const report = await backend.checkLibrary();
      output.result(report, () => describe(report).join('\n'));
      if (!report.consistent) process.exitCode = 1;
    });
  });
