// The API accepts the OpenID Provider's JWT access tokens as bearer tokens, beside Stagecraft's own:
// signature against the issuer's published keys, `iss`, `aud`, `exp`/`nbf` with 30 s of clock skew.
// A real provider (oidc-provider) issues the good tokens; the bad ones it would never issue are
// signed here. Grants decide what a person may do (they are not this file's subject): while the
// server runs open (no tokens yet) a signed-in person may do anything and is named in the audit log.
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { JWKS_COOLDOWN_MS } from '../src/registry/identity/oidc-config.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { API_AUDIENCE, oidcConfigFor, startTestProvider, type TestProvider } from './helpers/oidc-provider.js';
import { call } from './http.js';

let idp: TestProvider;
const config: Partial<Config> = {};
const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  idp = await startTestProvider();
  idp.allowRedirect('http://127.0.0.1:1');
  config.oidc = oidcConfigFor(idp);
});
afterAll(async () => idp?.close());

describe.each(DATABASES)('OIDC bearer tokens on %s', (kind) => {
  const r = useRegistry(kind, { config });
  const claims = () => ({ iss: idp.issuer, aud: API_AUDIENCE, sub: 'alice', email: 'alice@example.com', iat: now(), exp: now() + 300 });

  it('accepts an access token from the issuer: the person is the principal, their groups come from the claim, and they are the audit actor', async () => {
    const token = await idp.accessToken('alice');
    expect(decodeJwt(token).aud).toBe(API_AUDIENCE);
    const who = await call(r.app, 'GET', '/auth/config', undefined, bearer(token));
    expect(who.status).toBe(200);
    expect(who.body.user).toEqual({ name: 'alice@example.com', subject: 'alice', email: 'alice@example.com', display_name: 'Alice Adams', groups: ['fraud-team', 'ml'] });
    expect((await call(r.app, 'GET', '/api/v1/whoami', undefined, bearer(token))).body.name).toBe('alice@example.com');

    const name = uniqueName('oidc-audit');
    expect((await call(r.app, 'POST', '/api/v1/models', { name }, bearer(token))).status).toBe(201);
    const events = await call(r.app, 'GET', `/api/v1/events?model=${name}`, undefined, bearer(token));
    expect(events.body.events.map((e: { actor: string }) => e.actor)).toContain('alice@example.com');
    const people = await call(r.app, 'GET', '/api/v1/people', undefined, bearer(token));
    expect(people.body.people).toContainEqual(expect.objectContaining({ subject: 'alice', name: 'alice@example.com', display_name: 'Alice Adams' }));
  });

  it('names a person without an email by preferred_username, else by sub', async () => {
    const bob = await call(r.app, 'GET', '/auth/config', undefined, bearer(await idp.accessToken('bob')));
    expect(bob.body.user).toMatchObject({ name: 'bob.b', groups: ['ranking-team'] });
    const carol = await call(r.app, 'GET', '/auth/config', undefined, bearer(await idp.accessToken('carol')));
    expect(carol.body.user).toMatchObject({ name: 'carol', email: null, groups: [] });
  });

  it('refuses expired, not-yet-valid, wrong-audience, wrong-issuer, tampered and foreign-key tokens with 401', async () => {
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ['expired beyond the skew', idp.sign({ ...claims(), iat: now() - 600, exp: now() - 120 }), /expired/],
      ['not valid before a minute from now', idp.sign({ ...claims(), nbf: now() + 120 }), /nbf/],
      ['another audience', idp.sign({ ...claims(), aud: 'https://other.test/api' }), /aud/],
      ['another issuer', idp.sign({ ...claims(), iss: 'https://evil.example' }), /iss/],
      ['no sub', idp.sign({ iss: idp.issuer, aud: API_AUDIENCE, exp: now() + 300 }), /sub/],
      ['a key the issuer does not publish', (async () => {
        const { privateKey } = await generateKeyPair('RS256', { extractable: true });
        return idp.sign(claims(), { key: { ...(await exportJWK(privateKey)), kid: 'not-published' } });
      })(), /key/],
      ['a published kid but another key', (async () => {
        const { privateKey } = await generateKeyPair('RS256', { extractable: true });
        return idp.sign(claims(), { key: await exportJWK(privateKey), kid: idp.signingKey().kid });
      })(), /signature/],
      ['a real token with its payload changed', (async () => {
        const [h, , s] = (await idp.accessToken('bob')).split('.');
        const forged = Buffer.from(JSON.stringify({ ...claims(), sub: 'bob', email: 'admin@example.com' })).toString('base64url');
        return `${h}.${forged}.${s}`;
      })(), /signature/],
    ];
    for (const [what, token, why] of cases) {
      const res = await call(r.app, 'GET', '/api/v1/models', undefined, bearer(await token));
      expect(res.status, what).toBe(401);
      expect(res.body.error.message, what).toMatch(why);
    }
  });

  it('allows 30 s of clock skew on exp', async () => {
    const token = await idp.sign({ ...claims(), iat: now() - 300, exp: now() - 10 });
    expect((await call(r.app, 'GET', '/api/v1/models', undefined, bearer(token))).status).toBe(200);
  });

  it('keeps Stagecraft tokens working beside OIDC tokens, and an OIDC person needs a grant once the server is closed', async () => {
    const created = await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('admin'), role: 'admin' });
    expect(created.status).toBe(201);
    const admin = bearer(created.body.token);
    expect((await call(r.app, 'GET', '/api/v1/models', undefined, admin)).status).toBe(200);
    // Authenticated (not 401) but with no role of their own: grants decide (wt-grants).
    const person = await call(r.app, 'GET', '/api/v1/models', undefined, bearer(await idp.accessToken('alice')));
    expect(person.status).not.toBe(401);
    expect((await call(r.app, 'GET', '/api/v1/models', undefined, bearer(await idp.sign({ ...claims(), aud: 'x' })))).status).toBe(401);
    expect((await call(r.app, 'GET', '/api/v1/models')).status).toBe(401);
  });
});

describe('OIDC signing key rotation', () => {
  const r = useRegistry('sqlite', { config });

  it('accepts tokens signed with a new key after a rotation (the JWKS is fetched again for an unknown kid), and refuses the old key once it is withdrawn', async () => {
    const before = await idp.accessToken('alice');
    expect((await call(r.app, 'GET', '/auth/config', undefined, bearer(before))).body.user.name).toBe('alice@example.com');
    const oldKey = idp.signingKey();
    await idp.rotateKeys();
    expect(idp.signingKey().kid).not.toBe(oldKey.kid);
    // jose fetches the keys again for an unknown kid at most once per cooldown after a fetch.
    await new Promise((res) => setTimeout(res, JWKS_COOLDOWN_MS + 200));
    const after = await idp.accessToken('bob');
    expect(decodeJwt(after).sub).toBe('bob');
    expect((await call(r.app, 'GET', '/auth/config', undefined, bearer(after))).body.user.name).toBe('bob.b');

    await idp.rotateKeys({ dropOld: true });
    await new Promise((res) => setTimeout(res, JWKS_COOLDOWN_MS + 200));
    const newest = await idp.accessToken('carol');
    expect((await call(r.app, 'GET', '/auth/config', undefined, bearer(newest))).status).toBe(200);
    const oldSigned = await idp.sign({ iss: idp.issuer, aud: API_AUDIENCE, sub: 'alice', exp: now() + 300 }, { key: oldKey.jwk });
    const refused = await call(r.app, 'GET', '/api/v1/models', undefined, bearer(oldSigned));
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/key/);
  }, 30_000);
});
