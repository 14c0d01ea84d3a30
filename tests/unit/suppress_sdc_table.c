/* suppress_sdc_table.c: the table model of filters/suppress/sdc.h (hierarchy by code prefix,
 * cell layout, constraints, additivity) and the primary rules, on cases worked by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdc.h"

static int failures;

#define CHECK(condition, ...)                                                                \
    do {                                                                                     \
        if (!(condition)) {                                                                  \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                  \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
            failures++;                                                                      \
        }                                                                                    \
    } while (0)

static size_t intern(sdc_dimension *dim, const char *code)
{
    return sdc_dimension_intern(dim, code, strlen(code));
}

static const char *parent_of(const sdc_dimension *dim, const char *code)
{
    long c = sdc_dimension_find(dim, code);
    if (c < 0 || dim->parent[c] < 0)
        return "(none)";
    return dim->codes[dim->parent[c]];
}

static void hierarchy(void)
{
    char *names[] = {"area"};
    sdc_dimension_kind kinds[] = {SDC_DIMENSION_HIERARCHICAL};
    sdc_table *table = sdc_table_create(1, names, kinds, "Total");
    const char *codes[] = {"BU03630101", "Total", "GM0363", "WK036301", "BU03630102", "WK036302",
                           "GM0384", "WK038401", "Onbekend"};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
        intern(&table->dims[0], codes[i]);
    CHECK(intern(&table->dims[0], "GM0363") == 2, "interning twice gives the first index");
    char *error_text = NULL;
    CHECK(sdc_table_build(table, 1, &error_text), "build: %s", error_text ? error_text : "");
    const sdc_dimension *dim = &table->dims[0];
    CHECK(strcmp(parent_of(dim, "BU03630101"), "WK036301") == 0, "buurt in wijk: %s", parent_of(dim, "BU03630101"));
    CHECK(strcmp(parent_of(dim, "WK036301"), "GM0363") == 0, "wijk in gemeente: %s", parent_of(dim, "WK036301"));
    CHECK(strcmp(parent_of(dim, "WK038401"), "GM0384") == 0, "wijk in gemeente: %s", parent_of(dim, "WK038401"));
    CHECK(strcmp(parent_of(dim, "GM0363"), "Total") == 0, "gemeente in the total");
    CHECK(strcmp(parent_of(dim, "Onbekend"), "Total") == 0, "a code without digits hangs from the total");
    CHECK(dim->parent[sdc_dimension_find(dim, "Total")] < 0, "the total is the root");
    long total = sdc_dimension_find(dim, "Total");
    CHECK(dim->child_start[total + 1] - dim->child_start[total] == 3, "three top-level codes");
    for (size_t c = 0; c < table->cell_count; c++) {
        table->measure[0][c] = 0;
        table->record[c] = (long)c;
    }
    sdc_table_constraints(table);
    /* Total, GM0363, WK036301, GM0384 have children: four constraints. */
    CHECK(table->constraint_count == 4, "constraints: %zu", table->constraint_count);
    sdc_table_free(table);

    /* The same digits under two letter prefixes make the tree ambiguous. */
    table = sdc_table_create(1, names, kinds, "Total");
    intern(&table->dims[0], "Total");
    intern(&table->dims[0], "GM0363");
    intern(&table->dims[0], "WK0363");
    error_text = NULL;
    CHECK(!sdc_table_build(table, 1, &error_text), "a clash must fail");
    CHECK(error_text && strstr(error_text, "ambiguous"), "message: %s", error_text ? error_text : "");
    free(error_text);
    sdc_table_free(table);

    /* No total in a dimension that needs one. */
    sdc_dimension_kind flat[] = {SDC_DIMENSION_FLAT};
    table = sdc_table_create(1, names, flat, "Totaal");
    intern(&table->dims[0], "Total");
    error_text = NULL;
    CHECK(!sdc_table_build(table, 1, &error_text), "a missing total must fail");
    CHECK(error_text && strstr(error_text, "has no total ('Totaal')"), "message: %s", error_text ? error_text : "");
    free(error_text);
    sdc_table_free(table);
}

