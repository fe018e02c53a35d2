import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ApiSettings } from './apiSettings.ts';
import type { EmulatorClock } from './emulatorClock.ts';
import type { EmulatorStateData } from './emulatorState.ts';
import { type EmulatorUser, PARTNER_CENTER_ROLES } from './emulatorUsers.ts';
import { type IdentityProvider, REFERRALS_AUDIENCE, WEBHOOKS_AUDIENCE } from './identityProvider.ts';
import type { IdGenerator } from './idGenerator.ts';
import { sendPcError } from './pcError.ts';
import { isJsonObject, type JsonObject } from './referralRules.ts';
import type { ReferralService, WriteOutcome } from './referralService.ts';
import { deepMerge } from './referralTemplate.ts';
import type { TokenIssuer } from './tokenIssuer.ts';
import { deliveryFaultSchema, type WebhookDispatcher } from './webhookDispatcher.ts';

export interface ControlDeps {
  state: EmulatorStateData;
  referrals: ReferralService;
  settings: ApiSettings;
  identity: IdentityProvider;
  issuer: TokenIssuer;
  dispatcher: WebhookDispatcher;
  clock: EmulatorClock;
  ids: IdGenerator;
  publicClientId: string;
  reset: () => void;
  onChange: () => void;
}

const tokenRequestSchema = z.object({
  username: z.string().optional(),
  audience: z.enum([REFERRALS_AUDIENCE, WEBHOOKS_AUDIENCE]).optional(),
  /** Default: whether the user signs in with MFA now. */
  mfa: z.boolean().optional(),
});

const userChangeSchema = z
  .object({
    displayName: z.string().min(1).optional(),
    roles: z.array(z.enum(PARTNER_CENTER_ROLES)).optional(),
    mfa: z.boolean().optional(),
    /** Entra group object ids for the `groups` claim (besides the agent-role groups). */
    groups: z.array(z.guid()).optional(),
    /** An account of another organization: its id tokens carry this tenant. */
    homeTenantId: z.guid().optional(),
  })
  .strict();

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return sendPcError(reply, 400, 'invalidRequest', message);
}

function sendOutcome(reply: FastifyReply, outcome: WriteOutcome): FastifyReply {
  if (!outcome.ok) {
    return reply
      .code(outcome.status)
      .send({ error: { code: outcome.code, message: outcome.message, target: outcome.target } });
  }
  return reply.code(200).send(outcome.referral);
}

/** The test/demo control API under /__emulator/ (DESIGN §8 plus Microsoft-seller, clock and identity calls). */
export function registerControlRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const { referrals, identity, dispatcher, clock, state } = deps;

  app.post('/__emulator/token', async (request, reply) => {
    const parsed = tokenRequestSchema.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, z.prettifyError(parsed.error));
    const user = parsed.data.username ? identity.findUser(parsed.data.username) : identity.defaultAdmin();
    if (!user) return badRequest(reply, `No emulator user named '${parsed.data.username}'.`);
    const audience = parsed.data.audience ?? REFERRALS_AUDIENCE;
    const mfa = parsed.data.mfa ?? user.mfa;
    return {
      access_token: identity.accessTokenFor(
        user,
        audience,
        deps.publicClientId,
        mfa ? ['pwd', 'mfa'] : ['pwd'],
      ),
      token_type: 'Bearer',
      audience,
    };
  });

  app.post('/__emulator/reset', async (_request, reply) => {
    deps.reset();
    return reply.code(204).send();
  });

  app.get('/__emulator/referrals', async () => referrals.list());

  app.post('/__emulator/referrals', async (request, reply) => {
    if (!isJsonObject(request.body)) return badRequest(reply, 'The body must be a referral JSON object.');
    const outcome = referrals.createInbound(request.body);
    if (!outcome.ok) return sendOutcome(reply, outcome);
    return reply.code(201).send(outcome.referral);
  });

  app.patch<{ Params: { id: string } }>('/__emulator/referrals/:id', async (request, reply) => {
    const patch = request.body;
    if (!isJsonObject(patch)) return badRequest(reply, 'The body must be a JSON merge patch object.');
    const outcome = referrals.update(
      request.params.id,
      (current) => ({ ok: true, document: deepMerge(current, patch) }),
      undefined,
      'PartnerCenterUI',
    );
    return sendOutcome(reply, outcome);
  });

  app.get('/__emulator/webhook-deliveries', async () => state.deliveries);

  app.get('/__emulator/delivery-faults', async () => dispatcher.describeFaults());
  app.post('/__emulator/delivery-faults', async (request, reply) => {
    const parsed = deliveryFaultSchema.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, z.prettifyError(parsed.error));
    return reply.code(201).send(dispatcher.setFaults(parsed.data));
  });
  app.delete('/__emulator/delivery-faults', async (_request, reply) => {
    dispatcher.clearFaults();
    return reply.code(204).send();
  });

  app.get('/__emulator/clock', async () => ({ now: clock.now().toISOString(), offsetMs: clock.offsetMs }));
  app.post('/__emulator/clock', async (request, reply) => {
    const parsed = z.object({ advanceMs: z.number().int().min(0) }).safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, 'Send {"advanceMs": <non-negative integer>}.');
    clock.advance(parsed.data.advanceMs);
    deps.onChange();
    const expired = referrals.applyExpiry();
    return { now: clock.now().toISOString(), offsetMs: clock.offsetMs, expired };
  });

  app.get('/__emulator/device-codes', async () => identity.pendingDeviceCodes());
  app.post('/__emulator/device-codes/approve', async (request, reply) => {
    const parsed = z
      .object({ userCode: z.string().min(1), username: z.string().optional() })
      .safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, 'Send {"userCode": "...", "username"?: "..."}.');
    const outcome = identity.approveDeviceCode(parsed.data.userCode, parsed.data.username);
    if (!outcome.ok) return sendPcError(reply, 404, 'itemNotFound', outcome.message);
    return { approved: true };
  });

  // Every access token issued so far stops working (an expired session); refresh tokens keep working.
  app.post('/__emulator/access-tokens/expire', async () => ({ expired: deps.issuer.expireIssued() }));

  app.post('/__emulator/refresh-tokens/revoke', async (request, reply) => {
    const parsed = z.object({ username: z.string().optional() }).safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, 'Send {"username"?: "..."}.');
    return { revoked: identity.revokeRefreshTokens(parsed.data.username) };
  });

  registerUserRoutes(app, identity);

  app.get('/__emulator/co-sell-rules', async () => referrals.rules);
  app.put('/__emulator/co-sell-rules', async (request, reply) => {
    if (!isJsonObject(request.body)) return badRequest(reply, 'Send the rules to change as a JSON object.');
    const changed = referrals.setRules(request.body);
    return changed.ok ? changed.rules : badRequest(reply, changed.message);
  });

  app.get('/__emulator/settings', async () => deps.settings.view());
  app.post('/__emulator/settings', async (request, reply) => {
    const changed = deps.settings.set(request.body ?? {});
    return changed.ok ? deps.settings.view() : badRequest(reply, changed.message);
  });

  registerMicrosoftSellerRoutes(app, referrals);
}

