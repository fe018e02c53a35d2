import { describe, expect, it } from 'vitest';
import { kindForStatus, partnerCenterHttpError, readPartnerCenterErrorBody } from './partnerCenterError.ts';

const call = {
  apiName: 'Webhooks API',
  method: 'POST',
  path: '/webhooks/v1/registration',
  clientRequestId: '11111111-2222-3333-4444-555555555555',
  requestId: 'abc-req',
};

describe('partner center error classification', () => {
  it('maps every status class to one kind', () => {
    expect([401, 403, 404, 400, 422, 409, 412, 429, 408, 500, 503, 504].map(kindForStatus)).toEqual([
      'auth',
      'auth',
      'permanent',
      'permanent',
      'permanent',
      'conflict',
      'conflict',
      'rate_limited',
      'transient',
      'transient',
      'transient',
      'transient',
    ]);
  });

  it('reads the Referrals envelope, the classic envelope, the throttling body and HTML pages', () => {
    expect(readPartnerCenterErrorBody({ error: { code: 'itemNotFound', message: 'Nope' } }, '')).toEqual({
      code: 'itemNotFound',
      message: 'Nope',
    });
    expect(readPartnerCenterErrorBody({ code: 2000, description: 'Registration exists' }, '')).toEqual({
      code: '2000',
      message: 'Registration exists',
    });
    expect(readPartnerCenterErrorBody({ code: '600008', description: 'Bad url' }, '')).toEqual({
      code: '600008',
      message: 'Bad url',
    });
    expect(
      readPartnerCenterErrorBody({ statusCode: 429, message: 'Rate limit is exceeded.' }, '').message,
    ).toBe('Rate limit is exceeded.');
    expect(
      readPartnerCenterErrorBody(null, '<html><body><h1>Service   unavailable</h1></body></html>').message,
    ).toBe('Service unavailable');
    expect(readPartnerCenterErrorBody(null, 'x'.repeat(1000)).message?.length).toBeLessThan(310);
  });

  it('builds a message with the code, both request ids and what to do next', () => {
    const error = partnerCenterHttpError(call, {
      status: 409,
      body: { error: { code: 'conflict', message: 'A registration already exists.' } },
      text: '',
      retryAfterSeconds: null,
    });
    expect(error.kind).toBe('conflict');
    expect(error.code).toBe('conflict');
    expect(error.requestId).toBe('abc-req');
    expect(error.message).toContain('HTTP 409 (conflict: A registration already exists.)');
    expect(error.message).toContain(
      'client-request-id 11111111-2222-3333-4444-555555555555, request-id abc-req',
    );
  });

  it('names MFA as the fix for error 900421 in either envelope, and the webhook roles for a Webhooks 403', () => {
    const referralsCall = {
      ...call,
      apiName: 'Referrals API',
      method: 'GET',
      path: '/v1.0/engagements/referrals',
    };
    const bodies = [
      { error: { code: '900421', message: 'MFA is required.', target: null } },
      { code: 900421, description: 'MFA is required.', data: [], source: 'PartnerFD' },
    ];
    for (const body of bodies) {
      const error = partnerCenterHttpError(referralsCall, {
        status: 401,
        body,
        text: '',
        retryAfterSeconds: null,
      });
      expect(error).toMatchObject({ kind: 'auth', code: '900421' });
      expect(error.message).toMatch(/multifactor authentication.*cosell connect partner-center/);
    }
    const plain401 = partnerCenterHttpError(referralsCall, {
      status: 401,
      body: null,
      text: '',
      retryAfterSeconds: null,
    });
    expect(plain401.message).not.toMatch(/multifactor/);

    const forbidden = partnerCenterHttpError(call, {
      status: 403,
      body: null,
      text: '',
      retryAfterSeconds: null,
    });
    expect(forbidden.kind).toBe('auth');
    expect(forbidden.message).toMatch(/Billing admin, Admin agent, Sales agent or Helpdesk agent/);
    expect(forbidden.message).toContain('cosell connect partner-center --webhooks');
    const referrals403 = partnerCenterHttpError(referralsCall, {
      status: 403,
      body: null,
      text: '',
      retryAfterSeconds: null,
    });
    expect(referrals403.message).toContain('Referrals Admin role');
  });

  it('keeps Retry-After for 429 and 503 only', () => {
    const throttled = partnerCenterHttpError(call, {
      status: 429,
      body: null,
      text: '',
      retryAfterSeconds: 12,
    });
    expect(throttled.retryAfterSeconds).toBe(12);
    const other = partnerCenterHttpError(call, { status: 400, body: null, text: '', retryAfterSeconds: 12 });
    expect(other.retryAfterSeconds).toBeUndefined();
  });
});
