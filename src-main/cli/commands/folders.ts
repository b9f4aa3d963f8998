import { Command } from 'commander';
import type { FolderInfo } from '../../contract/api.js';
import { UserError } from '../../contract/errors.js';
import type { Backend } from '../../engine/backend.js';
import { terminalPath, withBackend, withReadBackend } from '../context.js';

/** A folder given by its id or by its path. */
async function findFolder(backend: Backend, idOrPath: string): Promise<FolderInfo> {
  const folders = await backend.handle('listFolders', {});
  const byId = /^\d+$/.test(idOrPath)
    ? folders.find((folder) => folder.id === Number(idOrPath))
    : undefined;
  const found = byId ?? (await backend.findFolder(terminalPath(idOrPath)));
  if (found === undefined) {
    throw new UserError(`${idOrPath} is not a library folder (see ferret folders list)`);
  }
  return found;
}

const listCommand = new Command('list')
  .description('the library folders, with their photo counts and status')
  .action(async (_options, command: Command) => {
    await withReadBackend(command, async (backend, output) => {
      const folders = await backend.handle('listFolders', {});
      output.result(folders, () =>
        folders.length === 0
          ? 'no folders yet: ferret folders add <folder>'
          : folders
              .map(
                (folder) =>
                  `${String(folder.id).padStart(3)}  ${folder.path}  ${folder.photos} photos` +
                  (folder.status === 'ok' ? '' : `  (unavailable: ${folder.error})`),
              )
              .join('\n'),
      );
    });
  });

const addCommand = new Command('add')
  .description('add a folder to the library (ferret watch or the app then indexes it)')
  .argument('<folder>', 'folder of photos')
  .option('--polling', 'watch by polling (for network shares, where change events are missing)')
  .action(async (folder: string, options: { polling?: boolean }, command: Command) => {
    await withBackend(command, async (backend, output) => {
      const added = await backend.addFolder(terminalPath(folder), options);
      output.result(added, () => `added ${added.path} (id ${added.id}); ferret watch indexes it`);
    });
  });

const removeCommand = new Command('remove')
  .description('remove a folder from the library: its photos leave the catalog, not the disk')
  .argument('<folder>', 'the folder, by id or path')
  .action(async (idOrPath: string, _options, command: Command) => {
    await withBackend(command, async (backend, output) => {
      const folder = await findFolder(backend, idOrPath);
      const result = await backend.handle('removeFolder', { folderId: folder.id });
      output.result(
        { folder, ...result },
        () => `removed ${folder.path}: ${result.removedPhotos} photos left the library`,
      );
    });
  });

export const foldersCommand = new Command('folders')
  .description('list, add and remove library folders')
  .addCommand(listCommand.exitOverride())
  .addCommand(addCommand.exitOverride())
  .addCommand(removeCommand.exitOverride());
