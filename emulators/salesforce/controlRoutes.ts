/** Test and demo control API under /__emulator/ (documented in README.md). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from './emulatorContext.ts';
import { LeadConverter } from './leadConverter.ts';
import type { OrgSettings } from './orgSettings.ts';
import { SalesforceApiError } from './salesforceApiError.ts';
import { activeUserByUsername } from './userCredentials.ts';

const tokenSchema = z.object({ username: z.string().optional() });
const orgSettingsSchema = z.object({
  teamSelling: z.boolean().optional(),
  multiCurrency: z.boolean().optional(),
  currencies: z
    .array(z.string().regex(/^[A-Z]{3}$/))
    .min(1)
    .optional(),
  defaultCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
  notesEnabled: z.boolean().optional(),
});
const connectedAppSchema = z.object({
  certificatePem: z.string().nullable().optional(),
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  preAuthorizedUsernames: z.array(z.string().min(1)).nullable().optional(),
  jwtAccessTokens: z.boolean().optional(),
  passwordFlowBlocked: z.boolean().optional(),
});
const limitsSchema = z.object({
  used: z.number().int().min(0).optional(),
  max: z.number().int().min(0).optional(),
});
const clockSchema = z.object({ advanceMs: z.number().int().min(0) });
const convertSchema = z.object({
  accountId: z.string().optional(),
  contactId: z.string().optional(),
  opportunityName: z.string().optional(),
  doNotCreateOpportunity: z.boolean().optional(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new SalesforceApiError(400, 'INVALID_INPUT', z.prettifyError(parsed.error));
  return parsed.data;
}

/** Drops keys whose value is undefined (for exactOptionalPropertyTypes-friendly merges). */
function defined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

export function registerControlRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const { org, sessions, writer } = context;

  app.post('/__emulator/token', async (request) => {
    const { username } = parse(tokenSchema, request.body);
    const user = username === undefined ? undefined : activeUserByUsername(org, username);
    if (username !== undefined && !user) {
      throw new SalesforceApiError(
        404,
        'NOT_FOUND',
        `No active user has the username ${username}; create the user first.`,
      );
    }
    const userId = user ? String(user['Id']) : org.state.adminUserId;
    return { access_token: sessions.issueAccessToken(userId, null), instance_url: context.baseUrl() };
  });

  app.post('/__emulator/reset', async () => {
    org.reset();
    return { reset: true };
  });

  app.get('/__emulator/org-settings', async () => org.state.settings);
  app.post('/__emulator/org-settings', async (request) => {
    const input = parse(orgSettingsSchema, request.body);
    const next: OrgSettings = { ...org.state.settings, ...defined(input) };
    if (input.defaultCurrency && !input.currencies && !next.currencies.includes(input.defaultCurrency)) {
      next.currencies = [...next.currencies, input.defaultCurrency];
    }
    if (!next.currencies.includes(next.defaultCurrency)) {
      throw new SalesforceApiError(
        400,
        'INVALID_INPUT',
        `defaultCurrency ${next.defaultCurrency} must be one of currencies`,
      );
    }
    org.state.settings = next;
    org.seedSystemRecords();
    org.schemaChanged();
    return next;
  });

  app.post('/__emulator/connected-app', async (request) => {
    const input = parse(connectedAppSchema, request.body);
    const app = org.state.connectedApp;
    if (input.certificatePem !== undefined) app.certificatePem = input.certificatePem;
    if (input.clientId !== undefined) app.clientId = input.clientId;
    if (input.clientSecret !== undefined) app.clientSecret = input.clientSecret;
    if (input.preAuthorizedUsernames !== undefined) app.preAuthorizedUsernames = input.preAuthorizedUsernames;
    if (input.jwtAccessTokens !== undefined) app.jwtAccessTokens = input.jwtAccessTokens;
    if (input.passwordFlowBlocked !== undefined) app.passwordFlowBlocked = input.passwordFlowBlocked;
    org.changed();
    return {
      clientId: app.clientId,
      certificateRegistered: app.certificatePem !== null,
      preAuthorizedUsernames: app.preAuthorizedUsernames ?? null,
      jwtAccessTokens: app.jwtAccessTokens === true,
      passwordFlowBlocked: app.passwordFlowBlocked === true,
    };
  });

  app.post('/__emulator/sessions/expire', async () => ({ expired: sessions.expireAll() }));

  app.post('/__emulator/limits', async (request) => {
    const input = parse(limitsSchema, request.body);
    Object.assign(org.state.apiUsage, defined(input));
    org.changed();
    return org.state.apiUsage;
  });

  app.post('/__emulator/clock', async (request) => {
    const input = parse(clockSchema, request.body);
    org.state.clockOffsetMs += input.advanceMs;
    org.changed();
    return { now: org.now().toISOString() };
  });

  app.post<{ Params: { id: string } }>('/__emulator/leads/:id/convert', async (request) => {
    const input = parse(convertSchema, request.body);
    return new LeadConverter(org, writer).convert(request.params.id, defined(input), org.state.adminUserId);
  });
}
