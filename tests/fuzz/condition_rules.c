/* condition_rules.c (fuzz harness): condition_rules_load on arbitrary rules files (the shipped
 * iza-conditions.csv is a seed). Properties: a bad file stops with status 2 (1 for what
 * the record layer refuses in the header) and a located message; a loaded file satisfies every
 * documented rule (ids, contiguous groups and subgroups, one code system, valid normalised
 * rule codes, no code twice in a subgroup, lookback and age ranges, unique output columns); a
 * code is found by lookup (a DCSPH rule code by a code its wildcards match); and the rules written back as a canonical file load to the same rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "condition_rules.h"
#include "fuzz_support.h"
#include "message.h"
#include "record.h"

static void load(void *context) { *(condition_rules **)context = condition_rules_load("-"); }

static bool valid_id(const char *id)
{
    size_t length = strlen(id);
    if (length == 0 || length > 64 || id[0] < 'a' || id[0] > 'z')
        return false;
    for (size_t i = 1; i < length; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '_'))
            return false;
    return true;
}

static bool reserved(const char *name)
{
    return !strcmp(name, "multimorbidity") || !strcmp(name, "condition") || !strcmp(name, "subgroup");
}

/* A rule code is found by the lookup of the codes it matches: itself, or for DCSPH the code with
 * 0 for each X; everything found matches the code (a prefix, or a pattern that agrees on its digits). */
static void check_lookup(const condition_rules *rules, const condition_code *entry, size_t length)
{
    char code[CODE_MAX_LENGTH + 1];
    memcpy(code, entry->code, length + 1);
    bool wildcards = rules->system == CODE_SYSTEM_DCSPH;
    for (size_t i = 0; wildcards && i < length; i++)
        code[i] = code[i] == 'X' ? '0' : code[i];
    const condition_code *found[CODE_MAX_MATCHES];
    size_t n = condition_rules_lookup(rules, code, length, found);
    bool found_entry = false;
    for (size_t i = 0; i < n; i++) {
        found_entry |= found[i] == entry;
        bool matches = wildcards ? strlen(found[i]->code) == 4 : strncmp(found[i]->code, code, strlen(found[i]->code)) == 0;
        for (size_t c = 0; wildcards && c < 4; c++)
            matches &= found[i]->code[c] == 'X' || found[i]->code[c] == code[c];
        FUZZ_CHECK(matches, "lookup of '%s' found '%s', which does not match it", code, found[i]->code);
    }
    FUZZ_CHECK(found_entry && (wildcards || found[0] == entry), "code '%s' is not found by lookup", entry->code);
}

static void check_groups(const condition_rules *rules)
{
    FUZZ_CHECK(rules->group_count >= 1 && rules->rule_count >= 1, "no groups or rules");
    size_t next_subgroup = 0;
    for (size_t g = 0; g < rules->group_count; g++) {
        const condition_group *group = &rules->groups[g];
        FUZZ_CHECK(valid_id(group->id) && !reserved(group->id), "group id '%s'", group->id);
        for (size_t h = 0; h < g; h++)
            FUZZ_CHECK(strcmp(rules->groups[h].id, group->id) != 0, "group '%s' twice", group->id);
        FUZZ_CHECK(group->first_subgroup == next_subgroup && group->subgroup_count >= 1,
                   "subgroups of '%s' not contiguous", group->id);
        next_subgroup += group->subgroup_count;
        bool named = rules->subgroups[group->first_subgroup].id[0] != '\0';
        FUZZ_CHECK(named || group->subgroup_count == 1, "'%s': more than one unnamed subgroup", group->id);
        for (size_t s = group->first_subgroup; s < next_subgroup; s++) {
            const condition_subgroup *subgroup = &rules->subgroups[s];
            FUZZ_CHECK(subgroup->group == g, "subgroup %zu in the wrong group", s);
            FUZZ_CHECK((subgroup->id[0] != '\0') == named, "'%s' mixes named and unnamed", group->id);
            FUZZ_CHECK(!named || valid_id(subgroup->id), "subgroup id '%s'", subgroup->id);
            FUZZ_CHECK(named || subgroup->label[0] == '\0', "an unnamed subgroup with a label");
            FUZZ_CHECK(subgroup->min_age >= -1 && subgroup->min_age <= 150, "min_age %d", subgroup->min_age);
            FUZZ_CHECK((subgroup->column != NULL) == named, "column name of '%s'", subgroup->id);
            if (!named)
                continue;
            char column[160];
            snprintf(column, sizeof column, "%s_%s", group->id, subgroup->id);
            FUZZ_CHECK(strcmp(column, subgroup->column) == 0 && !reserved(column), "column '%s'",
                       subgroup->column);
            for (size_t h = 0; h < rules->group_count; h++)
                FUZZ_CHECK(strcmp(rules->groups[h].id, column) != 0, "column '%s' is a group too", column);
            for (size_t t = 0; t < s; t++)
                FUZZ_CHECK(!rules->subgroups[t].column || strcmp(rules->subgroups[t].column, column) != 0,
                           "column '%s' twice", column);
        }
    }
    FUZZ_CHECK(next_subgroup == rules->subgroup_count, "subgroups outside any group");
}

