export { OpentrackerModule } from './opentracker.module';
export { TrackerWhitelist } from './tracker-whitelist.service';
export { whitelistText, writeWhitelist, reloadOpentracker } from './whitelist';
