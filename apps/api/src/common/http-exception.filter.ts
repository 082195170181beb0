import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { isDatabaseUnavailable } from '@keyseed/database';

/** Every error leaves as `{statusCode, error, message}`; unexpected ones are logged, never leaked. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = errorBody(exception);
    reportHttpError(this.logger, exception, body.statusCode);
    res.status(body.statusCode).json(body);
  }
}

/**
 * A 503 is an answer about an outage, which is logged once where it is detected (redis.down) or
 * here without a stack; anything else at 500 is unexpected and logged in full.
 */
export function reportHttpError(logger: Logger, exception: unknown, statusCode: number): void {
  if (statusCode === 503) {
    if (!(exception instanceof HttpException))
      logger.warn({ event: 'http.unavailable', message: (exception as Error)?.message ?? String(exception) });
  } else if (statusCode >= 500) {
    logger.error((exception as Error)?.message ?? String(exception), (exception as Error)?.stack);
  }
}

export function errorBody(exception: unknown): { statusCode: number; error: string; message: string | string[] } {
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : ((response as { message?: string | string[] }).message ?? exception.message);
    return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  }
  // body-parser and other express middleware errors carry an HTTP status of their own.
  const status =
    (exception as { status?: number; statusCode?: number })?.status ??
    (exception as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const type = (exception as { type?: string }).type;
    const message =
      type === 'entity.parse.failed'
        ? /NUL characters/.test((exception as Error).message)
          ? (exception as Error).message
          : 'request body is not valid JSON'
        : type === 'entity.too.large'
          ? 'request body is too large'
          : (exception as Error).message;
    return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
  }
  // PostgreSQL restarted or dropped the connection: nothing was wrong with the request, retry it.
  if (isDatabaseUnavailable(exception)) {
    return {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: 'Service Unavailable',
      message: 'the database is unreachable right now; retry in a moment',
    };
  }
  return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, error: 'Internal Server Error', message: 'internal error' };
}
