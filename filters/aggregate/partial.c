/* partial.c: the partial@v2 format (partial.h). A partial file has the group columns, then the
 * marker column partial@v2:MARGINS (g or t per group column), then NAME@PART columns per
 * statistic, in the order the statistics were given; each statistic writes and parses its own
 * parts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partial.h"

static const char *const margin_names[] = {[MARGINS_NONE] = "none", [MARGINS_CUBE] = "totals",
                                           [MARGINS_ROLLUP] = "rollup"};

char *partial_marker(margin_kind margins)
{
    return concatenate(PARTIAL_MARKER, ":", margin_names[margins]);
}

/* How a message names the margins a partial was written with. */
static const char *margins_described(margin_kind margins)
{
    return margins == MARGINS_CUBE ? "with --totals" : margins == MARGINS_ROLLUP ? "with --rollup" : "without margins";
}

size_t partial_state_names(const statistic *s, char **names)
{
    const statistic_kind *kind = &statistic_kinds[s->kind];
    for (size_t p = 0; p < kind->part_count; p++)
        names[p] = concatenate(s->output_name, "@", s->disjoint ? "disjoint" : kind->parts[p]);
    return kind->part_count;
}

void partial_write_cell(aggregate *a, const cell *c, text_buffer *buffer)
{
    record_writer_field(a->ctx.out, cell_key(c), a->group_count);
    for (size_t i = 0; i < a->stats.count; i++) {
        const statistic *s = &a->stats.items[i];
        statistic_kinds[s->kind].write_state(a->ctx.out, s, c, buffer);
    }
}

/* The kind of a statistic from its output name: "count", PREFIX_COLUMN or topN_COLUMN
 * (STAT_KINDS when none); *TOP_COUNT gets the N of --top. */
static stat_kind kind_of_output(const char *output, const char *underscore, size_t *top_count)
{
    *top_count = 0;
    if (output && strcmp(output, "count") == 0)
        return STAT_COUNT;
    if (!underscore || !underscore[1])
        return STAT_KINDS;
    size_t prefix_length = (size_t)(underscore - output);
    for (int k = 0; k < STAT_KINDS; k++)
        if (k != STAT_COUNT && k != STAT_TOP && strlen(statistic_kinds[k].prefix) == prefix_length &&
            memcmp(statistic_kinds[k].prefix, output, prefix_length) == 0)
            return (stat_kind)k;
    if (prefix_length > 3 && memcmp(output, "top", 3) == 0 && output[3] != '0') {
        char *end;
        long n = strtol(output + 3, &end, 10);
        if (end == underscore && n >= 1 && n <= TOP_LIMIT) {
            *top_count = (size_t)n;
            return STAT_TOP;
        }
    }
    return STAT_KINDS;
}

/* Whether the columns from FIELDS on are the parts of a statistic of KIND named OUTPUT. */
static bool parts_match(const record_t *header, size_t first, stat_kind kind, const char *output, bool disjoint)
{
    if (kind == STAT_KINDS || first + statistic_kinds[kind].part_count > header->count)
        return false;
    for (size_t p = 0; p < statistic_kinds[kind].part_count; p++) {
        const char *expected = disjoint ? "disjoint" : statistic_kinds[kind].parts[p];
        const char *actual = header->fields[first + p];
        size_t length = strlen(output);
        if (strncmp(actual, output, length) != 0 || actual[length] != '@' || strcmp(actual + length + 1, expected) != 0)
            return false;
    }
    return true;
}

/* The statistics, from the columns after the marker. */
static void read_statistics(aggregate *a, const record_t *header, size_t marker, const char *name)
{
    for (size_t i = marker + 1; i < header->count;) {
        const char *column = header->fields[i];
        const char *at = strrchr(column, '@');
        char *output = at ? xstrndup(column, (size_t)(at - column)) : NULL;
        const char *underscore = output ? strchr(output, '_') : NULL;
        size_t top_count;
        stat_kind kind = kind_of_output(output, underscore, &top_count);
        bool disjoint = kind == STAT_DISTINCT && strcmp(at + 1, "disjoint") == 0;
        if (!parts_match(header, i, kind, output, disjoint))
            message_die(EXIT_USAGE, "%s: column '%s' is not one koppel aggregate --partial writes here", name,
                        column);
        statistic *s = statistic_set_add(&a->stats, kind, kind == STAT_COUNT ? NULL : underscore + 1);
        free(s->output_name);
        s->output_name = output;
        s->top_count = top_count;
        s->disjoint = disjoint;
        i += statistic_kinds[kind].part_count;
    }
}

