import { describe, expect, it } from 'vitest';
import { personFromClaims } from './person.js';

describe('a person from verified claims', () => {
  it.each([
    [{ sub: 's1', email: 'a@x.io', preferred_username: 'a', name: 'A A', groups: ['g1', 'g2'] }, { name: 'a@x.io', subject: 's1', email: 'a@x.io', displayName: 'A A', groups: ['g1', 'g2'] }],
    [{ sub: 's2', preferred_username: 'bee' }, { name: 'bee', subject: 's2', groups: [] }],
    [{ sub: 's3', groups: 'solo' }, { name: 's3', subject: 's3', groups: ['solo'] }],
    [{ sub: 's4', groups: [1, '', 'ok', null] }, { name: 's4', subject: 's4', groups: ['ok'] }],
    [{ sub: 's5', email: '  ' }, { name: 's5', subject: 's5', groups: [] }],
  ])('names %j by email, else preferred_username, else sub', (claims, person) => {
    expect(personFromClaims(claims, 'groups')).toEqual(expect.objectContaining(person));
  });

  it('reads groups from the configured claim, and names nobody without a sub', () => {
    expect(personFromClaims({ sub: 'x', roles: ['admins'], groups: ['ignored'] }, 'roles')?.groups).toEqual(['admins']);
    expect(personFromClaims({ email: 'a@x.io' }, 'groups')).toBeNull();
  });
});
