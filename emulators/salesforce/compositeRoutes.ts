/**
 * Composite (`POST /composite`: up to 25 subrequests, at most 5 of them queries or sObject Collections, with
 * `@{ref.path}` references and allOrNone roll-back) and Composite Graph (`POST /composite/graph`: up to 75
 * graphs and 500 nodes, each graph all-or-nothing, only sObject record resources as nodes). The whole request
 * counts as one call towards the daily API limit, as Salesforce documents.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  haltedResult,
  referencedIds,
  runSubrequests,
  type Subrequest,
  type SubrequestResult,
  subrequestSchema,
} from './compositeSubrequests.ts';
import type { EmulatorContext } from './emulatorContext.ts';
import { versionNumber, versionOf } from './restGuard.ts';
import { SalesforceApiError } from './salesforceApiError.ts';

export const COMPOSITE_LIMITS = { subrequests: 25, queryOrCollectionSubrequests: 5 } as const;
export const GRAPH_LIMITS = {
  graphs: 75,
  nodesPerPayload: 500,
  depth: 15,
  differentNodes: 15,
  graphFailures: 14,
  minimumVersion: 50,
} as const;

const compositeBodySchema = z.object({
  allOrNone: z.boolean().optional(),
  collateSubrequests: z.boolean().optional(),
  compositeRequest: z.array(subrequestSchema).min(1),
});

const graphBodySchema = z.object({
  graphs: z
    .array(
      z.object({
        graphId: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9_]{0,39}$/, 'start with a letter or digit; at most 40'),
        compositeRequest: z.array(subrequestSchema).min(1),
      }),
    )
    .min(1),
});

const REST_PATH = /^\/services\/data\/v\d{2,3}\.\d\/(.*)$/;
/** What a composite subrequest may call, after /services/data/vXX.X/. */
const COMPOSITE_RESOURCE = /^(sobjects(\/|\?|$)|query(All)?(\/|\?)|composite\/sobjects(\/|\?|$))/;
const QUERY_OR_COLLECTION = /^(query(All)?(\/|\?)|composite\/sobjects(\/|\?|$))/;
/** A graph node: sObject rows (create, by id, by external id). */
const GRAPH_NODE = /^sobjects\/([A-Za-z0-9_]+)(\/[^/?]+(\/[^/?]+)?)?\/?(\?.*)?$/;

function invalid(message: string): SalesforceApiError {
  return new SalesforceApiError(400, 'INVALID_INPUT', message);
}

