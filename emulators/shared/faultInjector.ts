/**
 * Fault injection shared by both emulators: `POST /__emulator/faults` registers a rule, every request
 * is checked against the rules in order, and the first match (with remaining count, and winning its
 * `probability` draw when it has one) is applied. `GET /__emulator/faults` lists the rules with how many
 * requests each one hit, `DELETE /__emulator/faults` clears them. Control routes under /__emulator/ are
 * never faulted, nor is a request that carries the `x-emulator-no-faults` header (a test acting as a
 * person, whose own edits must land while the connector's calls fail).
 *
 * A rule's `phase` says when it strikes: `request` (default) answers before the emulator handles the
 * request, so nothing happened; `response` lets the emulator handle it (a write is applied) and then loses
 * or replaces the answer, so the client cannot tell whether its write landed.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

/** Requests carrying this header are never faulted. */
export const NO_FAULTS_HEADER = 'x-emulator-no-faults';

export const faultRuleSchema = z.object({
  match: z
    .object({
      method: z.string().optional(),
      /** Path prefix, without query string. */
      path: z.string().optional(),
      /**
       * Text the request body must contain (e.g. one record's id in a Composite call). Such a rule is checked
       * once the body has been read; a request already struck by another rule is not struck again.
       */
      bodyIncludes: z.string().min(1).optional(),
    })
    .default({}),
  status: z.number().int().min(100).max(599).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  /** How many requests the rule applies to; omitted = until cleared. */
  count: z.number().int().min(1).optional(),
  /** The rule ends this long after it was added (a burst that lasts a while, however few requests come). */
  durationMs: z.number().int().min(1).max(3_600_000).optional(),
  /** Share of matching requests the rule strikes (0 < p ≤ 1); omitted = every one. A miss falls through to later rules. */
  probability: z.number().gt(0).max(1).optional(),
  /** `request`: strike before the request is handled; `response`: handle it, then lose or replace the answer. */
  phase: z.enum(['request', 'response']).default('request'),
  /** Destroy the socket without answering (a network failure). */
  drop: z.boolean().optional(),
  /** Answer with an HTML page instead of JSON (what a misrouted proxy or maintenance page returns). */
  html: z.boolean().optional(),
  /** Response body to send with `status`; defaults to the emulator's own error shape. */
  body: z.unknown().optional(),
});

export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultRule = z.output<typeof faultRuleSchema> & {
  id: string;
  remaining: number | null;
  /** When the rule ends (epoch ms), from `durationMs`; null = never. */
  endsAtMs: number | null;
  /** How many requests this rule has struck so far. */
  applied: number;
};

export interface FaultInjectorOptions {
  /** Builds the emulator's own error body for an injected status (Salesforce array vs Partner Center envelope). */
  errorBody: (status: number) => unknown;
  /** Draws in [0, 1) for probabilistic rules (default Math.random). */
  random?: () => number;
  /** The time in ms, for `durationMs` (default Date.now). */
  nowMs?: () => number;
}

const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';

