/**
 * OAuth 2.0 endpoints: token (password, refresh_token, client_credentials, authorization_code, JWT bearer),
 * authorize (auto-approves as the admin), revoke, and the identity URL.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EmulatorContext } from './emulatorContext.ts';
import { verifyJwtAssertion } from './jwtAssertion.ts';
import { SalesforceApiError } from './salesforceApiError.ts';
import { bearerToken } from './sessionRegistry.ts';
import { activeUserByUsername, checkPassword, secretsEqual } from './userCredentials.ts';

type Form = Record<string, string | undefined>;
const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

export function registerOAuthRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const { org, sessions } = context;

  const checkClient = (form: Form, secretRequired: boolean): string => {
    const { connectedApp } = org.state;
    if (form['client_id'] !== connectedApp.clientId)
      throw new OAuthError('invalid_client_id', 'client identifier invalid');
    const secret = form['client_secret'];
    if (secret === undefined ? secretRequired : !secretsEqual(secret, connectedApp.clientSecret)) {
      throw new OAuthError('invalid_client', 'invalid client credentials');
    }
    return connectedApp.clientId;
  };

  /** `refresh`: issue a new refresh token, or bind the access token to the one being used. */
  const tokenResponse = (
    userId: string,
    options: { refresh: boolean | string; scope: string; clientId: string },
  ) => {
    const issued = options.refresh === true ? sessions.issueRefreshToken(userId, options.clientId) : null;
    const refreshToken = issued ?? (typeof options.refresh === 'string' ? options.refresh : null);
    const accessToken = sessions.issueAccessToken(userId, refreshToken, {
      jwt: org.state.connectedApp.jwtAccessTokens === true,
    });
    const id = `${context.baseUrl()}/id/${org.state.orgId}/${userId}`;
    const issuedAt = String(org.now().getTime());
    const signature = createHmac('sha256', org.state.connectedApp.clientSecret)
      .update(id + issuedAt)
      .digest('base64');
    return {
      access_token: accessToken,
      ...(issued ? { refresh_token: issued } : {}),
      signature,
      scope: options.scope,
      instance_url: context.baseUrl(),
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
  };

  const grant = (form: Form) => {
    switch (form['grant_type']) {
      case 'password': {
        const clientId = checkClient(form, true);
        const userId = checkPassword(org, form['username'], form['password']);
        // A blocked flow answers exactly like wrong credentials.
        if (userId === null || org.state.connectedApp.passwordFlowBlocked === true)
          throw new OAuthError('invalid_grant', 'authentication failure');
        return tokenResponse(userId, { refresh: false, scope: 'api', clientId });
      }
      case 'refresh_token': {
        const clientId = checkClient(form, false);
        const row = form['refresh_token'] ? org.state.refreshTokens[form['refresh_token']] : undefined;
        if (!row || row.clientId !== clientId)
          throw new OAuthError('invalid_grant', 'expired access/refresh token');
        return tokenResponse(row.userId, {
          refresh: form['refresh_token'] ?? false,
          scope: 'api refresh_token',
          clientId,
        });
      }
      case 'client_credentials': {
        const clientId = checkClient(form, true);
        return tokenResponse(org.state.integrationUserId, { refresh: false, scope: 'api', clientId });
      }
      case 'authorization_code': {
        const clientId = checkClient(form, false);
        const code = form['code'] ? org.state.authorizationCodes[form['code']] : undefined;
        if (!code || code.redirectUri !== form['redirect_uri'])
          throw new OAuthError('invalid_grant', 'invalid authorization code');
        if (code.codeChallenge !== null) {
          const verifier = form['code_verifier'] ?? '';
          const challenge = createHash('sha256').update(verifier).digest('base64url');
          if (challenge !== code.codeChallenge)
            throw new OAuthError('invalid_grant', 'invalid code verifier');
        }
        delete org.state.authorizationCodes[form['code'] ?? ''];
        return tokenResponse(code.userId, { refresh: true, scope: 'api refresh_token', clientId });
      }
      case JWT_GRANT: {
        const { connectedApp } = org.state;
        if (form['client_id'] !== undefined) checkClient(form, false);
        const verified = verifyJwtAssertion(form['assertion'] ?? '', {
          certificatePem: connectedApp.certificatePem,
          clientId: connectedApp.clientId,
          audiences: [context.baseUrl(), 'https://login.salesforce.com', 'https://test.salesforce.com'],
          nowMs: org.now().getTime(),
        });
        if (!verified.ok) throw new OAuthError(verified.error.code, verified.error.message);
        const user = activeUserByUsername(org, verified.value.username);
        const preAuthorized = connectedApp.preAuthorizedUsernames;
        const approved =
          preAuthorized === null ||
          preAuthorized === undefined ||
          preAuthorized.some((name) => name.toLowerCase() === verified.value.username.toLowerCase());
        if (!user || !approved) throw new OAuthError('invalid_grant', "user hasn't approved this consumer");
        return tokenResponse(String(user['Id']), {
          refresh: false,
          scope: 'api',
          clientId: connectedApp.clientId,
        });
      }
      default:
        throw new OAuthError('unsupported_grant_type', 'grant type not supported');
    }
  };

  const sendOAuthError = (reply: FastifyReply, error: unknown) => {
    if (error instanceof OAuthError) {
      return reply.code(error.status).send({ error: error.error, error_description: error.description });
    }
    throw error;
  };

  app.post('/services/oauth2/token', async (request, reply) => {
    try {
      const body = grant((request.body ?? {}) as Form);
      org.changed();
      return reply.header('cache-control', 'no-cache, no-store').send(body);
    } catch (error) {
      return sendOAuthError(reply, error);
    }
  });

  app.get('/services/oauth2/authorize', async (request, reply) => {
    const query = request.query as Form;
    if (query['client_id'] !== org.state.connectedApp.clientId) {
      return reply
        .code(400)
        .type('text/html')
        .send('<html><body>error=invalid_client_id: client identifier invalid</body></html>');
    }
    const redirectUri = query['redirect_uri'];
    if (!redirectUri)
      return reply.code(400).type('text/html').send('<html><body>error=redirect_uri_missing</body></html>');
    const code = `aPrx${randomBytes(24).toString('base64url')}`;
    org.state.authorizationCodes[code] = {
      userId: org.state.adminUserId,
      redirectUri,
      codeChallenge: query['code_challenge'] ?? null,
    };
    org.changed();
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (query['state'] !== undefined) target.searchParams.set('state', query['state']);
    return reply.redirect(target.toString(), 302);
  });

  const revoke = async (token: string | undefined, reply: FastifyReply) => {
    if (!token || !sessions.revoke(token)) {
      return reply
        .code(400)
        .send({ error: 'unsupported_token_type', error_description: 'this token type is not supported' });
    }
    return reply.code(200).send();
  };
  app.post('/services/oauth2/revoke', async (request, reply) =>
    revoke(((request.body ?? {}) as Form)['token'], reply),
  );
  app.get('/services/oauth2/revoke', async (request, reply) =>
    revoke((request.query as Form)['token'], reply),
  );

  app.get('/services/oauth2/userinfo', async (request, reply) => {
    const session = sessions.authenticate(bearerToken(request.headers.authorization, request.query));
    return reply.send(identityOf(context, session.userId));
  });

  app.get<{ Params: { orgId: string; userId: string } }>('/id/:orgId/:userId', async (request, reply) => {
    const session = sessions.authenticate(bearerToken(request.headers.authorization, request.query));
    if (request.params.orgId !== org.state.orgId || request.params.userId !== session.userId) {
      throw new SalesforceApiError(403, 'Bad_Id', 'Bad_Id');
    }
    return reply.send(identityOf(context, session.userId));
  });
}

