/* sdc_protect.c: secondary suppression. The heuristic protects one primary cell at a time
 * with the cheapest hypercube (2^k corners whose alternating changes keep every margin) or,
 * where no hypercube fits, with a minimum-cost perturbation LP; either way the chosen cells
 * carry a feasible change of the primary cell by its full protection level, so the pattern
 * is safe by construction. The optimal method solves a MIP over suppression indicators and
 * adds Fischetti-Salazar cuts from the attacker's LP until no primary cell is exposed. */
#include "sdc_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "message.h"

/* ---------------------------------------------------------------- cell sets */

typedef struct cell_set {
    size_t count, capacity;
    size_t *cells;
    unsigned char *member; /* per table cell */
} cell_set;

static void cell_set_init(cell_set *set, size_t cell_count)
{
    memset(set, 0, sizeof *set);
    set->member = xcalloc(cell_count ? cell_count : 1, 1);
}

static void cell_set_add(cell_set *set, size_t cell)
{
    if (set->member[cell])
        return;
    set->member[cell] = 1;
    if (set->count == set->capacity) {
        set->capacity = set->capacity ? 2 * set->capacity : 16;
        set->cells = xrealloc(set->cells, set->capacity * sizeof(size_t));
    }
    set->cells[set->count++] = cell;
}

static void cell_set_clear(cell_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        set->member[set->cells[i]] = 0;
    set->count = 0;
}

static void cell_set_free(cell_set *set)
{
    free(set->cells);
    free(set->member);
}

/* The price of adding these cells to the pattern. */
static double cell_set_cost(const sdc_problem *problem, const cell_set *set)
{
    double cost = 0;
    for (size_t i = 0; i < set->count; i++)
        if (problem->status[set->cells[i]] == SDC_PUBLISHED)
            cost += problem->cost[set->cells[i]];
    return cost;
}

static size_t commit(sdc_problem *problem, const cell_set *set)
{
    size_t added = 0;
    for (size_t i = 0; i < set->count; i++)
        if (problem->status[set->cells[i]] == SDC_PUBLISHED) {
            problem->status[set->cells[i]] = SDC_SECONDARY;
            added++;
        }
    return added;
}

/* ---------------------------------------------------------------- hypercubes */

/* Alternatives to CODE in a dimension such that the pair (code +t, alternative sign*t) keeps
 * every constraint of that dimension: two leaves with one parent (sign -1), or a leaf and
 * the root it hangs from directly (sign +1). In a flat dimension that is every other code. */
static size_t alternatives(const sdc_dimension *dim, size_t code, size_t *out, signed char *sign)
{
    size_t count = 0;
    bool leaf = dim->child_start[code] == dim->child_start[code + 1];
    if (dim->parent[code] < 0) {
        /* The total: its leaf children move with it. */
        for (size_t i = dim->child_start[code]; i < dim->child_start[code + 1]; i++) {
            size_t child = dim->children[i];
            if (dim->child_start[child] == dim->child_start[child + 1]) {
                out[count] = child;
                sign[count++] = 1;
            }
        }
        return count;
    }
    if (!leaf)
        return 0;
    size_t parent = (size_t)dim->parent[code];
    for (size_t i = dim->child_start[parent]; i < dim->child_start[parent + 1]; i++) {
        size_t sibling = dim->children[i];
        if (sibling != code && dim->child_start[sibling] == dim->child_start[sibling + 1]) {
            out[count] = sibling;
            sign[count++] = -1;
        }
    }
    if (dim->parent[parent] < 0) {
        out[count] = parent;
        sign[count++] = 1;
    }
    return count;
}

typedef struct alternative {
    size_t code;
    signed char sign;
    double price; /* cost of the corner that differs from the primary cell in this dimension only */
} alternative;

static bool cheaper(const alternative *x, const alternative *y)
{
    return x->price < y->price || (x->price == y->price && x->code < y->code);
}

/* The alternatives of one dimension in order of price, sorted lazily: the search usually
 * stops after a few, and a dimension may have thousands of codes. */
typedef struct level_queue {
    alternative *heap;   /* min-heap of those not yet taken */
    size_t heap_count;
    alternative *sorted; /* taken, in order, those whose own corner fits */
    size_t sorted_count;
} level_queue;

static void sift_down(alternative *heap, size_t count, size_t at)
{
    for (;;) {
        size_t least = at, left = 2 * at + 1, right = left + 1;
        if (left < count && cheaper(&heap[left], &heap[least]))
            least = left;
        if (right < count && cheaper(&heap[right], &heap[least]))
            least = right;
        if (least == at)
            return;
        alternative swap = heap[at];
        heap[at] = heap[least];
        heap[least] = swap;
        at = least;
    }
}

typedef struct hypercube_search {
    sdc_problem *problem;
    size_t cell;             /* the primary cell */
    size_t level_count;      /* dimensions with a total */
    size_t *dims;            /* their indices */
    level_queue *queues;     /* per level */
    double *rest_bound;      /* per level: the least any later levels can add */
    size_t *corners;         /* 2^level_count corner cells, being built */
    signed char *corner_sign;
    size_t *best;            /* the best corners so far */
    double best_cost;
    bool found;
    unsigned long nodes;
} hypercube_search;

