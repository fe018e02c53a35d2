/**
 * The Salesforce emulator: a Fastify app speaking the wire format of Salesforce's OAuth, REST (sObjects,
 * collections, composite, composite graph, SOQL, limits) and SOAP Metadata APIs, so unmodified jsforce 3.10.16 runs against it.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { type Clock, systemClock } from '../../src/shared/clock.ts';
import { type Logger, silentLogger } from '../../src/shared/logger.ts';
import { FaultInjector } from '../shared/faultInjector.ts';
import { registerCollectionRoutes } from './collectionRoutes.ts';
import { registerCompositeRoutes } from './compositeRoutes.ts';
import { SubrequestRunner } from './compositeSubrequests.ts';
import { registerControlRoutes } from './controlRoutes.ts';
import { API_VERSIONS, type EmulatorContext } from './emulatorContext.ts';
import { registerMetadataRoutes } from './metadataRoutes.ts';
import { registerOAuthRoutes } from './oauthRoutes.ts';
import { ADMIN_PASSWORD, INTEGRATION_PASSWORD, initialOrgState, type OrgState } from './orgState.ts';
import { registerQueryRoutes } from './queryRoutes.ts';
import { registerRealismControlRoutes, registerUiApiRoutes } from './realismRoutes.ts';
import { RecordWriter } from './recordWriter.ts';
import { RequestGate } from './requestGate.ts';
import { installRestGuard } from './restGuard.ts';
import { SalesforceApiError } from './salesforceApiError.ts';
import { SalesforceOrg } from './salesforceOrg.ts';
import { SessionRegistry } from './sessionRegistry.ts';
import { registerSoapLoginRoute } from './soapLoginRoute.ts';
import { registerSObjectRoutes } from './sobjectRoutes.ts';
import { StateFile } from './stateFile.ts';

export interface SalesforceEmulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Delay added to every non-control request. */
  latencyMs?: number;
  clock?: Clock;
  /** Optional JSON persistence (loaded at start, saved on change and on close). */
  stateFile?: string;
  /** Access token lifetime, default 7200. */
  sessionTtlSeconds?: number;
  /** Daily API request allocation, default 15000. */
  dailyApiLimit?: number;
  logger?: Logger;
}

export interface EmulatorUser {
  id: string;
  username: string;
  password: string;
}

export interface SalesforceEmulator {
  /** `http://127.0.0.1:<port>`: both login URL and instance URL. */
  url: string;
  orgId: string;
  users: { admin: EmulatorUser; integration: EmulatorUser };
  /** Pre-registered; a JWT certificate is registered via `POST /__emulator/connected-app`. */
  connectedApp: { clientId: string; clientSecret: string };
  close(): Promise<void>;
}

const STATUS_ERROR_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'INVALID_SESSION_ID',
  403: 'REQUEST_LIMIT_EXCEEDED',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  429: 'REQUEST_LIMIT_EXCEEDED',
  500: 'UNKNOWN_EXCEPTION',
  502: 'BAD_GATEWAY',
  503: 'SERVER_UNAVAILABLE',
};

/** The error body Salesforce sends for a status, used by injected faults. */
function faultBody(status: number): unknown {
  const errorCode = STATUS_ERROR_CODES[status] ?? 'UNKNOWN_EXCEPTION';
  return [{ message: `Injected fault: HTTP ${status} (${errorCode})`, errorCode }];
}

function installParsers(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      done(
        new SalesforceApiError(400, 'JSON_PARSER_ERROR', `The request body is not valid JSON: ${detail}`),
        undefined,
      );
    }
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    },
  );
  app.addContentTypeParser(
    ['text/xml', 'application/xml', 'application/soap+xml'],
    { parseAs: 'string' },
    (_request, body, done) => done(null, String(body)),
  );
}