function parseBody<T>(schema: z.ZodType<T>, request: FastifyRequest, shape: string): T {
  const parsed = schema.safeParse(request.body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new SalesforceApiError(
    400,
    'JSON_PARSER_ERROR',
    `The request body must be ${shape}: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'}.`,
  );
}

function resourceOf(subrequest: Subrequest): string {
  const match = REST_PATH.exec(subrequest.url);
  if (!match)
    throw invalid(`Subrequest ${subrequest.referenceId}: the url must start with /services/data/vXX.X/.`);
  return match[1] ?? '';
}

function checkReferenceIds(subrequests: readonly Subrequest[]): void {
  const seen = new Set<string>();
  for (const subrequest of subrequests) {
    if (seen.has(subrequest.referenceId))
      throw invalid(`Duplicate referenceId ${subrequest.referenceId}: each subrequest needs its own.`);
    seen.add(subrequest.referenceId);
  }
}

/** How long the longest chain of references through the graph's nodes is (a node alone has depth 1). */
function graphDepth(nodes: readonly Subrequest[]): number {
  const depth = new Map<string, number>();
  for (const node of nodes)
    depth.set(node.referenceId, 1 + Math.max(0, ...referencedIds(node).map((id) => depth.get(id) ?? 0)));
  return Math.max(0, ...depth.values());
}

export function registerCompositeRoutes(scope: FastifyInstance, context: EmulatorContext): void {
  const { org, gate, subrequests: runner } = context;
  const base = '/services/data/:version/composite';

  /** Runs subrequests as one transaction: under the exclusive gate, rolled back when any fails. */
  const allOrNothing = async (nodes: readonly Subrequest[], authorization: string | undefined) => {
    const undo = org.beginUndoScope();
    try {
      const outcome = await runSubrequests(runner, nodes, authorization, true);
      if (outcome.failed) undo.rollback();
      else undo.commit();
      return outcome;
    } catch (error) {
      undo.rollback();
      throw error;
    }
  };

  scope.post(base, { config: { ownGate: true } }, async (request) => {
    const body = parseBody(
      compositeBodySchema,
      request,
      '{"allOrNone"?: boolean, "compositeRequest": [{"method", "url", "referenceId", "body"?, "httpHeaders"?}]}',
    );
    const subrequests = body.compositeRequest;
    if (subrequests.length > COMPOSITE_LIMITS.subrequests)
      throw invalid(
        `A composite request takes at most ${COMPOSITE_LIMITS.subrequests} subrequests (${subrequests.length} sent).`,
      );
    checkReferenceIds(subrequests);
    const resources = subrequests.map(resourceOf);
    resources.forEach((resource, index) => {
      if (!COMPOSITE_RESOURCE.test(resource))
        throw invalid(
          `Subrequest ${subrequests[index]?.referenceId}: composite runs sObject, query, queryAll and sObject Collections resources only.`,
        );
    });
    const heavy = resources.filter((resource) => QUERY_OR_COLLECTION.test(resource)).length;
    if (heavy > COMPOSITE_LIMITS.queryOrCollectionSubrequests)
      throw invalid(
        `A composite request takes at most ${COMPOSITE_LIMITS.queryOrCollectionSubrequests} query or sObject Collections subrequests (${heavy} sent).`,
      );
    const authorization = request.headers.authorization;
    if (body.allOrNone === true) {
      const { results } = await gate.runExclusive(() => allOrNothing(subrequests, authorization));
      return { compositeResponse: results };
    }
    const release = await gate.enterShared();
    try {
      const { results } = await runSubrequests(runner, subrequests, authorization, false);
      return { compositeResponse: results };
    } finally {
      release();
    }
  });

  scope.post(`${base}/graph`, { config: { ownGate: true } }, async (request) => {
    if (versionNumber(versionOf(request)) < GRAPH_LIMITS.minimumVersion)
      throw new SalesforceApiError(
        404,
        'NOT_FOUND',
        `Composite graph needs API version ${GRAPH_LIMITS.minimumVersion}.0 or later.`,
      );
    const { graphs } = parseBody(
      graphBodySchema,
      request,
      '{"graphs": [{"graphId", "compositeRequest": [{"method", "url", "referenceId", "body"?}]}]}',
    );
    if (graphs.length > GRAPH_LIMITS.graphs)
      throw invalid(
        `A composite graph request takes at most ${GRAPH_LIMITS.graphs} graphs (${graphs.length} sent).`,
      );
    const nodes = graphs.reduce((sum, graph) => sum + graph.compositeRequest.length, 0);
    if (nodes > GRAPH_LIMITS.nodesPerPayload)
      throw invalid(
        `A composite graph request takes at most ${GRAPH_LIMITS.nodesPerPayload} nodes (${nodes} sent).`,
      );
    if (new Set(graphs.map((graph) => graph.graphId)).size !== graphs.length)
      throw invalid('Two graphs have the same graphId: give each its own.');
    const kinds = new Set<string>();
    for (const graph of graphs) {
      checkReferenceIds(graph.compositeRequest);
      for (const node of graph.compositeRequest) {
        const match = GRAPH_NODE.exec(resourceOf(node));
        if (!match)
          throw invalid(
            `Graph ${graph.graphId}, node ${node.referenceId}: graph nodes create, read, update, upsert or delete one sObject record (/sobjects/...).`,
          );
        kinds.add(`${node.url.split('/')[3]} ${node.method} ${(match[1] ?? '').toLowerCase()}`);
      }
      const depth = graphDepth(graph.compositeRequest);
      if (depth > GRAPH_LIMITS.depth)
        throw invalid(
          `Graph ${graph.graphId} is ${depth} references deep; at most ${GRAPH_LIMITS.depth} are allowed.`,
        );
    }
    if (kinds.size > GRAPH_LIMITS.differentNodes)
      throw invalid(
        `A composite graph request uses at most ${GRAPH_LIMITS.differentNodes} different nodes (version, method and object); this one uses ${kinds.size}.`,
      );
    const authorization = request.headers.authorization;
    return gate.runExclusive(async () => {
      let failures = 0;
      const answers: Array<{
        graphId: string;
        graphResponse: { compositeResponse: SubrequestResult[] };
        isSuccessful: boolean;
      }> = [];
      for (const graph of graphs) {
        if (failures > GRAPH_LIMITS.graphFailures) {
          const halted = graph.compositeRequest.map((node) =>
            haltedResult(
              node.referenceId,
              `Not run: more than ${GRAPH_LIMITS.graphFailures} graphs of this request failed.`,
            ),
          );
          answers.push({
            graphId: graph.graphId,
            graphResponse: { compositeResponse: halted },
            isSuccessful: false,
          });
          continue;
        }
        const { results, failed } = await allOrNothing(graph.compositeRequest, authorization);
        if (failed) failures += 1;
        answers.push({
          graphId: graph.graphId,
          graphResponse: { compositeResponse: results },
          isSuccessful: !failed,
        });
      }
      return { graphs: answers };
    });
  });
}
