// A person as an OpenID Provider vouches for them: what a verified ID or access token's claims say.
// The kernel's auth hook turns it into a Principal (kind 'user'); grants decide what it may do.
import type { JWTPayload } from 'jose';

export interface Person {
  /** The actor recorded in events: email, else preferred_username, else sub (stable and readable). */
  name: string;
  /** The issuer's `sub`: the one identifier a person keeps when their email changes. */
  subject: string;
  email?: string;
  /** The `name` claim, shown in the UI's timeline. */
  displayName?: string;
  /** From the configured groups claim; grants can name them. */
  groups: readonly string[];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Reads a person from verified claims; null when the token names nobody (no `sub`). */
export function personFromClaims(claims: JWTPayload, groupsClaim: string): Person | null {
  const subject = text(claims.sub);
  if (!subject) return null;
  const email = text(claims.email);
  const displayName = text(claims.name);
  const name = email ?? text(claims.preferred_username) ?? subject;
  return { name, subject, email, displayName, groups: groupsOf(claims[groupsClaim]) };
}

/** A list of strings, or one string (some issuers send a single group bare); anything else is no groups. */
function groupsOf(value: unknown): string[] {
  if (typeof value === 'string') return value ? [value] : [];
  if (!Array.isArray(value)) return [];
  return value.filter((g): g is string => typeof g === 'string' && g !== '');
}