enum { HYPERCUBE_NODE_LIMIT = 20000, HYPERCUBE_MAX_LEVELS = 12 };

/* Can CORNER move against (sign -1) or with (sign +1) the primary cell by its levels? */
static bool corner_fits(const sdc_problem *problem, size_t primary, size_t corner, int sign)
{
    if (problem->status[corner] == SDC_FORCED)
        return false;
    for (size_t pm = 0; pm < problem->protect_count; pm++) {
        size_t m = problem->protect[pm];
        double v = problem->table->measure[m][corner];
        /* Upward protection moves the sign -1 corners down; downward moves sign +1 down. */
        double need = sign < 0 ? problem->upper_level[m][primary] : problem->lower_level[m][primary];
        if (v < need - sdc_tolerance(need))
            return false;
    }
    return true;
}

static double corner_cost(const sdc_problem *problem, size_t corner)
{
    return problem->status[corner] == SDC_PUBLISHED ? problem->cost[corner] : 0;
}

/* The A-th cheapest fitting alternative of LEVEL, or NULL when there are fewer. */
static const alternative *level_choice(hypercube_search *s, size_t level, size_t a)
{
    level_queue *q = &s->queues[level];
    const sdc_table *table = s->problem->table;
    size_t d = s->dims[level];
    size_t code = sdc_table_code(table, s->cell, d);
    while (q->sorted_count <= a && q->heap_count > 0) {
        alternative top = q->heap[0];
        q->heap[0] = q->heap[--q->heap_count];
        sift_down(q->heap, q->heap_count, 0);
        size_t corner = s->cell + (top.code - code) * table->stride[d];
        if (corner_fits(s->problem, s->cell, corner, top.sign))
            q->sorted[q->sorted_count++] = top;
    }
    return a < q->sorted_count ? &q->sorted[a] : NULL;
}

/* Depth-first over the dimensions, branch and bound on the cost of the corners so far. */
static void hypercube_descend(hypercube_search *s, size_t level, double cost)
{
    size_t corner_count = (size_t)1 << level;
    if (level == s->level_count) {
        if (!s->found || cost < s->best_cost) {
            s->found = true;
            s->best_cost = cost;
            memcpy(s->best, s->corners, corner_count * sizeof(size_t));
        }
        return;
    }
    const sdc_table *table = s->problem->table;
    size_t d = s->dims[level];
    size_t code = sdc_table_code(table, s->cell, d);
    const alternative *alt;
    for (size_t a = 0; (alt = level_choice(s, level, a)) != NULL; a++) {
        if (++s->nodes > HYPERCUBE_NODE_LIMIT && s->found)
            return;
        /* Alternatives come cheapest first: once even this one cannot beat the best, none can. */
        if (s->found && cost + alt->price + s->rest_bound[level] >= s->best_cost)
            return;
        long shift = ((long)alt->code - (long)code) * (long)table->stride[d];
        double added = cost;
        bool fits = true;
        for (size_t i = 0; i < corner_count && fits; i++) {
            size_t corner = (size_t)((long)s->corners[i] + shift);
            int sign = s->corner_sign[i] * alt->sign;
            if (!corner_fits(s->problem, s->cell, corner, sign))
                fits = false;
            s->corners[corner_count + i] = corner;
            s->corner_sign[corner_count + i] = (signed char)sign;
            added += corner_cost(s->problem, corner);
        }
        if (!fits || (s->found && added + s->rest_bound[level] >= s->best_cost))
            continue;
        hypercube_descend(s, level + 1, added);
    }
}

/* Every alternative of one level, as a heap by price. */
static void level_queue_fill(const sdc_problem *problem, size_t cell, size_t d, level_queue *q)
{
    const sdc_table *table = problem->table;
    const sdc_dimension *dim = &table->dims[d];
    size_t code = sdc_table_code(table, cell, d);
    size_t *codes = xmalloc((dim->code_count + 1) * sizeof(size_t));
    signed char *signs = xmalloc(dim->code_count + 1);
    size_t n = alternatives(dim, code, codes, signs);
    q->heap = xmalloc((n + 1) * sizeof(alternative));
    q->sorted = xmalloc((n + 1) * sizeof(alternative));
    for (size_t a = 0; a < n; a++) {
        size_t corner = cell + (codes[a] - code) * table->stride[d];
        q->heap[a] = (alternative){codes[a], signs[a], corner_cost(problem, corner)};
    }
    q->heap_count = n;
    q->sorted_count = 0;
    for (size_t i = n / 2; i-- > 0;)
        sift_down(q->heap, n, i);
    free(codes);
    free(signs);
}

/* The cheapest hypercube around CELL into OUT; false when none fits (always for linked
 * tables: a hypercube's corners need not be cells of theirs, and the LPs serve instead). */
