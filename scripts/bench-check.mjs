// bench-check.mjs: checks of scripts/bench that koppel and a peer gave the same result.
//   node bench-check.mjs rows A B            the same records (columns matched by name, any
//                                            row order, any column order)
//   node bench-check.mjs table A B KEY,...   the same table: rows matched on the KEY columns,
//                                            text equal, numbers equal to 1e-9 (relative)
//   node bench-check.mjs cells A B KEY,...   as table, on the columns of B only (A may have
//                                            more: koppel's rates beside the peer's counts)
//   node bench-check.mjs sums A B COL,...    the same sum of each COL (0/1 flags: counts)
// Prints one line saying what agreed (or the first differences) and exits 1 on a difference.
import { readFileSync } from 'node:fs';

// RFC 4180 CSV: quoted fields with "" inside, CRLF or LF line ends.
function parseCsv(path) {
    const text = readFileSync(path, 'utf8');
    const rows = [];
    let row = [], field = '', i = 0, quoted = false;
    while (i < text.length) {
        const ch = text[i];
        if (quoted) {
            if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
            if (ch === '"') { quoted = false; i++; continue; }
            field += ch; i++; continue;
        }
        if (ch === '"' && field === '') { quoted = true; i++; continue; }
        if (ch === ',') { row.push(field); field = ''; i++; continue; }
        if (ch === '\r' && text[i + 1] === '\n') { i++; continue; }
        if (ch === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
        field += ch; i++;
    }
    if (field !== '' || row.length) { row.push(field); rows.push(row); }
    const [header, ...records] = rows;
    return { header, records };
}

function fail(message) {
    console.log(`DIFFERENT: ${message}`);
    process.exit(1);
}

// A's records with only the columns of B, in B's order (for cells: B's columns must be in A).
function keepColumnsOf(a, b) {
    const missing = b.header.filter((c) => !a.header.includes(c));
    if (missing.length) fail(`columns only in the second: ${missing.join(' ')}`);
    const order = b.header.map((c) => a.header.indexOf(c));
    return { header: b.header, records: a.records.map((r) => order.map((j) => r[j] ?? '')) };
}

// B's records with their columns in A's order (the same set of columns is required).
function alignColumns(a, b) {
    const missing = a.header.filter((c) => !b.header.includes(c));
    const extra = b.header.filter((c) => !a.header.includes(c));
    if (missing.length || extra.length)
        fail(`columns differ (only in the first: ${missing.join(' ') || '-'}; only in the second: ${extra.join(' ') || '-'})`);
    const order = a.header.map((c) => b.header.indexOf(c));
    return b.records.map((r) => order.map((j) => r[j] ?? ''));
}

const [modeName, pathA, pathB, columnList] = process.argv.slice(2);
let a = parseCsv(pathA);
const b = parseCsv(pathB);
let mode = modeName;
if (mode === 'cells') { a = keepColumnsOf(a, b); mode = 'table'; }

if (mode === 'rows') {
    const bRecords = alignColumns(a, b);
    if (a.records.length !== bRecords.length) fail(`${a.records.length} records against ${bRecords.length}`);
    const keyA = a.records.map((r) => r.join('\u0001')).sort();
    const keyB = bRecords.map((r) => r.join('\u0001')).sort();
    for (let i = 0; i < keyA.length; i++)
        if (keyA[i] !== keyB[i]) fail(`record ${i + 1} in sorted order differs`);
    console.log(`same: ${a.records.length} records, ${a.header.length} columns`);
} else if (mode === 'table') {
    const keys = columnList.split(',');
    const bRecords = alignColumns(a, b);
    const keyIndex = keys.map((k) => a.header.indexOf(k));
    const keyOf = (r) => keyIndex.map((i) => r[i]).join('\u0001');
    const bByKey = new Map(bRecords.map((r) => [keyOf(r), r]));
    if (a.records.length !== bRecords.length || bByKey.size !== bRecords.length)
        fail(`${a.records.length} rows against ${bRecords.length}`);
    let worst = 0, numbers = 0;
    const problems = [];
    for (const r of a.records) {
        const other = bByKey.get(keyOf(r));
        if (!other) { problems.push(`row ${keyOf(r).replaceAll('\u0001', ',')} missing`); continue; }
        for (let i = 0; i < r.length; i++) {
            const x = r[i], y = other[i];
            const isNumber = (s) => s !== '' && Number.isFinite(Number(s));
            if (isNumber(x) && isNumber(y)) {
                numbers++;
                const scale = Math.max(Math.abs(Number(x)), Math.abs(Number(y)));
                const relative = scale === 0 ? 0 : Math.abs(Number(x) - Number(y)) / scale;
                worst = Math.max(worst, relative);
                if (relative > 1e-9) problems.push(`${a.header[i]} of ${keyOf(r).replaceAll('\u0001', ',')}: ${x} against ${y}`);
            } else if (x !== y) {
                problems.push(`${a.header[i]} of ${keyOf(r).replaceAll('\u0001', ',')}: '${x}' against '${y}'`);
            }
        }
    }
    if (problems.length) fail(problems.slice(0, 5).join('; '));
    console.log(`same: ${a.records.length} rows, ${numbers} numbers (largest relative difference ${worst.toExponential(1)})`);
} else if (mode === 'sums') {
    const sums = (t, name) => {
        const i = t.header.indexOf(name);
        if (i < 0) fail(`no column ${name}`);
        return t.records.reduce((s, r) => s + Number(r[i]), 0);
    };
    const parts = columnList.split(',').map((c) => [c, sums(a, c), sums(b, c)]);
    const differ = parts.filter(([, x, y]) => x !== y);
    if (a.records.length !== b.records.length) fail(`${a.records.length} records against ${b.records.length}`);
    if (differ.length) fail(differ.map(([c, x, y]) => `${c} ${x} against ${y}`).join(', '));
    console.log(`same: ${a.records.length} records; ${parts.map(([c, x]) => `${c} ${x}`).join(', ')}`);
} else {
    console.error('usage: node bench-check.mjs rows|table|cells|sums A B [COLUMNS]');
    process.exit(2);
}
