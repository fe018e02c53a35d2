/**
 * SOAP Metadata API at /services/Soap/m/XX.X: deploy + checkDeployStatus, and create/upsert/update/read/
 * deleteMetadata for CustomObject, CustomField and PermissionSet. The session id travels in SessionHeader.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PermissionSetMeta } from './customMetadata.ts';
import type { DeployJob } from './deployJob.ts';
import type { EmulatorContext } from './emulatorContext.ts';
import { type ApplyOutcome, MetadataApplier } from './metadataApplier.ts';
import { componentsOf, runDeployment } from './metadataDeployment.ts';
import {
  asArray,
  customFieldFromXml,
  customFieldToXml,
  customObjectFromXml,
  customObjectToXml,
  escapeXml,
  parseXml,
  permissionSetFromXml,
  permissionSetToXml,
  text,
  toXml,
  type XmlNode,
  type XmlValue,
} from './metadataXml.ts';
import { SalesforceApiError } from './salesforceApiError.ts';
import { isJwtShaped } from './sessionRegistry.ts';

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>';
const ENVELOPE_CLOSE = '</soapenv:Body></soapenv:Envelope>';

class SoapFault extends Error {
  constructor(
    readonly faultCode: string,
    message: string,
  ) {
    super(message);
  }
}

function sendFault(reply: FastifyReply, fault: SoapFault): FastifyReply {
  const body = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="http://soap.sforce.com/2006/04/metadata"><soapenv:Body><soapenv:Fault><faultcode>sf:${fault.faultCode}</faultcode><faultstring>${escapeXml(`${fault.faultCode}: ${fault.message}`)}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
  return reply.code(500).type('text/xml; charset=utf-8').send(body);
}

function sendResult(reply: FastifyReply, operation: string, results: XmlValue | XmlValue[]): FastifyReply {
  const inner = toXml('result', results);
  return reply
    .type('text/xml; charset=utf-8')
    .send(`${ENVELOPE_OPEN}<${operation}Response>${inner}</${operation}Response>${ENVELOPE_CLOSE}`);
}

function saveResult(fullName: string, outcome: ApplyOutcome, withCreated: boolean): XmlValue {
  if (outcome.ok) return { fullName, success: true, ...(withCreated ? { created: outcome.created } : {}) };
  return {
    errors: { message: outcome.problem, statusCode: 'FIELD_INTEGRITY_EXCEPTION' },
    fullName,
    success: false,
    ...(withCreated ? { created: false } : {}),
  };
}

function deployResult(job: DeployJob, includeDetails: boolean): XmlValue {
  const done = job.completedDate !== null;
  const failures = job.components.filter((component) => !component.success);
  const total = job.components.length;
  const deployed = done ? total - failures.length : Math.floor(total / 2);
  const component = (outcome: DeployJob['components'][number]) => ({
    changed: outcome.success && !outcome.created,
    componentType: outcome.componentType,
    created: outcome.created,
    createdDate: job.completedDate ?? job.createdDate,
    deleted: false,
    fileName: outcome.fileName,
    fullName: outcome.fullName,
    ...(outcome.problem ? { problem: outcome.problem, problemType: 'Error' } : {}),
    success: outcome.success,
  });
  return {
    checkOnly: job.checkOnly,
    completedDate: job.completedDate ?? undefined,
    createdBy: '',
    createdDate: job.createdDate,
    details:
      includeDetails && done
        ? {
            componentFailures: failures.map(component),
            componentSuccesses: job.components.filter((outcome) => outcome.success).map(component),
            runTestResult: { numFailures: 0, numTestsRun: 0, totalTime: 0 },
          }
        : undefined,
    done,
    errorMessage: job.errorMessage ?? undefined,
    errorStatusCode: job.errorMessage ? 'UNKNOWN_EXCEPTION' : undefined,
    id: job.id,
    ignoreWarnings: false,
    numberComponentErrors: done ? failures.length : 0,
    numberComponentsDeployed: deployed,
    numberComponentsTotal: total,
    numberTestErrors: 0,
    numberTestsCompleted: 0,
    numberTestsTotal: 0,
    rollbackOnError: job.rollbackOnError,
    runTestsEnabled: false,
    stateDetail: done ? undefined : 'Processing components',
    status: job.status,
    success: done && job.status === 'Succeeded',
  };
}

/** One metadata component of a CRUD call; a CustomObject may carry its fields. */
function applyOne(
  applier: MetadataApplier,
  type: string,
  fullName: string,
  node: XmlNode,
  mode: 'create' | 'update' | 'upsert',
  operation: string,
): ApplyOutcome {
  switch (type) {
    case 'CustomField':
      return applier.customField(customFieldFromXml('', node), mode);
    case 'PermissionSet':
      return applier.permissionSet(permissionSetFromXml(fullName, node), mode);
    case 'CustomObject': {
      const outcome = applier.customObject(customObjectFromXml(fullName, node, ''), mode);
      if (!outcome.ok) return outcome;
      for (const field of asArray(node['fields'])) {
        const fieldOutcome = applier.customField(customFieldFromXml(fullName, field as XmlNode), 'upsert');
        if (!fieldOutcome.ok) return fieldOutcome;
      }
      return outcome;
    }
    default:
      return {
        ok: false,
        problem: `The emulator does not support ${operation} for metadata type ${type || '(none)'}`,
      };
  }
}

