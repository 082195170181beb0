import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '@keyseed/config';
import { createApp } from './app.factory';
import { KeyRouteWarmup } from './keys/key-route-warmup';

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
  // The key route's HTTP half, readied before a premiere's buyers arrive (docs/architecture.md, the release minute).
  void app.get(KeyRouteWarmup).warmUp();
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
