import express, { type Request, type RequestHandler } from 'express';

const EMPTY = Symbol('tributary.emptyBody');

/**
 * Reads request bodies as JSON, whatever their Content-Type (`curl -d` without `-H` sends a form
 * type, and Kafka Connect users do that). body-parser turns an empty body into `{}`; here it
 * stays undefined, so a missing body is reported as missing instead of passing as an empty
 * config. Parse failures and oversized bodies reach the error handler as 400 and 413.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const parse = express.json({
    limit: limitBytes,
    strict: false,
    type: () => true,
    verify: (req, _res, buffer) => {
      if (buffer.length === 0) (req as Request & { [EMPTY]?: true })[EMPTY] = true;
    },
  });
  const unsetEmpty: RequestHandler = (req, _res, next) => {
    if ((req as Request & { [EMPTY]?: true })[EMPTY]) req.body = undefined;
    next();
  };
  return [parse, unsetEmpty];
}
