/* sdc_table.c: the table model of sdc.h (codes, hierarchies by prefix, cells, additivity
 * constraints) and the primary rules. */
#include "sdc.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* uthash exits with status 255 and no message when a bucket array cannot be had: die
 * like the rest of koppel instead (status 3, "out of memory"; message.h comes below). */
#define uthash_fatal(msg) message_die_nomem()
#include <uthash.h>

#include "message.h"

struct sdc_code_entry {
    const char *code; /* points into dim->codes */
    size_t position;
    UT_hash_handle hh;
};

/* ---------------------------------------------------------------- dimensions */

sdc_table *sdc_table_create(size_t dim_count, char *const *names, const sdc_dimension_kind *kinds,
                            const char *total_label)
{
    sdc_table *table = xcalloc(1, sizeof *table);
    table->dim_count = dim_count;
    table->dims = xcalloc(dim_count, sizeof(sdc_dimension));
    table->total_label = xstrdup(total_label);
    table->count_measures = 1;
    for (size_t d = 0; d < dim_count; d++) {
        table->dims[d].name = xstrdup(names[d]);
        table->dims[d].kind = kinds[d];
    }
    return table;
}

size_t sdc_dimension_intern(sdc_dimension *dim, const char *code, size_t length)
{
    sdc_code_entry *entry;
    HASH_FIND(hh, dim->index, code, length, entry);
    if (entry)
        return entry->position;
    if (dim->code_count == dim->code_capacity) {
        dim->code_capacity = dim->code_capacity ? 2 * dim->code_capacity : 16;
        dim->codes = xrealloc(dim->codes, dim->code_capacity * sizeof(char *));
    }
    entry = xmalloc(sizeof *entry);
    dim->codes[dim->code_count] = xstrndup(code, length);
    entry->code = dim->codes[dim->code_count];
    entry->position = dim->code_count++;
    HASH_ADD_KEYPTR(hh, dim->index, entry->code, length, entry);
    return entry->position;
}

long sdc_dimension_find(const sdc_dimension *dim, const char *code)
{
    sdc_code_entry *entry;
    HASH_FIND(hh, dim->index, code, strlen(code), entry);
    return entry ? (long)entry->position : -1;
}

