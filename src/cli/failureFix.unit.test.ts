import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../shared/upstreamError.ts';
import { SecretBoxError } from '../store/secretBox.ts';
import { type Endpoint, failureFix, networkCodeOf } from './failureFix.ts';

const referrals: Endpoint = {
  setting: 'partnerCenter.referralsUrl',
  url: 'https://api.partner.example',
  usual: 'https://api.partner.microsoft.com',
};

/** What Node's fetch throws for a failed connection: TypeError('fetch failed') caused by a system error. */
function fetchFailure(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code}`), { code }) });
}

describe('failureFix', () => {
  it('finds the network code wherever it is: the cause, an AggregateError, or only the message', () => {
    const wrapped = new UpstreamError({
      kind: 'transient',
      upstream: 'partnerCenter',
      message: 'Could not reach Partner Center',
      cause: fetchFailure('ENOTFOUND'),
    });
    expect(networkCodeOf(wrapped)).toBe('ENOTFOUND');
    expect(networkCodeOf(new AggregateError([new Error('x'), fetchFailure('ECONNREFUSED')]))).toBe(
      'ECONNREFUSED',
    );
    expect(networkCodeOf(new Error('request to https://x/ failed, reason: getaddrinfo EAI_AGAIN x'))).toBe(
      'EAI_AGAIN',
    );
    expect(networkCodeOf(new Error('INVALID_FIELD: No such column'))).toBeNull();
  });

  it('names the setting and the host for an address that does not resolve, and the CA for an untrusted certificate', () => {
    expect(failureFix(fetchFailure('ENOTFOUND'), referrals)).toBe(
      "the host api.partner.example of partnerCenter.referralsUrl does not resolve: check it for a typo (normally https://api.partner.microsoft.com) and this machine's DNS",
    );
    expect(failureFix(fetchFailure('SELF_SIGNED_CERT_IN_CHAIN'), referrals)).toContain('NODE_EXTRA_CA_CERTS');
  });

  it('tells a missing key from a different one', () => {
    expect(failureFix(new SecretBoxError('missing_key', 'COSELL_SECRET_KEY is not set'), referrals)).toMatch(
      /^export COSELL_SECRET_KEY with the key/,
    );
    expect(failureFix(new SecretBoxError('unknown_key', 'encrypted with another key'), referrals)).toMatch(
      /^the stored sign-in was encrypted with another key/,
    );
  });

  it('says the URL is not the API on a 404, and has nothing to add for other refusals', () => {
    const notFound = new UpstreamError({
      kind: 'permanent',
      upstream: 'partnerCenter',
      status: 404,
      message: 'x',
    });
    expect(failureFix(notFound, referrals)).toMatch(
      /^partnerCenter\.referralsUrl \(https:\/\/api\.partner\.example\) answered as if it were not the API/,
    );
    const forbidden = new UpstreamError({
      kind: 'auth',
      upstream: 'partnerCenter',
      status: 403,
      message: 'no role',
    });
    expect(failureFix(forbidden, referrals)).toBeNull();
  });
});
