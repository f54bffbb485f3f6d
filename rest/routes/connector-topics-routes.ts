import { Router } from 'express';
import type { Herder } from '../../runtime/herder/herder.js';
import { pathParam } from '../request-body.js';
import { resource } from './route-table.js';

/**
 * KIP-558 active topics: the topics a connector has used since its last reset. The reset answers
 * 202 as Kafka Connect does (it is a request on the connector's tracking, not a state change).
 */
export function connectorTopicsRoutes(herder: Herder): Router {
  const router = Router();

  resource(router, '/connectors/:name/topics', {
    get: async (req, res) => {
      res.json(await herder.connectorActiveTopics(pathParam(req, 'name')));
    },
  });

  resource(router, '/connectors/:name/topics/reset', {
    put: async (req, res) => {
      await herder.resetConnectorActiveTopics(pathParam(req, 'name'));
      res.status(202).end();
    },
  });

  return router;
}
