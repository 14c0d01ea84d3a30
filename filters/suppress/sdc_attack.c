/* sdc_attack.c: the attacker's linear program. For each suppressed cell the attacker
 * minimises and maximises its value subject to the published cells, the table's additivity
 * and non-negativity; a primary cell with value v is protected when the interval reaches
 * v - lower level and v + upper level. Audit (exact intervals), verification (many cells
 * certified by one LP solution) and the cuts of the optimal method live here. */
#include "sdc_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "message.h"

double sdc_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double sdc_tolerance(double value)
{
    return 1e-7 * (fabs(value) > 1 ? fabs(value) : 1);
}

/* ---------------------------------------------------------------- problem */

void sdc_problem_init(sdc_problem *problem, sdc_table *table)
{
    memset(problem, 0, sizeof *problem);
    glp_term_out(GLP_OFF);
    problem->table = table;
    size_t n = table->cell_count;
    problem->status = xmalloc(n ? n : 1);
    memset(problem->status, SDC_PUBLISHED, n);
    problem->cost = xmalloc((n ? n : 1) * sizeof(double));
    for (size_t c = 0; c < n; c++)
        problem->cost[c] = 1;
    for (size_t m = 0; m < table->measure_count; m++) {
        problem->upper_level[m] = xcalloc(n ? n : 1, sizeof(double));
        problem->lower_level[m] = xcalloc(n ? n : 1, sizeof(double));
    }
    problem->protect_count = 1;
    problem->protect[0] = SDC_MEASURE_COUNT;
    problem->verify_limit = 20000;
}

void sdc_problem_free(sdc_problem *problem)
{
    free(problem->status);
    free(problem->cost);
    for (size_t m = 0; m < SDC_MAX_MEASURES; m++) {
        free(problem->upper_level[m]);
        free(problem->lower_level[m]);
    }
    glp_free_env();
}

void sdc_problem_set_levels(sdc_problem *problem, size_t cell, double p)
{
    for (size_t m = 0; m < problem->table->measure_count; m++) {
        double v = problem->table->measure[m][cell];
        double level = p * v > 1 ? p * v : 1;
        problem->upper_level[m][cell] = level;
        problem->lower_level[m][cell] = level < v ? level : v;
    }
}

/* ---------------------------------------------------------------- components */

