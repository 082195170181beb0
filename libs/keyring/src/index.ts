export { KEYRING, KeyringModule, keyringFromConfig } from './keyring.module';
