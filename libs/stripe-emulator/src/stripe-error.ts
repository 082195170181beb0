/** An error answered the way Stripe answers it: `{ error: { type, message, param, code } }`. */
export class StripeApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly param?: string,
    readonly code?: string,
  ) {
    super(message);
  }

  toJSON(): { error: Record<string, string> } {
    const error: Record<string, string> = { type: this.type, message: this.message };
    if (this.param !== undefined) error.param = this.param;
    if (this.code !== undefined) error.code = this.code;
    return { error };
  }
}

export const invalidParam = (param: string, message: string, code = 'parameter_invalid'): StripeApiError =>
  new StripeApiError(400, message, 'invalid_request_error', param, code);

export const missingParam = (param: string): StripeApiError =>
  new StripeApiError(400, `Missing required param: ${param}.`, 'invalid_request_error', param, 'parameter_missing');

export const noSuch = (objectName: string, id: string, param = 'id'): StripeApiError =>
  new StripeApiError(404, `No such ${objectName}: '${id}'`, 'invalid_request_error', param, 'resource_missing');

export const invalidState = (message: string, code?: string, param?: string): StripeApiError =>
  new StripeApiError(400, message, 'invalid_request_error', param, code);
