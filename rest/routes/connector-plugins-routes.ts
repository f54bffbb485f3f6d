import { Router } from 'express';
import { TributaryError } from '../../plugins/api/index.js';
import type { Herder } from '../../runtime/herder/herder.js';
import { booleanQuery, configFromJson, objectBody, pathParam } from '../request-body.js';
import { resource } from './route-table.js';

/** Maps a `connector.class` (short name, alias or class name) to its plugin's name, if known. */
export type PluginResolver = (connectorClass: string) => string | undefined;

/**
 * `/connector-plugins`. Validation answers 200 with the report even when it lists errors, as
 * Kafka Connect does: the errors are the answer, not a failure of the request.
 */
export function connectorPluginsRoutes(herder: Herder, resolvePlugin?: PluginResolver): Router {
  const router = Router();

  resource(router, '/connector-plugins', {
    get: (req, res) => {
      const connectorsOnly = booleanQuery(req.query.connectorsOnly, 'connectorsOnly', true);
      res.json(herder.plugins({ connectorsOnly }));
    },
  });

  resource(router, '/connector-plugins/:plugin/config', {
    get: (req, res) => {
      res.json(herder.pluginConfig(pathParam(req, 'plugin')));
    },
  });

  resource(router, '/connector-plugins/:plugin/config/validate', {
    put: async (req, res) => {
      const plugin = pathParam(req, 'plugin');
      const config = configFromJson(objectBody(req.body, 'a JSON object of connector properties'), 'Connector config');
      const included = config['connector.class'];
      if (included !== undefined && !samePlugin(included, plugin, resolvePlugin)) {
        throw new TributaryError('rest.bad_request', `Included connector type ${included} does not match request type ${plugin}.`);
      }
      res.status(200).json(await herder.validateConnectorConfig(plugin, { ...config, 'connector.class': included ?? plugin }));
    },
  });

  return router;
}

/**
 * Whether two spellings name the same plugin. With the registry's resolver that is exact; without
 * one, Kafka Connect's rule is used: the simple class names agree once the `Connector` suffixes
 * are dropped (`io.tributary.connect.datagen.DatagenConnector` is `datagen`). An unresolvable
 * path is let through so the herder reports the unknown plugin as such.
 */
export function samePlugin(a: string, b: string, resolve?: PluginResolver): boolean {
  if (resolve) {
    const pa = resolve(a);
    const pb = resolve(b);
    if (pb === undefined) return true;
    return pa !== undefined && pa.toLowerCase() === pb.toLowerCase();
  }
  return simpleName(a) === simpleName(b);
}

function simpleName(name: string): string {
  const last = name.trim().toLowerCase().split('.').pop()!;
  return last.replace(/(source|sink)?connector$/, '') || last;
}
