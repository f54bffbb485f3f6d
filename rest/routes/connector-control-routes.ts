import { Router } from 'express';
import { TributaryError } from '../../plugins/api/index.js';
import type { Herder } from '../../runtime/herder/herder.js';
import { SIGNATURE_ALGORITHM_HEADER, SIGNATURE_HEADER } from '../../runtime/herder/request-signature.js';
import { booleanQuery, configFromJson, taskIdParam, pathParam } from '../request-body.js';
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
    // internal (worker groups): a connector's task configs from the worker running it, for the leader to store
    ...(herder.putTaskConfigs ? {
      post: async (req, res) => {
        const body: unknown = req.body;
        if (!Array.isArray(body)) throw new TributaryError('rest.bad_request', 'The body must be a JSON array of task configs.');
        const configs = body.map((c, i) => configFromJson(c, `task config ${i}`));
        await herder.putTaskConfigs!(pathParam(req, 'name'), configs, {
          signature: req.get(SIGNATURE_HEADER), algorithm: req.get(SIGNATURE_ALGORITHM_HEADER),
        });
        res.status(204).end();
      },
    } : {}),
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
