import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@keyseed/config';
import { createApp } from './app.factory';
import { addAcceptHandles } from './common/accept-handles';
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
  // Many connections accepted per turn of the event loop, not one (docs/architecture.md, the release minute).
  const acceptHandles = await addAcceptHandles(app.getHttpServer()).catch((err: Error) => {
    new Logger('http').warn({ event: 'http.accept_handles_failed', error: err.message });
    return 1;
  });
  // The key route's HTTP half, readied before a premiere's buyers arrive (docs/architecture.md, the release minute).
  void app.get(KeyRouteWarmup).warmUp();
  process.stdout.write(
    JSON.stringify({
      event: 'api.listening',
      url: `http://${config.HOST}:${config.PORT}`,
      publicUrl: config.PUBLIC_URL,
      docs: `${config.PUBLIC_URL}/docs`,
      acceptHandles,
    }) + '\n',
  );
}

void bootstrap();
