/**
 * The renderer's Content-Security-Policy: scripts, styles and connections only from its own
 * origin (no inline code at all), images also as blobs and from any extra media origin.
 */
export function contentSecurityPolicy(extraImageSources: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    ['img-src', "'self'", 'blob:', ...extraImageSources].join(' '),
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