static bool best_hypercube(sdc_problem *problem, size_t cell, cell_set *out)
{
    const sdc_table *table = problem->table;
    if (table->dense_of)
        return false;
    hypercube_search s = {0};
    s.problem = problem;
    s.cell = cell;
    s.dims = xmalloc((table->dim_count + 1) * sizeof(size_t));
    for (size_t d = 0; d < table->dim_count; d++)
        if (table->dims[d].kind != SDC_DIMENSION_BY)
            s.dims[s.level_count++] = d;
    bool possible = s.level_count <= HYPERCUBE_MAX_LEVELS;
    s.queues = xcalloc(s.level_count + 1, sizeof(level_queue));
    s.rest_bound = xcalloc(s.level_count + 1, sizeof(double));
    for (size_t level = 0; level < s.level_count && possible; level++) {
        level_queue_fill(problem, cell, s.dims[level], &s.queues[level]);
        possible = level_choice(&s, level, 0) != NULL;
    }
    if (possible) {
        for (size_t level = s.level_count - 1; level-- > 0;)
            s.rest_bound[level] = s.rest_bound[level + 1] + s.queues[level + 1].sorted[0].price;
        size_t corner_total = (size_t)1 << s.level_count;
        s.corners = xmalloc(corner_total * sizeof(size_t));
        s.corner_sign = xmalloc(corner_total);
        s.best = xmalloc(corner_total * sizeof(size_t));
        s.corners[0] = cell;
        s.corner_sign[0] = 1;
        hypercube_descend(&s, 0, 0.0);
        if (s.found)
            for (size_t i = 0; i < corner_total; i++)
                cell_set_add(out, s.best[i]);
    }
    for (size_t level = 0; level < s.level_count; level++) {
        free(s.queues[level].heap);
        free(s.queues[level].sorted);
    }
    free(s.queues);
    free(s.rest_bound);
    free(s.dims);
    free(s.corners);
    free(s.corner_sign);
    free(s.best);
    return possible && s.found;
}

/* ---------------------------------------------------------------- the protection LP */

/* Codes of dimension DIM near CODE: its parent, the parent's children and all their
 * descendants (every code in a flat dimension); only CODE itself in a BY dimension. */
static size_t neighbourhood_codes(const sdc_dimension *dim, size_t code, size_t *out)
{
    if (dim->kind == SDC_DIMENSION_BY) {
        out[0] = code;
        return 1;
    }
    size_t top = dim->parent[code] >= 0 ? (size_t)dim->parent[code] : code;
    size_t count = 0;
    out[count++] = top;
    /* Breadth first through the subtree of TOP. */
    for (size_t i = 0; i < count; i++) {
        size_t c = out[i];
        for (size_t j = dim->child_start[c]; j < dim->child_start[c + 1]; j++)
            out[count++] = dim->children[j];
    }
    return count;
}

/* The cells of the product of each dimension's neighbourhood of CELL (or every cell). */
static size_t *neighbourhood(const sdc_table *table, size_t cell, bool global, size_t *count)
{
    if (global || table->dense_of) {
        size_t *cells = xmalloc((table->cell_count ? table->cell_count : 1) * sizeof(size_t));
        for (size_t c = 0; c < table->cell_count; c++)
            cells[c] = c;
        *count = table->cell_count;
        return cells;
    }
    size_t dims = table->dim_count;
    size_t **codes = xmalloc(dims * sizeof(size_t *));
    size_t *sizes = xmalloc(dims * sizeof(size_t));
    size_t total = 1;
    for (size_t d = 0; d < dims; d++) {
        codes[d] = xmalloc((table->dims[d].code_count + 1) * sizeof(size_t));
        sizes[d] = neighbourhood_codes(&table->dims[d], sdc_table_code(table, cell, d), codes[d]);
        total *= sizes[d];
    }
    size_t *cells = xmalloc(total * sizeof(size_t));
    size_t *odometer = xcalloc(dims + 1, sizeof(size_t));
    for (size_t n = 0; n < total; n++) {
        size_t c = 0;
        for (size_t d = 0; d < dims; d++)
            c += codes[d][odometer[d]] * table->stride[d];
        cells[n] = c;
        for (size_t d = dims; d-- > 0;) {
            if (++odometer[d] < sizes[d])
                break;
            odometer[d] = 0;
        }
    }
    for (size_t d = 0; d < dims; d++)
        free(codes[d]);
    free(codes);
    free(sizes);
    free(odometer);
    *count = total;
    return cells;
}

/* Scratch of the protection LPs, kept across primary cells so that each LP costs only its
 * own size, not the table's. */
typedef struct protection_scratch {
    long *local_of_cell;     /* per table cell: its pair of columns in the current LP, or -1 */
    unsigned char *row_mark; /* per constraint: already a row of the current LP */
    cell_set cube, flow;     /* the candidate patterns for one primary cell */
} protection_scratch;

static void protection_scratch_init(protection_scratch *scratch, const sdc_table *table)
{
    size_t n = table->cell_count;
    scratch->local_of_cell = xmalloc((n ? n : 1) * sizeof(long));
    for (size_t c = 0; c < n; c++)
        scratch->local_of_cell[c] = -1;
    scratch->row_mark = xcalloc(table->constraint_count + 1, 1);
    cell_set_init(&scratch->cube, n);
    cell_set_init(&scratch->flow, n);
}

static void protection_scratch_free(protection_scratch *scratch)
{
    cell_set_free(&scratch->cube);
    cell_set_free(&scratch->flow);
    free(scratch->local_of_cell);
    free(scratch->row_mark);
}

/* Two columns per cell of the neighbourhood, its rise and its fall z = up - down, each priced
 * per unit of the level it can carry. CELL itself is fixed at the change to be carried;
 * forced cells cannot move, and no cell can fall below zero. */
