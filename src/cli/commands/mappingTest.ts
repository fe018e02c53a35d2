import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { openConnectorStore, openVault, salesforceAuthFrom } from '../../app.ts';
import { selectConnection } from '../../config/connectionConfig.ts';
import { loadConfig } from '../../config/loadConfig.ts';
import { defaultMapping } from '../../domain/mapping/defaultMapping.ts';
import type { Mapping } from '../../domain/mapping/mappingSchema.ts';
import { parseMappingFile } from '../../domain/mapping/parseMappingFile.ts';
import { openSalesforceConnection } from '../../salesforce/salesforceConnection.ts';
import { salesforceSignInFix } from '../../salesforce/salesforceSignInAdvice.ts';
import { createLogger } from '../../shared/logger.ts';
import { toError } from '../../shared/upstreamError.ts';
import type { CliIo } from '../cliIo.ts';
import { type CommonOptions, withCommonOptions } from '../commonOptions.ts';
import { CliError, EXIT } from '../exitCodes.ts';
import { checkMappingInOrg, type MappingOrgCheck } from '../mappingOrgCheck.ts';

interface MappingTestOptions extends CommonOptions {
  file?: string;
  offline?: boolean;
}

type OrgOutcome =
  | { ok: true; url: string; check: MappingOrgCheck }
  | { ok: false; error: string; fix: string };

/** Signs in to Salesforce as the connector would and checks the mapping against the org's describe. */
async function checkAgainstOrg(
  io: CliIo,
  options: MappingTestOptions,
  mapping: Mapping,
): Promise<OrgOutcome> {
  const config = selectConnection(
    loadConfig({ file: options.config, env: io.env, cwd: io.cwd }).config,
    options.connection,
  ).config;
  const logger = createLogger({ level: 'silent', pretty: false, destination: process.stderr });
  let store: Awaited<ReturnType<typeof openConnectorStore>> | null = null;
  let signedIn = false;
  try {
    store = await openConnectorStore(config);
    const conn = await openSalesforceConnection({
      loginUrl: config.salesforce.loginUrl,
      auth: await salesforceAuthFrom(config, openVault(store, io.env)),
      logger,
    });
    signedIn = true;
    return { ok: true, url: conn.instanceUrl, check: await checkMappingInOrg(conn, mapping) };
  } catch (error) {
    const message = toError(error).message;
    return {
      ok: false,
      error: message,
      fix: signedIn
        ? 'run `cosell mapping test` again once Salesforce answers'
        : `${salesforceSignInFix(config.salesforce.auth.flow, message)} Or run \`cosell mapping test --offline\` to check the file alone.`,
    };
  } finally {
    await store?.close();
  }
}

export function registerMappingCommands(program: Command, io: CliIo): void {
  const mapping = program.command('mapping').description('the field mapping');
  withCommonOptions(
    mapping
      .command('test')
      .description(
        "validate the mapping file (every problem with its line), then check every field it names against the Salesforce org's describe; prints the effective mapping with --json",
      )
      .option('--file <file>', 'mapping file (default: sync.mappingFile of the config)')
      .option('--offline', 'check the file only, without signing in to Salesforce'),
  ).action(async (options: MappingTestOptions) => {
    const file =
      options.file ??
      selectConnection(
        loadConfig({ file: options.config, env: io.env, cwd: io.cwd }).config,
        options.connection,
      ).config.sync.mappingFile;
    let path: string | null = null;
    let effective: Mapping = defaultMapping;
    if (file) {
      path = resolve(io.cwd, file);
      if (!existsSync(path)) throw new CliError(`mapping file not found: ${path}`, EXIT.usage);
      const parsed = parseMappingFile(readFileSync(path, 'utf8'), path);
      if (!parsed.ok) {
        if (options.json) io.out(JSON.stringify({ ok: false, file: path, problems: parsed.error }));
        else {
          io.err(`${path}: ${parsed.error.length} problem${parsed.error.length === 1 ? '' : 's'}`);
          for (const problem of parsed.error)
            io.err(`  ✖ ${problem.path}${problem.line ? ` (line ${problem.line})` : ''}: ${problem.message}`);
        }
        io.setExitCode(EXIT.usage);
        return;
      }
      effective = parsed.value;
    }
    const org = options.offline ? null : await checkAgainstOrg(io, options, effective);
    const orgOk = org === null || (org.ok && org.check.problems.length === 0);
    if (options.json) {
      io.out(
        JSON.stringify({
          ok: orgOk,
          file: path,
          mapping: effective,
          org:
            org === null
              ? { checked: false }
              : org.ok
                ? { checked: true, url: org.url, problems: org.check.problems, notes: org.check.notes }
                : { checked: false, error: org.error, fix: org.fix },
        }),
      );
    } else {
      io.out(
        path
          ? `✔ ${path}: the mapping is valid`
          : '✔ No mapping file configured: the built-in defaults apply.',
      );
      if (org?.ok) {
        for (const note of org.check.notes) io.out(`ℹ ${note}`);
        if (org.check.problems.length === 0)
          io.out(`✔ Every field the mapping names fits the Salesforce org at ${org.url}.`);
        else {
          io.err(
            `✖ ${org.check.problems.length} problem${org.check.problems.length === 1 ? '' : 's'} against the Salesforce org at ${org.url}:`,
          );
          for (const problem of org.check.problems) {
            io.err(`  ✖ ${problem.message}`);
            io.err(`    → ${problem.fix}`);
          }
        }
      } else if (org) {
        io.err(`✖ Could not check the mapping against Salesforce: ${org.error}`);
        io.err(`    → ${org.fix}`);
      }
    }
    io.setExitCode(orgOk ? EXIT.ok : EXIT.failure);
  });
}
