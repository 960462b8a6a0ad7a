import { describe, expect, it } from 'vitest';
import { cookieHeader, readCookie, SESSION_COOKIE } from './cookies.js';

const id = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd';

describe('session cookies', () => {
  it('reads our cookie among others and ignores malformed values', () => {
    expect(readCookie({ cookie: `a=1; ${SESSION_COOKIE}=${id}; b=2` }, SESSION_COOKIE)).toBe(id);
    expect(readCookie({ cookie: `${SESSION_COOKIE}=short` }, SESSION_COOKIE)).toBeUndefined();
    expect(readCookie({ cookie: `${SESSION_COOKIE}=${id};x` }, 'other')).toBeUndefined();
    expect(readCookie({}, SESSION_COOKIE)).toBeUndefined();
  });

  it('writes HttpOnly SameSite=Lax cookies, Secure only over https', () => {
    expect(cookieHeader(SESSION_COOKIE, id, { maxAge: 60, secure: false })).toBe(`${SESSION_COOKIE}=${id}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax`);
    expect(cookieHeader(SESSION_COOKIE, '', { maxAge: 0, secure: true, path: '/auth' })).toBe(`${SESSION_COOKIE}=; Path=/auth; Max-Age=0; HttpOnly; SameSite=Lax; Secure`);
  });
});