static void set_perturbation_columns(glp_prob *lp, const sdc_problem *problem, const size_t *cells,
                                     size_t n, size_t cell, const double *value, int direction,
                                     double level)
{
    glp_add_cols(lp, (int)(2 * n));
    for (size_t j = 0; j < n; j++) {
        size_t c = cells[j];
        int up = (int)(2 * j + 1), down = (int)(2 * j + 2);
        double carry_up = level, carry_down = value[c] < level ? value[c] : level;
        if (problem->status[c] == SDC_FORCED) {
            glp_set_col_bnds(lp, up, GLP_FX, 0.0, 0.0);
            glp_set_col_bnds(lp, down, GLP_FX, 0.0, 0.0);
        } else if (c == cell) {
            glp_set_col_bnds(lp, up, GLP_FX, direction > 0 ? level : 0.0, direction > 0 ? level : 0.0);
            glp_set_col_bnds(lp, down, GLP_FX, direction < 0 ? level : 0.0, direction < 0 ? level : 0.0);
        } else {
            glp_set_col_bnds(lp, up, GLP_LO, 0.0, 0.0);
            if (value[c] > 0)
                glp_set_col_bnds(lp, down, GLP_DB, 0.0, value[c]);
            else
                glp_set_col_bnds(lp, down, GLP_FX, 0.0, 0.0);
        }
        double price = sdc_suppressed(problem->status[c]) ? 1e-4 * problem->cost[c] : problem->cost[c];
        glp_set_obj_coef(lp, up, price / carry_up);
        glp_set_obj_coef(lp, down, carry_down > 0 ? price / carry_down : 0.0);
    }
}

/* Every constraint that touches one of CELLS, each once (marked in ROW_MARK, which the
 * caller clears); ENTRIES counts their coefficients, two columns per cell. */
static size_t *constraints_touching(const sdc_table *table, const size_t *cells, size_t n,
                                    unsigned char *row_mark, size_t *row_count, size_t *entries)
{
    size_t count = 0, capacity = 64;
    size_t *rows = xmalloc(capacity * sizeof(size_t));
    *entries = 0;
    for (size_t j = 0; j < n; j++) {
        size_t c = cells[j];
        for (size_t i = table->incidence_start[c]; i < table->incidence_start[c + 1]; i++) {
            size_t k = table->incidence[i];
            if (row_mark[k])
                continue;
            row_mark[k] = 1;
            if (count == capacity) {
                capacity *= 2;
                rows = xrealloc(rows, capacity * sizeof(size_t));
            }
            rows[count++] = k;
            *entries += 2 * (table->constraint_start[k + 1] - table->constraint_start[k]);
        }
    }
    *row_count = count;
    return rows;
}

/* The constraints touching the neighbourhood as rows that keep every margin; cells outside
 * the neighbourhood stay put, so they have no columns. */
static void add_perturbation_rows(glp_prob *lp, const sdc_table *table, const size_t *cells,
                                  size_t n, protection_scratch *scratch)
{
    size_t row_count, entries;
    size_t *rows = constraints_touching(table, cells, n, scratch->row_mark, &row_count, &entries);
    if (row_count)
        glp_add_rows(lp, (int)row_count);
    int *ia = xmalloc((entries + 1) * sizeof(int));
    int *ja = xmalloc((entries + 1) * sizeof(int));
    double *ar = xmalloc((entries + 1) * sizeof(double));
    size_t ne = 0;
    for (size_t r = 0; r < row_count; r++) {
        size_t k = rows[r];
        scratch->row_mark[k] = 0;
        glp_set_row_bnds(lp, (int)r + 1, GLP_FX, 0.0, 0.0);
        for (size_t i = table->constraint_start[k]; i < table->constraint_start[k + 1]; i++) {
            long local = scratch->local_of_cell[table->constraint_cell[i]];
            if (local < 0)
                continue;
            double sign = i == table->constraint_start[k] ? 1.0 : -1.0;
            ia[++ne] = (int)r + 1;
            ja[ne] = (int)(2 * local + 1);
            ar[ne] = sign;
            ia[++ne] = (int)r + 1;
            ja[ne] = (int)(2 * local + 2);
            ar[ne] = -sign;
        }
    }
    glp_load_matrix(lp, (int)ne, ia, ja, ar);
    free(ia);
    free(ja);
    free(ar);
    free(rows);
}

/* True when the LP has an optimal solution. A fresh LP each time: let GLPK simplify it
 * first, and where presolving itself fails, solve it again without. */
static bool solve_perturbation(sdc_problem *problem, glp_prob *lp)
{
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_ON;
    int ret = glp_simplex(lp, &parm);
    problem->lp_solves++;
    bool ok = ret == 0 && glp_get_status(lp) == GLP_OPT;
    if (ret != 0 && ret != GLP_ENOPFS && ret != GLP_ENODFS) {
        parm.presolve = GLP_OFF;
        glp_adv_basis(lp, 0);
        ret = glp_simplex(lp, &parm);
        problem->lp_solves++;
        ok = ret == 0 && glp_get_status(lp) == GLP_OPT;
    }
    return ok;
}

