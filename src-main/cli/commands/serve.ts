import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { UserError } from '../../contract/errors.js';
import type { Backend } from '../../engine/backend.js';
import { startServer } from '../../server/server.js';
import { untilStopSignal, withBackend } from '../context.js';

export interface ServeOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Open the address in the default browser. */
  open?: boolean;
}

/** The built renderer: dist/renderer under the package root, from source or from a bundle. */
export function findRendererDir(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'dist', 'renderer');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    if (path.dirname(dir) === dir) {
      throw new UserError('the user interface is not built yet: run `npm run build:renderer`');
    }
  }
}

function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => console.error(`could not open a browser; open ${url} yourself`));
  child.unref();
}

/**
 * `ferret serve`: the desktop UI in a browser, on loopback only. Resolves once SIGINT or SIGTERM
 * has stopped the server; closing the backend (and with it the indexing) is left to whoever
 * opened it.
 */
export async function serve(backend: Backend, opts: ServeOptions): Promise<void> {
  void backend.startLiveLibrary();
  backend.warmUpSearch();
  const server = await startServer({
    backend,
    rendererDir: findRendererDir(),
    port: opts.port ?? 0,
  });
  console.log(`Ferret is running at ${server.url}`);
  console.log(
    'Only this machine can reach it; the address holds its access token. Ctrl+C stops it.',
  );
  if (opts.open) openInBrowser(server.url);

  await untilStopSignal();
  await server.close();
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('must be a port number from 0 to 65535');
  }
  return port;
}

export const serveCommand = new Command('serve')
  .description('open the Ferret app in a browser, reachable from this machine only')
  .option('--port <n>', 'port on 127.0.0.1; 0 takes any free port', parsePort, 0)
  .option('--open', 'open the address in the default browser', false)
  .action(async (options: ServeOptions, command: Command) => {
    await withBackend(command, (backend) => serve(backend, options));
  });
