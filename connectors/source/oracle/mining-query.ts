import { MINING_COLUMNS, OperationCode } from './logminer-row.js';
import { quoteLiteral, SYSTEM_SCHEMAS } from './oracle-identifiers.js';

export interface MiningFilter {
  /** schema.include.list / schema.exclude.list patterns (regular expressions, case-insensitive) */
  readonly schemaInclude: readonly string[];
  readonly schemaExclude: readonly string[];
  /** the PDB whose changes to mine (SRC_CON_NAME), when the database is a CDB */
  readonly pdbName: string | null;
}

/**
 * The query over V$LOGMNR_CONTENTS for one window (binds: the window's lower SCN, exclusive,
 * and upper SCN, inclusive): every transaction boundary (START, COMMIT, ROLLBACK) and the DML,
 * DDL and unsupported rows of the schemas captured, pushed into the query as Debezium does
 * (REGEXP_LIKE) so the rows of other schemas never leave the database. Table filters and
 * column filters apply in the connector.
 */
export function miningQuery(filter: MiningFilter): string {
  const boundaries = [OperationCode.START, OperationCode.COMMIT, OperationCode.ROLLBACK].join(',');
  const changes = [OperationCode.INSERT, OperationCode.DELETE, OperationCode.UPDATE, OperationCode.DDL, OperationCode.UNSUPPORTED].join(',');
  const owner = [`SEG_OWNER NOT IN (${[...SYSTEM_SCHEMAS].map(quoteLiteral).join(',')})`];
  if (filter.schemaInclude.length > 0) owner.push(`(${filter.schemaInclude.map((p) => `REGEXP_LIKE(SEG_OWNER, ${quoteLiteral(`^(${p})$`)}, 'i')`).join(' OR ')})`);
  for (const p of filter.schemaExclude) owner.push(`NOT REGEXP_LIKE(SEG_OWNER, ${quoteLiteral(`^(${p})$`)}, 'i')`);
  const pdb = filter.pdbName ? ` AND SRC_CON_NAME = ${quoteLiteral(filter.pdbName.toUpperCase())}` : '';
  return `SELECT ${MINING_COLUMNS.join(', ')} FROM V$LOGMNR_CONTENTS WHERE SCN > :1 AND SCN <= :2${pdb} AND (OPERATION_CODE IN (${boundaries}) OR (OPERATION_CODE IN (${changes}) AND ${owner.join(' AND ')}))`;
}
