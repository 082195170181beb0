import { ApiClient } from '../api-client';
import { CliError, ExitCode } from '../cli-error';
import { ConfigStore, normalizeApiBase } from './config-store';

/** Where the CLI talks to and as whom: `--api` > KEYSEED_API > stored login > a fallback (the manifest's). */
export interface Session {
  store: ConfigStore;
  api: ApiClient;
  loggedIn: boolean;
}

export function openSession(
  opts: { api?: string; fallbackApi?: string | null } = {},
  env: NodeJS.ProcessEnv = process.env,
): Session {
  const store = new ConfigStore(env);
  const creds = store.credentials();
  const rawBase = opts.api ?? env.KEYSEED_API ?? creds?.api ?? opts.fallbackApi ?? null;
  if (!rawBase)
    throw new CliError(
      'no Keyseed API configured: run `keyseed login --api <url>` (or set KEYSEED_API)',
      ExitCode.Usage,
    );
  const base = normalizeApiBase(rawBase);
  // A stored token only goes to the API it was issued by.
  const token = env.KEYSEED_TOKEN?.trim() || (creds && normalizeApiBase(creds.api) === base ? creds.token : undefined);
  return { store, api: new ApiClient(base, token), loggedIn: Boolean(token) };
}

export function requireLogin(session: Session): void {
  if (!session.loggedIn)
    throw new CliError(
      `not logged in to ${session.api.base}: run \`keyseed login --api ${session.api.base}\` (or set KEYSEED_TOKEN)`,
      ExitCode.Unauthorized,
    );
}
