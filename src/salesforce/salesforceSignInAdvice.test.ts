import { describe, expect, it } from 'vitest';
import { isJwtBasedAccessToken, salesforceSignInFix } from './salesforceSignInAdvice.ts';

describe('salesforceSignInFix', () => {
  it('names the fix for each kind of refused sign-in', () => {
    expect(salesforceSignInFix('jwt', "invalid_grant: user hasn't approved this consumer")).toContain(
      'Admin approved users are pre-authorized',
    );
    expect(salesforceSignInFix('jwt', 'invalid_client_id: client identifier invalid')).toContain(
      'External Client App',
    );
    expect(salesforceSignInFix('password', 'invalid_grant: authentication failure')).toContain('Summer');
    expect(salesforceSignInFix('jwt', 'invalid assertion: signature does not match')).toContain(
      'Use digital signatures',
    );
    expect(
      salesforceSignInFix('clientCredentials', 'invalid_grant: request not supported on this domain'),
    ).toContain('My Domain');
    expect(salesforceSignInFix('refreshToken', 'ECONNREFUSED')).toContain('cosell connect salesforce');
  });
});

describe('isJwtBasedAccessToken', () => {
  it('tells JWT-based tokens from classic session ids', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
    expect(isJwtBasedAccessToken(`${header}.eyJzdWIiOiIwMDUifQ.c2ln`)).toBe(true);
    expect(isJwtBasedAccessToken('00D5g000000001A!AQ4AQFakeSessionId.value')).toBe(false);
    expect(isJwtBasedAccessToken('not.base64-json.at-all')).toBe(false);
    expect(isJwtBasedAccessToken(undefined)).toBe(false);
  });
});
