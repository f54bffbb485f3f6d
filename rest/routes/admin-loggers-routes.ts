import { Router } from 'express';
import { TributaryError } from '../../plugins/api/index.js';
import { LOG_LEVELS, normalizeLogLevel, type LoggerAdmin } from '../logger-admin.js';
import { objectBody, pathParam } from '../request-body.js';
import { resource } from './route-table.js';

/**
 * KIP-495 dynamic log levels. Changes apply to this worker only and are not persisted, as in
 * Kafka Connect's default `scope=worker`.
 */
export function adminLoggersRoutes(loggers: LoggerAdmin): Router {
  const router = Router();

  resource(router, '/admin/loggers', {
    get: (_req, res) => {
      res.json(loggers.levels());
    },
  });

  resource(router, '/admin/loggers/:logger', {
    get: (req, res) => {
      const name = pathParam(req, 'logger');
      const levels = loggers.levels();
      if (!Object.hasOwn(levels, name)) throw new TributaryError('rest.not_found', `Logger ${name} not found.`);
      res.json(levels[name]);
    },
    put: (req, res) => {
      const body = objectBody(req.body, 'a JSON object {"level": "..."}');
      if (body.level === undefined || body.level === null) {
        throw new TributaryError('rest.bad_request', `Desired 'level' parameter was not specified in the request.`);
      }
      const level = typeof body.level === 'string' ? normalizeLogLevel(body.level) : undefined;
      if (level === undefined) {
        throw new TributaryError('rest.bad_request', `Invalid log level '${String(body.level)}'; use one of ${LOG_LEVELS.join(', ')}.`);
      }
      res.status(200).json(loggers.setLevel(pathParam(req, 'logger'), level));
    },
  });

  return router;
}
