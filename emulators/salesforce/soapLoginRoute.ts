/** SOAP `login` (partner API, /services/Soap/u/XX.X): what jsforce uses for `login()` without a client secret. */
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './emulatorContext.ts';
import { escapeXml, parseXml, text, type XmlNode } from './metadataXml.ts';
import { checkPassword } from './userCredentials.ts';

const ENVELOPE = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

export function registerSoapLoginRoute(app: FastifyInstance, context: EmulatorContext): void {
  const { org } = context;
  app.post<{ Params: { version: string } }>('/services/Soap/u/:version', async (request, reply) => {
    const envelope = parseXml(typeof request.body === 'string' ? request.body : '')['Envelope'] as
      | XmlNode
      | undefined;
    const login = (envelope?.['Body'] as XmlNode | undefined)?.['login'];
    const userId = checkPassword(org, text(login, 'username'), text(login, 'password'));
    reply.type('text/xml; charset=utf-8');
    if (!login || userId === null) {
      const message = login
        ? 'INVALID_LOGIN: Invalid username, password, security token; or user locked out.'
        : 'UNKNOWN_EXCEPTION: only the login operation is supported by the emulator on the partner SOAP API';
      return reply
        .code(500)
        .send(
          ENVELOPE(
            `<soapenv:Fault><faultcode>sf:${message.split(':')[0]}</faultcode><faultstring>${escapeXml(message)}</faultstring></soapenv:Fault>`,
          ),
        );
    }
    const base = context.baseUrl();
    const { version } = request.params;
    const orgId = org.state.orgId;
    const sessionId = context.sessions.issueAccessToken(userId, null);
    const user = org.state.records['User']?.[userId] ?? {};
    return reply.send(
      ENVELOPE(
        `<loginResponse><result><metadataServerUrl>${base}/services/Soap/m/${version}/${orgId}</metadataServerUrl><passwordExpired>false</passwordExpired><sandbox>false</sandbox><serverUrl>${base}/services/Soap/u/${version}/${orgId}</serverUrl><sessionId>${escapeXml(sessionId)}</sessionId><userId>${userId}</userId><userInfo><organizationId>${orgId}</organizationId><organizationName>Co-sell Emulator Org</organizationName><userEmail>${escapeXml(String(user['Email'] ?? ''))}</userEmail><userFullName>${escapeXml(String(user['Name'] ?? ''))}</userFullName><userId>${userId}</userId><userName>${escapeXml(String(user['Username'] ?? ''))}</userName></userInfo></result></loginResponse>`,
      ),
    );
  });
}
