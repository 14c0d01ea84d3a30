// bench-t2-duckdb.mjs: the study's table T2 (GP contacts per person, Wmo users vs others, by age
// group, directly standardised for sex and SES with the linked population as the standard) with
// DuckDB, the peer of koppel's pipeline in scripts/bench. DuckDB does the heavy part (cleaning,
// linkage, aggregation: scripts/bench-t2.sql); the few dozen strata are standardised here as
// `koppel standardise --method direct --standard internal --measure mean` does (docs/METHODS.md:
// means of per-person counts, variances from the counts' sum of squares, normal limits).
// Writes work/t2-cells.csv's table as CSV to standard output.
// Usage: node bench-t2-duckdb.mjs SQL_FILE PSEUDO_DIR YEAR
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const [sqlFile, pseudoDir, year] = process.argv.slice(2);
if (!sqlFile || !pseudoDir || !/^[0-9]{4}$/.test(year ?? '')) {
    process.stderr.write('usage: node bench-t2-duckdb.mjs SQL_FILE PSEUDO_DIR YEAR\n');
    process.exit(2);
}

// ------------------------------------------------------------------ DuckDB: cleaning to strata
const sql = readFileSync(sqlFile, 'utf8').replaceAll('{{pseudo}}', pseudoDir).replaceAll('{{year}}', year);
// Spill files (when a query needs more than memory) beside this script, not in the working directory.
const instance = await DuckDBInstance.create(':memory:', {
    temp_directory: new URL('duckdb-tmp', import.meta.url).pathname,
});
const connection = await instance.connect();
await connection.run(sql);
const text = (value) => (value === null || value === undefined ? '' : String(value));
const strata = (await connection.runAndReadAll('SELECT * FROM strata')).getRowObjects().map((r) => ({
    age_group: text(r.age_group), wmo_user: text(r.wmo_user), sex: text(r.sex),
    ses_group: text(r.ses_group), count: Number(r.count), events: Number(r.sum_gp_contacts),
    squares: Number(r.sumsq_gp_contacts),
}));
const cells = (await connection.runAndReadAll('SELECT * FROM cells')).getRowObjects().map((r) => ({
    age_group: Number(r.age_group_total) ? 'Total' : text(r.age_group),
    wmo_user: Number(r.wmo_user_total) ? 'Total' : text(r.wmo_user),
    persons: Number(r.persons),
}));

// koppel aggregate's order: by the bytes of the values, column by column (empty first).
const byteOrder = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const rowOrder = (columns, total) => (a, b) => {
    for (const c of columns) {
        if (a[c] === b[c]) continue;
        if (total && a[c] === total) return 1; // a total row follows the rows it sums
        if (total && b[c] === total) return -1;
        return byteOrder(a[c], b[c]);
    }
    return 0;
};
strata.sort(rowOrder(['age_group', 'wmo_user', 'sex', 'ses_group']));
cells.sort(rowOrder(['age_group', 'wmo_user'], 'Total'));

// ------------------------------------------------------------------ means (docs/METHODS.md)
const Z = 1.959963984540054; // standard normal quantile at 0.975

const UNDEFINED = { estimate: NaN, variance: NaN, lower: NaN, upper: NaN };

// The sample variance of n counts with SUM and sum of SQUARES (none below 2 persons; never < 0).
function sampleVariance(n, sum, squares) {
    if (!(n >= 2)) return NaN;
    const variance = (squares - (sum * sum) / n) / (n - 1);
    return variance > 0 ? variance : 0;
}

function normal(estimate, variance) {
    const half = Z * Math.sqrt(variance);
    return { estimate, variance, lower: estimate - half, upper: estimate + half };
}

function crudeMean(n, sum, squares) { // multiplier 1
    if (!(n > 0)) return UNDEFINED;
    return normal(sum / n, sampleVariance(n, sum, squares) / n);
}

// ------------------------------------------------------------------ standardise
// Groups (age_group, wmo_user) and strata (sex, ses_group) in the order they first appear; the
// internal standard's weight of a stratum is its population over all groups.
const groups = new Map(), strataOrder = new Map();
for (const row of strata) {
    const groupKey = `${row.age_group}\u0000${row.wmo_user}`;
    const stratumKey = `${row.sex}\u0000${row.ses_group}`;
    if (!groups.has(groupKey))
        groups.set(groupKey, { age_group: row.age_group, wmo_user: row.wmo_user, cells: new Map(), notes: [] });
    if (!strataOrder.has(stratumKey)) strataOrder.set(stratumKey, { sex: row.sex, ses_group: row.ses_group, weight: 0 });
    groups.get(groupKey).cells.set(stratumKey, row);
    strataOrder.get(stratumKey).weight += row.count;
}

// "no persons in stratum sex=..., ses_group=... with positive weight: ..." as koppel notes it.
function noteStrata(g, what, first, count, consequence) {
    const label = `sex=${first.sex}, ses_group=${first.ses_group}`;
    g.notes.push(count === 1
        ? `${what} in stratum ${label} with positive weight: ${consequence}`
        : `${what} in stratum ${label} and ${count - 1} more strata with positive weight: ${consequence}`);
}

