import { describe, expect, it } from 'vitest';
import { GrantSet, validateGrant, type GrantRule } from './grants.js';
import type { Principal, Role } from '../tokens/tokens.js';

const token = (name: string, role: Role): Principal => ({ name, kind: 'token', role, open: false, groups: [] });
const person = (email: string, groups: string[] = []): Principal => ({ name: email, kind: 'user', role: null, open: false, email, subject: `sub-${email}`, groups });
const g = (who: string, scope: string, role: GrantRule['role']): GrantRule => {
  const [principal_type, principal_name] = who.split(':') as [GrantRule['principal_type'], string];
  return { principal_type, principal_name, scope, role };
};

// Each row: the grants, who asks, about which model, and the role that results (null: no access).
const TABLE: Array<{ case: string; grants: GrantRule[]; who: Principal; model: string; role: Role | null }> = [
  { case: 'a token without grants keeps its own role everywhere', grants: [], who: token('ci', 'deployer'), model: 'fraud-a', role: 'deployer' },
  { case: 'a person without grants sees nothing', grants: [], who: person('ann@x.io'), model: 'fraud-a', role: null },
  { case: 'exact grant', grants: [g('user:ann@x.io', 'fraud-a', 'editor')], who: person('ann@x.io'), model: 'fraud-a', role: 'editor' },
  { case: 'exact grant does not reach another model', grants: [g('user:ann@x.io', 'fraud-a', 'editor')], who: person('ann@x.io'), model: 'fraud-b', role: null },
  { case: 'a person is found by sub as well as email', grants: [g('user:sub-ann@x.io', 'fraud-a', 'viewer')], who: person('ann@x.io'), model: 'fraud-a', role: 'viewer' },
  { case: 'glob matches a prefix', grants: [g('group:fraud', 'fraud-*', 'deployer')], who: person('bo@x.io', ['fraud']), model: 'fraud-scorer', role: 'deployer' },
  { case: 'glob does not match another prefix', grants: [g('group:fraud', 'fraud-*', 'deployer')], who: person('bo@x.io', ['fraud']), model: 'ranking-a', role: null },
  { case: 'glob is anchored at both ends', grants: [g('group:fraud', 'fraud-*-v1', 'viewer')], who: person('bo@x.io', ['fraud']), model: 'fraud-a-v10', role: null },
  { case: 'glob characters that mean something in a regex are literal', grants: [g('group:fraud', 'a.b*', 'viewer')], who: person('bo@x.io', ['fraud']), model: 'axb-1', role: null },
  { case: 'exact beats glob, even when lower', grants: [g('group:fraud', 'fraud-*', 'deployer'), g('user:bo@x.io', 'fraud-a', 'viewer')], who: person('bo@x.io', ['fraud']), model: 'fraud-a', role: 'viewer' },
  { case: 'the longer literal glob beats the shorter', grants: [g('group:a', 'f*', 'admin'), g('group:a', 'fraud-*', 'viewer')], who: person('c@x.io', ['a']), model: 'fraud-a', role: 'viewer' },
  { case: 'glob beats *', grants: [g('group:a', '*', 'admin'), g('group:a', 'fraud-*', 'viewer')], who: person('c@x.io', ['a']), model: 'fraud-a', role: 'viewer' },
  { case: '* applies where nothing more specific does', grants: [g('group:a', '*', 'viewer'), g('group:a', 'fraud-*', 'deployer')], who: person('c@x.io', ['a']), model: 'ranking', role: 'viewer' },
  { case: 'equally specific grants: the higher role', grants: [g('group:a', 'fraud-*', 'viewer'), g('group:b', 'fraud-*', 'editor')], who: person('c@x.io', ['a', 'b']), model: 'fraud-a', role: 'editor' },
  { case: 'deny on the model wins over an exact allow', grants: [g('user:c@x.io', 'fraud-a', 'admin'), g('group:a', 'fraud-a', 'deny')], who: person('c@x.io', ['a']), model: 'fraud-a', role: null },
  { case: 'a deny on a glob wins over a more specific allow', grants: [g('user:c@x.io', 'fraud-a', 'admin'), g('group:a', 'fraud-*', 'deny')], who: person('c@x.io', ['a']), model: 'fraud-a', role: null },
  { case: 'a * deny wins over everything', grants: [g('user:c@x.io', 'fraud-a', 'admin'), g('user:c@x.io', '*', 'deny')], who: person('c@x.io'), model: 'fraud-a', role: null },
  { case: 'a deny on another model changes nothing', grants: [g('user:c@x.io', 'fraud-*', 'editor'), g('user:c@x.io', 'fraud-b', 'deny')], who: person('c@x.io'), model: 'fraud-a', role: 'editor' },
  { case: "a token's own role is a * allow: a glob grant narrows it", grants: [g('token:ci', 'fraud-*', 'viewer')], who: token('ci', 'admin'), model: 'fraud-a', role: 'viewer' },
  { case: "a token's own role ties with * grants: the higher", grants: [g('token:ci', '*', 'deployer')], who: token('ci', 'viewer'), model: 'x', role: 'deployer' },
  { case: 'a deny reaches a token too', grants: [g('token:ci', 'fraud-*', 'deny')], who: token('ci', 'admin'), model: 'fraud-a', role: null },
  { case: "grants of another token do not apply", grants: [g('token:other', 'fraud-a', 'deny')], who: token('ci', 'viewer'), model: 'fraud-a', role: 'viewer' },
  { case: 'a group grant does not apply to a token', grants: [g('group:ci', 'fraud-a', 'deny')], who: token('ci', 'viewer'), model: 'fraud-a', role: 'viewer' },
  { case: 'gateway tokens keep their role', grants: [], who: token('replica', 'gateway'), model: 'fraud-a', role: 'gateway' },
];