static void check_rules_and_codes(const condition_rules *rules)
{
    bool age_rules = false;
    for (size_t s = 0; s < rules->subgroup_count; s++)
        age_rules |= rules->subgroups[s].min_age >= 0;
    FUZZ_CHECK(age_rules == rules->has_age_rules, "has_age_rules is wrong");
    size_t *codes_per_rule = xcalloc(rules->rule_count, sizeof(size_t));
    for (size_t r = 0; r < rules->rule_count; r++) {
        const condition_rule *rule = &rules->rules[r];
        FUZZ_CHECK(rule->subgroup < rules->subgroup_count, "rule %zu: subgroup %zu", r, rule->subgroup);
        FUZZ_CHECK(rules->subgroups[rule->subgroup].min_age == -1, "code rules in an age subgroup");
        FUZZ_CHECK(rule->lookback_years >= 0 && rule->lookback_years <= 100, "lookback %d",
                   rule->lookback_years);
        FUZZ_CHECK(r == 0 || rule->line > rules->rules[r - 1].line, "rules out of file order");
    }
    FUZZ_CHECK(HASH_COUNT(rules->codes) == rules->code_count, "code_count is wrong");
    for (const condition_code *entry = rules->codes; entry; entry = entry->hh.next) {
        size_t length = strlen(entry->code);
        char normalised[CODE_MAX_LENGTH + 1];
        FUZZ_CHECK(code_normalise(entry->code, length, normalised) == (int)length &&
                       strcmp(normalised, entry->code) == 0 &&
                       code_rule_is_valid(rules->system, entry->code, length),
                   "code '%s' is not a normalised %s code", entry->code, code_system_name(rules->system));
        FUZZ_CHECK(entry->rule_count >= 1, "code '%s' without rules", entry->code);
        for (size_t i = 0; i < entry->rule_count; i++) {
            FUZZ_CHECK(entry->rules[i] < rules->rule_count, "code '%s': rule %zu", entry->code, entry->rules[i]);
            codes_per_rule[entry->rules[i]]++;
            for (size_t j = 0; j < i; j++)
                FUZZ_CHECK(rules->rules[entry->rules[i]].subgroup != rules->rules[entry->rules[j]].subgroup,
                           "code '%s' twice in one subgroup", entry->code);
        }
        check_lookup(rules, entry, length);
    }
    for (size_t r = 0; r < rules->rule_count; r++)
        FUZZ_CHECK(codes_per_rule[r] >= 1, "rule %zu has no codes", r);
    free(codes_per_rule);
}

/* ---------------------------------------------------------------- canonical file */

typedef struct line_item {
    long line;
    bool is_rule;
    size_t index; /* rule or subgroup */
} line_item;

static int by_line(const void *a, const void *b)
{
    long x = ((const line_item *)a)->line, y = ((const line_item *)b)->line;
    return (x > y) - (x < y);
}

static void write_canonical(void *context)
{
    const condition_rules *rules = context;
    static const char *const header[] = {"condition", "condition_label", "subgroup", "subgroup_label",
                                         "code_system", "codes", "lookback_years", "min_age"};
    record_writer *writer = record_writer_open(NULL, ',');
    for (size_t i = 0; i < 8; i++)
        record_writer_field_str(writer, header[i]);
    record_writer_end(writer);
    /* Rows in file order: the code rules and the age rules. */
    line_item *items = xmalloc((rules->rule_count + rules->subgroup_count) * sizeof *items);
    size_t count = 0;
    for (size_t r = 0; r < rules->rule_count; r++)
        items[count++] = (line_item){rules->rules[r].line, true, r};
    for (size_t s = 0; s < rules->subgroup_count; s++)
        if (rules->subgroups[s].min_age >= 0)
            items[count++] = (line_item){rules->subgroups[s].line, false, s};
    qsort(items, count, sizeof *items, by_line);
    char *codes = NULL;
    size_t codes_capacity = 0;
    for (size_t i = 0; i < count; i++) {
        size_t s = items[i].is_rule ? rules->rules[items[i].index].subgroup : items[i].index;
        const condition_subgroup *subgroup = &rules->subgroups[s];
        const condition_group *group = &rules->groups[subgroup->group];
        record_writer_field_str(writer, group->id);
        record_writer_field_str(writer, group->label);
        record_writer_field_str(writer, subgroup->id);
        record_writer_field_str(writer, subgroup->label);
        char number[32];
        if (items[i].is_rule) {
            size_t used = 0;
            for (const condition_code *entry = rules->codes; entry; entry = entry->hh.next)
                for (size_t k = 0; k < entry->rule_count; k++)
                    if (entry->rules[k] == items[i].index) {
                        size_t length = strlen(entry->code);
                        if (used + length + 2 > codes_capacity) {
                            codes_capacity = 2 * (used + length + 2);
                            codes = xrealloc(codes, codes_capacity);
                        }
                        if (used)
                            codes[used++] = ' ';
                        memcpy(codes + used, entry->code, length + 1);
                        used += length;
                    }
            record_writer_field_str(writer, code_system_name(rules->system));
            record_writer_field_str(writer, codes);
            snprintf(number, sizeof number, "%d", rules->rules[items[i].index].lookback_years);
            record_writer_field_str(writer, number);
            record_writer_field_str(writer, "");
        } else {
            record_writer_field_str(writer, "");
            record_writer_field_str(writer, "");
            record_writer_field_str(writer, "");
            snprintf(number, sizeof number, "%d", subgroup->min_age);
            record_writer_field_str(writer, number);
        }
        record_writer_end(writer);
    }
    free(codes);
    free(items);
    record_writer_close(writer);
}

