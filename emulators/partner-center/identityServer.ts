import { parse as parseQuery } from 'node:querystring';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { IdentityProvider, TokenOutcome } from './identityProvider.ts';
import type { TokenIssuer } from './tokenIssuer.ts';

export const CERTIFICATE_PATH = '/cert/pcnotifications-dispatch.microsoft.com.cer';

export interface IdentityServerOptions {
  tls: { certPem: string; keyPem: string };
  identity: IdentityProvider;
  issuer: TokenIssuer;
  /** DER bytes of the webhook signing certificate, served at CERTIFICATE_PATH. */
  webhookCertificateDer: Buffer;
}

type Form = Record<string, string | undefined>;

function field(form: Form, name: string): string | null {
  const value = form[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

function scopesOf(form: Form): string[] {
  return (field(form, 'scope') ?? '').split(' ').filter((scope) => scope.length > 0);
}

/** Client id and secret from the form or from HTTP Basic auth. */
function clientCredentials(
  form: Form,
  authorization: string | undefined,
): { clientId: string; clientSecret: string | null } {
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    return {
      clientId: decodeURIComponent(decoded.slice(0, separator)),
      clientSecret: decodeURIComponent(decoded.slice(separator + 1)),
    };
  }
  return { clientId: field(form, 'client_id') ?? '', clientSecret: field(form, 'client_secret') };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function errorPage(message: string): string {
  return `<!doctype html><html><head><title>Sign in</title></head><body><h1>Sorry, but we're having trouble signing you in.</h1><p id="error">${escapeHtml(message)}</p></body></html>`;
}

/** response_mode=form_post: a page that POSTs the answer to the app at once. */
function formPostPage(action: string, params: Record<string, string>): string {
  const inputs = Object.entries(params)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<!doctype html><html><head><title>Working...</title></head><body onload="document.forms[0].submit()"><form method="POST" action="${escapeHtml(action)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>`;
}

function sendOutcome(reply: FastifyReply, outcome: TokenOutcome): FastifyReply {
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (outcome.ok) return reply.code(200).send(outcome.body);
  return reply.code(outcome.status).send({
    ...outcome.body,
    timestamp: new Date().toISOString(),
    trace_id: '00000000-0000-0000-0000-000000000000',
    correlation_id: '00000000-0000-0000-0000-000000000000',
  });
}

/** The Entra ID (v2.0) emulator on HTTPS: discovery, JWKS, device code, authorize and token endpoints. */
export function createIdentityServer(options: IdentityServerOptions): FastifyInstance {
  const { identity, issuer } = options;
  const app = Fastify({ https: { cert: options.tls.certPem, key: options.tls.keyPem }, logger: false });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, parseQuery(String(body)));
    },
  );

  const unknownTenant = (reply: FastifyReply, tenant: string) =>
    reply.code(400).send({
      error: 'invalid_tenant',
      error_description: `AADSTS90002: Tenant '${tenant}' not found. Check the tenant id in the authority URL.`,
      error_codes: [90002],
    });

  app.get<{ Params: { tenant: string } }>(
    '/:tenant/v2.0/.well-known/openid-configuration',
    async (request, reply) => {
      const { tenant } = request.params;
      if (!identity.isKnownTenant(tenant)) return unknownTenant(reply, tenant);
      const base = `${request.protocol}://${request.host}`;
      const issuerUrl = tenant === identity.tenantId ? identity.issuerUrl() : `${base}/{tenantid}/v2.0`;
      return {
        issuer: issuerUrl,
        authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        device_authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        userinfo_endpoint: `${base}/oidc/userinfo`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        claims_supported: [
          'sub',
          'iss',
          'aud',
          'exp',
          'iat',
          'nbf',
          'name',
          'oid',
          'preferred_username',
          'tid',
          'ver',
          'nonce',
          'amr',
          'groups',
        ],
        code_challenge_methods_supported: ['S256', 'plain'],
        tenant_region_scope: 'NA',
        cloud_instance_name: 'microsoftonline.com',
        request_uri_parameter_supported: false,
      };
    },
  );

  app.get('/discovery/v2.0/keys', async () => issuer.jwks());
  app.get('/:tenant/discovery/v2.0/keys', async () => issuer.jwks());
  app.get(CERTIFICATE_PATH, async (_request, reply) =>
    reply.type('application/pkix-cert').send(options.webhookCertificateDer),
  );

  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/devicecode', async (request, reply) => {
    if (!identity.isKnownTenant(request.params.tenant)) return unknownTenant(reply, request.params.tenant);
    const form = (request.body ?? {}) as Form;
    return sendOutcome(reply, identity.startDeviceCode(field(form, 'client_id') ?? '', scopesOf(form)));
  });

  app.get<{ Params: { tenant: string }; Querystring: Form }>(
    '/:tenant/oauth2/v2.0/authorize',
    async (request, reply) => {
      if (!identity.isKnownTenant(request.params.tenant)) return unknownTenant(reply, request.params.tenant);
      const query = request.query;
      const outcome = identity.authorize({
        clientId: field(query, 'client_id') ?? '',
        redirectUri: field(query, 'redirect_uri'),
        responseType: field(query, 'response_type'),
        responseMode: field(query, 'response_mode'),
        scopes: scopesOf(query),
        state: field(query, 'state'),
        nonce: field(query, 'nonce'),
        codeChallenge: field(query, 'code_challenge'),
        codeChallengeMethod: field(query, 'code_challenge_method'),
        loginHint: field(query, 'login_hint'),
      });
      if (outcome.kind === 'page') {
        return reply.code(400).type('text/html; charset=utf-8').send(errorPage(outcome.message));
      }
      if (outcome.responseMode === 'form_post') {
        return reply.type('text/html; charset=utf-8').send(formPostPage(outcome.redirectUri, outcome.params));
      }
      const target = new URL(outcome.redirectUri);
      for (const [name, value] of Object.entries(outcome.params)) target.searchParams.set(name, value);
      return reply.redirect(target.toString(), 302);
    },
  );

  const tokenEndpoint =
    (version: 'v1' | 'v2') =>
    async (request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply) => {
      if (!identity.isKnownTenant(request.params.tenant)) return unknownTenant(reply, request.params.tenant);
      const body = (request.body ?? {}) as Form;
      // The v1 endpoint names the API with `resource=` (Microsoft's documented ROPC call); map it to a v2 scope.
      const resource = version === 'v1' ? field(body, 'resource') : null;
      const form: Form = resource
        ? { ...body, scope: `${resource}/.default ${field(body, 'scope') ?? ''}`.trim() }
        : body;
      const { clientId, clientSecret } = clientCredentials(form, request.headers.authorization);
      const grantType = field(form, 'grant_type');
      switch (grantType) {
        case 'urn:ietf:params:oauth:grant-type:device_code':
        case 'device_code':
          return sendOutcome(reply, identity.redeemDeviceCode(field(form, 'device_code') ?? '', clientId));
        case 'authorization_code':
          return sendOutcome(
            reply,
            identity.redeemAuthorizationCode({
              code: field(form, 'code') ?? '',
              clientId,
              clientSecret,
              redirectUri: field(form, 'redirect_uri') ?? '',
              codeVerifier: field(form, 'code_verifier'),
            }),
          );
        case 'refresh_token':
          return sendOutcome(
            reply,
            identity.redeemRefreshToken(field(form, 'refresh_token') ?? '', clientId, scopesOf(form)),
          );
        case 'password':
          return sendOutcome(
            reply,
            identity.redeemPassword(
              clientId,
              field(form, 'username') ?? '',
              field(form, 'password') ?? '',
              scopesOf(form),
            ),
          );
        case 'client_credentials':
          return sendOutcome(reply, identity.redeemClientCredentials(clientId, clientSecret, scopesOf(form)));
        default:
          return reply.code(400).send({
            error: 'unsupported_grant_type',
            error_description: `AADSTS70003: The grant type '${grantType ?? ''}' is not supported.`,
            error_codes: [70003],
          });
      }
    };
  app.post('/:tenant/oauth2/v2.0/token', tokenEndpoint('v2'));
  app.post('/:tenant/oauth2/token', tokenEndpoint('v1'));

  app.get('/devicelogin', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(
        '<html><body><h1>Emulator device login</h1><p>Approve codes with POST /__emulator/device-codes/approve on the API server.</p></body></html>',
      ),
  );
  return app;
}
