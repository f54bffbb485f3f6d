import type { TableShape } from '../oceanbase-table.js';
import { col } from './fake-setup.js';

/** the table the golden install scripts are generated for: one column of each text form */
export const goldenShape: TableShape = {
  owner: 'INVENTORY', name: 'ORDERS', key: ['ID'],
  columns: [
    col('ID', 'NUMBER', 10, 0, false), col('NAME', 'VARCHAR2'), col('QTY', 'NUMBER', 10, 2), col('UPDATED_AT', 'TIMESTAMP(6) WITH TIME ZONE'),
    col('SEEN_AT', 'TIMESTAMP(3) WITH LOCAL TIME ZONE'), col('PAYLOAD', 'RAW'), col('DUE', 'DATE'), col('RATIO', 'BINARY_DOUBLE'),
  ],
};
