export { configSchema, KeyseedConfig } from './config.schema';
export { loadConfig, loadProcessConfig, ConfigError } from './load-config';
export { ConfigModule, KEYSEED_CONFIG } from './config.module';
