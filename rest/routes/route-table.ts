import type { RequestHandler, Router } from 'express';
import { TributaryError } from '../../plugins/api/index.js';
import { clusterAware } from '../cluster-routing.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Handlers = Partial<Record<Method, RequestHandler>>;

/**
 * Registers one path with its handlers per method, and answers every other method on that path
 * with 405 and an `Allow` header (Express alone would fall through to 404, which tells a client
 * the resource does not exist when it does). OPTIONS lists the methods. In a worker group every
 * handler forwards, waits and retries as the app's ClusterRouting says (cluster-routing.ts).
 */
export function resource(router: Router, path: string, handlers: Handlers): void {
  const route = router.route(path);
  const methods = Object.keys(handlers) as Method[];
  for (const method of methods) route[method](clusterAware(handlers[method]!));
  const allow = [...methods.map((m) => m.toUpperCase()), ...(methods.includes('get') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  route.all((req, res, next) => {
    res.set('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next(new TributaryError('rest.method_not_allowed', `${req.method} is not supported on ${req.path}; allowed: ${allow}.`));
  });
}
