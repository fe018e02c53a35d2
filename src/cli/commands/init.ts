import { resolve } from 'node:path';
import type { Command } from 'commander';
import { TEMPLATE_PLACEHOLDERS } from '../../config/templatePlaceholders.ts';
import type { CliIo } from '../cliIo.ts';
import { type CommonOptions, withCommonOptions } from '../commonOptions.ts';
import { JWT_KEY_FILE, writeInitFiles } from './initFiles.ts';

const P = TEMPLATE_PLACEHOLDERS;

/** The commented cosell.yaml `cosell init` writes. Its example values are reported until replaced. */
export const CONFIG_TEMPLATE = `# cosell-connector configuration. Every key is documented in README.md ("Configuration").
# Secrets are never written here: reference environment variables as \${NAME}.
# \`cosell config check\` lists what is still to fill in.
# One Partner Center tenant <-> Salesforce org pair. For several in one deployment, list them instead under
# \`connections:\` (each with id, partnerCenter, salesforce and sync): see docs/operations.md "Several connections".
connectionId: default

store:
  kind: sqlite                 # sqlite (one process) or postgres (many processes)
  path: ./.cosell/cosell.db
  # kind: postgres             # with postgres, replace path by:
  # url: \${DATABASE_URL}

server:
  host: 0.0.0.0
  port: 3000
  publicUrl: ${P.publicUrl.value}   # the HTTPS address Partner Center posts webhooks to
  adminToken: \${COSELL_SERVER_ADMIN_TOKEN} # required off loopback: clients of /api send "Authorization: Bearer <token>"

partnerCenter:
  tenantId: ${P.tenantId.value}   # your Partner Center (Entra ID) tenant
  clientId: ${P.clientId.value}   # Entra ID app used to sign in the Referrals admin

salesforce:
  loginUrl: ${P.loginUrl.value}
  auth:
    flow: jwt                  # jwt (recommended), refreshToken, clientCredentials, password (dev only)
    clientId: \${SALESFORCE_CLIENT_ID}
    username: ${P.username.value}
    privateKeyFile: ./${JWT_KEY_FILE}   # \`cosell init --jwt-key\` writes it

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
      .option(
        '--mapping',
        'also write mapping.yaml with the built-in default mapping (with an existing config, adds only it and sets sync.mappingFile)',
      )
      .option(
        '--jwt-key',
        `also write ${JWT_KEY_FILE} (private, 0600) and a certificate to upload to Salesforce; with an existing config, adds only these and points salesforce.auth.privateKeyFile at the key`,
      )
      .option('--force', 'overwrite existing files'),
    { json: false, connectionHelp: null },
  ).action(async (options: InitOptions) => {
    const outcome = await writeInitFiles({
      configFile: resolve(io.cwd, options.config ?? 'cosell.yaml'),
      template: CONFIG_TEMPLATE,
      mapping: options.mapping === true,
      jwtKey: options.jwtKey === true,
      force: options.force === true,
    });
    for (const path of outcome.written) io.out(`✔ wrote ${path}`);
    for (const edit of outcome.configEdits) io.out(`  set ${edit}`);
    for (const note of outcome.notes) io.out(`⚠ ${note}`);
    if (outcome.certificateFile) {
      io.out(
        `Upload ${outcome.certificateFile} to the Salesforce External Client App (or connected app) as its digital-signature certificate; keep the key file secret (salesforce.auth.privateKeyFile points at it). The certificate is valid for 2 years.`,
      );
    }
    io.out(
      'Next: fill in what `cosell config check` lists, then run `cosell salesforce install`, `cosell connect partner-center` and `cosell doctor`.',
    );
  });
}
