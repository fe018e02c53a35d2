/**
 * Fault injection shared by both emulators: `POST /__emulator/faults` registers a rule, every request
 * is checked against the rules in order, and the first match (with remaining count) is applied.
 * `DELETE /__emulator/faults` clears them. Control routes under /__emulator/ are never faulted.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

export const faultRuleSchema = z.object({
  match: z
    .object({
      method: z.string().optional(),
      /** Path prefix, without query string. */
      path: z.string().optional(),
    })
    .default({}),
  status: z.number().int().min(100).max(599).optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  /** How many requests the rule applies to; omitted = until cleared. */
  count: z.number().int().min(1).optional(),
  /** Destroy the socket without answering (a network failure). */
  drop: z.boolean().optional(),
  /** Answer with an HTML page instead of JSON (what a misrouted proxy or maintenance page returns). */
  html: z.boolean().optional(),
  /** Response body to send with `status`; defaults to the emulator's own error shape. */
  body: z.unknown().optional(),
});

export type FaultRuleInput = z.input<typeof faultRuleSchema>;
export type FaultRule = z.output<typeof faultRuleSchema> & { id: string; remaining: number | null };

export interface FaultInjectorOptions {
  /** Builds the emulator's own error body for an injected status (Salesforce array vs Partner Center envelope). */
  errorBody: (status: number) => unknown;
}

export class FaultInjector {
  private rules: FaultRule[] = [];

  constructor(private readonly options: FaultInjectorOptions) {}

  add(input: FaultRuleInput): FaultRule {
    const parsed = faultRuleSchema.parse(input);
    const rule: FaultRule = { ...parsed, id: randomUUID(), remaining: parsed.count ?? null };
    this.rules.push(rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
  }

  list(): readonly FaultRule[] {
    return this.rules;
  }

  /** Finds and consumes the first rule matching this method and path. */
  take(method: string, path: string): FaultRule | null {
    const index = this.rules.findIndex(
      (rule) =>
        (rule.match.method === undefined || rule.match.method.toUpperCase() === method.toUpperCase()) &&
        (rule.match.path === undefined || path.startsWith(rule.match.path)),
    );
    const rule = this.rules[index];
    if (!rule) return null;
    if (rule.remaining !== null) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules.splice(index, 1);
    }
    return rule;
  }

  /** Registers the control routes and the request hook on an emulator app. */
  install(app: FastifyInstance): void {
    app.post('/__emulator/faults', async (request, reply) => {
      const parsed = faultRuleSchema.safeParse(request.body ?? {});
      if (!parsed.success) {
        return reply.code(400).send({ error: 'invalid_fault', message: z.prettifyError(parsed.error) });
      }
      return reply.code(201).send({ id: this.add(parsed.data).id });
    });
    app.delete('/__emulator/faults', async (_request, reply) => {
      this.clear();
      return reply.code(204).send();
    });
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0] ?? request.url;
      if (path.startsWith('/__emulator/')) return;
      const rule = this.take(request.method, path);
      if (!rule) return;
      if (rule.latencyMs) await new Promise((resolve) => setTimeout(resolve, rule.latencyMs));
      if (rule.drop) {
        request.raw.socket.destroy();
        return reply.hijack();
      }
      if (rule.status === undefined) return;
      if (rule.retryAfterSeconds !== undefined) reply.header('retry-after', String(rule.retryAfterSeconds));
      if (rule.html) {
        return reply
          .code(rule.status)
          .type('text/html; charset=utf-8')
          .send(
            `<html><head><title>Error ${rule.status}</title></head><body><h1>Service unavailable</h1></body></html>`,
          );
      }
      return reply.code(rule.status).send(rule.body ?? this.options.errorBody(rule.status));
    });
  }
}
