/**
 * Entra ID as an OpenID Connect provider for the dashboard: its discovery document, its signing keys (JWKS,
 * fetched again when a token names a key we have not seen: Microsoft rotates them), the authorize URL and the
 * authorization-code exchange (a confidential web app: client secret plus PKCE).
 */
import type { JsonWebKey } from 'node:crypto';
import { type Dispatcher, fetch } from 'undici';
import { z } from 'zod';
import { UpstreamError } from '../../shared/upstreamError.ts';

export interface OpenIdProviderOptions {
  /** e.g. https://login.microsoftonline.com */
  authorityUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  dispatcher?: Dispatcher | undefined;
  timeoutMs?: number;
}

const discoverySchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  jwks_uri: z.string(),
});
type Discovery = z.infer<typeof discoverySchema>;

const jwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
const tokenAnswerSchema = z.object({ id_token: z.string() });
const tokenErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

export interface AuthorizeRequest {
  redirectUri: string;
  state: string;
  nonce: string;
  codeChallenge: string;
  prompt?: string | undefined;
}

export class OpenIdProvider {
  private discovery: Promise<Discovery> | null = null;
  private keys: JsonWebKey[] | null = null;

  constructor(private readonly options: OpenIdProviderOptions) {}

  get clientId(): string {
    return this.options.clientId;
  }

  private async getJson(
    url: string,
    init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ) {
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(url, {
        ...init,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      });
    } catch (error) {
      throw new UpstreamError({
        kind: 'transient',
        upstream: 'identity',
        message: `The Microsoft sign-in service (${new URL(url).origin}) did not answer: check partnerCenter.authorityUrl and this machine's network.`,
        cause: error,
      });
    }
    const body: unknown = await response.json().catch(() => null);
    return { status: response.status, body };
  }

  /** The tenant's OpenID configuration (cached once it loaded). */
  async metadata(): Promise<Discovery> {
    this.discovery ??= (async () => {
      const base = this.options.authorityUrl.replace(/\/+$/, '');
      const { status, body } = await this.getJson(
        `${base}/${encodeURIComponent(this.options.tenantId)}/v2.0/.well-known/openid-configuration`,
      );
      const parsed = discoverySchema.safeParse(body);
      if (status !== 200 || !parsed.success)
        throw new UpstreamError({
          kind: 'permanent',
          upstream: 'identity',
          message: `The Microsoft sign-in service has no configuration for tenant ${this.options.tenantId} (HTTP ${status}): check dashboard.signIn.tenantId and partnerCenter.authorityUrl.`,
        });
      return parsed.data;
    })();
    // A failure is not kept: the next sign-in tries again.
    return this.discovery.catch((error: unknown) => {
      this.discovery = null;
      throw error;
    });
  }

  /** The issuer's signing keys; `refresh` fetches them again (a token named a key we do not have). */
  async signingKeys(refresh = false): Promise<JsonWebKey[]> {
    if (this.keys && !refresh) return this.keys;
    const { jwks_uri: jwksUri } = await this.metadata();
    const { status, body } = await this.getJson(jwksUri);
    const parsed = jwksSchema.safeParse(body);
    if (status !== 200 || !parsed.success)
      throw new UpstreamError({
        kind: 'transient',
        upstream: 'identity',
        message: `The Microsoft sign-in service's signing keys could not be read (HTTP ${status}).`,
      });
    this.keys = parsed.data.keys as JsonWebKey[];
    return this.keys;
  }

  async authorizeUrl(request: AuthorizeRequest): Promise<string> {
    const url = new URL((await this.metadata()).authorization_endpoint);
    const params: Record<string, string> = {
      client_id: this.options.clientId,
      response_type: 'code',
      response_mode: 'query',
      redirect_uri: request.redirectUri,
      scope: 'openid profile email',
      state: request.state,
      nonce: request.nonce,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
      ...(request.prompt ? { prompt: request.prompt } : {}),
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.toString();
  }

  /** Redeems the authorization code for the id token (the code is single-use and bound to the PKCE verifier). */
  async redeemCode(code: string, redirectUri: string, codeVerifier: string): Promise<string> {
    const { token_endpoint: tokenEndpoint } = await this.metadata();
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
      code,
      redirect_uri: redirectUri,
      code_verifier: codeVerifier,
      scope: 'openid profile email',
    });
    const { status, body } = await this.getJson(tokenEndpoint, {
      method: 'POST',
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    });
    const answer = tokenAnswerSchema.safeParse(body);
    if (status === 200 && answer.success) return answer.data.id_token;
    const refusal = tokenErrorSchema.safeParse(body);
    const said = refusal.success
      ? `${refusal.data.error}: ${refusal.data.error_description ?? ''}`.trim()
      : `HTTP ${status}`;
    throw new UpstreamError({
      kind: 'auth',
      upstream: 'identity',
      message: `Microsoft refused to complete the sign-in (${said}).`,
    });
  }
}
