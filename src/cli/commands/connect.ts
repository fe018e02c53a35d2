import { createServer } from 'node:http';
import type { Command } from 'commander';
import { openVault, SECRETS } from '../../app.ts';
import {
  exchangeSalesforceAuthorizationCode,
  salesforceAuthorizationRequest,
} from '../../salesforce/salesforceAuthorization.ts';
import type { CliIo } from '../cliIo.ts';
import { withConnector, withPartnerCenter, withStore } from '../commandContext.ts';
import { type CommonOptions, parseIntegerOption, withCommonOptions } from '../commonOptions.ts';
import { CliError, EXIT } from '../exitCodes.ts';
import { connectPartnerCenter, type PartnerCenterSignInOptions } from './connectPartnerCenter.ts';

interface ConnectPartnerCenterOptions extends CommonOptions, PartnerCenterSignInOptions {}

interface ConnectSalesforceOptions extends CommonOptions {
  redirectPort: number;
}

export function registerConnectCommands(program: Command, io: CliIo): void {
  const connect = program
    .command('connect')
    .description('sign the connector in to Partner Center or Salesforce');

  withCommonOptions(
    connect
      .command('partner-center')
      .description(
        'sign in a Partner Center Referrals admin (browser, authorization code + PKCE; or --device-code); the token cache is stored encrypted',
      )
      .option(
        '--device-code',
        'sign in with a device code instead of the browser (often blocked by Conditional Access)',
      )
      .option(
        '--redirect-port <port>',
        'local port the browser is redirected to (http://localhost:<port>/); default partnerCenter.signIn.redirectPort, 0 = any free port',
        parseIntegerOption('--redirect-port', 65535),
      )
      .option(
        '--webhooks',
        'sign in the separate Webhooks API user instead (partnerCenter.webhooksSignIn.kind: separateUser)',
      ),
  ).action(async (options: ConnectPartnerCenterOptions) => {
    await withPartnerCenter(options, io, async (partnerCenter, { config, store }) => {
      const outcome = await connectPartnerCenter(partnerCenter, config, store, options, io);
      const { summary, ...data } = outcome;
      io.out(options.json ? JSON.stringify(data) : summary);
    });
  });

  withCommonOptions(
    connect
      .command('salesforce')
      .description(
        'refreshToken flow: sign in through the browser and store the refresh token; other flows: check the sign-in',
      )
      .option(
        '--redirect-port <port>',
        'local port for the OAuth redirect (callback URL http://localhost:<port>/oauth/callback)',
        parseIntegerOption('--redirect-port', 65535),
        1717,
      ),
  ).action(async (options: ConnectSalesforceOptions) => {
    await withStore(options, io, async (store, { config }) => {
      const auth = config.salesforce.auth;
      if (auth.flow === 'refreshToken') {
        if (!auth.clientId) throw new CliError('salesforce.auth.clientId is missing.', EXIT.usage);
        const redirectUri = `http://localhost:${options.redirectPort}/oauth/callback`;
        const client = {
          loginUrl: config.salesforce.loginUrl,
          clientId: auth.clientId,
          ...(auth.clientSecret ? { clientSecret: auth.clientSecret } : {}),
          redirectUri,
        };
        const request = salesforceAuthorizationRequest(client);
        const code = await new Promise<string>((resolve, reject) => {
          const server = createServer((req, res) => {
            const url = new URL(req.url ?? '/', redirectUri);
            if (url.pathname !== '/oauth/callback') return void res.writeHead(404).end();
            const error = url.searchParams.get('error');
            const received = url.searchParams.get('code');
            const ok = !error && received && url.searchParams.get('state') === request.state;
            res
              .writeHead(ok ? 200 : 400, { 'content-type': 'text/plain; charset=utf-8' })
              .end(
                ok ? 'Signed in. You can close this tab.' : `Sign-in failed: ${error ?? 'state mismatch'}`,
              );
            server.close();
            if (ok) resolve(received);
            else
              reject(
                new CliError(
                  `Salesforce sign-in failed: ${url.searchParams.get('error_description') ?? error ?? 'the answer did not match this request'}`,
                ),
              );
          });
          server.listen(options.redirectPort, '127.0.0.1', () =>
            io.err(`Open this URL in a browser and sign in as the integration user:\n${request.url}`),
          );
        });
        const grant = await exchangeSalesforceAuthorizationCode(client, code, request.codeVerifier);
        await openVault(store, io.env).put(
          config.connectionId,
          SECRETS.salesforceRefreshToken,
          grant.refreshToken,
        );
        io.out(`✔ Salesforce refresh token stored (encrypted) for ${grant.instanceUrl}.`);
        return;
      }
      io.err(`The ${auth.flow} flow needs no stored token; checking the sign-in…`);
    });
    await withConnector(options, io, async (connector) => {
      const identity = await connector.salesforce.client.call('Reading the signed-in user', (conn) =>
        conn.identity(),
      );
      io.out(`✔ Salesforce answers as ${identity.username} (org ${identity.organization_id}).`);
    });
  });
}
