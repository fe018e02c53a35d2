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
        'sign in a Partner Center Referrals admin with a device code; the token cache is stored encrypted',
      ),
  ).action(async (options: CommonOptions) => {
    await withPartnerCenter(options, io, async (partnerCenter, { config, store }) => {
      // A new sign-in replaces the stored one, even one that can no longer be read (e.g. after a key change).
      await store.secrets.delete(config.connectionId, SECRETS.partnerCenterTokenCache);
      const user = await partnerCenter.auth.signInWithDeviceCode({
        onPrompt: (prompt) =>
          io.err(prompt.message || `Open ${prompt.verificationUri} and enter the code ${prompt.userCode}`),
      });
      let visible = 0;
      for await (const _referral of partnerCenter.referrals.list({ top: 1 })) {
        visible += 1;
        break;
      }
      await store.connections.setState(config.connectionId, 'active', null);
      if (options.json)
        io.out(JSON.stringify({ username: user.username, tenantId: user.tenantId, referralsReadable: true }));
      else
        io.out(
          `✔ Signed in to Partner Center as ${user.username} (tenant ${user.tenantId}); the Referrals API answers${visible ? '' : ' (no referrals yet)'}.`,
        );
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
