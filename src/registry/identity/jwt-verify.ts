// Verifying the issuer's JWTs (API access tokens and the UI's ID tokens) with jose: the signature
// against the issuer's published keys, then `iss`, `aud`, `exp` and `nbf` with a small allowance
// for clocks that disagree. Any failure is a 401 naming what was wrong (never the token itself).
// jose is loaded on the first JWT: a server without OIDC never needs it (~2 MB of RSS, issue 18.6).
import type { JWTPayload } from 'jose';
import { AppError } from '../../errors.js';
import type { OidcIssuer } from './oidc-config.js';

/** Seconds of disagreement between our clock and the issuer's that `exp`/`nbf`/`iat` tolerate. */
export const CLOCK_SKEW_SECONDS = 30;

/**
 * Asymmetric algorithms only: with the issuer's public keys, a symmetric one (HS256) would let
 * anyone holding the public key sign tokens.
 */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Three base64url parts: a JWT, never a Stagecraft token (sc_…, no dots). */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

export async function verifyJwt(issuer: OidcIssuer, token: string, audience: string): Promise<JWTPayload> {
  const { errors, jwtVerify } = await import('jose');
  try {
    const { payload } = await jwtVerify(token, issuer.keys, {
      issuer: issuer.config.issuer,
      audience,
      clockTolerance: CLOCK_SKEW_SECONDS,
      algorithms: ALGORITHMS,
      requiredClaims: ['exp', 'sub'],
    });
    return payload;
  } catch (err) {
    throw new AppError('unauthenticated', `OIDC token refused: ${why(errors, err)}`);
  }
}

function why(errors: typeof import('jose').errors, err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'it has expired';
  if (err instanceof errors.JWTClaimValidationFailed) return `its "${err.claim}" claim is not what this server expects (${err.reason})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return 'it is signed with a key the issuer does not publish';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'its signing algorithm is not accepted';
  if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) return `the issuer's keys could not be checked (${(err as Error).message})`;
  return (err as Error).message;
}