static void add_moved_cells(glp_prob *lp, const size_t *cells, size_t n, double level, cell_set *out)
{
    double tiny = 1e-7 * (level > 1 ? level : 1);
    for (size_t j = 0; j < n; j++) {
        double moved = glp_get_col_prim(lp, (int)(2 * j + 1)) + glp_get_col_prim(lp, (int)(2 * j + 2));
        if (moved > tiny)
            cell_set_add(out, cells[j]);
    }
}

/* Find the cheapest change z of the table with z[cell] = +upper level (DIRECTION +1) or
 * -lower level (-1) in measure M that keeps every constraint and non-negativity, moving
 * only cells of the neighbourhood: minimise sum of w_j |z_j| where w_j is the cell's cost
 * per unit it can carry (near zero for cells already suppressed). Every cell that moves goes
 * to OUT. False when no change exists (forced cells in the way, or the neighbourhood is too
 * small). */
static bool protection_lp(sdc_problem *problem, size_t cell, size_t m, int direction, bool global,
                          cell_set *out, protection_scratch *scratch)
{
    const sdc_table *table = problem->table;
    double level = direction > 0 ? problem->upper_level[m][cell] : problem->lower_level[m][cell];
    if (level <= 0)
        return true;
    size_t n;
    size_t *cells = neighbourhood(table, cell, global, &n);
    for (size_t j = 0; j < n; j++)
        scratch->local_of_cell[cells[j]] = (long)j;
    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    set_perturbation_columns(lp, problem, cells, n, cell, table->measure[m], direction, level);
    add_perturbation_rows(lp, table, cells, n, scratch);
    bool ok = solve_perturbation(problem, lp);
    if (ok)
        add_moved_cells(lp, cells, n, level, out);
    glp_delete_prob(lp);
    for (size_t j = 0; j < n; j++)
        scratch->local_of_cell[cells[j]] = -1;
    free(cells);
    return ok;
}

/* Protection LPs for every measure and both directions, first near the cell, then (if that
 * has no solution) over the whole table. */
static bool protect_by_lp(sdc_problem *problem, size_t cell, cell_set *out, protection_scratch *scratch)
{
    for (size_t pm = 0; pm < problem->protect_count; pm++)
        for (int direction = 1; direction >= -1; direction -= 2) {
            size_t m = problem->protect[pm];
            if (!problem->table->dense_of && protection_lp(problem, cell, m, direction, false, out, scratch))
                continue;
            if (!protection_lp(problem, cell, m, direction, true, out, scratch))
                return false;
        }
    return true;
}

/* ---------------------------------------------------------------- the heuristic */

typedef struct ordered_cell {
    size_t cell;
    double need;
} ordered_cell;

static int by_need_descending(const void *a, const void *b)
{
    const ordered_cell *x = a, *y = b;
    if (x->need != y->need)
        return x->need < y->need ? 1 : -1;
    return x->cell < y->cell ? -1 : x->cell > y->cell;
}

/* The primary cells, the one that needs the widest interval first: the large changes shape
 * the pattern, and the small ones then often fit in what is suppressed already. */
static ordered_cell *primaries_by_need(const sdc_problem *problem, size_t *count)
{
    size_t n = problem->table->cell_count;
    ordered_cell *order = xmalloc((n ? n : 1) * sizeof(ordered_cell));
    size_t primaries = 0;
    for (size_t c = 0; c < n; c++) {
        if (problem->status[c] != SDC_PRIMARY)
            continue;
        double need = 0;
        for (size_t pm = 0; pm < problem->protect_count; pm++) {
            size_t m = problem->protect[pm];
            double scaled = problem->upper_level[m][c];
            need = scaled > need ? scaled : need;
        }
        order[primaries++] = (ordered_cell){c, need};
    }
    qsort(order, primaries, sizeof *order, by_need_descending);
    *count = primaries;
    return order;
}

/* Above this many cells in a neighbourhood the heuristic relies on hypercubes alone (an LP
 * per primary cell would be too slow); the LP still steps in where no hypercube fits. */
enum { LP_NEIGHBOURHOOD_LIMIT = 1000 };

static size_t neighbourhood_size(const sdc_table *table, size_t cell)
{
    if (table->dense_of)
        return table->cell_count;
    size_t total = 1;
    size_t *codes = NULL;
    for (size_t d = 0; d < table->dim_count; d++) {
        codes = xrealloc(codes, (table->dims[d].code_count + 1) * sizeof(size_t));
        total *= neighbourhood_codes(&table->dims[d], sdc_table_code(table, cell, d), codes);
    }
    free(codes);
    return total;
}

bool sdc_past_deadline(sdc_problem *problem)
{
    if (problem->deadline > 0 && sdc_now() > problem->deadline)
        problem->time_limit_reached = true;
    return problem->time_limit_reached;
}

/* Suppress the cheaper of CELL's best hypercube and its protection LPs' cells; false when
 * neither exists. Past the deadline a hypercube is taken without trying the LPs. */
