import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { defaultMapping } from '../../domain/mapping/defaultMapping.ts';
import { createSelfSignedCertificate } from '../../shared/selfSignedCertificate.ts';
import type { CliIo } from '../cliIo.ts';
import { type CommonOptions, withCommonOptions } from '../commonOptions.ts';
import { CliError, EXIT } from '../exitCodes.ts';

export const CONFIG_TEMPLATE = `# cosell-connector configuration. Every key is documented in README.md ("Configuration").
# Secrets are never written here: reference environment variables as \${NAME}.
connectionId: default

store:
  kind: sqlite                 # sqlite (one process) or postgres (many processes)
  path: ./.cosell/cosell.db
  # kind: postgres
  # url: \${DATABASE_URL}

server:
  host: 0.0.0.0
  port: 3000
  publicUrl: https://cosell.example.com   # the HTTPS address Partner Center posts webhooks to
  adminToken: \${COSELL_SERVER_ADMIN_TOKEN} # required off loopback: clients of /api send "Authorization: Bearer <token>"

partnerCenter:
  tenantId: 00000000-0000-0000-0000-000000000000   # your Partner Center (Entra ID) tenant
  clientId: 00000000-0000-0000-0000-000000000000   # Entra ID app used to sign in the Referrals admin

salesforce:
  loginUrl: https://your-domain.my.salesforce.com
  auth:
    flow: jwt                  # jwt (recommended), refreshToken, clientCredentials, password (dev only)
    clientId: \${SALESFORCE_CLIENT_ID}
    username: integration@your-company.com
    privateKeyFile: ./salesforce-jwt.key

sync:
  # mappingFile: ./mapping.yaml   # optional; \`cosell init --mapping\` writes the defaults to edit
  pollIntervalSeconds: 30
  reconcileIntervalSeconds: 900
`;

interface InitOptions extends CommonOptions {
  mapping?: boolean;
  jwtKey?: boolean;
  force?: boolean;
}

export function registerInitCommands(program: Command, io: CliIo): void {
  withCommonOptions(
    program
      .command('init')
      .description(
        'write a commented cosell.yaml to start from (and, with --mapping, mapping.yaml with every default)',
      )
      .option('--mapping', 'also write mapping.yaml with the built-in default mapping')
      .option(
        '--jwt-key',
        'also write salesforce-jwt.key (private, 0600) and salesforce-jwt.crt to upload to the Salesforce connected app',
      )
      .option('--force', 'overwrite existing files'),
    { json: false },
  ).action(async (options: InitOptions) => {
    const written: string[] = [];
    const write = (file: string, text: string, mode = 0o644) => {
      const path = resolve(io.cwd, file);
      if (existsSync(path) && !options.force)
        throw new CliError(`${path} exists; pass --force to overwrite it.`, EXIT.usage);
      writeFileSync(path, text, { mode });
      written.push(path);
    };
    write(options.config ?? 'cosell.yaml', CONFIG_TEMPLATE);
    if (options.mapping) {
      write(
        'mapping.yaml',
        `# The field mapping. Delete what you do not change: missing keys take the defaults.\n${stringify(defaultMapping)}`,
      );
    }
    if (options.jwtKey) {
      const made = await createSelfSignedCertificate({ commonName: 'cosell-connector', validDays: 730 });
      write('salesforce-jwt.key', made.privateKeyPem, 0o600);
      write('salesforce-jwt.crt', made.certificatePem);
    }
    for (const path of written) io.out(`✔ wrote ${path}`);
    if (options.jwtKey) {
      io.out(
        'Upload salesforce-jwt.crt to the connected app (Use digital signatures); keep salesforce-jwt.key secret — salesforce.auth.privateKeyFile points at it. The certificate is valid for 2 years.',
      );
    }
    io.out(
      'Next: edit it, then run `cosell config check`, `cosell salesforce install`, `cosell connect partner-center` and `cosell doctor`.',
    );
  });
}