for (const g of groups.values()) {
    g.observed = 0; g.population = 0; g.squares = 0;
    for (const c of g.cells.values()) { g.observed += c.events; g.population += c.count; g.squares += c.squares; }
    g.crude = crudeMean(g.population, g.observed, g.squares);
    if (!(g.population > 0)) g.notes.push('no persons: crude mean not defined');
    else if (g.population < 2) g.notes.push('1 person (no sample variance): crude limits not defined');
    // DSM = Σ w m_s / Σ w; var = Σ w² s_s²/n_s / (Σ w)²; a stratum of fewer than 2 persons with a
    // positive weight leaves it unreported.
    let weightSum = 0, weightedMeanSum = 0, varianceSum = 0;
    let empty = 0, single = 0, firstEmpty = null;
    for (const [key, s] of strataOrder) {
        if (s.weight === 0) continue;
        const c = g.cells.get(key);
        if (!c || c.count === 0) {
            if (empty++ === 0) firstEmpty = s;
        } else if (c.count < 2) {
            single++;
        } else {
            weightSum += s.weight;
            weightedMeanSum += s.weight * (c.events / c.count);
            varianceSum += s.weight * s.weight * sampleVariance(c.count, c.events, c.squares) / c.count;
        }
    }
    g.standardised = weightSum > 0
        ? normal(weightedMeanSum / weightSum, varianceSum / (weightSum * weightSum)) : UNDEFINED;
    if (empty) noteStrata(g, 'no persons', firstEmpty, empty, 'standardised mean not defined');
    // a stratum of one person is never named (it would be a count of 1 in a note): only how many
    if (single === 1) g.notes.push('a stratum with positive weight has fewer than 2 persons (no sample variance): standardised mean not reported');
    else if (single) g.notes.push(`${single} strata with positive weight have fewer than 2 persons (no sample variance): standardised mean not reported`);
    if (empty || single) g.standardised = UNDEFINED;
}

// --compare-to wmo_user=0: ratio and difference with the group of the same age without Wmo.
for (const g of groups.values()) {
    const reference = groups.get(`${g.age_group}\u00000`);
    const c = { ratio: NaN, ratio_lower: NaN, ratio_upper: NaN, difference: NaN,
        difference_lower: NaN, difference_upper: NaN, significant: '' };
    const mine = g.standardised, theirs = reference?.standardised;
    if (reference === g) {
        c.ratio = 1; c.difference = 0;
        g.notes.push('reference group of the comparison');
    } else if (!reference) {
        g.notes.push('no reference group with wmo_user=0: no comparison');
    } else if (Number.isNaN(mine.estimate) || Number.isNaN(theirs.estimate)) {
        g.notes.push(`${Number.isNaN(mine.estimate) ? 'no rate for this group' : 'no rate for the reference group'}: no comparison`);
    } else {
        const r1 = mine.estimate, r0 = theirs.estimate;
        c.difference = r1 - r0;
        const spread = Z * Math.sqrt(mine.variance + theirs.variance);
        c.difference_lower = c.difference - spread;
        c.difference_upper = c.difference + spread;
        if (r1 > 0 && r0 > 0) {
            const logRatio = Math.log(r1 / r0);
            const logSpread = Z * Math.sqrt(mine.variance / (r1 * r1) + theirs.variance / (r0 * r0));
            c.ratio = r1 / r0;
            c.ratio_lower = Math.exp(logRatio - logSpread);
            c.ratio_upper = Math.exp(logRatio + logSpread);
            c.significant = c.ratio_lower > 1 || c.ratio_upper < 1 ? '1' : '0';
        } else {
            g.notes.push('rate 0: no ratio');
        }
    }
    g.comparison = c;
}

// ------------------------------------------------------------------ work/t2-cells.csv
const number = (v) => (Number.isNaN(v) ? '' : String(Number(v.toPrecision(10))));
const csvField = (v) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const lines = ['age_group,wmo_user,persons,observed,crude_rate,crude_lower,crude_upper,std_rate,std_lower,'
    + 'std_upper,ratio,ratio_lower,ratio_upper,difference,difference_lower,difference_upper,significant,note'];
for (const cell of cells) {
    const g = groups.get(`${cell.age_group}\u0000${cell.wmo_user}`);
    const fields = [cell.age_group, cell.wmo_user, String(cell.persons)];
    if (g) {
        const c = g.comparison;
        fields.push(String(g.observed), number(g.crude.estimate), number(g.crude.lower), number(g.crude.upper),
            number(g.standardised.estimate), number(g.standardised.lower), number(g.standardised.upper),
            number(c.ratio), number(c.ratio_lower), number(c.ratio_upper), number(c.difference),
            number(c.difference_lower), number(c.difference_upper), c.significant, g.notes.join('; '));
    } else {
        fields.push(...Array(15).fill(''));
    }
    lines.push(fields.map(csvField).join(','));
}
process.stdout.write(lines.join('\n') + '\n');
