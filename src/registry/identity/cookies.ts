// The two cookies of the UI's sign-in, read and written by hand (one parser for a simple format
// beats a plugin). Both HttpOnly: scripts on the page never see them, so no XSS can carry off a
// session; SameSite=Lax: other sites' pages cannot send them along with their requests, except on
// a top-level navigation (which is how the issuer's redirect back reaches /auth/callback).
import type { IncomingHttpHeaders } from 'node:http';

/** A signed-in browser's session id. */
export const SESSION_COOKIE = 'stagecraft_session';
/** The id of a sign-in under way: binds the issuer's redirect back to the browser that started it. */
export const LOGIN_COOKIE = 'stagecraft_login';

type Headers = Record<string, string | string[] | undefined> | IncomingHttpHeaders;

export function readCookie(headers: Headers, name: string): string | undefined {
  const header = headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[\w-]{16,128}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export interface CookieOptions {
  /** Seconds; 0 clears it. */
  maxAge: number;
  /** Over https only (set when the server is reached over https). */
  secure: boolean;
  path?: string;
}

export function cookieHeader(name: string, value: string, o: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${o.path ?? '/'}`, `Max-Age=${o.maxAge}`, 'HttpOnly', 'SameSite=Lax'];
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}