static void two_dimensions(void)
{
    /* region (A, B, Total) x sex (M, F, Total), with a by-dimension year (2 codes). */
    char *names[] = {"year", "region", "sex"};
    sdc_dimension_kind kinds[] = {SDC_DIMENSION_BY, SDC_DIMENSION_FLAT, SDC_DIMENSION_FLAT};
    sdc_table *table = sdc_table_create(3, names, kinds, "Total");
    intern(&table->dims[0], "2022");
    intern(&table->dims[0], "2023");
    intern(&table->dims[1], "A");
    intern(&table->dims[1], "B");
    intern(&table->dims[1], "Total");
    intern(&table->dims[2], "M");
    intern(&table->dims[2], "F");
    intern(&table->dims[2], "Total");
    char *error_text = NULL;
    CHECK(sdc_table_build(table, 2, &error_text), "build");
    CHECK(table->cell_count == 18, "2 x 3 x 3 cells: %zu", table->cell_count);
    size_t codes[3] = {1, 0, 1};
    size_t cell = sdc_table_cell(table, codes);
    CHECK(sdc_table_code(table, cell, 0) == 1 && sdc_table_code(table, cell, 1) == 0 &&
          sdc_table_code(table, cell, 2) == 1, "cell index round trip");
    char *text = sdc_table_describe(table, cell);
    CHECK(strcmp(text, "year=2023,region=A,sex=F") == 0, "describe: %s", text);
    free(text);
    /* Values: A = (10, 5), B = (7, 2); the value measure is 1.5 times the count. */
    double inner[2][2] = {{10, 5}, {7, 2}};
    for (size_t y = 0; y < 2; y++)
        for (size_t r = 0; r < 3; r++)
            for (size_t s = 0; s < 3; s++) {
                double v = 0;
                for (size_t rr = 0; rr < 2; rr++)
                    for (size_t ss = 0; ss < 2; ss++)
                        if ((r == 2 || r == rr) && (s == 2 || s == ss))
                            v += inner[rr][ss];
                size_t k[3] = {y, r, s};
                size_t c = sdc_table_cell(table, k);
                table->measure[0][c] = v;
                table->measure[1][c] = 1.5 * v;
                table->record[c] = (long)c;
            }
    sdc_table_constraints(table);
    /* Per year: 3 constraints along region (one per sex code) and 3 along sex. */
    CHECK(table->constraint_count == 12, "constraints: %zu", table->constraint_count);
    double sum;
    for (size_t k = 0; k < table->constraint_count; k++) {
        CHECK(sdc_constraint_additive(table, k, 0, &sum), "constraint %zu additive in count", k);
        CHECK(sdc_constraint_additive(table, k, 1, &sum), "constraint %zu additive in value", k);
        CHECK(table->constraint_start[k + 1] - table->constraint_start[k] == 3, "total and two parts");
    }
    /* Every interior cell is in two constraints, every margin in two, the grand total too. */
    for (size_t c = 0; c < table->cell_count; c++)
        CHECK(table->incidence_start[c + 1] - table->incidence_start[c] == 2, "cell %zu in two constraints", c);
    /* Break one margin: exactly the two constraints it is in fail, by the amount. */
    size_t k[3] = {0, 0, 2}; /* 2022, A, Total = 15 */
    size_t margin = sdc_table_cell(table, k);
    table->measure[0][margin] = 16;
    size_t broken = 0;
    for (size_t kk = 0; kk < table->constraint_count; kk++)
        if (!sdc_constraint_additive(table, kk, 0, &sum))
            broken++;
    CHECK(broken == 2, "a wrong margin breaks two constraints, got %zu", broken);
    /* Magnitudes tolerate rounding in the last digits, not more. */
    table->measure[1][margin] = 22.5 * (1 + 1e-13);
    size_t value_broken = 0;
    for (size_t kk = 0; kk < table->constraint_count; kk++)
        value_broken += !sdc_constraint_additive(table, kk, 1, &sum);
    CHECK(value_broken == 0, "1e-13 relative is within tolerance");
    table->measure[1][margin] = 22.6;
    value_broken = 0;
    for (size_t kk = 0; kk < table->constraint_count; kk++)
        value_broken += !sdc_constraint_additive(table, kk, 1, &sum);
    CHECK(value_broken == 2, "0.1 off is not");
    sdc_table_free(table);
}

static void rules(void)
{
    /* Threshold 10: 9 unsafe, 10 safe; zeros by the flag; 0 switches the rule off. */
    CHECK(sdc_rule_threshold(9, 10, false), "9 < 10");
    CHECK(!sdc_rule_threshold(10, 10, false), "10 is not fewer than 10");
    CHECK(!sdc_rule_threshold(0, 10, false), "zeros safe");
    CHECK(sdc_rule_threshold(0, 10, true), "zeros unsafe");
    CHECK(!sdc_rule_threshold(3, 0, false), "threshold off");
    /* Dominance (2, 85): 900 + 50 > 850 unsafe; 800 + 50 = 850 not more than 85%. */
    double top[] = {900, 50};
    CHECK(sdc_rule_dominance(1000, top, 2, 85), "950 of 1000");
    double top2[] = {800, 50};
    CHECK(!sdc_rule_dominance(1000, top2, 2, 85), "850 of 1000 is not more than 85%%");
    double single[] = {7};
    CHECK(sdc_rule_dominance(7, single, 1, 85), "one contributor is 100%%");
    CHECK(!sdc_rule_dominance(0, single, 1, 85), "an empty cell has no contributors");
    /* p% with p = 10: 1000 - 900 - 50 = 50 < 90 unsafe; 1000 - 500 - 300 = 200 >= 50 safe;
     * the boundary 1000 - 800 - 120 = 80 = 10% of 800 is safe (strict <). */
    CHECK(sdc_rule_p_percent(1000, 900, 50, 10), "p%% unsafe");
    CHECK(!sdc_rule_p_percent(1000, 500, 300, 10), "p%% safe");
    CHECK(!sdc_rule_p_percent(1000, 800, 120, 10), "p%% boundary is safe");
}

