/* suppress_sdc_cuts.c: the Fischetti-Salazar cuts derived from the attacker's LP, on a 1-dimensional
 * table worked by hand: T = a + b + c with T=10, a=3, b=1, c=6; a is primary with both
 * protection levels 2 (p = 2/3). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdc.h"
#include "sdc_internal.h"

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

static double coefficient_of(const sdc_cut *cut, size_t cell)
{
    for (size_t i = 0; i < cut->count; i++)
        if (cut->cells[i] == cell)
            return cut->coefficients[i];
    return 0;
}

int main(void)
{
    char *names[] = {"part"};
    sdc_dimension_kind kinds[] = {SDC_DIMENSION_FLAT};
    sdc_table *table = sdc_table_create(1, names, kinds, "Total");
    const char *codes[] = {"Total", "a", "b", "c"};
    const double values[] = {10, 3, 1, 6};
    for (size_t i = 0; i < 4; i++)
        sdc_dimension_intern(&table->dims[0], codes[i], strlen(codes[i]));
    char *error_text = NULL;
    CHECK(sdc_table_build(table, 1, &error_text), "build: %s", error_text ? error_text : "");
    size_t cell[4];
    for (size_t i = 0; i < 4; i++) {
        size_t code = (size_t)sdc_dimension_find(&table->dims[0], codes[i]);
        cell[i] = sdc_table_cell(table, &code);
        table->measure[0][cell[i]] = values[i];
        table->record[cell[i]] = (long)i;
    }
    sdc_table_constraints(table);
    CHECK(table->constraint_count == 1, "one constraint, got %zu", table->constraint_count);

    sdc_problem problem;
    sdc_problem_init(&problem, table);
    problem.status[cell[1]] = SDC_PRIMARY;
    problem.upper_level[0][cell[1]] = 2;
    problem.lower_level[0][cell[1]] = 2;

    /* a alone is suppressed: both directions fail. */
    sdc_findings findings = {0};
    findings.want_cuts = true;
    size_t failed = sdc_check(&problem, &findings);
    CHECK(failed == 2, "a alone: 2 failures expected, got %zu", failed);
    CHECK(findings.cut_count == 2, "2 cuts expected, got %zu", findings.cut_count);
    for (size_t i = 0; i < findings.failure_count && i < findings.cut_count; i++) {
        const sdc_cut *cut = &findings.cuts[i];
        if (findings.failures[i].direction > 0) {
            /* Up by 2: the total may rise without end (1); b can give up only 1 of the 2
             * (0.5); c can give 2 (1). */
            CHECK(fabs(coefficient_of(cut, cell[0]) - 1) < 1e-9, "up: total %g", coefficient_of(cut, cell[0]));
            CHECK(fabs(coefficient_of(cut, cell[2]) - 0.5) < 1e-9, "up: b %g", coefficient_of(cut, cell[2]));
            CHECK(fabs(coefficient_of(cut, cell[3]) - 1) < 1e-9, "up: c %g", coefficient_of(cut, cell[3]));
        } else {
            /* Down by 2: the total can fall by 2 (1); b and c can rise without end (1). */
            CHECK(fabs(coefficient_of(cut, cell[0]) - 1) < 1e-9, "down: total %g", coefficient_of(cut, cell[0]));
            CHECK(fabs(coefficient_of(cut, cell[2]) - 1) < 1e-9, "down: b %g", coefficient_of(cut, cell[2]));
            CHECK(fabs(coefficient_of(cut, cell[3]) - 1) < 1e-9, "down: c %g", coefficient_of(cut, cell[3]));
        }
        CHECK(coefficient_of(cut, cell[1]) == 0, "the primary cell has no coefficient");
    }
    sdc_findings_free(&findings);

    /* a and b suppressed: a can rise by b's 1 only, so upward still fails, downward holds. */
    problem.status[cell[2]] = SDC_SECONDARY;
    findings = (sdc_findings){0};
    findings.want_cuts = true;
    failed = sdc_check(&problem, &findings);
    CHECK(failed == 1 && findings.failures[0].direction > 0, "a,b: upward failure expected, got %zu", failed);
    if (findings.cut_count == 1) {
        const sdc_cut *cut = &findings.cuts[0];
        double at_pattern = 0;
        for (size_t i = 0; i < cut->count; i++)
            at_pattern += cut->coefficients[i] * (sdc_suppressed(problem.status[cut->cells[i]]) ? 1 : 0);
        CHECK(at_pattern < 1 - 1e-9, "the cut must cut off the pattern it came from (%g)", at_pattern);
        CHECK(coefficient_of(cut, cell[3]) > 0.999, "suppressing c helps: %g", coefficient_of(cut, cell[3]));
    }
    sdc_findings_free(&findings);

    /* a, b and c: a + b + c = 10 leaves a anywhere in [0, 10]: protected. */
    problem.status[cell[3]] = SDC_SECONDARY;
    CHECK(sdc_verify(&problem) == 0, "a,b,c suppressed must be protected");
    sdc_interval *intervals;
    size_t count = sdc_audit(&problem, &intervals);
    CHECK(count == 3, "three intervals, got %zu", count);
    for (size_t i = 0; i < count; i++) {
        /* a + b + c = 10: each between 0 and 10. */
        CHECK(intervals[i].lower == 0 && fabs(intervals[i].upper - 10) < 1e-9,
              "cell %zu: [%g, %g], expected [0, 10]", intervals[i].cell, intervals[i].lower, intervals[i].upper);
    }
    free(intervals);

    /* The total suppressed too: a has no upper bound. */
    problem.status[cell[0]] = SDC_SECONDARY;
    count = sdc_audit(&problem, &intervals);
    for (size_t i = 0; i < count; i++)
        CHECK(isinf(intervals[i].upper), "with the total suppressed every bound is infinite");
    free(intervals);

    sdc_problem_free(&problem);
    sdc_table_free(table);
    if (failures)
        fprintf(stderr, "sdc_cuts: %d failures\n", failures);
    return failures ? 1 : 0;
}
