import { existsSync } from 'node:fs';
import { configSchema, KeyseedConfig } from './config.schema';

export class ConfigError extends Error {}

/** Parses the environment once; the message names every wrong variable and what to set. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): KeyseedConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\nSee .env.example for every variable.`);
  }
  return Object.freeze(parsed.data);
}

/**
 * A process's start-up: reads `.env` when present, then the configuration; a wrong value prints
 * the message and exits with 78 (EX_CONFIG) instead of a stack trace.
 */
export function loadProcessConfig(): KeyseedConfig {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
