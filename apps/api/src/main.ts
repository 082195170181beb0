import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '@keyseed/config';
import { createApp } from './app.factory';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const app = await createApp();
  const config = loadConfig();
  await app.listen(config.PORT, config.HOST);
  process.stdout.write(
    JSON.stringify({
      event: 'api.listening',
      url: `http://${config.HOST}:${config.PORT}`,
      publicUrl: config.PUBLIC_URL,
      docs: `${config.PUBLIC_URL}/docs`,
    }) + '\n',
  );
}

void bootstrap();
