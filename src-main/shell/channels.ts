/**
 * Names of the IPC channels between the renderer (preload) and Electron main, in one place.
 * Everything that travels on them is typed by src-main/contract/api.ts.
 */
export const IpcChannel = {
  /** invoke: (method, args) → CallOutcome of ResponseTypes[method]. */
  call: 'ferret:call',
  /** invoke: (method, args) → CallOutcome of DesktopResponseTypes[method]: native UI in main. */
  desktop: 'ferret:desktop',
  /** main → renderer: one EngineEvent. */
  event: 'ferret:event',
  /**
   * main → renderer: whether the engine can be reached (false from its process's crash until
   * main has started a new one), what the browser door learns from its event stream.
   */
  connection: 'ferret:connection',
} as const;

/** Custom schemes: the renderer's own files, and photos/thumbnails by id. */
export const APP_SCHEME = 'ferret-app';
export const MEDIA_SCHEME = 'ferret-media';
export const APP_ORIGIN = `${APP_SCHEME}://renderer`;

/**
 * How main answers an invoke. Errors travel as plain messages: Electron would otherwise wrap
 * them as "Error invoking remote method 'ferret:call': Error: …".
 */
export type CallOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** Where the renderer finds a photo or its thumbnail (served by protocol.ts). */
export function mediaUrl(kind: 'thumbnail' | 'photo', photoId: number): string {
  return `${MEDIA_SCHEME}://${kind}/${photoId}`;
}
