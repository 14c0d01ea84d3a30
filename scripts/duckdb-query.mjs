// duckdb-query.mjs: run SQL with DuckDB (npm @duckdb/node-api), the benchmark peer of
// scripts/bench. The SQL may hold several statements; a COPY ... TO '/dev/stdout' writes the result.
// Usage: node duckdb-query.mjs "SQL"
//        node duckdb-query.mjs -f FILE.sql [-f FILE.sql...] [NAME=VALUE...]
//            the files run one after the other in one connection (a later one reads the tables
//            of those before it); {{NAME}} in them becomes VALUE
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const args = process.argv.slice(2);
let sql;
if (args[0] === '-f') {
    const files = [];
    let i = 0;
    for (; i < args.length && args[i] === '-f' && i + 1 < args.length; i += 2) files.push(args[i + 1]);
    sql = files.map((file) => readFileSync(file, 'utf8')).join('\n');
    for (const assignment of args.slice(i)) {
        const equals = assignment.indexOf('=');
        if (equals < 1) {
            process.stderr.write(`duckdb-query: '${assignment}' is not NAME=VALUE\n`);
            process.exit(2);
        }
        sql = sql.replaceAll(`{{${assignment.slice(0, equals)}}}`, assignment.slice(equals + 1));
    }
    const left = sql.match(/\{\{[A-Za-z_]+\}\}/);
    if (left) {
        process.stderr.write(`duckdb-query: ${left[0]} in ${files.join(' ')} has no value\n`);
        process.exit(2);
    }
} else if (args.length === 1) {
    sql = args[0];
} else {
    process.stderr.write('usage: node duckdb-query.mjs "SQL" | -f FILE.sql [-f FILE.sql...] [NAME=VALUE...]\n');
    process.exit(2);
}
// Spill files (when a query needs more than memory) beside this script, not in the working directory.
const instance = await DuckDBInstance.create(':memory:', {
    temp_directory: new URL('duckdb-tmp', import.meta.url).pathname,
});
const connection = await instance.connect();
await connection.run(sql);
