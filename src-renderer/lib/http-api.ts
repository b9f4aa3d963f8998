import type {
  ApiErrorBody,
  EngineEvent,
  FerretApi,
  Method,
  RequestOf,
  ResponseTypes,
} from '../../src-main/contract/api.js';

/**
 * A picture for Find similar travels as its own bytes, its other arguments (limit, step, filter,
 * order) in the query string: a string as it is, anything else as JSON.
 */
function isPicture(args: object): args is RequestOf<'findSimilarToPicture'> {
  return 'picture' in args && args.picture instanceof Uint8Array;
}

function query(args: object): string {
  if (!isPicture(args)) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) {
    if (key === 'picture' || value === undefined) continue;
    params.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return params.size === 0 ? '' : `?${params}`;
}

/**
 * The FerretApi of `ferret serve`: calls are POST /api/<method> with a JSON body, events come as
 * server-sent events, media is addressed by photo id. The access cookie rides along on its own.
 */
export function createHttpApi(base = ''): FerretApi {
  const listeners = new Set<(event: EngineEvent) => void>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let source: EventSource | null = null;
  let connected = true;

  function setConnected(now: boolean) {
    if (now === connected) return;
    connected = now;
    for (const listener of connectionListeners) listener(now);
  }

  // The event stream is the heartbeat: it breaks as soon as the server goes away, and the
  // browser retries it on its own, so its open and error events say when Ferret is back.
  function openEvents() {
    source = new EventSource(`${base}/api/events`);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.onmessage = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as EngineEvent;
      for (const listener of listeners) listener(event);
    };
  }

  return {
    door: 'browser',

    async call<M extends Method>(method: M, args: RequestOf<M>): Promise<ResponseTypes[M]> {
      let response: Response;
      try {
        response = await fetch(`${base}/api/${method}${query(args)}`, {
          method: 'POST',
          headers: {
            'Content-Type': isPicture(args) ? 'application/octet-stream' : 'application/json',
          },
          credentials: 'same-origin',
          body: isPicture(args) ? (args.picture as Uint8Array<ArrayBuffer>) : JSON.stringify(args),
        });
      } catch {
        throw new Error('Ferret is not reachable: is `ferret serve` still running?');
      }
      const body = (await response.json().catch(() => null)) as unknown;
      if (!response.ok) {
        const message = (body as ApiErrorBody | null)?.error;
        throw new Error(message ?? `${method} failed (HTTP ${response.status})`);
      }
      return body as ResponseTypes[M];
    },

    onEvent(listener) {
      listeners.add(listener);
      if (source === null) openEvents();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          source?.close();
          source = null;
        }
      };
    },

    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },

    mediaUrl(kind, photoId) {
      return `${base}/media/${kind}/${photoId}`;
    },
  };
}
