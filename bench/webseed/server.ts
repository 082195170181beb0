/** The real API (createApp, as production runs it) listening for the webseed benchmark. */
import 'reflect-metadata';
import { createApp } from '../../apps/api/src/app.factory';

async function main(): Promise<void> {
  const app = await createApp();
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  process.stdout.write('listening\n');
  // A plain exit (lets `node --cpu-prof` write its profile when profiling the webseed).
  process.once('SIGUSR2', () => process.exit(0));
}

void main();