static size_t find_root(size_t *parent, size_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

void sdc_components_find(const sdc_problem *problem, sdc_components *components)
{
    const sdc_table *table = problem->table;
    size_t n = table->cell_count;
    size_t *parent = xmalloc((n ? n : 1) * sizeof(size_t));
    for (size_t c = 0; c < n; c++)
        parent[c] = c;
    for (size_t k = 0; k < table->constraint_count; k++) {
        size_t first = SIZE_MAX;
        for (size_t i = table->constraint_start[k]; i < table->constraint_start[k + 1]; i++) {
            size_t cell = table->constraint_cell[i];
            if (!sdc_suppressed(problem->status[cell]))
                continue;
            if (first == SIZE_MAX)
                first = find_root(parent, cell);
            else {
                size_t root = find_root(parent, cell);
                if (root != first)
                    parent[root] = first;
            }
        }
    }
    /* Number the components by their smallest cell, so that the order is deterministic. */
    size_t *label = xmalloc((n ? n : 1) * sizeof(size_t));
    size_t count = 0, members = 0;
    for (size_t c = 0; c < n; c++)
        label[c] = SIZE_MAX;
    for (size_t c = 0; c < n; c++) {
        if (!sdc_suppressed(problem->status[c]))
            continue;
        size_t root = find_root(parent, c);
        if (label[root] == SIZE_MAX)
            label[root] = count++;
        members++;
    }
    components->count = count;
    components->start = xcalloc(count + 1, sizeof(size_t));
    components->cells = xmalloc((members ? members : 1) * sizeof(size_t));
    for (size_t c = 0; c < n; c++)
        if (sdc_suppressed(problem->status[c]))
            components->start[label[find_root(parent, c)] + 1]++;
    for (size_t i = 0; i < count; i++)
        components->start[i + 1] += components->start[i];
    size_t *fill = xmalloc((count + 1) * sizeof(size_t));
    memcpy(fill, components->start, (count + 1) * sizeof(size_t));
    for (size_t c = 0; c < n; c++)
        if (sdc_suppressed(problem->status[c]))
            components->cells[fill[label[find_root(parent, c)]]++] = c;
    free(fill);
    free(label);
    free(parent);
}

void sdc_components_free(sdc_components *components)
{
    free(components->start);
    free(components->cells);
    memset(components, 0, sizeof *components);
}

/* ---------------------------------------------------------------- the LP of one component */

int sdc_simplex(sdc_problem *problem, glp_prob *lp)
{
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_OFF;
    int ret = glp_simplex(lp, &parm);
    problem->lp_solves++;
    if (ret != 0) {
        /* A singular or ill-conditioned basis after many warm starts: start afresh. */
        glp_adv_basis(lp, 0);
        ret = glp_simplex(lp, &parm);
        problem->lp_solves++;
    }
    if (ret != 0) {
        glp_std_basis(lp);
        ret = glp_exact(lp, &parm);
        problem->lp_solves++;
    }
    if (ret != 0)
        message_die(EXIT_SYSTEM, "the LP solver (GLPK) failed with code %d", ret);
    int status = glp_get_status(lp);
    if (status != GLP_OPT && status != GLP_UNBND)
        message_die(EXIT_DATA, "the attacker's LP has no solution: the table is not additive "
                               "within the solver's tolerance");
    return status;
}

typedef struct component_lp {
    glp_prob *lp;
    size_t measure;
    size_t n;             /* columns: the suppressed cells of the component */
    const size_t *cells;  /* column j (GLPK column j + 1) -> cell */
    size_t row_count;
    size_t *rows;         /* GLPK row r + 1 -> constraint */
    long *column_of_cell; /* shared scratch, -1 outside the component */
} component_lp;

/* Coefficient of a cell in a constraint: the total +1, its parts -1. */
static double constraint_sign(const sdc_table *table, size_t k, size_t position)
{
    return position == table->constraint_start[k] ? 1.0 : -1.0;
}

static void component_lp_build(component_lp *c, sdc_problem *problem, const size_t *cells, size_t n,
                               size_t measure, long *column_of_cell, unsigned char *row_mark)
{
    const sdc_table *table = problem->table;
    const double *value = table->measure[measure];
    memset(c, 0, sizeof *c);
    c->measure = measure;
    c->n = n;
    c->cells = cells;
    c->column_of_cell = column_of_cell;
    for (size_t j = 0; j < n; j++)
        column_of_cell[cells[j]] = (long)j;

    size_t row_capacity = 16, entries = 0;
    c->rows = xmalloc(row_capacity * sizeof(size_t));
    for (size_t j = 0; j < n; j++) {
        size_t cell = cells[j];
        for (size_t i = table->incidence_start[cell]; i < table->incidence_start[cell + 1]; i++) {
            size_t k = table->incidence[i];
            if (row_mark[k])
                continue;
            row_mark[k] = 1;
            if (c->row_count == row_capacity) {
                row_capacity *= 2;
                c->rows = xrealloc(c->rows, row_capacity * sizeof(size_t));
            }
            c->rows[c->row_count++] = k;
            entries += table->constraint_start[k + 1] - table->constraint_start[k];
        }
    }

    glp_prob *lp = glp_create_prob();
    c->lp = lp;
    glp_add_cols(lp, (int)n);
    for (size_t j = 0; j < n; j++)
        glp_set_col_bnds(lp, (int)j + 1, GLP_LO, 0.0, 0.0);
    if (c->row_count)
        glp_add_rows(lp, (int)c->row_count);
    int *ia = xmalloc((entries + 1) * sizeof(int));
    int *ja = xmalloc((entries + 1) * sizeof(int));
    double *ar = xmalloc((entries + 1) * sizeof(double));
    size_t ne = 0;
    for (size_t r = 0; r < c->row_count; r++) {
        size_t k = c->rows[r];
        row_mark[k] = 0;
        double rhs = 0;
        for (size_t i = table->constraint_start[k]; i < table->constraint_start[k + 1]; i++) {
            size_t cell = table->constraint_cell[i];
            double sign = constraint_sign(table, k, i);
            if (column_of_cell[cell] >= 0) {
                ne++;
                ia[ne] = (int)r + 1;
                ja[ne] = (int)column_of_cell[cell] + 1;
                ar[ne] = sign;
            } else
                rhs -= sign * value[cell];
        }
        glp_set_row_bnds(lp, (int)r + 1, GLP_FX, rhs, rhs);
    }
    glp_load_matrix(lp, (int)ne, ia, ja, ar);
    free(ia);
    free(ja);
    free(ar);
}

static void component_lp_free(component_lp *c)
{
    for (size_t j = 0; j < c->n; j++)
        c->column_of_cell[c->cells[j]] = -1;
    glp_delete_prob(c->lp);
    free(c->rows);
}

/* Optimise the value of column J alone (GLP_MAX or GLP_MIN); INFINITY when unbounded. */
static double optimise_column(component_lp *c, sdc_problem *problem, size_t j, int direction)
{
    for (size_t i = 0; i < c->n; i++)
        glp_set_obj_coef(c->lp, (int)i + 1, i == j ? 1.0 : 0.0);
    glp_set_obj_dir(c->lp, direction);
    int status = sdc_simplex(problem, c->lp);
    if (status == GLP_UNBND)
        return direction == GLP_MAX ? INFINITY : -INFINITY;
    return glp_get_col_prim(c->lp, (int)j + 1);
}

/* ---------------------------------------------------------------- audit */

size_t sdc_audit(sdc_problem *problem, sdc_interval **intervals)
{
    const sdc_table *table = problem->table;
    sdc_components components;
    sdc_components_find(problem, &components);
    size_t suppressed = components.start[components.count];
    size_t count = suppressed * problem->protect_count;
    sdc_interval *out = xmalloc((count ? count : 1) * sizeof(sdc_interval));
    long *column_of_cell = xmalloc((table->cell_count ? table->cell_count : 1) * sizeof(long));
    for (size_t i = 0; i < table->cell_count; i++)
        column_of_cell[i] = -1;
    unsigned char *row_mark = xcalloc(table->constraint_count + 1, 1);
    size_t filled = 0;
    for (size_t comp = 0; comp < components.count; comp++) {
        const size_t *cells = components.cells + components.start[comp];
        size_t n = components.start[comp + 1] - components.start[comp];
        for (size_t pm = 0; pm < problem->protect_count; pm++) {
            size_t m = problem->protect[pm];
            component_lp c;
            component_lp_build(&c, problem, cells, n, m, column_of_cell, row_mark);
            for (size_t j = 0; j < n; j++) {
                size_t cell = cells[j];
                sdc_interval *interval = &out[filled++];
                interval->cell = cell;
                interval->measure = m;
                interval->upper = optimise_column(&c, problem, j, GLP_MAX);
                interval->lower = optimise_column(&c, problem, j, GLP_MIN);
                if (interval->lower < 0)
                    interval->lower = 0; /* solver noise around the bound */
                double v = table->measure[m][cell];
                interval->protected_cell =
                    problem->status[cell] != SDC_PRIMARY ||
                    (interval->upper >= v + problem->upper_level[m][cell] - sdc_tolerance(v) &&
                     interval->lower <= v - problem->lower_level[m][cell] + sdc_tolerance(v));
            }
            component_lp_free(&c);
        }
    }
    free(column_of_cell);
    free(row_mark);
    sdc_components_free(&components);
    /* In cell order, each cell's measures together. */
    for (size_t i = 1; i < filled; i++) {
        sdc_interval key = out[i];
        size_t j = i;
        while (j > 0 && (out[j - 1].cell > key.cell ||
                         (out[j - 1].cell == key.cell && out[j - 1].measure > key.measure))) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = key;
    }
    *intervals = out;
    return filled;
}

/* ---------------------------------------------------------------- verification and cuts */

static void add_failure(sdc_findings *f, size_t cell, size_t measure, int direction)
{
    if (f->failure_count == f->failure_capacity) {
        f->failure_capacity = f->failure_capacity ? 2 * f->failure_capacity : 16;
        f->failures = xrealloc(f->failures, f->failure_capacity * sizeof(sdc_failure));
    }
    f->failures[f->failure_count++] = (sdc_failure){cell, measure, direction};
}

/* Turn reduced costs into a cut (after Fischetti and Salazar). D holds, for the cells in
 * CELLS, the reduced costs of the attacker's maximisation of +x or -x for one primary cell;
 * every dual solution bounds that maximum by v + sum over suppressed cells j of: no bound
 * when d_j > 0 (j may rise without end), |d_j| * a_j when d_j < 0 (j may fall to zero).
 * Protection needs v + LEVEL, so sum_j min(coef_j / LEVEL, 1) y_j >= 1 holds for every
 * protected pattern y. Returns false (and adds nothing) when the cut is empty. */
static bool finish_cut(const sdc_problem *problem, size_t measure, double level,
                       const size_t *cells, const double *d, size_t count, sdc_cut *out)
{
    const double *value = problem->table->measure[measure];
    sdc_cut cut = {0, xmalloc((count ? count : 1) * sizeof(size_t)), xmalloc((count ? count : 1) * sizeof(double))};
    for (size_t i = 0; i < count; i++) {
        size_t cell = cells[i];
        double coefficient = 0;
        if (d[i] > 1e-9)
            coefficient = 1;
        else if (d[i] < -1e-9)
            coefficient = -d[i] * value[cell] / level;
        if (coefficient > 1)
            coefficient = 1;
        if (coefficient > 1e-9 && problem->status[cell] != SDC_FORCED) {
            cut.cells[cut.count] = cell;
            cut.coefficients[cut.count++] = coefficient;
        }
    }
    if (cut.count == 0) {
        free(cut.cells);
        free(cut.coefficients);
        return false;
    }
    *out = cut;
    return true;
}

static void push_cut(sdc_findings *f, sdc_cut cut)
{
    if (f->cut_count == f->cut_capacity) {
        f->cut_capacity = f->cut_capacity ? 2 * f->cut_capacity : 16;
        f->cuts = xrealloc(f->cuts, f->cut_capacity * sizeof(sdc_cut));
    }
    f->cuts[f->cut_count++] = cut;
}

/* The cut from the optimal basis of a component LP just solved for one column in
 * DIRECTION. Cells outside the LP are published, fixed at their values: their reduced
 * costs are 0 - sum over rows of dual * coefficient. */
static void add_cut(sdc_findings *f, sdc_problem *problem, component_lp *c, int direction,
                    double level, double *accumulate, unsigned char *touched_mark)
{
    const sdc_table *table = problem->table;
    double sense = direction > 0 ? 1.0 : -1.0; /* max +x (GLP_MAX) or max -x (GLP_MIN) */
    size_t capacity = 16, count = 0;
    size_t *cells = xmalloc(capacity * sizeof(size_t));
    for (size_t r = 0; r < c->row_count; r++) {
        double dual = sense * glp_get_row_dual(c->lp, (int)r + 1);
        if (dual == 0)
            continue;
        size_t k = c->rows[r];
        for (size_t i = table->constraint_start[k]; i < table->constraint_start[k + 1]; i++) {
            size_t cell = table->constraint_cell[i];
            if (c->column_of_cell[cell] >= 0)
                continue;
            if (!touched_mark[cell]) {
                touched_mark[cell] = 1;
                accumulate[cell] = 0;
                if (count == capacity) {
                    capacity *= 2;
                    cells = xrealloc(cells, capacity * sizeof(size_t));
                }
                cells[count++] = cell;
            }
            accumulate[cell] -= dual * constraint_sign(table, k, i);
        }
    }
    for (size_t i = 0; i < c->n; i++) {
        if (count == capacity) {
            capacity *= 2;
            cells = xrealloc(cells, capacity * sizeof(size_t));
        }
        size_t cell = c->cells[i];
        touched_mark[cell] = 1;
        accumulate[cell] = sense * glp_get_col_dual(c->lp, (int)i + 1);
        cells[count++] = cell;
    }
    double *d = xmalloc((count ? count : 1) * sizeof(double));
    for (size_t i = 0; i < count; i++) {
        d[i] = accumulate[cells[i]];
        touched_mark[cells[i]] = 0;
    }
    sdc_cut cut;
    if (finish_cut(problem, c->measure, level, cells, d, count, &cut))
        push_cut(f, cut);
    free(d);
    free(cells);
}

/* ---------------------------------------------------------------- fractional separation */

/* The attacker's LP over the whole table: one column per cell, every constraint a row. The
 * columns' bounds and the objective are set per primary cell. */
static glp_prob *whole_table_lp(const sdc_table *table)
{
    size_t entries = table->constraint_start[table->constraint_count];
    glp_prob *lp = glp_create_prob();
    glp_add_cols(lp, (int)table->cell_count);
    if (table->constraint_count)
        glp_add_rows(lp, (int)table->constraint_count);
    int *ia = xmalloc((entries + 1) * sizeof(int));
    int *ja = xmalloc((entries + 1) * sizeof(int));
    double *ar = xmalloc((entries + 1) * sizeof(double));
    for (size_t k = 0; k < table->constraint_count; k++) {
        glp_set_row_bnds(lp, (int)k + 1, GLP_FX, 0.0, 0.0);
        for (size_t i = table->constraint_start[k]; i < table->constraint_start[k + 1]; i++) {
            ia[i + 1] = (int)k + 1;
            ja[i + 1] = (int)table->constraint_cell[i] + 1;
            ar[i + 1] = constraint_sign(table, k, i);
        }
    }
    glp_load_matrix(lp, (int)entries, ia, ja, ar);
    free(ia);
    free(ja);
    free(ar);
    return lp;
}

/* One separation: the fractional pattern, the LP it is tried on, and scratch for the cuts. */
typedef struct separation {
    sdc_problem *problem;
    const double *y;
    glp_prob *lp;
    size_t *cells;      /* every cell, in order: the cut's candidates */
    double *d;          /* per cell: its reduced cost */
    sdc_findings *findings;
} separation;

/* Let each cell move in proportion to how far it is suppressed: down to zero, up by the
 * level (further would not change the cut); TARGET alone is free and is the objective. */
static void set_fractional_bounds(separation *s, const double *value, size_t target, double level)
{
    for (size_t c = 0; c < s->problem->table->cell_count; c++) {
        const double *y = s->y;
        double share = c == target ? 1.0 : y[c] < 0 ? 0 : y[c] > 1 ? 1 : y[c];
        double low = value[c] * (1 - share), high = value[c] + share * level;
        if (c == target)
            glp_set_col_bnds(s->lp, (int)c + 1, GLP_LO, 0.0, 0.0);
        else if (high > low)
            glp_set_col_bnds(s->lp, (int)c + 1, GLP_DB, low, high);
        else
            glp_set_col_bnds(s->lp, (int)c + 1, GLP_FX, value[c], value[c]);
        glp_set_obj_coef(s->lp, (int)c + 1, c == target ? 1.0 : 0.0);
    }
}

/* Is the cut violated by the fractional pattern (with TARGET, a primary cell, at 1)? */
static bool cut_violated(const sdc_cut *cut, const double *y, size_t target)
{
    double at_y = 0;
    for (size_t i = 0; i < cut->count; i++)
        at_y += cut->coefficients[i] * (cut->cells[i] == target ? 1.0 : y[cut->cells[i]]);
    return at_y < 1 - 1e-6;
}

/* The cut for TARGET in measure M and DIRECTION, kept when the fractional pattern violates
 * it. Returns whether one was added. */
static bool separate_cell(separation *s, size_t m, size_t target, int direction)
{
    sdc_problem *problem = s->problem;
    const double *value = problem->table->measure[m];
    size_t n = problem->table->cell_count;
    double level = direction > 0 ? problem->upper_level[m][target] : problem->lower_level[m][target];
    if (level <= 0)
        return false;
    set_fractional_bounds(s, value, target, level);
    glp_set_obj_dir(s->lp, direction > 0 ? GLP_MAX : GLP_MIN);
    if (sdc_simplex(problem, s->lp) != GLP_OPT)
        return false;
    double reached = glp_get_obj_val(s->lp), v = value[target];
    if (direction > 0 ? reached >= v + level - sdc_tolerance(v) : reached <= v - level + sdc_tolerance(v))
        return false;
    double sense = direction > 0 ? 1.0 : -1.0;
    for (size_t c = 0; c < n; c++)
        s->d[c] = sense * glp_get_col_dual(s->lp, (int)c + 1);
    sdc_cut cut;
    if (!finish_cut(problem, m, level, s->cells, s->d, n, &cut))
        return false;
    if (cut_violated(&cut, s->y, target)) {
        push_cut(s->findings, cut);
        return true;
    }
    free(cut.cells);
    free(cut.coefficients);
    return false;
}

size_t sdc_separate(sdc_problem *problem, const double *y, sdc_findings *findings)
{
    size_t n = problem->table->cell_count;
    separation s = {problem, y, whole_table_lp(problem->table), xmalloc((n ? n : 1) * sizeof(size_t)),
                    xmalloc((n ? n : 1) * sizeof(double)), findings};
    for (size_t c = 0; c < n; c++)
        s.cells[c] = c;
    size_t added = 0;
    for (size_t pm = 0; pm < problem->protect_count; pm++)
        for (size_t target = 0; target < n; target++) {
            if (problem->status[target] != SDC_PRIMARY)
                continue;
            for (int direction = 1; direction >= -1; direction -= 2)
                added += separate_cell(&s, problem->protect[pm], target, direction);
        }
    free(s.cells);
    free(s.d);
    glp_delete_prob(s.lp);
    return added;
}

/* Is column J's requirement in DIRECTION met by the current solution? */
static bool meets(const component_lp *c, const sdc_problem *problem, size_t j, int direction)
{
    size_t cell = c->cells[j];
    double v = problem->table->measure[c->measure][cell];
    double x = glp_get_col_prim(c->lp, (int)j + 1);
    if (direction > 0)
        return x >= v + problem->upper_level[c->measure][cell] - sdc_tolerance(v);
    return x <= v - problem->lower_level[c->measure][cell] + sdc_tolerance(v);
}

static double requirement(const component_lp *c, const sdc_problem *problem, size_t j, int direction)
{
    size_t cell = c->cells[j];
    return direction > 0 ? problem->upper_level[c->measure][cell] : problem->lower_level[c->measure][cell];
}

static void set_open_bounds(component_lp *c, size_t j)
{
    glp_set_col_bnds(c->lp, (int)j + 1, GLP_LO, 0.0, 0.0);
}

/* One direction for one component LP: first certify as many cells as possible with LPs that
 * push all uncertified cells at once (each capped at its requirement, so one solution can
 * meet many), then decide the rest one by one on the uncapped LP. */
static void check_direction(component_lp *c, sdc_problem *problem, int direction, sdc_findings *f,
                            double *accumulate, unsigned char *touched_mark)
{
    const double *value = problem->table->measure[c->measure];
    size_t *pending = xmalloc((c->n ? c->n : 1) * sizeof(size_t));
    size_t pending_count = 0;
    for (size_t j = 0; j < c->n; j++)
        if (problem->status[c->cells[j]] == SDC_PRIMARY && requirement(c, problem, j, direction) > 0)
            pending[pending_count++] = j;

    glp_set_obj_dir(c->lp, direction > 0 ? GLP_MAX : GLP_MIN);
    for (int round = 0; round < 50 && pending_count > 1; round++) {
        for (size_t j = 0; j < c->n; j++)
            glp_set_obj_coef(c->lp, (int)j + 1, 0.0);
        for (size_t p = 0; p < pending_count; p++) {
            size_t j = pending[p];
            double v = value[c->cells[j]], level = requirement(c, problem, j, direction);
            glp_set_obj_coef(c->lp, (int)j + 1, 1.0 / level);
            if (direction > 0)
                glp_set_col_bnds(c->lp, (int)j + 1, GLP_DB, 0.0, v + level);
            else
                glp_set_col_bnds(c->lp, (int)j + 1, GLP_LO, v - level > 0 ? v - level : 0.0, 0.0);
        }
        sdc_simplex(problem, c->lp);
        size_t kept = 0;
        for (size_t p = 0; p < pending_count; p++) {
            size_t j = pending[p];
            set_open_bounds(c, j);
            if (!meets(c, problem, j, direction))
                pending[kept++] = j;
        }
        bool progress = kept < pending_count;
        pending_count = kept;
        if (!progress)
            break;
    }
    for (size_t p = 0; p < pending_count; p++)
        set_open_bounds(c, pending[p]);

    /* One by one; a solution may also settle cells further down the list. */
    unsigned char *settled = xcalloc(c->n ? c->n : 1, 1);
    for (size_t p = 0; p < pending_count; p++) {
        size_t j = pending[p];
        if (settled[j])
            continue;
        optimise_column(c, problem, j, direction > 0 ? GLP_MAX : GLP_MIN);
        bool unbounded = glp_get_status(c->lp) == GLP_UNBND;
        if (unbounded || meets(c, problem, j, direction)) {
            if (!unbounded)
                for (size_t q = p + 1; q < pending_count; q++)
                    if (meets(c, problem, pending[q], direction))
                        settled[pending[q]] = 1;
            continue;
        }
        add_failure(f, c->cells[j], c->measure, direction);
        if (f->want_cuts)
            add_cut(f, problem, c, direction, requirement(c, problem, j, direction), accumulate,
                    touched_mark);
    }
    free(settled);
    free(pending);
}

size_t sdc_check(sdc_problem *problem, sdc_findings *findings)
{
    const sdc_table *table = problem->table;
    sdc_components components;
    sdc_components_find(problem, &components);
    size_t n = table->cell_count ? table->cell_count : 1;
    long *column_of_cell = xmalloc(n * sizeof(long));
    for (size_t i = 0; i < n; i++)
        column_of_cell[i] = -1;
    unsigned char *row_mark = xcalloc(table->constraint_count + 1, 1);
    double *accumulate = xmalloc(n * sizeof(double));
    unsigned char *touched_mark = xcalloc(n, 1);
    size_t before = findings->failure_count;
    for (size_t comp = 0; comp < components.count; comp++) {
        const size_t *cells = components.cells + components.start[comp];
        size_t count = components.start[comp + 1] - components.start[comp];
        bool has_primary = false;
        for (size_t j = 0; j < count && !has_primary; j++)
            has_primary = problem->status[cells[j]] == SDC_PRIMARY;
        if (!has_primary)
            continue;
        for (size_t pm = 0; pm < problem->protect_count; pm++) {
            component_lp c;
            component_lp_build(&c, problem, cells, count, problem->protect[pm], column_of_cell, row_mark);
            check_direction(&c, problem, +1, findings, accumulate, touched_mark);
            check_direction(&c, problem, -1, findings, accumulate, touched_mark);
            component_lp_free(&c);
        }
    }
    free(column_of_cell);
    free(row_mark);
    free(accumulate);
    free(touched_mark);
    sdc_components_free(&components);
    return findings->failure_count - before;
}

size_t sdc_verify(sdc_problem *problem)
{
    sdc_findings findings = {0};
    size_t failures = sdc_check(problem, &findings);
    sdc_findings_free(&findings);
    return failures;
}

void sdc_findings_free(sdc_findings *findings)
{
    for (size_t i = 0; i < findings->cut_count; i++) {
        free(findings->cuts[i].cells);
        free(findings->cuts[i].coefficients);
    }
    free(findings->cuts);
    free(findings->failures);
    memset(findings, 0, sizeof *findings);
}
