import { LoggerService } from '@nestjs/common';
import pino, { Level, Logger } from 'pino';

/** Structured JSON logs (pino): events with fields, not prose. */
export function createLogger(level: string, name: string): Logger {
  return pino({ level, base: { app: name }, timestamp: pino.stdTimeFunctions.isoTime });
}

const BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/**
 * Nest's `Logger` calls land in the same pino logger. An event passed as an object (or as a
 * JSON-object string, as some modules write it) becomes fields of the line, not an escaped message.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    // Nest's start-up chatter (module and route listings) is debug material, not events.
    this.write(context && BOOT_CONTEXTS.has(context) ? 'debug' : 'info', message, { context });
  }
  error(message: unknown, trace?: string, context?: string) {
    this.write('error', message, { context, trace });
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, { context });
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, { context });
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, { context });
  }

  private write(level: Level, message: unknown, fields: Record<string, unknown>): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const event = asEvent(message);
    if (event) this.logger[level]({ ...fields, ...event });
    else this.logger[level](fields, String(message));
  }
}

function asEvent(message: unknown): Record<string, unknown> | null {
  if (message && typeof message === 'object' && !(message instanceof Error)) return message as Record<string, unknown>;
  if (typeof message === 'string' && message.startsWith('{') && message.endsWith('}')) {
    try {
      const parsed: unknown = JSON.parse(message);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // not JSON after all: logged as text
    }
  }
  return null;
}
