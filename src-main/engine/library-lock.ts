import fs from 'node:fs';
import { UserError } from '../contract/errors.js';

/** Who holds a library: written into its lock file. */
interface Holder {
  pid: number;
  startedAt: string;
  command: string;
}

/**
 * One writer per library. Two processes that both index, watch or serve one library would each
 * keep their own copy of the vector index and save it over the other's (losing vectors) and
 * embed the same photos twice; so every door that writes (the app, `ferret serve`, `ferret
 * watch`, and one-shot commands that change the library) holds this lock while open, and one
 * that finds it held by a live process is refused with who holds it. Commands that only read
 * (search, status, check) take no lock and write nothing. A lock left by a process that is
 * gone (killed, crashed) is taken over.
 */
export class LibraryLock {
  private constructor(private readonly file: string) {}

  static acquire(file: string): LibraryLock {
    const holder: Holder = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      command: process.argv.slice(2).join(' ').slice(0, 200),
    };
    for (let attempt = 0; ; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify(holder), { flag: 'wx' });
        return new LibraryLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = readHolder(file);
      if (current !== null && isAlive(current.pid)) {
        throw new UserError(
          `Ferret is already using this library (pid ${current.pid}, started ${current.startedAt}` +
            `${current.command ? `, ferret ${current.command}` : ''}); it picks up changes in its folders by itself — stop it to run this command`,
        );
      }
      if (attempt > 0) throw new UserError(`cannot take the library lock ${file}`);
      // The holder is gone without releasing it (killed or crashed): the lock is stale.
      fs.rmSync(file, { force: true });
    }
  }

  /** Whether a process other than this one holds the library now (a lock of a dead one does not count). */
  static heldByAnother(file: string): boolean {
    const current = readHolder(file);
    return current !== null && current.pid !== process.pid && isAlive(current.pid);
  }

  /** Removes the lock if it is still this process's (a stale-lock take-over never removes another's). */
  release(): void {
    if (readHolder(this.file)?.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}

function readHolder(file: string): Holder | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Holder;
  } catch {
    // Missing, or cut short by a crash while being written: nobody holds it.
    return null;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