/** The tenant's users: list, add or change (roles, MFA), and who signs in interactively. */
function registerUserRoutes(app: FastifyInstance, identity: IdentityProvider): void {
  const view = (user: EmulatorUser) => ({
    username: user.username,
    password: user.password,
    displayName: user.displayName,
    oid: user.oid,
    roles: user.roles,
    mfa: user.mfa,
    groups: user.groups ?? [],
    homeTenantId: user.homeTenantId ?? null,
  });
  app.get('/__emulator/users', async () => identity.listUsers().map(view));
  app.post('/__emulator/users', async (request, reply) => {
    const parsed = userChangeSchema.extend({ username: z.string().min(3) }).safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, z.prettifyError(parsed.error));
    const existed = identity.findUser(parsed.data.username) !== undefined;
    return reply.code(existed ? 200 : 201).send(view(identity.upsertUser(parsed.data)));
  });
  app.patch<{ Params: { username: string } }>('/__emulator/users/:username', async (request, reply) => {
    const parsed = userChangeSchema.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, z.prettifyError(parsed.error));
    if (!identity.findUser(request.params.username)) {
      return sendPcError(reply, 404, 'itemNotFound', `No emulator user named '${request.params.username}'.`);
    }
    return view(identity.upsertUser({ username: request.params.username, ...parsed.data }));
  });
  app.post('/__emulator/sign-in-user', async (request, reply) => {
    const parsed = z.object({ username: z.string().nullable() }).safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, 'Send {"username": "<user>"} or {"username": null}.');
    const outcome = identity.setInteractiveUser(parsed.data.username);
    if (!outcome.ok) return sendPcError(reply, 404, 'itemNotFound', outcome.message);
    return { username: parsed.data.username };
  });
}

/** What the Microsoft seller does with Microsoft's related referral: accept, decline, update. */
function registerMicrosoftSellerRoutes(app: FastifyInstance, referrals: ReferralService): void {
  const base = '/__emulator/microsoft/referrals/:id';
  const change = (reply: FastifyReply, id: string, patch: JsonObject) => {
    const microsoftReferral = referrals.resolveMicrosoftReferral(id);
    if (!microsoftReferral) {
      return sendPcError(
        reply,
        404,
        'itemNotFound',
        `No Microsoft referral for ${id}. It exists only for Shared referrals that request Microsoft help.`,
      );
    }
    const outcome = referrals.update(
      String(microsoftReferral['id']),
      (current) => ({ ok: true, document: deepMerge(current, patch) }),
      undefined,
      'Microsoft',
    );
    if (outcome.ok) {
      const msxId = (outcome.referral['trackingInfo'] as JsonObject | null)?.['microsoftMsxId'];
      if (typeof msxId === 'string') referrals.shareMsxId(outcome.referral, msxId);
    }
    return sendOutcome(reply, outcome);
  };

  app.post<{ Params: { id: string } }>(`${base}/accept`, async (request, reply) => {
    const body = isJsonObject(request.body) ? request.body : {};
    const msxId = typeof body['microsoftMsxId'] === 'string' ? body['microsoftMsxId'] : null;
    return change(reply, request.params.id, {
      status: 'Active',
      substatus: 'Accepted',
      trackingInfo: {
        microsoftMsxId: msxId ?? `7-${request.params.id.replace(/-/g, '').slice(0, 10).toUpperCase()}`,
      },
      ...(typeof body['notes'] === 'string' ? { inviteContext: { notes: body['notes'] } } : {}),
    });
  });

  app.post<{ Params: { id: string } }>(`${base}/decline`, async (request, reply) => {
    const body = isJsonObject(request.body) ? request.body : {};
    const reason =
      typeof body['statusReason'] === 'string' ? body['statusReason'] : 'Declined by the Microsoft seller.';
    return change(reply, request.params.id, {
      status: 'Closed',
      substatus: 'Declined',
      statusReason: reason,
    });
  });

  app.patch<{ Params: { id: string } }>(base, async (request, reply) => {
    if (!isJsonObject(request.body)) return badRequest(reply, 'The body must be a JSON merge patch object.');
    return change(reply, request.params.id, request.body);
  });
}
