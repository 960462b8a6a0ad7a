import { describe, expect, it } from 'vitest';
import { allows, principalMay, type Permission, type Role } from './tokens.js';

const PERMISSIONS: Permission[] = ['public', 'read', 'follow', 'write', 'deploy', 'admin', 'report'];

describe('roles and permissions', () => {
  it('orders the people’s roles, and keeps the gateway role to following and reporting', () => {
    const may = (role: Role) => PERMISSIONS.filter((p) => allows(role, p));
    expect(may('viewer')).toEqual(['public', 'read', 'follow']);
    expect(may('editor')).toEqual(['public', 'read', 'follow', 'write']);
    expect(may('deployer')).toEqual(['public', 'read', 'follow', 'write', 'deploy']);
    // Not even an admin reports as a replica: observations steer the guard.
    expect(may('admin')).toEqual(['public', 'read', 'follow', 'write', 'deploy', 'admin']);
    expect(may('gateway')).toEqual(['public', 'follow', 'report']);
  });

  it('lets everyone do everything while the server runs open, and nobody without a principal', () => {
    const open = { name: 'local', kind: 'open' as const, role: 'admin' as const, open: true, groups: [] };
    expect(PERMISSIONS.every((p) => principalMay(open, p))).toBe(true);
    expect(PERMISSIONS.filter((p) => principalMay(null, p))).toEqual(['public']);
  });
});