static bool protect_primary(sdc_problem *problem, size_t cell, protection_scratch *scratch)
{
    cell_set_clear(&scratch->cube);
    cell_set_clear(&scratch->flow);
    bool have_cube = best_hypercube(problem, cell, &scratch->cube);
    double cube_cost = have_cube ? cell_set_cost(problem, &scratch->cube) : INFINITY;
    if (have_cube && cube_cost == 0)
        return true; /* protected by what is suppressed already */
    bool hurry = have_cube && sdc_past_deadline(problem);
    if (!hurry && (!have_cube || neighbourhood_size(problem->table, cell) <= LP_NEIGHBOURHOOD_LIMIT)) {
        if (protect_by_lp(problem, cell, &scratch->flow, scratch)) {
            if (cell_set_cost(problem, &scratch->flow) < cube_cost || !have_cube) {
                commit(problem, &scratch->flow);
                return true;
            }
        } else if (!have_cube)
            return false;
    }
    commit(problem, &scratch->cube);
    return true;
}

/* Protection LPs over the whole table for every failure a check found; false (with the
 * cell) when one has no solution. */
static bool repair_failures(sdc_problem *problem, const sdc_findings *findings,
                            protection_scratch *scratch, size_t *failed_cell)
{
    for (size_t i = 0; i < findings->failure_count; i++) {
        const sdc_failure *failure = &findings->failures[i];
        cell_set_clear(&scratch->flow);
        if (!protection_lp(problem, failure->cell, failure->measure, failure->direction, true,
                           &scratch->flow, scratch)) {
            *failed_cell = failure->cell;
            return false;
        }
        commit(problem, &scratch->flow);
    }
    return true;
}

/* Safe by construction; check it anyway where that is affordable, and repair what a check
 * finds. */
static bool verify_and_repair(sdc_problem *problem, protection_scratch *scratch, size_t *failed_cell)
{
    size_t suppressed = 0;
    for (size_t c = 0; c < problem->table->cell_count; c++)
        suppressed += sdc_suppressed(problem->status[c]);
    bool ok = true;
    for (int round = 0; ok && round < 5 && suppressed <= problem->verify_limit; round++) {
        sdc_findings findings = {0};
        size_t failures = sdc_check(problem, &findings);
        ok = repair_failures(problem, &findings, scratch, failed_cell);
        sdc_findings_free(&findings);
        if (failures == 0) {
            problem->verified = true;
            break;
        }
    }
    return ok;
}

bool sdc_protect_heuristic(sdc_problem *problem, size_t *failed_cell)
{
    size_t primaries;
    ordered_cell *order = primaries_by_need(problem, &primaries);
    protection_scratch scratch;
    protection_scratch_init(&scratch, problem->table);
    bool ok = true;
    for (size_t i = 0; i < primaries && ok; i++) {
        ok = protect_primary(problem, order[i].cell, &scratch);
        if (!ok)
            *failed_cell = order[i].cell;
    }
    problem->verified = false;
    if (ok && !sdc_past_deadline(problem))
        ok = verify_and_repair(problem, &scratch, failed_cell);
    protection_scratch_free(&scratch);
    free(order);
    return ok;
}

/* ---------------------------------------------------------------- singletons */

/* One person in CELL, by any of the counts. */
static bool singleton(const sdc_table *table, size_t cell)
{
    for (size_t m = 0; m < table->count_measures; m++)
        if (table->measure[m][cell] == 1)
            return true;
    return false;
}

/* What the person alone in a suppressed cell learns: the other suppressed cell of a constraint
 * with two. That is a disclosure when the other cell is primary, and a step towards one when it
 * is in another constraint too (there it may open a primary cell). A secondary cell of this
 * constraint only tells them nothing more: that constraint holds no other unknown. */
static bool learning_matters(const sdc_problem *problem, const size_t *constraints_of, size_t cell)
{
    return problem->status[cell] == SDC_PRIMARY || constraints_of[cell] > 1;
}

size_t sdc_protect_singletons(sdc_problem *problem)
{
    const sdc_table *table = problem->table;
    size_t added = 0;
    size_t *constraints_of = xcalloc(table->cell_count ? table->cell_count : 1, sizeof(size_t));
    for (size_t i = 0; i < table->constraint_start[table->constraint_count]; i++)
        constraints_of[table->constraint_cell[i]]++;
    bool changed = true;
    /* A new suppression can leave another constraint with two: repeat until none is left. */
    while (changed) {
        changed = false;
        for (size_t k = 0; k < table->constraint_count; k++) {
            size_t first = table->constraint_start[k], last = table->constraint_start[k + 1];
            size_t suppressed = 0, cheapest = SIZE_MAX, pair[2] = {0, 0};
            for (size_t i = first; i < last; i++) {
                size_t cell = table->constraint_cell[i];
                if (sdc_suppressed(problem->status[cell])) {
                    if (suppressed < 2)
                        pair[suppressed] = cell;
                    suppressed++;
                } else if (problem->status[cell] == SDC_PUBLISHED &&
                           (cheapest == SIZE_MAX || problem->cost[cell] < problem->cost[cheapest]))
                    cheapest = cell;
            }
            if (suppressed != 2 || cheapest == SIZE_MAX)
                continue;
            bool exposed = (singleton(table, pair[0]) && learning_matters(problem, constraints_of, pair[1])) ||
                           (singleton(table, pair[1]) && learning_matters(problem, constraints_of, pair[0]));
            if (exposed) {
                problem->status[cheapest] = SDC_SECONDARY;
                added++;
                changed = true;
            }
        }
    }
    free(constraints_of);
    return added;
}

/* ---------------------------------------------------------------- the optimal method */

