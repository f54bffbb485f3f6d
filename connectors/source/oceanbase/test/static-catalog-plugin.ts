import { defineConnector, type SourceConnector } from '../../../../plugins/api/index.js';
import { oceanbaseConnectorWith } from '../oceanbase-connector.js';
import { ordersShape, staticDeps } from './fake-setup.js';

/**
 * The OceanBase connector with a fixed catalog (INVENTORY.ORDERS) and a dummy SQL connection, as
 * a plugin for a worker process (`plugin.path` naming this file): capture.mode=logproxy against
 * the fake Log Proxy needs no database, so a test can run the real worker, kill it with SIGKILL
 * and start it again (integration-tests/oceanbase-logproxy-kill.test.ts).
 */
const connector = oceanbaseConnectorWith(staticDeps([ordersShape])) as SourceConnector;

export default defineConnector({ ...connector, name: 'oceanbase-static-catalog', aliases: [], description: 'Test plugin: the OceanBase source with a fixed catalog (INVENTORY.ORDERS) and no SQL connection.' });
