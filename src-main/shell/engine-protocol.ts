import type {
  ApiBackend,
  EngineEvent,
  MediaKind,
  Method,
  ParsedRequestOf,
} from '../contract/api.js';
import type { DesktopActions } from '../engine/backend.js';
import { errorMessage } from '../contract/format.js';
import { PendingRequests } from '../contract/pending-requests.js';

/**
 * The wire between Electron main and the engine host (a utilityProcess). Main has already
 * validated every call with parseRequest; the host answers calls and media look-ups, streams
 * engine events, and asks main for the desktop actions only main can perform (opening files).
 * Written against a minimal port so it runs the same over Electron's and Node's ports.
 */

export interface PortLike {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

type DesktopAction = keyof DesktopActions;

export type ToHost =
  | { type: 'call'; id: number; method: Method; args: unknown }
  | { type: 'media'; id: number; kind: MediaKind; photoId: number }
  | { type: 'desktop-result'; id: number; ok: boolean; value: boolean }
  | { type: 'shutdown' };

export type FromHost =
  | { type: 'ready' }
  | { type: 'failed'; error: string }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'event'; event: EngineEvent }
  | { type: 'desktop'; id: number; action: DesktopAction; file: string }
  | { type: 'closed' };

export interface RemoteBackend extends ApiBackend {
  /** Resolves once the host has opened the engine; rejects with its reason if it could not. */
  readonly ready: Promise<void>;
  /** Ask the host to stop indexing and close the engine; resolves when it has. */
  shutdown(): Promise<void>;
  /** The host is gone: fail what is pending and everything after. */
  disconnected(reason: string): void;
}

/** Main's side: an ApiBackend whose work happens in the engine host. */
export function connectBackend(port: PortLike, desktop: DesktopActions): RemoteBackend {
  const calls = new PendingRequests<unknown>();
  const listeners = new Set<(event: EngineEvent) => void>();
  let gone: Error | null = null;
  let markReady!: () => void;
  let markFailed!: (error: Error) => void;
  let markClosed!: () => void;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  const closed = new Promise<void>((resolve) => (markClosed = resolve));

  const send = (message: ToHost) => port.postMessage(message);
  const request = <T>(build: (id: number) => ToHost): Promise<T> =>
    gone ? Promise.reject(gone) : (calls.open((id) => send(build(id))) as Promise<T>);

  port.onMessage((raw) => {
    const message = raw as FromHost;
    switch (message.type) {
      case 'ready':
        markReady();
        break;
      case 'failed':
        markFailed(new Error(message.error));
        break;
      case 'result':
        calls.settle(message.id, message);
        break;
      case 'event':
        for (const listener of listeners) listener(message.event);
        break;
      case 'desktop':
        desktop[message.action](message.file).then(
          (value) => send({ type: 'desktop-result', id: message.id, ok: true, value }),
          () => send({ type: 'desktop-result', id: message.id, ok: false, value: false }),
        );
        break;
      case 'closed':
        markClosed();
        break;
    }
  });

  return {
    ready,
    handle: (method, args) => request((id) => ({ type: 'call', id, method, args })),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    media: (kind, photoId) => request((id) => ({ type: 'media', id, kind, photoId })),
    shutdown() {
      if (gone) return Promise.resolve();
      send({ type: 'shutdown' });
      return closed;
    },
    disconnected(reason) {
      gone = new Error(reason);
      calls.failAll(gone);
      markFailed(gone);
      markClosed();
    },
  };
}

/** The host's side: answers main with a real backend; `close` runs on shutdown. */
export function serveBackend(
  port: PortLike,
  open: (desktop: DesktopActions) => Promise<ApiBackend & { close(): Promise<void> }>,
): void {
  const desktopCalls = new PendingRequests<boolean>();
  const send = (message: FromHost) => port.postMessage(message);
  const askMain = (action: DesktopAction) => (file: string) =>
    desktopCalls.open((id) => send({ type: 'desktop', id, action, file }));
  const opening = open({ openPath: askMain('openPath'), showInFolder: askMain('showInFolder') });

  opening.then(
    (backend) => {
      backend.subscribe((event) => send({ type: 'event', event }));
      send({ type: 'ready' });
    },
    (error: unknown) => send({ type: 'failed', error: errorMessage(error) }),
  );

  const answer = (id: number, work: (backend: ApiBackend) => Promise<unknown>) => {
    opening.then(work).then(
      (value) => send({ type: 'result', id, ok: true, value }),
      (error: unknown) => send({ type: 'result', id, ok: false, error: errorMessage(error) }),
    );
  };

  port.onMessage((raw) => {
    const message = raw as ToHost;
    switch (message.type) {
      case 'call':
        answer(message.id, (backend) =>
          backend.handle(message.method, message.args as ParsedRequestOf<Method>),
        );
        break;
      case 'media':
        answer(message.id, (backend) => backend.media(message.kind, message.photoId));
        break;
      case 'desktop-result':
        desktopCalls.settle(message.id, { ok: true, value: message.ok && message.value });
        break;
      case 'shutdown':
        void opening
          .then((backend) => backend.close())
          .catch(() => undefined)
          .finally(() => send({ type: 'closed' }));
        break;
    }
  });
}
