/**
 * Debezium connector properties that were renamed, each mapped to its successor, so a config
 * copied from Debezium 1.x documentation is told the name to use instead of being silently
 * ignored (Tributary, like Debezium 2.x, reads only the new names). The framework's connector
 * spec carries this table, and a warning names the successor only where the connector declares
 * it, so every Debezium-compatible source gets the hints and a sink is not misled by them.
 *
 * Checked against debezium/debezium's sources, 1.9.8.Final against 2.0.1.Final:
 * - `RelationalDatabaseConnectorConfig` (1.9) defines `database.server.name` (SERVER_NAME) and the
 *   `*.whitelist`/`*.blacklist` fields as "old, backwards-compatible" fallbacks of the
 *   `*.include.list`/`*.exclude.list` ones (read with getFallbackStringPropertyWithWarning,
 *   deprecated since 1.3); 2.0 removes them and adds `topic.prefix` to CommonConnectorConfig.
 * - `PostgresConnectorConfig` (1.9) marks `toasted.value.placeholder` @Deprecated: "use
 *   'unavailable.value.placeholder' instead"; gone in 2.0. (Its deprecated
 *   `truncate.handling.mode` is left out: `skipped.operations` replaces it with other values,
 *   not under a new name.)
 * - `CommonConnectorConfig` (1.9) `transaction.topic` is replaced in 2.0 by `topic.transaction`
 *   (AbstractTopicNamingStrategy).
 */
export const debeziumRenamedProperties: Readonly<Record<string, string>> = Object.freeze({
  'database.server.name': 'topic.prefix',
  'table.whitelist': 'table.include.list',
  'table.blacklist': 'table.exclude.list',
  'schema.whitelist': 'schema.include.list',
  'schema.blacklist': 'schema.exclude.list',
  'column.whitelist': 'column.include.list',
  'column.blacklist': 'column.exclude.list',
  'database.whitelist': 'database.include.list',
  'database.blacklist': 'database.exclude.list',
  'toasted.value.placeholder': 'unavailable.value.placeholder',
  'transaction.topic': 'topic.transaction',
});