/** The identity document of a user (what the token's `id` URL serves). */
export function identityOf(context: EmulatorContext, userId: string): Record<string, unknown> {
  const { org } = context;
  const user = org.state.records['User']?.[userId] ?? {};
  const base = context.baseUrl();
  const orgId = org.state.orgId;
  return {
    id: `${base}/id/${orgId}/${userId}`,
    asserted_user: true,
    user_id: userId,
    organization_id: orgId,
    username: user['Username'],
    nick_name: String(user['Username'] ?? '').split('@')[0],
    display_name: user['Name'],
    email: user['Email'],
    first_name: user['FirstName'],
    last_name: user['LastName'],
    active: user['IsActive'],
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: 0,
    last_modified_date: user['LastModifiedDate'],
    is_app_installed: true,
    urls: {
      enterprise: `${base}/services/Soap/c/{version}/${orgId.slice(0, 15)}`,
      metadata: `${base}/services/Soap/m/{version}/${orgId.slice(0, 15)}`,
      partner: `${base}/services/Soap/u/{version}/${orgId.slice(0, 15)}`,
      rest: `${base}/services/data/v{version}/`,
      sobjects: `${base}/services/data/v{version}/sobjects/`,
      search: `${base}/services/data/v{version}/search/`,
      query: `${base}/services/data/v{version}/query/`,
      recent: `${base}/services/data/v{version}/recent/`,
      profile: `${base}/${userId}`,
    },
  };
}
