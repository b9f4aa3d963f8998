import type { FerretApi } from '../../src-main/contract/api.js';
import { createHttpApi } from './http-api.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser. */
    ferret?: FerretApi;
  }
}

/** The desktop preload's API when there is one, else the `ferret serve` HTTP API. */
export function pickApi(): FerretApi {
  return window.ferret ?? createHttpApi();
}