typedef struct master_problem {
    glp_prob *mip;
    sdc_problem *problem;
    const char *start;     /* statuses before secondary suppression */
    const char *incumbent; /* a protected pattern to start branch and bound from */
    bool offered;
    size_t cell_count;
    double *y;             /* scratch: the current LP solution */
    int separation_rounds; /* fractional separation done in this branch and bound */
} master_problem;

static void add_row(glp_prob *mip, size_t count, const size_t *cells, const double *coefficients)
{
    int row = glp_add_rows(mip, 1);
    glp_set_row_bnds(mip, row, GLP_LO, 1.0, 0.0);
    int *ind = xmalloc((count + 1) * sizeof(int));
    double *val = xmalloc((count + 1) * sizeof(double));
    for (size_t i = 0; i < count; i++) {
        ind[i + 1] = (int)cells[i] + 1;
        val[i + 1] = coefficients[i];
    }
    glp_set_mat_row(mip, row, (int)count, ind, val);
    free(ind);
    free(val);
}

/* The cuts every protected pattern meets within one constraint: a change of the primary
 * cell must be absorbed by other suppressed cells of that constraint, each within what its
 * value allows (a part can fall at most to zero, a total can rise without end). */
static void add_constraint_cuts(const sdc_problem *problem, glp_prob *mip, size_t cell)
{
    const sdc_table *table = problem->table;
    size_t *cells = xmalloc((table->cell_count ? table->cell_count : 1) * sizeof(size_t));
    double *coefficients = xmalloc((table->cell_count ? table->cell_count : 1) * sizeof(double));
    for (size_t pm = 0; pm < problem->protect_count; pm++) {
        size_t m = problem->protect[pm];
        const double *value = table->measure[m];
        for (size_t i = table->incidence_start[cell]; i < table->incidence_start[cell + 1]; i++) {
            size_t k = table->incidence[i];
            size_t first = table->constraint_start[k], last = table->constraint_start[k + 1];
            bool is_total = table->constraint_cell[first] == cell;
            for (int direction = 1; direction >= -1; direction -= 2) {
                double level = direction > 0 ? problem->upper_level[m][cell] : problem->lower_level[m][cell];
                if (level <= 0)
                    continue;
                size_t count = 0;
                for (size_t e = first; e < last; e++) {
                    size_t other = table->constraint_cell[e];
                    if (other == cell || problem->status[other] == SDC_FORCED)
                        continue;
                    /* Does OTHER have to fall (bounded by its value) or may it rise? A
                     * total rises and falls with its parts, a part against the others. */
                    bool other_is_total = e == first;
                    bool falls = is_total || other_is_total ? direction < 0 : direction > 0;
                    double coefficient = falls ? (value[other] >= level ? 1.0 : value[other] / level) : 1.0;
                    if (coefficient <= 0)
                        continue;
                    cells[count] = other;
                    coefficients[count++] = coefficient;
                }
                add_row(mip, count, cells, coefficients);
            }
        }
    }
    free(cells);
    free(coefficients);
}

static bool solve_relaxation(glp_prob *mip)
{
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    return glp_simplex(mip, &parm) == 0 && glp_get_status(mip) == GLP_OPT;
}

static void add_cuts(glp_prob *mip, sdc_problem *problem, sdc_findings *findings)
{
    for (size_t i = 0; i < findings->cut_count; i++) {
        add_row(mip, findings->cuts[i].count, findings->cuts[i].cells, findings->cuts[i].coefficients);
        problem->cuts++;
    }
}

/* Lazy constraints: whenever branch and bound has an LP solution, check it. An integral
 * one is a suppression pattern: the attacker's LP on it either proves it or yields cuts
 * that cut it off. At the root, fractional solutions are separated too. */
static void generate_rows(glp_tree *tree, master_problem *master)
{
    glp_prob *mip = glp_ios_get_prob(tree);
    size_t n = master->cell_count;
    bool integral = true;
    for (size_t c = 0; c < n; c++) {
        master->y[c] = glp_get_col_prim(mip, (int)c + 1);
        if (master->y[c] > 1e-6 && master->y[c] < 1 - 1e-6)
            integral = false;
    }
    sdc_problem *problem = master->problem;
    sdc_findings findings = {0};
    if (integral) {
        for (size_t c = 0; c < n; c++)
            problem->status[c] = master->start[c] == SDC_PUBLISHED && master->y[c] > 0.5 ? SDC_SECONDARY
                                                                                          : master->start[c];
        findings.want_cuts = true;
        sdc_check(problem, &findings);
        memcpy(problem->status, master->start, n);
    } else if (glp_ios_curr_node(tree) == 1 && master->separation_rounds < 50) {
        master->separation_rounds++;
        sdc_separate(problem, master->y, &findings);
    }
    add_cuts(mip, problem, &findings);
    sdc_findings_free(&findings);
}

static void master_callback(glp_tree *tree, void *info)
{
    master_problem *master = info;
    switch (glp_ios_reason(tree)) {
    case GLP_IROWGEN:
        generate_rows(tree, master);
        break;
    case GLP_IHEUR:
        if (!master->offered && master->incumbent) {
            master->offered = true;
            double *x = xmalloc((master->cell_count + 1) * sizeof(double));
            for (size_t c = 0; c < master->cell_count; c++)
                x[c + 1] = sdc_suppressed(master->incumbent[c]) ? 1.0 : 0.0;
            glp_ios_heur_sol(tree, x);
            free(x);
        }
        break;
    default:
        break;
    }
}

