/**
 * What `cosell init` writes: the commented config, and on request the default mapping and a JWT key
 * pair. An existing config is never overwritten without --force; asking for a key or a mapping next
 * to an existing config adds those files and points the config at them, keeping everything else
 * (comments included) as it was.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { type Document, parseDocument, stringify } from 'yaml';
import { defaultMapping } from '../../domain/mapping/defaultMapping.ts';
import { createSelfSignedCertificate } from '../../shared/selfSignedCertificate.ts';
import { CliError, EXIT } from '../exitCodes.ts';

export const JWT_KEY_FILE = 'salesforce-jwt.key';
export const MAPPING_FILE = 'mapping.yaml';

export interface InitRequest {
  configFile: string;
  template: string;
  mapping: boolean;
  jwtKey: boolean;
  force: boolean;
}

export interface InitOutcome {
  written: string[];
  /** Settings added to an existing config, as `path: value`. */
  configEdits: string[];
  /** The certificate to upload to Salesforce, when a key pair was written. */
  certificateFile: string | null;
  /** Said to the person: a reason the new files may not be used as they are. */
  notes: string[];
}

export async function writeInitFiles(request: InitRequest): Promise<InitOutcome> {
  const configFile = request.configFile;
  const folder = dirname(configFile);
  const outcome: InitOutcome = { written: [], configEdits: [], certificateFile: null, notes: [] };
  const write = (file: string, text: string, mode = 0o644) => {
    if (existsSync(file) && !request.force)
      throw new CliError(`${file} exists; pass --force to overwrite it.`, EXIT.usage);
    writeFileSync(file, text, { mode });
    outcome.written.push(file);
  };

  const keepConfig = existsSync(configFile) && !request.force;
  if (keepConfig && !request.mapping && !request.jwtKey)
    throw new CliError(
      `${configFile} exists; pass --force to overwrite it, or --jwt-key / --mapping to add only those files to it.`,
      EXIT.usage,
    );
  const existing = keepConfig ? readExistingConfig(configFile) : null;
  if (!keepConfig) write(configFile, request.template);

  if (request.mapping) {
    const configured = existing?.getIn(['sync', 'mappingFile']);
    const file = typeof configured === 'string' ? resolve(folder, configured) : join(folder, MAPPING_FILE);
    write(
      file,
      `# The field mapping. Delete what you do not change: missing keys take the defaults.\n${stringify(defaultMapping)}`,
    );
    if (existing && typeof configured !== 'string')
      setSetting(existing, ['sync', 'mappingFile'], relativeTo(folder, file), outcome);
  }

  if (request.jwtKey) {
    const configured = existing?.getIn(['salesforce', 'auth', 'privateKeyFile']);
    const keyFile = typeof configured === 'string' ? resolve(folder, configured) : join(folder, JWT_KEY_FILE);
    const certificateFile = join(dirname(keyFile), `${basename(keyFile, extname(keyFile))}.crt`);
    const made = await createSelfSignedCertificate({ commonName: 'cosell-connector', validDays: 730 });
    write(keyFile, made.privateKeyPem, 0o600);
    write(certificateFile, made.certificatePem);
    outcome.certificateFile = certificateFile;
    if (existing) {
      const flow = existing.getIn(['salesforce', 'auth', 'flow']);
      if (flow !== undefined && flow !== 'jwt')
        outcome.notes.push(
          `salesforce.auth.flow is ${String(flow)}: the key is used only once you set salesforce.auth.flow: jwt (with clientId and username).`,
        );
      if (existing.getIn(['salesforce', 'auth', 'privateKey']) !== undefined)
        outcome.notes.push(
          'salesforce.auth.privateKey holds an inline key: remove it, so that the key file is the one used.',
        );
      if (typeof configured !== 'string')
        setSetting(existing, ['salesforce', 'auth', 'privateKeyFile'], relativeTo(folder, keyFile), outcome);
    }
  }

  if (existing && outcome.configEdits.length > 0) {
    writeFileSync(configFile, existing.toString());
    outcome.written.push(configFile);
  }
  return outcome;
}

function readExistingConfig(configFile: string): Document {
  const doc = parseDocument(readFileSync(configFile, 'utf8'));
  if (doc.errors.length > 0)
    throw new CliError(
      `${configFile} is not valid YAML, so nothing was added to it: run \`cosell config check\`, fix what it reports, and run this again.`,
      EXIT.usage,
    );
  return doc;
}

function setSetting(doc: Document, path: string[], value: string, outcome: InitOutcome): void {
  doc.setIn(path, value);
  outcome.configEdits.push(`${path.join('.')}: ${value}`);
}

function relativeTo(folder: string, file: string): string {
  const path = relative(folder, file);
  return isAbsolute(path) || path.startsWith('..') ? file : `./${path}`;
}
