/**
 * The connector test kit: a driver that runs a source task as the runtime does, and the
 * acceptance suite every CDC source runs against its real server.
 */
export { SourceTaskDriver, type SourceTaskDriverOptions } from './source-task-driver.js';
export { sourceAcceptanceSuite, type AcceptanceTarget, type AcceptanceDatabase } from './source-acceptance.js';
