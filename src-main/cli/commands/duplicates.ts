import { Command, Option } from 'commander';
import type { DuplicateTier } from '../../contract/api.js';
import { formatBytes } from '../../contract/format.js';
import { withReadBackend } from '../context.js';

export const duplicatesCommand = new Command('duplicates')
  .description('groups of exact copies and near-duplicates, with the one to keep in each')
  .addOption(
    new Option('--tier <tier>', 'only exact copies, or only near-duplicates').choices([
      'exact',
      'near',
    ]),
  )
  .action(async (options: { tier?: DuplicateTier }, command: Command) => {
    await withReadBackend(command, async (backend, output) => {
      const report = await backend.handle('listDuplicates', { tier: options.tier });
      output.result(report, () => {
        const lines = report.groups.flatMap((group, i) => [
          `${i + 1}. ${group.tier === 'exact' ? 'exact copies' : 'near-duplicates'}, ${formatBytes(group.reclaimableBytes)} to free:`,
          ...group.members.map(
            ({ photo, keeper, fileBytes }) =>
              `  ${keeper ? 'keep ' : 'trash'} ${photo.path} (${photo.width ?? '?'}×${photo.height ?? '?'}, ${formatBytes(fileBytes)})`,
          ),
        ]);
        const photos = report.groups.reduce((sum, group) => sum + group.members.length, 0);
        lines.push(
          report.groups.length === 0
            ? 'no duplicates'
            : `${report.groups.length} groups of ${photos} photos; ${formatBytes(report.reclaimableBytes)} to free by trashing all but the one to keep in each`,
        );
        if (report.nearThreshold === null && options.tier !== 'exact') {
          lines.push('near-duplicates need a model that tells pictures apart; exact copies only');
        }
        if (report.uncompared > 0) {
          lines.push(
            `${report.uncompared} photos are not compared yet (ferret index or the running app compares them)`,
          );
        }
        return lines.join('\n');
      });
    });
  });