function htmlPage(status: number): string {
  return `<html><head><title>Error ${status}</title></head><body><h1>Service unavailable</h1></body></html>`;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FaultInjector {
  private rules: FaultRule[] = [];
  /** Rules that struck a request in the response phase, applied when its answer is sent. */
  private readonly pendingResponses = new WeakMap<FastifyRequest, FaultRule>();
  private readonly random: () => number;
  private readonly nowMs: () => number;
  /** Totals over every rule ever added (clearing the rules keeps them). */
  private readonly totals = { requests: 0, struck: 0 };

  constructor(private readonly options: FaultInjectorOptions) {
    this.random = options.random ?? Math.random;
    this.nowMs = options.nowMs ?? Date.now;
  }

  add(input: FaultRuleInput): FaultRule {
    const parsed = faultRuleSchema.parse(input);
    const rule: FaultRule = {
      ...parsed,
      id: randomUUID(),
      remaining: parsed.count ?? null,
      endsAtMs: parsed.durationMs === undefined ? null : this.nowMs() + parsed.durationMs,
      applied: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
  }

  list(): readonly FaultRule[] {
    return this.rules;
  }

  stats(): { requests: number; struck: number } {
    return { ...this.totals };
  }

  /**
   * Finds and consumes the first rule matching this method and path (probabilistic rules must win their draw).
   * Without `body`, rules that look at the body are left for later; with it, only those are considered.
   */
  take(method: string, path: string, body?: string): FaultRule | null {
    if (body === undefined) this.totals.requests += 1;
    const nowMs = this.nowMs();
    this.rules = this.rules.filter((rule) => rule.endsAtMs === null || rule.endsAtMs > nowMs);
    const index = this.rules.findIndex(
      (rule) =>
        (body === undefined
          ? rule.match.bodyIncludes === undefined
          : rule.match.bodyIncludes !== undefined && body.includes(rule.match.bodyIncludes)) &&
        (rule.match.method === undefined || rule.match.method.toUpperCase() === method.toUpperCase()) &&
        (rule.match.path === undefined || path.startsWith(rule.match.path)) &&
        (rule.probability === undefined || this.random() < rule.probability),
    );
    const rule = this.rules[index];
    if (!rule) return null;
    rule.applied += 1;
    this.totals.struck += 1;
    if (rule.remaining !== null) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules.splice(index, 1);
    }
    return rule;
  }

  /** Applies a request-phase rule now, or keeps a response-phase rule for when the answer is sent. */
  private async strike(rule: FaultRule, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    if (rule.phase === 'response') {
      this.pendingResponses.set(request, rule);
      return;
    }
    if (rule.latencyMs) await delay(rule.latencyMs);
    if (rule.drop) {
      request.raw.socket.destroy();
      return reply.hijack();
    }
    if (rule.status === undefined) return;
    if (rule.retryAfterSeconds !== undefined) reply.header('retry-after', String(rule.retryAfterSeconds));
    if (rule.html) return reply.code(rule.status).type(HTML_CONTENT_TYPE).send(htmlPage(rule.status));
    return reply.code(rule.status).send(rule.body ?? this.options.errorBody(rule.status));
  }

  /** Registers the control routes and the request hooks on an emulator app. */
  install(app: FastifyInstance): void {
    app.post('/__emulator/faults', async (request, reply) => {
      const parsed = faultRuleSchema.safeParse(request.body ?? {});
      if (!parsed.success) {
        return reply.code(400).send({ error: 'invalid_fault', message: z.prettifyError(parsed.error) });
      }
      return reply.code(201).send({ id: this.add(parsed.data).id });
    });
    app.get('/__emulator/faults', async () => ({ rules: this.rules, totals: this.stats() }));
    app.delete('/__emulator/faults', async (_request, reply) => {
      this.clear();
      return reply.code(204).send();
    });
    const exempt = (request: FastifyRequest, path: string) =>
      path.startsWith('/__emulator/') || request.headers[NO_FAULTS_HEADER] !== undefined;
    const struck = new WeakSet<FastifyRequest>();
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0] ?? request.url;
      if (exempt(request, path)) return;
      const rule = this.take(request.method, path);
      if (!rule) return;
      struck.add(request);
      return this.strike(rule, request, reply);
    });
    // Rules that look at the body, once it has been read.
    app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0] ?? request.url;
      if (struck.has(request) || request.body === undefined || exempt(request, path)) return;
      if (!this.rules.some((rule) => rule.match.bodyIncludes !== undefined)) return;
      const body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      const rule = this.take(request.method, path, body);
      if (!rule) return;
      return this.strike(rule, request, reply);
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const rule = this.pendingResponses.get(request);
      if (!rule) return payload;
      this.pendingResponses.delete(request);
      if (rule.latencyMs) await delay(rule.latencyMs);
      if (rule.drop) {
        // The request was handled; its answer never arrives.
        request.raw.socket.destroy();
        return payload;
      }
      if (rule.status === undefined) return payload;
      reply.code(rule.status);
      if (rule.retryAfterSeconds !== undefined) reply.header('retry-after', String(rule.retryAfterSeconds));
      if (rule.html) {
        reply.type(HTML_CONTENT_TYPE);
        return htmlPage(rule.status);
      }
      reply.type('application/json; charset=utf-8');
      return JSON.stringify(rule.body ?? this.options.errorBody(rule.status));
    });
  }
}