/* The margins named by a marker column; a marker of another version or shape stops the run. */
static margin_kind margins_of_marker(const char *marker, const char *name)
{
    size_t length = strlen(PARTIAL_MARKER);
    if (strncmp(marker, PARTIAL_MARKER, length) == 0 && marker[length] == ':')
        for (int m = MARGINS_NONE; m <= MARGINS_ROLLUP; m++)
            if (strcmp(marker + length + 1, margin_names[m]) == 0)
                return (margin_kind)m;
    if (strcmp(marker, "partial@v1") == 0)
        message_die(EXIT_USAGE, "%s is in the format partial@v1 of an older koppel aggregate, which does not "
                                "record the options it was made with; this version merges %s only: write the "
                                "partial again with this version's --partial",
                    name, PARTIAL_MARKER);
    message_die(EXIT_USAGE, "%s: its marker column is not one koppel aggregate --partial writes (expected "
                            "%s:none, %s:totals or %s:rollup)",
                name, PARTIAL_MARKER, PARTIAL_MARKER, PARTIAL_MARKER);
}

void partial_read_header(aggregate *a, record_reader *reader)
{
    const record_t *header = record_reader_header(reader);
    const char *name = record_reader_name(reader);
    long marker = -1;
    for (size_t i = 0; i < header->count && marker < 0; i++)
        if (strncmp(header->fields[i], PARTIAL_PREFIX, strlen(PARTIAL_PREFIX)) == 0)
            marker = (long)i;
    if (marker < 0)
        message_die(EXIT_USAGE, "%s is not a partial result of koppel aggregate (it has no column %s:MARGINS; "
                                "write one with --partial)",
                    name, PARTIAL_MARKER);
    a->partial_margins = margins_of_marker(header->fields[marker], name);
    a->group_count = (size_t)marker;
    a->group_columns = xmalloc((a->group_count + 1) * sizeof(char *));
    for (size_t i = 0; i < a->group_count; i++)
        a->group_columns[i] = xstrdup(header->fields[i]);
    read_statistics(a, header, (size_t)marker, name);
    a->header_count = header->count;
    a->header_names = xmalloc((header->count + 1) * sizeof(char *));
    for (size_t i = 0; i < header->count; i++)
        a->header_names[i] = xstrdup(header->fields[i]);
}

void partial_check_same_header(const aggregate *a, record_reader *reader, const char *first)
{
    const record_t *header = record_reader_header(reader);
    bool same = header->count == a->header_count;
    for (size_t i = 0; same && i < header->count; i++)
        same = strcmp(header->fields[i], a->header_names[i]) == 0;
    if (same)
        return;
    const char *name = record_reader_name(reader);
    size_t marker = a->group_count;
    if (header->count == a->header_count && strncmp(header->fields[marker], PARTIAL_PREFIX, strlen(PARTIAL_PREFIX)) == 0) {
        margin_kind margins = margins_of_marker(header->fields[marker], name);
        if (margins != a->partial_margins)
            message_die(EXIT_USAGE, "%s was written %s and %s %s: partial results to merge must come from runs "
                                    "with the same options (margins may be added by the --merge, to partials "
                                    "without any)",
                        first, margins_described(a->partial_margins), name, margins_described(margins));
    }
    if (!same)
        message_die(EXIT_USAGE, "%s: its columns differ from those of %s: partial results to merge must come "
                                "from the same statistics and group columns",
                    name, first);
}

/* All totals of all partials carry one label. */
static void check_total_label(aggregate *a, const char *label)
{
    if (!a->merge_label)
        a->merge_label = xstrdup(label);
    else if (strcmp(a->merge_label, label) != 0)
        message_die(EXIT_USAGE, "the partial files label their totals differently ('%s' and '%s')",
                    a->merge_label, label);
}