static char *format_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format_error(const char *fmt, ...)
{
    char text[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    return xstrdup(text);
}

/* The code without its leading letters: "WK036300" -> "036300". */
static const char *strip_letters(const char *code)
{
    while (isalpha((unsigned char)*code))
        code++;
    return code;
}

/* Parents in a hierarchical dimension: the longest other code whose stripped form is a
 * proper prefix of this code's stripped form; none: a child of the total. */
static bool hierarchy_parents(sdc_dimension *dim, char **error_text)
{
    sdc_code_entry *stripped = NULL; /* stripped text -> code */
    bool ok = true;
    for (size_t c = 0; c < dim->code_count && ok; c++) {
        if (c == dim->total)
            continue;
        const char *key = strip_letters(dim->codes[c]);
        size_t length = strlen(key);
        if (length == 0)
            continue; /* no digits: a top-level code that nothing nests in */
        sdc_code_entry *entry;
        HASH_FIND(hh, stripped, key, length, entry);
        if (entry) {
            *error_text = format_error("column '%s': codes '%s' and '%s' are the same without their "
                                       "letters, so the hierarchy is ambiguous",
                                       dim->name, dim->codes[entry->position], dim->codes[c]);
            ok = false;
            break;
        }
        entry = xmalloc(sizeof *entry);
        entry->code = key;
        entry->position = c;
        HASH_ADD_KEYPTR(hh, stripped, key, length, entry);
    }
    for (size_t c = 0; c < dim->code_count && ok; c++) {
        if (c == dim->total)
            continue;
        const char *key = strip_letters(dim->codes[c]);
        dim->parent[c] = (long)dim->total;
        for (size_t length = strlen(key); length-- > 1;) {
            sdc_code_entry *entry;
            HASH_FIND(hh, stripped, key, length, entry);
            if (entry) {
                dim->parent[c] = (long)entry->position;
                break;
            }
        }
    }
    sdc_code_entry *entry, *next;
    HASH_ITER(hh, stripped, entry, next) {
        HASH_DEL(stripped, entry);
        free(entry);
    }
    return ok;
}

static void children_from_parents(sdc_dimension *dim)
{
    size_t n = dim->code_count;
    dim->child_start = xcalloc(n + 1, sizeof(size_t));
    dim->children = xmalloc((n ? n : 1) * sizeof(size_t));
    for (size_t c = 0; c < n; c++)
        if (dim->parent[c] >= 0)
            dim->child_start[dim->parent[c] + 1]++;
    for (size_t c = 0; c < n; c++)
        dim->child_start[c + 1] += dim->child_start[c];
    size_t *fill = xmalloc((n ? n : 1) * sizeof(size_t));
    memcpy(fill, dim->child_start, n * sizeof(size_t));
    for (size_t c = 0; c < n; c++)
        if (dim->parent[c] >= 0)
            dim->children[fill[dim->parent[c]]++] = c;
    free(fill);
}

static bool build_dimension(sdc_dimension *dim, const char *total_label, char **error_text)
{
    dim->parent = xmalloc((dim->code_count ? dim->code_count : 1) * sizeof(long));
    for (size_t c = 0; c < dim->code_count; c++)
        dim->parent[c] = -1;
    if (dim->kind != SDC_DIMENSION_BY) {
        long total = sdc_dimension_find(dim, total_label);
        if (total < 0) {
            *error_text = format_error("column '%s' has no total ('%s'): every dimension needs its "
                                       "margin (or name the column in --by)", dim->name, total_label);
            return false;
        }
        dim->total = (size_t)total;
        if (dim->kind == SDC_DIMENSION_HIERARCHICAL) {
            if (!hierarchy_parents(dim, error_text))
                return false;
        } else {
            for (size_t c = 0; c < dim->code_count; c++)
                if (c != dim->total)
                    dim->parent[c] = (long)dim->total;
        }
    }
    children_from_parents(dim);
    return true;
}

bool sdc_table_build(sdc_table *table, size_t measure_count, char **error_text)
{
    *error_text = NULL;
    table->stride = xmalloc((table->dim_count + 1) * sizeof(size_t));
    size_t cells = 1;
    for (size_t d = table->dim_count; d-- > 0;) {
        sdc_dimension *dim = &table->dims[d];
        if (!build_dimension(dim, table->total_label, error_text))
            return false;
        table->stride[d] = cells;
        if (dim->code_count == 0 || cells > ((size_t)1 << 40) / dim->code_count) {
            *error_text = format_error("the table has too many cells (the product of the numbers "
                                       "of codes of its dimensions is above 2^40)");
            return false;
        }
        cells *= dim->code_count;
    }
    table->cell_count = cells;
    table->measure_count = measure_count;
    for (size_t m = 0; m < measure_count; m++) {
        table->measure[m] = xmalloc(cells * sizeof(double));
        for (size_t c = 0; c < cells; c++)
            table->measure[m][c] = NAN;
    }
    table->record = xmalloc(cells * sizeof(long));
    for (size_t c = 0; c < cells; c++)
        table->record[c] = -1;
    return true;
}

size_t sdc_table_cell(const sdc_table *table, const size_t *codes)
{
    size_t cell = 0;
    for (size_t d = 0; d < table->dim_count; d++)
        cell += codes[d] * table->stride[d];
    if (table->cell_of_dense)
        return table->cell_of_dense[cell] < 0 ? SDC_NO_CELL : (size_t)table->cell_of_dense[cell];
    return cell;
}

size_t sdc_table_code(const sdc_table *table, size_t cell, size_t d)
{
    size_t dense = table->dense_of ? table->dense_of[cell] : cell;
    return dense / table->stride[d] % table->dims[d].code_count;
}

size_t sdc_table_other_cell(const sdc_table *table, size_t cell, size_t d, size_t code)
{
    size_t dense = table->dense_of ? table->dense_of[cell] : cell;
    size_t own = dense / table->stride[d] % table->dims[d].code_count;
    dense = dense - own * table->stride[d] + code * table->stride[d];
    if (table->cell_of_dense)
        return table->cell_of_dense[dense] < 0 ? SDC_NO_CELL : (size_t)table->cell_of_dense[dense];
    return dense;
}

/* ---------------------------------------------------------------- linked tables */

/* The dimensions (not --by) in which the combination DENSE has a code other than the total,
 * as a bit set: the table it belongs to. */
static uint64_t breakdown_of(const sdc_table *table, size_t dense)
{
    uint64_t set = 0;
    for (size_t d = 0; d < table->dim_count; d++) {
        const sdc_dimension *dim = &table->dims[d];
        if (dim->kind != SDC_DIMENSION_BY && dense / table->stride[d] % dim->code_count != dim->total)
            set |= (uint64_t)1 << d;
    }
    return set;
}

void sdc_table_keep_grids(sdc_table *table, const size_t *record_codes, size_t record_count)
{
    /* The tables: the distinct breakdowns of the records (few: one per stacked table). */
    size_t table_count = 0;
    uint64_t *tables = xmalloc((record_count ? record_count : 1) * sizeof(uint64_t));
    for (size_t i = 0; i < record_count; i++) {
        uint64_t set = breakdown_of(table, sdc_table_cell(table, record_codes + i * table->dim_count));
        size_t t = 0;
        while (t < table_count && tables[t] != set)
            t++;
        if (t == table_count)
            tables[table_count++] = set;
    }
    size_t dense = table->cell_count;
    table->dense_count = dense;
    table->cell_of_dense = xmalloc((dense ? dense : 1) * sizeof(long));
    size_t kept = 0;
    for (size_t c = 0; c < dense; c++) {
        uint64_t set = breakdown_of(table, c);
        bool inside = false;
        for (size_t t = 0; t < table_count && !inside; t++)
            inside = (set & ~tables[t]) == 0;
        table->cell_of_dense[c] = inside ? (long)kept++ : -1;
    }
    free(tables);
    table->dense_of = xmalloc((kept ? kept : 1) * sizeof(size_t));
    for (size_t c = 0; c < dense; c++)
        if (table->cell_of_dense[c] >= 0)
            table->dense_of[table->cell_of_dense[c]] = c;
    table->cell_count = kept;
    /* No cell has a value yet: the per-cell arrays just shrink. */
    for (size_t m = 0; m < table->measure_count; m++)
        table->measure[m] = xrealloc(table->measure[m], (kept ? kept : 1) * sizeof(double));
    table->record = xrealloc(table->record, (kept ? kept : 1) * sizeof(long));
}

char *sdc_table_describe(const sdc_table *table, size_t cell)
{
    size_t length = 1;
    for (size_t d = 0; d < table->dim_count; d++)
        length += strlen(table->dims[d].name) + strlen(table->dims[d].codes[sdc_table_code(table, cell, d)]) + 2;
    char *text = xmalloc(length);
    char *p = text;
    for (size_t d = 0; d < table->dim_count; d++)
        p += sprintf(p, "%s%s=%s", d ? "," : "", table->dims[d].name,
                     table->dims[d].codes[sdc_table_code(table, cell, d)]);
    return text;
}

/* ---------------------------------------------------------------- constraints */

/* The parts of the constraint of CELL along dimension D into PARTS (the cells of CODE's
 * children); 0 when CELL's code has no children, or when linked tables lack a part. */
static size_t constraint_parts(const sdc_table *table, size_t cell, size_t d, size_t *parts)
{
    const sdc_dimension *dim = &table->dims[d];
    size_t dense = table->dense_of ? table->dense_of[cell] : cell;
    size_t code = dense / table->stride[d] % dim->code_count;
    size_t first = dim->child_start[code], last = dim->child_start[code + 1];
    size_t base = dense - code * table->stride[d];
    for (size_t i = first; i < last; i++) {
        size_t part = base + dim->children[i] * table->stride[d];
        if (table->cell_of_dense) {
            if (table->cell_of_dense[part] < 0)
                return 0;
            part = (size_t)table->cell_of_dense[part];
        }
        parts[i - first] = part;
    }
    return last - first;
}

void sdc_table_constraints(sdc_table *table)
{
    /* First count, then fill: constraint k along dimension d for every cell whose code in d
     * has children (linked tables: all of them cells). */
    size_t count = 0, entries = 0, widest = 1;
    for (size_t d = 0; d < table->dim_count; d++) {
        const sdc_dimension *dim = &table->dims[d];
        if (dim->kind == SDC_DIMENSION_BY)
            continue;
        for (size_t c = 0; c < dim->code_count; c++) {
            size_t children = dim->child_start[c + 1] - dim->child_start[c];
            widest = children > widest ? children : widest;
        }
    }
    size_t *parts = xmalloc(widest * sizeof(size_t));
    for (size_t d = 0; d < table->dim_count; d++) {
        const sdc_dimension *dim = &table->dims[d];
        if (dim->kind == SDC_DIMENSION_BY)
            continue;
        if (!table->dense_of) {
            size_t others = table->cell_count / dim->code_count;
            for (size_t c = 0; c < dim->code_count; c++) {
                size_t children = dim->child_start[c + 1] - dim->child_start[c];
                if (children) {
                    count += others;
                    entries += others * (children + 1);
                }
            }
            continue;
        }
        for (size_t cell = 0; cell < table->cell_count; cell++) {
            size_t n = constraint_parts(table, cell, d, parts);
            if (n) {
                count++;
                entries += n + 1;
            }
        }
    }
    table->constraint_count = count;
    table->constraint_start = xmalloc((count + 1) * sizeof(size_t));
    table->constraint_cell = xmalloc((entries ? entries : 1) * sizeof(size_t));
    table->constraint_dim = xmalloc((count ? count : 1) * sizeof(size_t));
    size_t k = 0, e = 0;
    for (size_t d = 0; d < table->dim_count; d++) {
        if (table->dims[d].kind == SDC_DIMENSION_BY)
            continue;
        for (size_t cell = 0; cell < table->cell_count; cell++) {
            size_t n = constraint_parts(table, cell, d, parts);
            if (n == 0)
                continue;
            table->constraint_start[k] = e;
            table->constraint_dim[k] = d;
            table->constraint_cell[e++] = cell;
            for (size_t i = 0; i < n; i++)
                table->constraint_cell[e++] = parts[i];
            k++;
        }
    }
    table->constraint_start[k] = e;
    free(parts);

    table->incidence_start = xcalloc(table->cell_count + 1, sizeof(size_t));
    for (size_t i = 0; i < e; i++)
        table->incidence_start[table->constraint_cell[i] + 1]++;
    for (size_t c = 0; c < table->cell_count; c++)
        table->incidence_start[c + 1] += table->incidence_start[c];
    table->incidence = xmalloc((e ? e : 1) * sizeof(size_t));
    size_t *fill = xmalloc((table->cell_count + 1) * sizeof(size_t));
    memcpy(fill, table->incidence_start, table->cell_count * sizeof(size_t));
    for (size_t kk = 0; kk < count; kk++)
        for (size_t i = table->constraint_start[kk]; i < table->constraint_start[kk + 1]; i++)
            table->incidence[fill[table->constraint_cell[i]]++] = kk;
    free(fill);
}

bool sdc_constraint_additive(const sdc_table *table, size_t k, size_t m, double *sum)
{
    const double *v = table->measure[m];
    size_t first = table->constraint_start[k], last = table->constraint_start[k + 1];
    long double total = 0, magnitude = 0;
    for (size_t i = first + 1; i < last; i++) {
        total += v[table->constraint_cell[i]];
        magnitude += fabs(v[table->constraint_cell[i]]);
    }
    *sum = (double)total;
    double margin = v[table->constraint_cell[first]];
    if (m < table->count_measures)
        return (long double)margin == total;
    long double scale = fabsl(magnitude) > fabs(margin) ? magnitude : fabs(margin);
    return fabsl(total - margin) <= 1e-9L * (scale > 1 ? scale : 1);
}

void sdc_table_free(sdc_table *table)
{
    if (!table)
        return;
    for (size_t d = 0; d < table->dim_count; d++) {
        sdc_dimension *dim = &table->dims[d];
        sdc_code_entry *entry, *next;
        HASH_ITER(hh, dim->index, entry, next) {
            HASH_DEL(dim->index, entry);
            free(entry);
        }
        for (size_t c = 0; c < dim->code_count; c++)
            free(dim->codes[c]);
        free(dim->codes);
        free(dim->name);
        free(dim->parent);
        free(dim->child_start);
        free(dim->children);
    }
    free(table->dims);
    free(table->total_label);
    free(table->stride);
    for (size_t m = 0; m < SDC_MAX_MEASURES; m++)
        free(table->measure[m]);
    free(table->record);
    free(table->constraint_start);
    free(table->constraint_cell);
    free(table->constraint_dim);
    free(table->incidence_start);
    free(table->incidence);
    free(table->dense_of);
    free(table->cell_of_dense);
    free(table);
}

/* ---------------------------------------------------------------- primary rules */

bool sdc_rule_threshold(double count, double threshold, bool zeros_unsafe)
{
    if (count == 0)
        return zeros_unsafe;
    return count < threshold;
}

bool sdc_rule_dominance(double total, const double *top, size_t n, double k)
{
    if (total <= 0)
        return false;
    double largest = 0;
    for (size_t i = 0; i < n; i++)
        largest += top[i];
    return largest > k / 100.0 * total;
}

bool sdc_rule_p_percent(double total, double x1, double x2, double p)
{
    if (total <= 0)
        return false;
    return total - x1 - x2 < p / 100.0 * x1;
}
