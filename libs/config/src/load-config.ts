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
