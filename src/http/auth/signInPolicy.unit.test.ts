import { describe, expect, it } from 'vitest';
import type { IdTokenClaims } from './idTokenVerifier.ts';
import { decideSignIn, type SignInRules } from './signInPolicy.ts';

const TENANT = '11111111-1111-1111-1111-111111111111';
const claims = (overrides: Partial<IdTokenClaims> = {}): IdTokenClaims => ({
  iss: 'issuer',
  aud: 'client',
  exp: 0,
  tid: TENANT,
  oid: 'oid-1',
  sub: 'sub-1',
  name: 'Ana',
  username: 'Ana@Contoso.example',
  groups: [],
  ...overrides,
});
const rules: SignInRules = {
  tenantId: TENANT,
  allowedUsers: ['ana@contoso.example'],
  allowedGroupId: 'group-1',
};

describe('decideSignIn', () => {
  it('lets in a listed user (any letter case) and a member of the allowed group', () => {
    expect(decideSignIn(claims(), rules)).toEqual({
      ok: true,
      user: { username: 'Ana@Contoso.example', name: 'Ana', oid: 'oid-1' },
    });
    expect(decideSignIn(claims({ username: 'bo@contoso.example', groups: ['group-1'] }), rules).ok).toBe(
      true,
    );
  });

  it('refuses someone neither listed nor in the group, naming the settings that would let them in', () => {
    const decision = decideSignIn(claims({ username: 'bo@contoso.example', groups: ['group-2'] }), rules);
    expect(decision.ok ? null : decision.refusal).toMatchObject({
      code: 'not_allowed',
      message: expect.stringContaining('bo@contoso.example'),
      fix: expect.stringContaining('dashboard.signIn.allowedGroupId'),
    });
  });

  it('refuses an account of another tenant even when its name is listed', () => {
    const decision = decideSignIn(claims({ tid: '22222222-2222-2222-2222-222222222222' }), rules);
    expect(decision.ok ? null : decision.refusal.code).toBe('other_tenant');
    expect(decideSignIn(claims({ tid: null }), rules).ok).toBe(false);
  });
});
