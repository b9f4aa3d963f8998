import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Fills the file system holding `dir` to the last byte; returns the file that does it. */
export function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = openSync(filler, 'w');
  try {
    for (const size of [1 << 20, 1 << 16, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0xa5);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

/** Runs a command; null when it worked, else what it said. */
export function run(command: string, args: string[]): string | null {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return result.error.message;
  return result.status === 0
    ? null
    : result.stderr.trim().split('\n')[0] || `exit status ${result.status}`;
}

/** Unmounts, waiting out a moment's "busy" (a look at the folder in flight), then lazily. */
export async function unmount(target: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const failed = run('umount', [target]);
    if (failed === null || /not mounted|no mount point/.test(failed)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  execFileSync('umount', ['--lazy', target]);
}

/** The user `nobody`: a process that file permissions apply to, when the tests run as root. */
export const UNPRIVILEGED = { uid: 65534, gid: 65534 };

/**
 * How to start a process that file permissions apply to: as is when this one is not root,
 * through setpriv as `nobody` when it is (the command to put before it); a reason to skip when
 * neither can be done.
 */
export function unprivileged(): string[] | string {
  if (process.getuid?.() !== 0) return [];
  const command = [
    'setpriv',
    `--reuid=${UNPRIVILEGED.uid}`,
    `--regid=${UNPRIVILEGED.gid}`,
    '--clear-groups',
  ];
  const refused = run(command[0]!, [...command.slice(1), 'true']);
  return refused === null ? command : `cannot run a process as an unprivileged user: ${refused}`;
}
