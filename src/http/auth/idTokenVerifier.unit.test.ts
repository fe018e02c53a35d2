import { generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type IdTokenExpectations, verifyIdToken } from './idTokenVerifier.ts';

const ISSUER = 'https://login.example/11111111-1111-1111-1111-111111111111/v2.0';
const NOW = 1_800_000_000;

function keyPair(kid: string): { privateKey: KeyObject; jwk: JsonWebKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' } };
}
const signing = keyPair('key-1');
const stranger = keyPair('key-1');

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function token(
  claims: Record<string, unknown>,
  key = signing.privateKey,
  header: Record<string, unknown> = {},
) {
  const head = part({ alg: 'RS256', typ: 'JWT', kid: 'key-1', ...header });
  const body = part({
    iss: ISSUER,
    aud: 'client-1',
    exp: NOW + 600,
    nbf: NOW - 10,
    nonce: 'nonce-1',
    sub: 'subject',
    tid: '11111111-1111-1111-1111-111111111111',
    oid: 'object-1',
    preferred_username: 'ana@contoso.example',
    name: 'Ana',
    groups: ['g-1'],
    ...claims,
  });
  return `${head}.${body}.${sign('sha256', Buffer.from(`${head}.${body}`), key).toString('base64url')}`;
}

const expected: IdTokenExpectations = {
  issuer: ISSUER,
  audience: 'client-1',
  nonce: 'nonce-1',
  nowSeconds: NOW,
  keys: [signing.jwk],
};

const problemOf = (jwt: string, overrides: Partial<IdTokenExpectations> = {}) => {
  const result = verifyIdToken(jwt, { ...expected, ...overrides });
  return result.ok ? null : result.error.code;
};

describe('verifyIdToken', () => {
  it('gives the claims of a token signed by a published key, for us, from the issuer, fresh, with our nonce', () => {
    const result = verifyIdToken(token({}), expected);
    expect(result).toEqual({
      ok: true,
      value: {
        iss: ISSUER,
        aud: 'client-1',
        exp: NOW + 600,
        tid: '11111111-1111-1111-1111-111111111111',
        oid: 'object-1',
        sub: 'subject',
        name: 'Ana',
        username: 'ana@contoso.example',
        groups: ['g-1'],
      },
    });
  });

  it('refuses a token signed by another key with the same key id, or naming a key the issuer does not publish', () => {
    expect(problemOf(token({}, stranger.privateKey))).toBe('bad_signature');
    expect(problemOf(token({}, signing.privateKey, { kid: 'key-2' }))).toBe('unknown_key');
  });

  it('refuses a token whose claims were changed after signing', () => {
    const [head, , signature] = token({}).split('.');
    const claims = { iss: ISSUER, aud: 'client-1', exp: NOW + 600, nonce: 'nonce-1', sub: 'x' };
    const forged = `${head}.${part({ ...claims, preferred_username: 'boss@contoso.example' })}.${signature}`;
    expect(problemOf(forged)).toBe('bad_signature');
  });

  it('refuses another issuer (and says which tenant signed), another audience, an expired token and another nonce', () => {
    const other = verifyIdToken(token({ iss: 'https://login.example/other/v2.0', tid: 'other' }), expected);
    expect(other.ok ? null : other.error).toMatchObject({
      code: 'wrong_issuer',
      signedBy: { tenantId: 'other', username: 'ana@contoso.example' },
    });
    expect(problemOf(token({ aud: 'client-2' }))).toBe('wrong_audience');
    expect(problemOf(token({ exp: NOW - 301 }))).toBe('expired');
    expect(problemOf(token({ exp: NOW - 60 }))).toBeNull(); // within the allowed clock skew
    expect(problemOf(token({ nbf: NOW + 900 }))).toBe('not_yet_valid');
    expect(problemOf(token({ nonce: 'nonce-of-another-sign-in' }))).toBe('wrong_nonce');
    expect(problemOf(token({ nonce: undefined }))).toBe('wrong_nonce');
  });

  it('refuses what is not an RS256 JWT', () => {
    expect(problemOf('not-a-jwt')).toBe('malformed');
    expect(problemOf(token({}, signing.privateKey, { alg: 'none' }))).toBe('malformed');
  });
});
