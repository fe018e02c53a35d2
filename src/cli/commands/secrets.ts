/**
 * `cosell secrets rotate-key`: re-encrypts every stored secret from COSELL_SECRET_KEY (and any key in
 * COSELL_SECRET_KEY_PREVIOUS) to a new key, in one transaction. The new key comes from --new-key-file or
 * COSELL_NEW_SECRET_KEY; --generate writes a fresh one to --new-key-file (mode 0600) first. Keys are
 * never printed: output names them by their key id, a fingerprint.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { rotateSecretKey } from '../../store/rotateSecretKey.ts';
import {
  NEW_SECRET_KEY_ENV,
  PREVIOUS_SECRET_KEYS_ENV,
  parseSecretKey,
  SECRET_KEY_ENV,
  SecretBox,
  SecretBoxError,
} from '../../store/secretBox.ts';
import type { CliIo } from '../cliIo.ts';
import { withStore } from '../commandContext.ts';
import { type CommonOptions, withCommonOptions } from '../commonOptions.ts';
import { CliError, EXIT } from '../exitCodes.ts';

interface RotateKeyOptions extends CommonOptions {
  newKeyFile?: string;
  generate?: boolean;
}

export function registerSecretsCommands(program: Command, io: CliIo): void {
  const secrets = program.command('secrets').description('manage the encrypted credentials in the store');
  withCommonOptions(
    secrets
      .command('rotate-key')
      .description(
        `re-encrypt every stored secret from ${SECRET_KEY_ENV} to a new key (from --new-key-file or ${NEW_SECRET_KEY_ENV}), in one transaction; safe to run again`,
      )
      .option('--new-key-file <file>', 'file holding the new key (base64 of 32 bytes, or 64 hex characters)')
      .option('--generate', 'first write a fresh random key to --new-key-file (mode 0600; never overwrites)'),
    { connectionHelp: null },
  ).action(async (options: RotateKeyOptions) => {
    const current = currentBox(io.env);
    const keyFile = options.newKeyFile === undefined ? undefined : resolve(io.cwd, options.newKeyFile);
    if (options.generate) generateKeyFile(keyFile);
    const next = new SecretBox(newKey(io.env, keyFile));
    // One key for the whole store: every connection's secrets are re-encrypted.
    const result = await withStore(options, io, (store) => rotateSecretKey(store, current, next), {
      allConnections: true,
    }).catch((error: unknown) => {
      throw error instanceof SecretBoxError ? new CliError(error.message) : error;
    });
    if (options.json) {
      io.out(
        JSON.stringify({
          ok: true,
          oldKeyId: current.keyId,
          ...result,
          ...(keyFile ? { newKeyFile: keyFile } : {}),
        }),
      );
      return;
    }
    io.out(
      `✔ ${result.reencrypted} secret(s) re-encrypted from key ${current.keyId} to key ${result.newKeyId}` +
        (result.alreadyCurrent > 0 ? `; ${result.alreadyCurrent} already under the new key.` : '.'),
    );
    if (current.keyId !== next.keyId) {
      io.out(
        `  Next: restart every cosell process with ${SECRET_KEY_ENV} set to the new key and ${PREVIOUS_SECRET_KEYS_ENV} to the old one, ` +
          `then run this command again with ${SECRET_KEY_ENV} set to the new key, to move anything a process still on the old key wrote meanwhile.`,
      );
    }
  });
}

/** The key the store's secrets are under now: COSELL_SECRET_KEY, plus older ones that may still be around. */
function currentBox(env: NodeJS.ProcessEnv): SecretBox {
  try {
    return SecretBox.fromEnv(env);
  } catch (error) {
    if (error instanceof SecretBoxError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

function generateKeyFile(keyFile: string | undefined): void {
  if (keyFile === undefined)
    throw new CliError(
      '--generate needs --new-key-file FILE: the file the new key is written to.',
      EXIT.usage,
    );
  if (existsSync(keyFile))
    throw new CliError(
      `${keyFile} exists already; --generate never overwrites a key. Drop --generate to use the key in it, or name a new file.`,
      EXIT.usage,
    );
  writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(keyFile, 0o600);
}

function newKey(env: NodeJS.ProcessEnv, keyFile: string | undefined): Buffer {
  try {
    if (keyFile !== undefined) {
      if (!existsSync(keyFile))
        throw new CliError(
          `${keyFile} does not exist. Write a key into it (\`openssl rand -base64 32\`), or add --generate to have one written.`,
          EXIT.usage,
        );
      return parseSecretKey(readFileSync(keyFile, 'utf8'), `the key in ${keyFile}`);
    }
    const fromEnv = env[NEW_SECRET_KEY_ENV];
    if (fromEnv === undefined || fromEnv.trim() === '')
      throw new CliError(
        `Say which key to rotate to: --new-key-file FILE (add --generate to have one written), or set ${NEW_SECRET_KEY_ENV}.`,
        EXIT.usage,
      );
    return parseSecretKey(fromEnv, NEW_SECRET_KEY_ENV);
  } catch (error) {
    if (error instanceof SecretBoxError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}
