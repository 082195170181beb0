#!/usr/bin/env node
// `npm start`: applies migrations (creating the database if needed), starts the local Stripe
// emulator when no Stripe key is configured, then runs the API, the worker and the platform seed
// as separate processes and prints where everything is. Ctrl-C stops all of them.
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const dist = (p) => path.join(root, 'dist', p);

async function main() {
  if (existsSync(path.join(root, '.env'))) process.loadEnvFile(path.join(root, '.env'));
  const { loadConfig, ConfigError } = require(dist('libs/config/src/load-config.js'));
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
  const { applyMigrations, defaultMigrationsDir } = require(dist('libs/database/src/migrate.js'));
  const log = (event, fields = {}) => console.log(JSON.stringify({ app: 'start', event, ...fields }));
  await applyMigrations(config.DATABASE_URL, defaultMigrationsDir(), (m) => log('migrate', { message: m })).catch(
    (err) => {
      console.error(
        `cannot prepare the database at ${config.DATABASE_URL}: ${err.message}\nIs PostgreSQL running? See README "PostgreSQL and Redis".`,
      );
      process.exit(1);
    },
  );

  const env = { ...process.env };
  const children = [];
  const run = (name, script, extraEnv = {}, nodeArgs = ['--enable-source-maps']) => {
    const child = spawn(process.execPath, [...nodeArgs, dist(script)], {
      stdio: 'inherit',
      env: { ...env, ...extraEnv },
    });
    child.on('exit', (code, signal) => {
      if (!stopping) {
        log('process.exited', { process: name, code, signal });
        stop(code || 1);
      }
    });
    children.push(child);
    return child;
  };

  if (!config.STRIPE_SECRET_KEY) {
    const base = `http://127.0.0.1:${config.STRIPE_EMULATOR_PORT}`;
    env.STRIPE_API_BASE = env.STRIPE_API_BASE || base;
    run('stripe-emulator', 'libs/stripe-emulator/src/main.js', {
      STRIPE_WEBHOOK_URL: `${config.PUBLIC_URL}/v1/stripe/webhook`,
    });
    log('stripe.offline', {
      message: `no STRIPE_SECRET_KEY: payments go to the local Stripe emulator at ${env.STRIPE_API_BASE} (test mode, no real money)`,
    });
  }
  run('api', 'apps/api/src/main.js');
  // The worker's own Node options and environment (memory settings; bench/ingest starts it the same way).
  const { WORKER_ENV, WORKER_NODE_ARGS } = require(dist('apps/worker/src/process-options.js'));
  run('worker', 'apps/worker/src/main.js', WORKER_ENV, WORKER_NODE_ARGS);
  run('seeder', 'apps/seeder/src/main.js');

  let stopping = false;
  function stop(code = 0) {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    setTimeout(() => process.exit(code), 10_000).unref();
    Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : null))).then(() =>
      process.exit(code),
    );
  }
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  const healthUrl = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}/health`;
  for (let i = 0; i < 120 && !stopping; i++) {
    const ok = await fetch(healthUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      console.log(
        `\nKeyseed is running\n  API      ${config.PUBLIC_URL}/v1\n  API docs ${config.PUBLIC_URL}/docs\n  health   ${config.PUBLIC_URL}/health\n  tracker  ${config.PUBLIC_URL}/announce\n  webseed  ${config.PUBLIC_URL}/webseed/\n  seed     BitTorrent TCP+uTP port ${config.SEEDER_PORT}\n  metrics  ${config.PUBLIC_URL}/metrics\n  data     ${path.resolve(config.DATA_DIR)}\nPress Ctrl-C to stop.\n`,
      );
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!stopping)
    log('health.timeout', {
      url: healthUrl,
      message: 'the API did not become healthy within 60 s (is Redis running?)',
    });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