typedef enum { MASTER_OPTIMAL, MASTER_FEASIBLE, MASTER_FAILED } master_result;

/* Solve the master MIP: optimal, a solution when time ran out, or none. */
static master_result solve_master(sdc_problem *problem, master_problem *master, double deadline)
{
    if (!solve_relaxation(master->mip))
        return MASTER_FAILED;
    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_OFF;
    parm.cb_func = master_callback;
    parm.cb_info = master;
    /* GLPK's own rounding heuristics would propose patterns without asking the lazy
     * constraints; the result is checked afterwards anyway, but they waste time. */
    parm.fp_heur = parm.ps_heur = parm.sr_heur = GLP_OFF;
    parm.gmi_cuts = parm.mir_cuts = parm.cov_cuts = parm.clq_cuts = GLP_ON;
    parm.br_tech = GLP_BR_PCH;
    parm.bt_tech = GLP_BT_BLB;
    if (deadline > 0) {
        double left = deadline - sdc_now();
        if (left <= 0)
            return MASTER_FAILED;
        parm.tm_lim = left > 2e6 ? 2000000000 : (int)(left * 1000);
    }
    master->offered = false;
    master->separation_rounds = 0;
    int ret = glp_intopt(master->mip, &parm);
    problem->mip_solves++;
    int status = glp_mip_status(master->mip);
    if (ret == 0 && status == GLP_OPT)
        return MASTER_OPTIMAL;
    return status == GLP_FEAS ? MASTER_FEASIBLE : MASTER_FAILED;
}

static double pattern_cost(const sdc_problem *problem, const char *status)
{
    double cost = 0;
    for (size_t c = 0; c < problem->table->cell_count; c++)
        if (status[c] == SDC_SECONDARY)
            cost += problem->cost[c];
    return cost;
}

bool sdc_protect_optimal(sdc_problem *problem, size_t *failed_cell)
{
    const sdc_table *table = problem->table;
    size_t n = table->cell_count;
    if (problem->deadline <= 0 && problem->time_limit > 0)
        problem->deadline = sdc_now() + problem->time_limit;
    double deadline = problem->deadline;
    problem->proven_optimal = false;

    /* A protected pattern first: the answer if the MIP cannot improve on it in time. */
    char *start = xmalloc(n ? n : 1);
    memcpy(start, problem->status, n);
    if (!sdc_protect_heuristic(problem, failed_cell)) {
        free(start);
        return false;
    }
    char *heuristic = xmalloc(n ? n : 1);
    memcpy(heuristic, problem->status, n);

    master_problem master = {0};
    master.cell_count = n;
    master.incumbent = heuristic;
    master.mip = glp_create_prob();
    glp_set_obj_dir(master.mip, GLP_MIN);
    glp_add_cols(master.mip, (int)n);
    for (size_t c = 0; c < n; c++) {
        int col = (int)c + 1;
        glp_set_col_kind(master.mip, col, GLP_BV);
        /* Primary cells and cells given as suppressed (a pattern found with linked tables) are
         * suppressed whatever the MIP does: fixed, and free of cost. */
        bool given = sdc_suppressed(start[c]);
        if (given)
            glp_set_col_bnds(master.mip, col, GLP_FX, 1.0, 1.0);
        else if (start[c] == SDC_FORCED)
            glp_set_col_bnds(master.mip, col, GLP_FX, 0.0, 0.0);
        glp_set_obj_coef(master.mip, col, given ? 0.0 : problem->cost[c]);
    }
    for (size_t c = 0; c < n; c++)
        if (start[c] == SDC_PRIMARY)
            add_constraint_cuts(problem, master.mip, c);

    bool done = false;
    master.problem = problem;
    master.start = start;
    master.y = xmalloc((n ? n : 1) * sizeof(double));
    bool timed_out = false;
    while (!done && !timed_out) {
        master_result result = solve_master(problem, &master, deadline);
        if (result == MASTER_FAILED)
            break;
        timed_out = result == MASTER_FEASIBLE;
        for (size_t c = 0; c < n; c++) {
            bool on = glp_mip_col_val(master.mip, (int)c + 1) > 0.5;
            problem->status[c] = start[c] == SDC_PUBLISHED && on ? SDC_SECONDARY : start[c];
        }
        /* The lazy constraints have seen this pattern; check it once more all the same. */
        sdc_findings findings = {0};
        findings.want_cuts = true;
        bool safe = sdc_check(problem, &findings) == 0;
        if (safe && timed_out) {
            /* The best pattern found in the time: keep it if it beats the heuristic's. */
            if (pattern_cost(problem, problem->status) < pattern_cost(problem, heuristic))
                memcpy(heuristic, problem->status, n);
        } else if (safe)
            done = true;
        add_cuts(master.mip, problem, &findings);
        sdc_findings_free(&findings);
    }
    free(master.y);
    if (done)
        problem->proven_optimal = true;
    else {
        memcpy(problem->status, heuristic, n);
        problem->time_limit_reached |= timed_out || sdc_past_deadline(problem);
    }
    glp_delete_prob(master.mip);
    free(start);
    free(heuristic);
    return true;
}
