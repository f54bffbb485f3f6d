import { Router } from 'express';
import type { Herder } from '../../runtime/herder/herder.js';
import { booleanQuery, taskIdParam, pathParam } from '../request-body.js';
import { resource } from './route-table.js';

/**
 * Status, tasks and lifecycle of one connector. State changes are requests: the herder records
 * the target state and the answer comes before the connector has reached it, hence 202 (and 204
 * where Kafka Connect answers without a body).
 */
export function connectorControlRoutes(herder: Herder): Router {
  const router = Router();

  resource(router, '/connectors/:name/status', {
    get: async (req, res) => {
      res.json(await herder.connectorStatus(pathParam(req, 'name')));
    },
  });

  resource(router, '/connectors/:name/tasks', {
    get: async (req, res) => {
      res.json(await herder.taskConfigs(pathParam(req, 'name')));
    },
  });

  resource(router, '/connectors/:name/tasks/:task/status', {
    get: async (req, res) => {
      const name = pathParam(req, 'name');
      res.json(await herder.taskStatus(name, taskIdParam(name, pathParam(req, 'task'))));
    },
  });

  resource(router, '/connectors/:name/tasks/:task/restart', {
    post: async (req, res) => {
      const name = pathParam(req, 'name');
      await herder.restartTask(name, taskIdParam(name, pathParam(req, 'task')));
      res.status(204).end();
    },
  });

  resource(router, '/connectors/:name/restart', {
    post: async (req, res) => {
      const includeTasks = booleanQuery(req.query.includeTasks, 'includeTasks', false);
      const onlyFailed = booleanQuery(req.query.onlyFailed, 'onlyFailed', false);
      const status = await herder.restartConnector(pathParam(req, 'name'), { includeTasks, onlyFailed });
      // Without either flag this is the pre-KIP-745 call, which answers without a body.
      if (!includeTasks && !onlyFailed) res.status(204).end();
      else res.status(202).json(status);
    },
  });

  resource(router, '/connectors/:name/pause', {
    put: async (req, res) => {
      await herder.pauseConnector(pathParam(req, 'name'));
      res.status(202).end();
    },
  });

  resource(router, '/connectors/:name/resume', {
    put: async (req, res) => {
      await herder.resumeConnector(pathParam(req, 'name'));
      res.status(202).end();
    },
  });

  resource(router, '/connectors/:name/stop', {
    put: async (req, res) => {
      await herder.stopConnector(pathParam(req, 'name'));
      res.status(204).end();
    },
  });

  return router;
}