export async function startSalesforceEmulator(
  options: SalesforceEmulatorOptions = {},
): Promise<SalesforceEmulator> {
  const logger = options.logger ?? silentLogger;
  const dailyApiLimit = options.dailyApiLimit ?? 15000;
  let stateFile: StateFile | null = null;
  let org: SalesforceOrg | null = null;
  const currentState = (): OrgState => {
    if (!org) throw new Error('The Salesforce emulator is not initialised yet.');
    return org.state;
  };
  if (options.stateFile) stateFile = new StateFile(options.stateFile, currentState);
  const loaded = stateFile?.load() ?? null;
  const createdOrg = new SalesforceOrg(
    loaded ?? initialOrgState(dailyApiLimit),
    options.clock ?? systemClock,
    () => stateFile?.scheduleSave(),
  );
  org = createdOrg;
  let baseUrl = '';
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024 * 1024,
    forceCloseConnections: true,
    // External-id values and query locators travel in the path; accept `/services/data/v62.0/` too.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2000 },
  });
  installParsers(app);
  const context: EmulatorContext = {
    org: createdOrg,
    sessions: new SessionRegistry(createdOrg, options.sessionTtlSeconds ?? 7200),
    writer: new RecordWriter(createdOrg),
    logger,
    gate: new RequestGate(),
    subrequests: new SubrequestRunner((request) => app.inject(request)),
    baseUrl: () => baseUrl,
  };
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof SalesforceApiError) return reply.code(error.status).send(error.toBody());
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply
        .code(status)
        .send([
          { message: (error as Error).message, errorCode: STATUS_ERROR_CODES[status] ?? 'BAD_REQUEST' },
        ]);
    }
    logger.error(
      { err: error, method: request.method, url: request.url.split('?')[0] },
      'salesforce emulator request failed',
    );
    return reply.code(500).send([
      {
        message: 'An unexpected error occurred in the emulator; see its log.',
        errorCode: 'UNKNOWN_EXCEPTION',
      },
    ]);
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]),
  );
  app.addHook('onResponse', async (request, reply) => {
    // Path only: query strings can carry oauth_token.
    logger.debug(
      { method: request.method, path: request.url.split('?')[0], status: reply.statusCode },
      'salesforce emulator request',
    );
  });
  new FaultInjector({ errorBody: faultBody }).install(app);
  if (options.latencyMs) {
    const latencyMs = options.latencyMs;
    app.addHook('onRequest', async (request) => {
      if (!request.url.startsWith('/__emulator/') && !context.subrequests.isSubrequest(request.headers))
        await new Promise((resolve) => setTimeout(resolve, latencyMs));
    });
  }

  app.get('/services/data', async () =>
    API_VERSIONS.map((version) => ({ label: `v${version}`, url: `/services/data/v${version}`, version })),
  );
  registerOAuthRoutes(app, context);
  registerControlRoutes(app, context);
  registerRealismControlRoutes(app, context);
  registerMetadataRoutes(app, context);
  registerSoapLoginRoute(app, context);
  await app.register(async (scope) => {
    installRestGuard(scope, context);
    registerSObjectRoutes(scope, context);
    registerQueryRoutes(scope, context);
    registerCollectionRoutes(scope, context);
    registerCompositeRoutes(scope, context);
    registerUiApiRoutes(scope, context);
  });

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host ?? '127.0.0.1';
  // A wildcard bind address is not something a client can call: advertise loopback instead.
  const advertisedHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  baseUrl = `http://${advertisedHost}:${port}`;
  const users = (state: OrgState) => {
    const user = (id: string, password: string): EmulatorUser => ({
      id,
      username: String(state.records['User']?.[id]?.['Username']),
      password,
    });
    return {
      admin: user(state.adminUserId, ADMIN_PASSWORD),
      integration: user(state.integrationUserId, INTEGRATION_PASSWORD),
    };
  };
  logger.info({ url: baseUrl }, 'salesforce emulator listening');
  return {
    url: baseUrl,
    orgId: createdOrg.state.orgId,
    users: users(createdOrg.state),
    // Live: `POST /__emulator/connected-app` may change the credentials.
    connectedApp: {
      get clientId() {
        return createdOrg.state.connectedApp.clientId;
      },
      get clientSecret() {
        return createdOrg.state.connectedApp.clientSecret;
      },
    },
    close: async () => {
      await app.close();
      stateFile?.flush();
    },
  };
}
