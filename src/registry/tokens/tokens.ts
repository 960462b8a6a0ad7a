// Roles and permissions. The people's roles are ordered: each includes everything the ones before it
// may do. `gateway` stands apart: a serving replica's token, which reads what it needs to serve and
// reports what it served, and nothing else — and only it may report (an admin cannot forge a
// replica's observations either).
// The tokens table's types (declared beside its store) come with this module wherever it is used.
import type {} from './tokens-store.js';

/** Every role a token can have: the ordered ones, then `gateway`. */
export const ROLES = ['viewer', 'editor', 'deployer', 'admin', 'gateway'] as const;
export type Role = (typeof ROLES)[number];

/** The ordered roles: each may do everything the ones before it may. */
export const LADDER: readonly Role[] = ['viewer', 'editor', 'deployer', 'admin'];

/**
 * What a route requires. 'public' needs no principal at all (health checks, the OpenAPI document).
 * 'follow': what a gateway replica reads to serve — the serving snapshot, the change feed, versions,
 * their manifests and files, target history: viewers and up, and gateway tokens.
 * 'report': what only a gateway replica sends — heartbeats, observations, shadow comparisons:
 * gateway tokens alone (everyone while the server runs open, as for every route).
 */
export type Permission = 'public' | 'read' | 'follow' | 'write' | 'deploy' | 'admin' | 'report';

const NEEDED_ROLE: Record<'read' | 'write' | 'deploy' | 'admin', Role> = {
  read: 'viewer',
  write: 'editor',
  deploy: 'deployer',
  admin: 'admin',
};

export interface Principal {
  /** Recorded as the actor of every event this principal causes. */
  name: string;
  role: Role;
  /** True when the server runs open (no tokens exist, local bind). */
  open: boolean;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

const atLeast = (role: Role, needed: Role) => LADDER.includes(role) && LADDER.indexOf(role) >= LADDER.indexOf(needed);

export function allows(role: Role, permission: Permission): boolean {
  if (permission === 'public') return true;
  if (permission === 'report') return role === 'gateway';
  if (permission === 'follow') return role === 'gateway' || atLeast(role, 'viewer');
  return atLeast(role, NEEDED_ROLE[permission]);
}

/** Whom a permission is for, in the words of a 403. */
export function neededRole(permission: Exclude<Permission, 'public'>): string {
  if (permission === 'report') return 'a token with the gateway role (serving replicas only)';
  if (permission === 'follow') return 'viewer or higher, or gateway';
  return `${NEEDED_ROLE[permission]} or higher`;
}

/** Whether the principal may do what `permission` allows: its role does, or the server runs open. */
export function principalMay(principal: Principal | null, permission: Permission): boolean {
  if (permission === 'public') return true;
  return !!principal && (principal.open || allows(principal.role, permission));
}