/* Linked tables, worked by hand: a table by region (A, B, Total) and one by region x sex
 * (A-F, A-M, ...) and one by age (y, o): the stack's cells are 3 + 3x2 (region x sex grid,
 * which holds the region table) + 2 (age; its total is the overall total) = 11 of the 3x3x3
 * combinations; constraints: along region for sex F, M, Total (3), along sex for A, B, Total
 * (3), along age for the total (1): 7. A combination such as (A, F, y) is in no table. */
static void linked_grids(void)
{
    char *names[] = {"region", "sex", "age"};
    sdc_dimension_kind kinds[] = {SDC_DIMENSION_FLAT, SDC_DIMENSION_FLAT, SDC_DIMENSION_FLAT};
    sdc_table *table = sdc_table_create(3, names, kinds, "Total");
    const char *records[][3] = {{"A", "F", "Total"}, {"A", "M", "Total"}, {"A", "Total", "Total"},
                                {"B", "F", "Total"}, {"B", "M", "Total"}, {"B", "Total", "Total"},
                                {"Total", "F", "Total"}, {"Total", "M", "Total"}, {"Total", "Total", "Total"},
                                {"Total", "Total", "y"}, {"Total", "Total", "o"}};
    size_t n = sizeof records / sizeof *records;
    size_t *codes = malloc(n * 3 * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < 3; d++)
            codes[i * 3 + d] = intern(&table->dims[d], records[i][d]);
    char *error_text = NULL;
    CHECK(sdc_table_build(table, 1, &error_text), "build: %s", error_text ? error_text : "");
    CHECK(table->cell_count == 27, "27 combinations before: %zu", table->cell_count);
    sdc_table_keep_grids(table, codes, n);
    CHECK(table->cell_count == 11, "11 cells: %zu", table->cell_count);
    CHECK(table->dense_count == 27, "27 combinations: %zu", table->dense_count);
    for (size_t i = 0; i < n; i++) {
        size_t cell = sdc_table_cell(table, codes + i * 3);
        CHECK(cell < table->cell_count, "record %zu is a cell", i);
        for (size_t d = 0; d < 3; d++)
            CHECK(sdc_table_code(table, cell, d) == codes[i * 3 + d], "record %zu: code of dimension %zu", i, d);
        table->measure[0][cell] = 1;
        table->record[cell] = (long)i;
    }
    size_t absent[3] = {(size_t)sdc_dimension_find(&table->dims[0], "A"),
                        (size_t)sdc_dimension_find(&table->dims[1], "F"),
                        (size_t)sdc_dimension_find(&table->dims[2], "y")};
    CHECK(sdc_table_cell(table, absent) == SDC_NO_CELL, "(A, F, y) is in no table");
    size_t a_total[3] = {absent[0], (size_t)sdc_dimension_find(&table->dims[1], "Total"),
                         (size_t)sdc_dimension_find(&table->dims[2], "Total")};
    size_t a = sdc_table_cell(table, a_total);
    CHECK(sdc_table_other_cell(table, a, 2, absent[2]) == SDC_NO_CELL, "(A, Total, y) is in no table");
    CHECK(sdc_table_other_cell(table, a, 1, absent[1]) == sdc_table_cell(table, codes), "(A, F, Total)");
    sdc_table_constraints(table);
    CHECK(table->constraint_count == 7, "7 constraints: %zu", table->constraint_count);
    size_t along[3] = {0, 0, 0};
    for (size_t k = 0; k < table->constraint_count; k++) {
        along[table->constraint_dim[k]]++;
        size_t parts = table->constraint_start[k + 1] - table->constraint_start[k] - 1;
        CHECK(parts == 2, "constraint %zu has 2 parts: %zu", k, parts);
    }
    CHECK(along[0] == 3 && along[1] == 3 && along[2] == 1, "constraints along region, sex, age: %zu %zu %zu",
          along[0], along[1], along[2]);
    free(codes);
    sdc_table_free(table);
}

int main(void)
{
    hierarchy();
    two_dimensions();
    rules();
    linked_grids();
    if (failures)
        fprintf(stderr, "sdc_table: %d failures\n", failures);
    return failures ? 1 : 0;
}