describe('grant resolution', () => {
  it.each(TABLE)('$case', ({ grants, who, model, role }) => {
    const set = new GrantSet(grants);
    expect(set.roleOn(who, model)).toBe(role);
    // The memoised answer is the same.
    expect(set.roleOn(who, model)).toBe(role);
  });

  it('answers open mode as admin whatever the grants', () => {
    const open: Principal = { name: 'local', kind: 'open', role: 'admin', open: true, groups: [] };
    expect(new GrantSet([g('user:local', '*', 'deny')]).roleOn(open, 'm')).toBe('admin');
  });

  it('gives routes that touch no model the own role with * grants, none after a * deny', () => {
    const set = new GrantSet([g('group:ops', '*', 'deployer'), g('user:z@x.io', '*', 'deny'), g('user:y@x.io', 'fraud-*', 'viewer')]);
    expect(set.globalRole(person('a@x.io', ['ops']))).toBe('deployer');
    expect(set.globalRole(token('ci', 'editor'))).toBe('editor');
    expect(set.globalRole(person('z@x.io', ['ops']))).toBeNull();
    expect(set.globalRole(person('y@x.io'))).toBeNull();
    expect(set.seesAny(person('y@x.io'))).toBe(true);
    expect(set.seesAny(person('q@x.io'))).toBe(false);
  });

  it('refuses grants that could mean nothing', () => {
    expect(() => validateGrant({ principal_type: 'robot', principal_name: 'x', scope: '*', role: 'viewer' })).toThrow(/principal_type/);
    expect(() => validateGrant({ principal_type: 'user', principal_name: 'a b', scope: '*', role: 'viewer' })).toThrow(/principal_name/);
    expect(() => validateGrant({ principal_type: 'user', principal_name: 'a', scope: 'a b', role: 'viewer' })).toThrow(/scope/);
    expect(() => validateGrant({ principal_type: 'user', principal_name: 'a', scope: '*', role: 'owner' })).toThrow(/role/);
  });
});
