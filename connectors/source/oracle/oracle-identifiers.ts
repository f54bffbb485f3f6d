/** Oracle's own schemas: never captured, whatever the include lists say (as Debezium's list). */
export const SYSTEM_SCHEMAS: ReadonlySet<string> = new Set([
  'SYS', 'SYSTEM', 'OUTLN', 'DBSNMP', 'APPQOSSYS', 'AUDSYS', 'CTXSYS', 'DVSYS', 'DVF', 'GSMADMIN_INTERNAL', 'GSMCATUSER', 'GSMUSER',
  'LBACSYS', 'MDSYS', 'OJVMSYS', 'OLAPSYS', 'ORDDATA', 'ORDSYS', 'ORDPLUGINS', 'SI_INFORMTN_SCHEMA', 'WMSYS', 'XDB', 'ANONYMOUS',
  'DIP', 'REMOTE_SCHEDULER_AGENT', 'SYSBACKUP', 'SYSDG', 'SYSKM', 'SYSRAC', 'SYS$UMF', 'XS$NULL', 'DGPDB_INT', 'MDDATA', 'GGSYS', 'ORACLE_OCM',
]);

/** A double-quoted identifier (names are stored as written: upper case unless created quoted). */
export function quoteIdentifier(name: string): string {
  if (name.includes('"')) throw new RangeError(`identifier ${name} contains a double quote`);
  return `"${name}"`;
}

/** A string literal for the few places a bind cannot go (IN lists of the mining query). */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