export function registerMetadataRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const { org } = context;
  const pending = new Map<string, Awaited<ReturnType<typeof componentsOf>>>();

  const crud = (operation: string, body: XmlNode): XmlValue[] => {
    const applier = new MetadataApplier(org);
    const mode =
      operation === 'createMetadata' ? 'create' : operation === 'updateMetadata' ? 'update' : 'upsert';
    const withCreated = operation === 'upsertMetadata';
    return asArray(body['metadata']).map((raw) => {
      const node = raw as XmlNode;
      const type = String(node['@_type'] ?? '').replace(/^.*:/, '');
      const fullName = text(node, 'fullName') ?? '';
      return saveResult(fullName, applyOne(applier, type, fullName, node, mode, operation), withCreated);
    });
  };

  const read = (body: XmlNode): XmlValue => {
    const type = text(body, 'type') ?? '';
    const records = asArray(body['fullNames']).map((raw): XmlValue => {
      const name = String(raw);
      if (type === 'CustomField') {
        const meta = org.state.customFields[name];
        return meta ? customFieldToXml(meta) : null;
      }
      if (type === 'CustomObject') {
        const meta = org.state.customObjects[name];
        return meta ? customObjectToXml(meta) : null;
      }
      if (type === 'PermissionSet') {
        const meta: PermissionSetMeta | undefined = org.state.permissionSets[name];
        return meta ? permissionSetToXml(meta) : null;
      }
      throw new SoapFault(
        'INVALID_TYPE',
        `The emulator does not support readMetadata for metadata type ${type}`,
      );
    });
    return { records };
  };

  const remove = (body: XmlNode): XmlValue[] => {
    const type = text(body, 'type') ?? '';
    const maps: Record<string, Record<string, unknown>> = {
      CustomField: org.state.customFields,
      CustomObject: org.state.customObjects,
      PermissionSet: org.state.permissionSets,
    };
    const map = maps[type];
    if (!map)
      throw new SoapFault(
        'INVALID_TYPE',
        `The emulator does not support deleteMetadata for metadata type ${type}`,
      );
    return asArray(body['fullNames']).map((raw) => {
      const name = String(raw);
      if (!(name in map))
        return saveResult(name, { ok: false, problem: `No ${type} named ${name} found` }, false);
      delete map[name];
      org.schemaChanged();
      return saveResult(name, { ok: true, created: false }, false);
    });
  };

  const deploy = async (body: XmlNode): Promise<XmlValue> => {
    const options = (body['DeployOptions'] ?? {}) as XmlNode;
    const flag = (key: string, fallback: boolean) =>
      text(options, key) === undefined ? fallback : text(options, key) === 'true';
    const id = org.nextId('0Af');
    const job: DeployJob = {
      id,
      createdDate: org.nowText(),
      completedDate: null,
      checkOnly: flag('checkOnly', false),
      rollbackOnError: flag('rollbackOnError', true),
      polls: 0,
      status: 'Pending',
      components: [],
      errorMessage: null,
    };
    const components = await componentsOf(text(body, 'ZipFile') ?? '', {
      checkOnly: job.checkOnly,
      rollbackOnError: job.rollbackOnError,
      singlePackage: flag('singlePackage', false),
    });
    org.state.deploys[id] = job;
    pending.set(id, components);
    org.changed();
    return { done: false, id, state: 'Queued' };
  };

  const checkDeployStatus = (body: XmlNode): XmlValue => {
    const id = text(body, 'asyncProcessId') ?? '';
    const job = org.state.deploys[id];
    if (!job) throw new SoapFault('INVALID_ID_FIELD', `invalid deploy id: ${id}`);
    job.polls += 1;
    if (job.completedDate === null && job.polls >= 2) {
      const components = pending.get(id);
      pending.delete(id);
      if (components === undefined || typeof components === 'string') {
        job.errorMessage = components ?? 'The deployment was lost when the emulator restarted; deploy again.';
        job.status = 'Failed';
        job.completedDate = org.nowText();
      } else {
        runDeployment(org, job, components);
      }
    } else if (job.completedDate === null) {
      job.status = 'InProgress';
      const components = pending.get(id);
      if (Array.isArray(components)) {
        job.components = components.map((component) => ({
          ...component,
          success: true,
          created: false,
          problem: null,
        }));
      }
    }
    org.changed();
    return deployResult(job, text(body, 'includeDetails') === 'true');
  };

  app.post('/services/Soap/m/:version', async (request, reply) => {
    try {
      const envelope = parseXml(typeof request.body === 'string' ? request.body : '')['Envelope'] as
        | XmlNode
        | undefined;
      const header = (envelope?.['Header'] ?? {}) as XmlNode;
      const sessionId = text(header['SessionHeader'], 'sessionId');
      try {
        const session = context.sessions.authenticate(sessionId);
        // JWT-based access tokens are valid for REST APIs only.
        if (isJwtShaped(session.token)) throw new SalesforceApiError(401, 'INVALID_SESSION_ID', 'JWT');
      } catch (error) {
        if (error instanceof SalesforceApiError) {
          throw new SoapFault(
            'INVALID_SESSION_ID',
            'Invalid Session ID found in SessionHeader: Illegal Session',
          );
        }
        throw error;
      }
      const usage = org.state.apiUsage;
      if (usage.used >= usage.max)
        throw new SoapFault('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      usage.used += 1;
      const bodyNode = (envelope?.['Body'] ?? {}) as XmlNode;
      const [operation, payload] = Object.entries(bodyNode).find(([key]) => !key.startsWith('@_')) ?? [
        '',
        {},
      ];
      const message = (payload && typeof payload === 'object' ? payload : {}) as XmlNode;
      switch (operation) {
        case 'deploy':
          return sendResult(reply, operation, await deploy(message));
        case 'checkDeployStatus':
          return sendResult(reply, operation, checkDeployStatus(message));
        case 'createMetadata':
        case 'updateMetadata':
        case 'upsertMetadata':
          return sendResult(reply, operation, crud(operation, message));
        case 'readMetadata':
          return sendResult(reply, operation, read(message));
        case 'deleteMetadata':
          return sendResult(reply, operation, remove(message));
        default:
          throw new SoapFault(
            'INVALID_OPERATION',
            `The emulator does not support the Metadata API operation ${operation || '(none)'}`,
          );
      }
    } catch (error) {
      if (error instanceof SoapFault) return sendFault(reply, error);
      throw error;
    }
  });
}
