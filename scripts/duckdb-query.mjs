// duckdb-query.mjs: run one SQL statement with DuckDB (npm @duckdb/node-api), the benchmark peer
// of scripts/bench. Usage: node scripts/duckdb-query.mjs "SQL"
import { DuckDBInstance } from '@duckdb/node-api';

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
await connection.run(process.argv[2]);