/* The key of a partial row into a->key; false (with a reason) when the marker or a total is
 * malformed. */
static bool partial_row_key(aggregate *a, const record_t *record, size_t *key_length, const char **reason)
{
    size_t marker = a->group_count;
    *reason = "not one g or t per group column";
    if (record->lengths[marker] != a->group_count)
        return false;
    size_t length = a->group_count;
    for (size_t i = 0; i < a->group_count; i++)
        length += record->lengths[i] + 1;
    reserve_key(a, length);
    char *p = a->key + a->group_count;
    for (size_t i = 0; i < a->group_count; i++) {
        char flag = record->fields[marker][i];
        if (flag != 'g' && flag != 't')
            return false;
        a->key[i] = flag;
        if (flag == 't') {
            if (a->partial_margins == MARGINS_NONE) {
                *reason = "a total in a partial written without margins";
                return false;
            }
            if (record->lengths[i] == 0) {
                *reason = "a total without a label";
                return false;
            }
            check_total_label(a, record->fields[i]);
        } else {
            memcpy(p, record->fields[i], record->lengths[i]);
            p += record->lengths[i];
        }
        *p++ = '\0';
    }
    *key_length = (size_t)(p - a->key);
    return true;
}

/* Each statistic's state into the scratch cell; false (after rejecting the row) when one is
 * not a state --partial writes. */
static bool parse_states(aggregate *a, record_reader *reader, const record_t *record)
{
    const record_t *header = record_reader_header(reader);
    statistics_clear(&a->stats, a->scratch);
    size_t field = a->group_count + 1;
    for (size_t i = 0; i < a->stats.count; i++) {
        statistic *s = &a->stats.items[i];
        size_t bad = 0;
        if (!statistic_kinds[s->kind].parse_state(s, a->scratch, record->fields + field, record->lengths + field,
                                                  &bad)) {
            koppel_reject(&a->ctx, reader, record, "column '%s': not a state koppel aggregate --partial writes",
                          header->fields[field + bad]);
            return false;
        }
        field += statistic_kinds[s->kind].part_count;
    }
    return true;
}

bool partial_merge_row(aggregate *a, record_reader *reader, const record_t *record)
{
    size_t key_length;
    const char *reason = NULL;
    if (!partial_row_key(a, record, &key_length, &reason)) {
        koppel_reject(&a->ctx, reader, record, "column '%s': %s", record_reader_header(reader)->fields[a->group_count],
                      reason);
        return false;
    }
    if (!parse_states(a, reader, record))
        return false;
    cell *target = find_cell(a, a->key, key_length);
    statistics_merge(&a->stats, target, a->scratch);
    size_t field = a->group_count + 1;
    for (size_t i = 0; i < a->stats.count; i++) {
        statistic *s = &a->stats.items[i];
        if (statistic_kinds[s->kind].merge_fields)
            statistic_kinds[s->kind].merge_fields(s, target, record->fields + field, record->lengths + field);
        field += statistic_kinds[s->kind].part_count;
    }
    return true;
}

void partial_check_margins(aggregate *a)
{
    bool has_totals = false;
    for (cell *c = a->cells; c && !has_totals; c = c->hh.next)
        has_totals = is_total(a, c);
    if (a->margins == MARGINS_NONE) {
        if (a->merge_label)
            a->label = a->merge_label;
        return;
    }
    if (has_totals || a->partial_margins != MARGINS_NONE)
        message_die(EXIT_USAGE, "the partial files already contain totals; merge them without --totals or --rollup");
    if (a->group_count == 0)
        koppel_usage_error(&a->ctx, "--totals and --rollup need group columns");
    if (a->margins == MARGINS_CUBE && a->group_count > CUBE_LIMIT)
        koppel_usage_error(&a->ctx, "--totals takes at most %d group columns", CUBE_LIMIT);
    for (size_t i = 0; i < a->stats.count; i++)
        if (a->stats.items[i].disjoint)
            message_die(EXIT_USAGE, "column '%s': totals of distinct counts need the sets of values, which "
                                    "partials written with --split-by do not keep; add the totals in the "
                                    "--partial runs",
                        a->stats.items[i].output_name);
}
