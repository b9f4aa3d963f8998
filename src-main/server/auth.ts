import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Who may talk to `ferret serve`: only a browser on this machine that was given the printed URL.
 * The token travels once in the URL and is then kept in an HttpOnly cookie, so scripts on other
 * origins can neither read it nor (SameSite=Strict) make the browser send it.
 */

const TOKEN_COOKIE = 'ferret_token';

export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sessionCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

function sameToken(candidate: string | undefined, token: string): boolean {
  if (candidate === undefined) return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function hasValidCookie(req: IncomingMessage, token: string): boolean {
  return sameToken(cookieValue(req, TOKEN_COOKIE), token);
}

export function isValidUrlToken(url: URL, token: string): boolean {
  return sameToken(url.searchParams.get('token') ?? undefined, token);
}

/**
 * DNS-rebinding guard: a page on evil.example whose name resolves to 127.0.0.1 still sends
 * `Host: evil.example`, so only our own loopback names are accepted.
 */
export function isAllowedHost(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** A cross-origin page cannot forge Origin; requests that carry one must come from us. */
export function isSameOrigin(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}
