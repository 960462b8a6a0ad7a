// Roles and permissions. Roles are ordered: each includes everything the ones before it may do.
import type { TokensTable } from './tokens-store.js';

/** A token as stored: its hash, never the secret. */
export type TokenRow = TokensTable;

export const ROLES = ['viewer', 'editor', 'deployer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route requires. 'public' needs no principal at all (health checks, the OpenAPI document). */
export type Permission = 'public' | 'read' | 'write' | 'deploy' | 'admin';

const NEEDED_ROLE: Record<Exclude<Permission, 'public'>, Role> = {
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

export function allows(role: Role, permission: Permission): boolean {
  if (permission === 'public') return true;
  return ROLES.indexOf(role) >= ROLES.indexOf(NEEDED_ROLE[permission]);
}

export function neededRole(permission: Exclude<Permission, 'public'>): Role {
  return NEEDED_ROLE[permission];
}
