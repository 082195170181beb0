import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { generateDeviceKeyPair } from '@keyseed/crypto';
import { CliError, ExitCode } from '../cli-error';

/** What `keyseed login` stores: where the API is and the personal token to call it with. */
export interface Credentials {
  /** API origin, e.g. `http://127.0.0.1:3000` (no `/v1`). */
  api: string;
  token: string;
  email?: string;
}

/** This machine's X25519 device key and the device id it got from each license it was registered with. */
export interface DeviceState {
  publicKey: string;
  privateKey: string;
  name: string;
  /** licenseId → deviceId. */
  devices: Record<string, string>;
}

/**
 * The CLI's private state under `$XDG_CONFIG_HOME/keyseed` (default `~/.config/keyseed`): the
 * directory is 0700 and every file 0600, written atomically (temp file + rename).
 */
export class ConfigStore {
  readonly dir: string;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const base = env.XDG_CONFIG_HOME?.trim()
      ? env.XDG_CONFIG_HOME
      : join(env.HOME?.trim() ? env.HOME : homedir(), '.config');
    this.dir = join(base, 'keyseed');
  }

  credentials(): Credentials | null {
    return this.read<Credentials>('credentials.json');
  }

  saveCredentials(creds: Credentials): void {
    this.write('credentials.json', creds);
  }

  /** The device key, created (and stored) on first use. */
  device(): DeviceState {
    const existing = this.read<DeviceState>('device.json');
    if (existing?.privateKey && existing.publicKey) return { ...existing, devices: existing.devices ?? {} };
    const pair = generateDeviceKeyPair();
    const state: DeviceState = { ...pair, name: `keyseed CLI on ${hostname()}`, devices: {} };
    this.write('device.json', state);
    return state;
  }

  saveDevice(state: DeviceState): void {
    this.write('device.json', state);
  }

  private read<T>(name: string): T | null {
    const path = join(this.dir, name);
    if (!existsSync(path)) return null;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as T;
    } catch (err) {
      throw new CliError(
        `${path} is not valid JSON (${(err as Error).message}); remove it and run \`keyseed login\` again`,
        ExitCode.InvalidInput,
      );
    }
  }

  private write(name: string, value: unknown): void {
    this.ensureDir();
    const path = join(this.dir, name);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  }

  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if ((statSync(this.dir).mode & 0o777) !== 0o700) chmodSync(this.dir, 0o700);
  }
}

/** `http://host:3000/v1/` → `http://host:3000`; refuses what is not an http(s) URL. */
export function normalizeApiBase(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new CliError(
      `--api must be the platform's URL, like http://127.0.0.1:3000; got "${input}"`,
      ExitCode.InvalidInput,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`--api must be an http(s) URL, got "${input}"`, ExitCode.InvalidInput);
  return `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
}
