import { runFilesBench } from './files-bench.js';

/** 2 M datagen rows through the files sink to csv on local disk, against DuckDB: see files-bench.ts. */
await runFilesBench('csv');