static const condition_code *find_code(const condition_rules *rules, const char *code)
{
    const condition_code *entry;
    HASH_FIND(hh, rules->codes, code, strlen(code), entry);
    return entry;
}

static void check_same_rules(const condition_rules *a, const condition_rules *b)
{
    FUZZ_CHECK(a->group_count == b->group_count && a->subgroup_count == b->subgroup_count &&
                   a->rule_count == b->rule_count && a->code_count == b->code_count &&
                   a->has_age_rules == b->has_age_rules,
               "the canonical file has other counts");
    FUZZ_CHECK(a->system == b->system || !a->rule_count, "the code system changed");
    for (size_t g = 0; g < a->group_count; g++)
        FUZZ_CHECK(!strcmp(a->groups[g].id, b->groups[g].id) && !strcmp(a->groups[g].label, b->groups[g].label) &&
                       a->groups[g].first_subgroup == b->groups[g].first_subgroup &&
                       a->groups[g].subgroup_count == b->groups[g].subgroup_count,
                   "group %zu changed", g);
    for (size_t s = 0; s < a->subgroup_count; s++) {
        const condition_subgroup *x = &a->subgroups[s], *y = &b->subgroups[s];
        FUZZ_CHECK(!strcmp(x->id, y->id) && !strcmp(x->label, y->label) && x->group == y->group &&
                       x->min_age == y->min_age && (x->column == NULL) == (y->column == NULL) &&
                       (!x->column || !strcmp(x->column, y->column)),
                   "subgroup %zu changed", s);
    }
    for (size_t r = 0; r < a->rule_count; r++)
        FUZZ_CHECK(a->rules[r].subgroup == b->rules[r].subgroup &&
                       a->rules[r].lookback_years == b->rules[r].lookback_years,
                   "rule %zu changed", r);
    for (const condition_code *x = a->codes; x; x = x->hh.next) {
        const condition_code *y = find_code(b, x->code);
        FUZZ_CHECK(y && y->rule_count == x->rule_count, "code '%s' changed", x->code);
        for (size_t i = 0; i < x->rule_count; i++) {
            bool present = false;
            for (size_t j = 0; j < y->rule_count; j++)
                present |= y->rules[j] == x->rules[i];
            FUZZ_CHECK(present, "code '%s' lost rule %zu", x->code, x->rules[i]);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    fuzz_set_stdin(data, size);
    condition_rules *rules = NULL;
    if (!fuzz_try(load, &rules)) {
        int status = fuzz_die_status();
        const char *message = fuzz_messages();
        FUZZ_CHECK(status == 2 || status == 1, "a bad rules file gives status %d: %s", status, message);
        FUZZ_CHECK(strncmp(message, "koppel-fuzz: -", 14) == 0, "message without the file: %s", message);
        if (status == 1)
            FUZZ_CHECK(strstr(message, "header") || strstr(message, "empty input"),
                       "status 1 for a rules problem past the header: %s", message);
        return 0;
    }
    check_groups(rules);
    check_rules_and_codes(rules);

    fuzz_capture_begin();
    bool wrote = fuzz_try(write_canonical, rules);
    size_t length;
    char *canonical = fuzz_capture_end(&length);
    FUZZ_CHECK(wrote, "writing the canonical file stopped: %s", fuzz_messages());
    fuzz_set_stdin((const uint8_t *)canonical, length);
    condition_rules *again = NULL;
    FUZZ_CHECK(fuzz_try(load, &again), "the canonical file does not load: %s\n%s", fuzz_messages(), canonical);
    check_same_rules(rules, again);
    condition_rules_free(again);
    condition_rules_free(rules);
    free(canonical);
    return 0;
}
