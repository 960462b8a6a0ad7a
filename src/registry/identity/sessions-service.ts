// Sign-in, sessions and sign-out for the UI. A sign-in under way and a session are rows keyed by a
// hash of an id only the browser holds (in an HttpOnly cookie). A session ends at an absolute time
// after sign-in and after an idle time; either way the next request is a 401 and the UI offers
// sign-in again.
import { sha256Hex } from '../../blobs/verify.js';
import type { Db } from '../../db/tables.js';
import { AppError } from '../../errors.js';
import type { Deps } from '../deps.js';
import { verifyJwt } from './jwt-verify.js';
import { authorizationUrl, exchangeCode, newLoginSecrets, randomId } from './login-flow.js';
import type { OidcIssuer } from './oidc-config.js';
import { personFromClaims, type Person } from './person.js';
import { deleteEndedSessions, deleteLoginsBefore, deleteSession, findSession, insertLogin, insertSession, takeLogin, touchSession, upsertPerson } from './sessions-store.js';

/** A sign-in must come back from the issuer within this long. */
export const LOGIN_TTL_MS = 10 * 60_000;

export interface SessionState {
  person: Person;
  /** When it ends if nothing else happens: the earlier of its absolute end and its idle end. */
  endsAt: number;
  lastSeenAt: number;
}

export async function startLogin(deps: Deps, issuer: OidcIssuer, redirectUri: string, returnTo: string): Promise<{ loginId: string; url: string }> {
  const now = deps.clock.now();
  const loginId = randomId();
  const secrets = newLoginSecrets();
  await deleteLoginsBefore(deps.db, now - LOGIN_TTL_MS);
  await insertLogin(deps.db, {
    id_hash: sha256Hex(loginId),
    state: secrets.state,
    nonce: secrets.nonce,
    code_verifier: secrets.codeVerifier,
    redirect_uri: redirectUri,
    return_to: returnTo,
    created_at: now,
  });
  return { loginId, url: authorizationUrl(issuer, secrets, redirectUri) };
}

/** Finishes a sign-in: the state must match the browser's, the ID token must verify and carry our nonce. */
export async function finishLogin(
  deps: Deps,
  issuer: OidcIssuer,
  loginId: string | undefined,
  query: { code?: string; state?: string; error?: string; error_description?: string },
): Promise<{ sessionId: string; person: Person; returnTo: string; maxAgeSeconds: number }> {
  if (query.error) throw new AppError('unauthenticated', `sign-in failed at the issuer: ${query.error}${query.error_description ? ` (${query.error_description})` : ''}`);
  const login = loginId ? await takeLogin(deps.db, sha256Hex(loginId)) : undefined;
  const now = deps.clock.now();
  if (!login || now - login.created_at > LOGIN_TTL_MS) throw new AppError('unauthenticated', 'this sign-in was not started here or took too long; sign in again');
  if (!query.state || query.state !== login.state) throw new AppError('unauthenticated', 'sign-in refused: the state does not match the one this browser was sent with');
  if (!query.code) throw new AppError('invalid_argument', 'sign-in callback without a code');
  const idToken = await exchangeCode(issuer, query.code, login.code_verifier, login.redirect_uri);
  const claims = await verifyJwt(issuer, idToken, issuer.config.clientId);
  if (claims.nonce !== login.nonce) throw new AppError('unauthenticated', 'sign-in refused: the ID token was not issued for this sign-in (nonce)');
  const person = personFromClaims(claims, issuer.config.groupsClaim);
  if (!person) throw new AppError('unauthenticated', 'sign-in refused: the ID token names nobody (no sub)');
  const sessionId = randomId();
  const maxAgeSeconds = issuer.config.sessionMaxSeconds;
  await deps.db.transaction().execute(async (tx) => {
    await deleteEndedSessions(tx, now, now - issuer.config.sessionIdleSeconds * 1000);
    await insertSession(tx, {
      id_hash: sha256Hex(sessionId),
      subject: person.subject,
      name: person.name,
      email: person.email ?? null,
      display_name: person.displayName ?? null,
      groups: JSON.stringify(person.groups),
      created_at: now,
      last_seen_at: now,
      expires_at: now + maxAgeSeconds * 1000,
    });
    await rememberPerson(tx, person, now);
  });
  return { sessionId, person, returnTo: login.return_to, maxAgeSeconds };
}

/** The live session behind a cookie's hash, or null when there is none or it has ended. Keeps its idle clock running. */
export async function liveSession(deps: Deps, issuer: OidcIssuer, idHash: string): Promise<SessionState | null> {
  const row = await findSession(deps.db, idHash);
  if (!row) return null;
  const now = deps.clock.now();
  const idleMs = issuer.config.sessionIdleSeconds * 1000;
  if (now >= row.expires_at || now - row.last_seen_at >= idleMs) {
    await deleteSession(deps.db, idHash);
    return null;
  }
  // A write per request would be a write per click; a quarter of the idle time is precise enough.
  let lastSeenAt = row.last_seen_at;
  if (now - lastSeenAt >= Math.min(60_000, idleMs / 4)) {
    await touchSession(deps.db, idHash, now);
    lastSeenAt = now;
  }
  const person: Person = {
    name: row.name,
    subject: row.subject,
    email: row.email ?? undefined,
    displayName: row.display_name ?? undefined,
    groups: JSON.parse(row.groups) as string[],
  };
  return { person, lastSeenAt, endsAt: Math.min(row.expires_at, lastSeenAt + idleMs) };
}

export async function endSession(deps: Deps, idHash: string): Promise<void> {
  await deleteSession(deps.db, idHash);
}

/** Keeps the people record current: the UI shows an actor's display name from it. */
export async function rememberPerson(db: Db, person: Person, now: number): Promise<void> {
  await upsertPerson(db, { subject: person.subject, name: person.name, email: person.email ?? null, display_name: person.displayName ?? null, last_seen_at: now });
}
