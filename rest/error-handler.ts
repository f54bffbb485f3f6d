import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ErrorCodes, TributaryError, type ErrorCode, type Logger } from '../plugins/api/index.js';

/**
 * The one place where errors become HTTP answers. Kafka Connect's body is
 * `{error_code: <http status>, message}`; `code` adds our stable dotted code so scripts need not
 * parse messages. Nothing but the message of an error we raised ourselves reaches the client:
 * anything unexpected becomes a generic 500 and its stack goes to the log only.
 */
export interface ErrorBody {
  error_code: number;
  message: string;
  code: ErrorCode;
}

export function errorBody(error: TributaryError): ErrorBody {
  return { error_code: ErrorCodes[error.code].http, message: messageWithDetails(error), code: error.code };
}

/** Validation errors carry every problem in `details`; the client must see all of them. */
function messageWithDetails(error: TributaryError): string {
  const missing = error.details.filter((d) => !error.message.includes(d));
  return missing.length === 0 ? error.message : [error.message, ...missing].join('\n');
}

const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'rest.bad_request',
  401: 'rest.unauthorized',
  404: 'rest.not_found',
  405: 'rest.method_not_allowed',
  413: 'rest.payload_too_large',
};

/**
 * Errors from body-parser and http-errors carry a client status and `expose: true`; the router's
 * path-decoding failure is a URIError with status 400. Another library's error that merely has
 * a `status` field is not the client's fault and stays a 500.
 */
interface HttpishError {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  type?: unknown;
  limit?: unknown;
}

export function toTributaryError(error: unknown): TributaryError | undefined {
  if (error instanceof TributaryError) return error;
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as HttpishError;
  if (e.expose !== true && !(error instanceof URIError)) return undefined;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  if (status === 413) {
    const limit = typeof e.limit === 'number' ? ` of ${e.limit} bytes` : '';
    return new TributaryError('rest.payload_too_large', `Request body exceeds the limit${limit} (rest.max.body.bytes).`);
  }
  // Parser messages quote the body; a body may hold secrets, so none of it is echoed back.
  if (e.type === 'entity.parse.failed') return new TributaryError('rest.bad_request', 'Request body is not valid JSON.');
  if (error instanceof URIError) return new TributaryError('rest.bad_request', 'Request URL has malformed percent-encoding.');
  const code = STATUS_CODES[status] ?? 'rest.bad_request';
  return new TributaryError(code, code === 'rest.bad_request' ? 'Malformed request.' : ErrorCodes[code].description);
}

export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      // Too late for a clean answer; let express close the connection.
      next(error);
      return;
    }
    const known = toTributaryError(error);
    const body: ErrorBody = known ? errorBody(known) : { error_code: 500, message: 'Internal server error; the worker log has the details.', code: 'internal' };
    if (body.error_code >= 500) logger.error({ err: error, method: req.method, path: req.path }, 'REST request failed');
    else logger.debug({ method: req.method, path: req.path, status: body.error_code, code: body.code }, 'REST request refused');
    if (body.error_code === 413) res.set('Connection', 'close');
    // a worker group rebalancing answers again within seconds: say when to retry
    if (body.code === 'connector.rebalancing' && !res.get('Retry-After')) res.set('Retry-After', String((req.app.locals.retryAfterSeconds as number | undefined) ?? 1));
    res.status(body.error_code).json(body);
  };
}

/** The last handler: no route matched the path. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new TributaryError('rest.not_found', `No REST resource at ${req.method} ${req.path}.`));
};
