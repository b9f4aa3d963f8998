import { ApiValidationError } from '../contract/errors.js';
import { parseDesktopRequest, parseRequest } from '../contract/schemas.js';
import type {
  ApiBackend,
  DesktopMethod,
  DesktopResponseTypes,
  DesktopRequestOf,
} from '../contract/api.js';
import type { CallOutcome } from './channels.js';
import { errorMessage } from '../contract/format.js';

/**
 * What main does with one untrusted call from the renderer, kept free of Electron so it can be
 * tested under plain Node: validate against the contract, forward, and turn any failure into
 * one readable message.
 */

function failure(error: unknown): { ok: false; error: string } {
  if (error instanceof ApiValidationError)
    return { ok: false, error: `invalid request: ${error.message}` };
  return { ok: false, error: errorMessage(error) };
}

export async function dispatchCall(
  backend: ApiBackend,
  method: unknown,
  args: unknown,
): Promise<CallOutcome<unknown>> {
  try {
    const call = parseRequest(method, args);
    return { ok: true, value: await backend.handle(call.method, call.args) };
  } catch (error) {
    return failure(error);
  }
}

export type DesktopHandlers = {
  [M in DesktopMethod]: (args: DesktopRequestOf<M>) => Promise<DesktopResponseTypes[M]>;
};

export async function dispatchDesktop(
  handlers: DesktopHandlers,
  method: unknown,
  args: unknown,
): Promise<CallOutcome<unknown>> {
  try {
    const call = parseDesktopRequest(method, args);
    const handler = handlers[call.method] as (args: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(call.args) };
  } catch (error) {
    return failure(error);
  }
}
