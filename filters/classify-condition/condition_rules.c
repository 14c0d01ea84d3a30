/* condition_rules.c: loading and validating condition rule files, and the hash lookup of a
 * code's prefixes or wildcard patterns (see condition_rules.h). */
#include "condition_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "message.h"
#include "number.h"
#include "record.h"

/* A bad rules file is a configuration error. */
enum { RULES_ERROR = 2, ID_MAX_LENGTH = 64, MAX_LOOKBACK_YEARS = 100, MAX_AGE = 150 };

enum column_kind {
    COLUMN_CONDITION, COLUMN_CONDITION_LABEL, COLUMN_SUBGROUP, COLUMN_SUBGROUP_LABEL,
    COLUMN_CODE_SYSTEM, COLUMN_CODES, COLUMN_DURATION, COLUMN_LOOKBACK_YEARS, COLUMN_MIN_AGE,
    COLUMN_NOTE, COLUMN_KINDS
};

static const struct {
    const char *name;
    bool required;
} rule_columns[COLUMN_KINDS] = {
    {"condition", true},       {"condition_label", false}, {"subgroup", true},
    {"subgroup_label", false}, {"code_system", true},      {"codes", true},
    {"duration", false},       {"lookback_years", true},   {"min_age", true},
    {"note", false},
};

/* What the loader keeps while it reads. */
typedef struct rules_loader {
    condition_rules *rules;
    const char *path;
    long columns[COLUMN_KINDS]; /* index in the file, -1 when absent */
    bool system_known;
    long system_line;
    size_t group_capacity, subgroup_capacity, rule_capacity;
} rules_loader;

static void rules_bad_record(void *context, record_reader *reader, const record_t *record,
                             const char *reason)
{
    (void)context;
    message_die_at(RULES_ERROR, record_reader_name(reader), record->line, "%s", reason);
}

bool condition_rules_reserved_name(const char *name)
{
    return strcmp(name, "multimorbidity") == 0 || strcmp(name, "condition") == 0 ||
           strcmp(name, "subgroup") == 0;
}

/* ---------------------------------------------------------------- fields */

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* The field of column KIND without surrounding blanks, copied into an allocated string
 * (empty when the column is absent). */
static char *rule_field(const rules_loader *loader, const record_t *record, enum column_kind kind)
{
    if (loader->columns[kind] < 0)
        return xstrdup("");
    const char *text = record->fields[loader->columns[kind]];
    size_t length = record->lengths[loader->columns[kind]];
    while (length > 0 && is_space(*text))
        text++, length--;
    while (length > 0 && is_space(text[length - 1]))
        length--;
    return xstrndup(text, length);
}

static bool valid_id(const char *id)
{
    size_t length = strlen(id);
    if (length == 0 || length > ID_MAX_LENGTH || !(id[0] >= 'a' && id[0] <= 'z'))
        return false;
    for (size_t i = 1; i < length; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '_'))
            return false;
    return true;
}

/* An optional whole number in [0, MAXIMUM]; -1 when the field is empty. */
static int rule_number(const rules_loader *loader, long line, const char *column, const char *text,
                       int maximum)
{
    if (*text == '\0')
        return -1;
    int64_t value;
    if (!number_parse_int64(text, strlen(text), &value) || value < 0 || value > maximum)
        message_die_at(RULES_ERROR, loader->path, line,
                       "column '%s': '%s' is not a whole number from 0 to %d", column, text, maximum);
    return (int)value;
}

/* ---------------------------------------------------------------- header */

static void resolve_rule_columns(rules_loader *loader, const record_reader *reader)
{
    const record_t *header = record_reader_header(reader);
    for (int kind = 0; kind < COLUMN_KINDS; kind++)
        loader->columns[kind] = -1;
    for (size_t i = 0; i < header->count; i++) {
        int kind = 0;
        while (kind < COLUMN_KINDS && strcmp(header->fields[i], rule_columns[kind].name) != 0)
            kind++;
        if (kind == COLUMN_KINDS)
            message_die_at(RULES_ERROR, loader->path, 1,
                           "unknown column '%s' in a rules file; the columns are condition, "
                           "condition_label, subgroup, subgroup_label, code_system, codes, duration, "
                           "lookback_years, min_age and note",
                           header->fields[i]);
        loader->columns[kind] = (long)i;
    }
    for (int kind = 0; kind < COLUMN_KINDS; kind++)
        if (rule_columns[kind].required && loader->columns[kind] < 0)
            message_die_at(RULES_ERROR, loader->path, 1, "a rules file needs the column '%s'",
                           rule_columns[kind].name);
}

/* ---------------------------------------------------------------- groups and subgroups */

/* The group for ID: the current (last) one, or a new one; a condition whose rows are not
 * contiguous is an error. */
static size_t group_for(rules_loader *loader, long line, char *id, char *label)
{
    condition_rules *rules = loader->rules;
    if (rules->group_count > 0 && strcmp(rules->groups[rules->group_count - 1].id, id) == 0) {
        condition_group *group = &rules->groups[rules->group_count - 1];
        if (strcmp(group->label, label) != 0)
            message_die_at(RULES_ERROR, loader->path, line,
                           "condition '%s' has another condition_label than on line %ld", id,
                           group->line);
        free(id);
        free(label);
        return rules->group_count - 1;
    }
    for (size_t i = 0; i < rules->group_count; i++)
        if (strcmp(rules->groups[i].id, id) == 0)
            message_die_at(RULES_ERROR, loader->path, line,
                           "condition '%s' appeared already on line %ld: keep a condition's rows together",
                           id, rules->groups[i].line);
    if (rules->group_count == loader->group_capacity) {
        loader->group_capacity = loader->group_capacity ? loader->group_capacity * 2 : 16;
        rules->groups = xrealloc(rules->groups, loader->group_capacity * sizeof *rules->groups);
    }
    condition_group *group = &rules->groups[rules->group_count];
    *group = (condition_group){.id = id, .label = label, .first_subgroup = rules->subgroup_count,
                               .line = line};
    return rules->group_count++;
}

static size_t subgroup_for(rules_loader *loader, long line, size_t group_index, char *id, char *label)
{
    condition_rules *rules = loader->rules;
    condition_group *group = &rules->groups[group_index];
    for (size_t i = group->first_subgroup; i < group->first_subgroup + group->subgroup_count; i++) {
        condition_subgroup *subgroup = &rules->subgroups[i];
        if (strcmp(subgroup->id, id) != 0)
            continue;
        if (strcmp(subgroup->label, label) != 0)
            message_die_at(RULES_ERROR, loader->path, line,
                           "subgroup '%s' of condition '%s' has another subgroup_label than on line %ld",
                           id, group->id, subgroup->line);
        free(id);
        free(label);
        return i;
    }
    if (group->subgroup_count > 0) {
        bool named_before = rules->subgroups[group->first_subgroup].id[0] != '\0';
        if (named_before != (id[0] != '\0'))
            message_die_at(RULES_ERROR, loader->path, line,
                           "condition '%s' mixes rows with and without a subgroup: name every "
                           "subgroup, or none",
                           group->id);
    }
    if (id[0] == '\0' && label[0] != '\0')
        message_die_at(RULES_ERROR, loader->path, line, "a subgroup_label needs a subgroup id");
    if (rules->subgroup_count == loader->subgroup_capacity) {
        loader->subgroup_capacity = loader->subgroup_capacity ? loader->subgroup_capacity * 2 : 32;
        rules->subgroups = xrealloc(rules->subgroups, loader->subgroup_capacity * sizeof *rules->subgroups);
    }
    condition_subgroup *subgroup = &rules->subgroups[rules->subgroup_count];
    *subgroup = (condition_subgroup){.id = id, .label = label, .group = group_index, .min_age = -1,
                                     .line = line};
    group->subgroup_count++;
    return rules->subgroup_count++;
}

/* ---------------------------------------------------------------- rows */

static void add_code(rules_loader *loader, long line, const char *text, size_t length, size_t rule_index)
{
    condition_rules *rules = loader->rules;
    char code[CODE_MAX_LENGTH + 1];
    int code_length = code_normalise(text, length, code);
    if (code_length <= 0 || !code_rule_is_valid(rules->system, code, (size_t)code_length))
        message_die_at(RULES_ERROR, loader->path, line, "column 'codes': '%.*s' is not %s %s code; expected %s",
                       (int)length, text, code_system_article(rules->system), code_system_name(rules->system),
                       code_system_rule_expected(rules->system));
    if (rules->system == CODE_SYSTEM_DCSPH)
        rules->wildcard_masks |= 1u << code_wildcard_mask(code);
    condition_code *entry;
    HASH_FIND(hh, rules->codes, code, (size_t)code_length, entry);
    if (!entry) {
        entry = xcalloc(1, sizeof *entry);
        memcpy(entry->code, code, (size_t)code_length + 1);
        HASH_ADD(hh, rules->codes, code, (size_t)code_length, entry);
        rules->code_count++;
    }
    size_t subgroup = rules->rules[rule_index].subgroup;
    for (size_t i = 0; i < entry->rule_count; i++)
        if (rules->rules[entry->rules[i]].subgroup == subgroup)
            message_die_at(RULES_ERROR, loader->path, line,
                           "code %s is listed twice for the same subgroup (also on line %ld)", code,
                           rules->rules[entry->rules[i]].line);
    entry->rules = xrealloc(entry->rules, (entry->rule_count + 1) * sizeof *entry->rules);
    entry->rules[entry->rule_count++] = rule_index;
}

static void add_codes(rules_loader *loader, long line, const char *codes, size_t rule_index)
{
    size_t added = 0;
    for (const char *p = codes; *p;) {
        size_t skip = strspn(p, " \t|,");
        p += skip;
        size_t length = strcspn(p, " \t|,");
        if (length == 0)
            break;
        add_code(loader, line, p, length, rule_index);
        added++;
        p += length;
    }
    if (added == 0)
        message_die_at(RULES_ERROR, loader->path, line, "column 'codes' has separators but no code");
}

static void set_system(rules_loader *loader, long line, const char *name)
{
    code_system system;
    if (!code_system_parse(name, &system))
        message_die_at(RULES_ERROR, loader->path, line,
                       "column 'code_system': '%s' is not a known code system; expected %s", name,
                       code_system_names());
    if (loader->system_known && system != loader->rules->system)
        message_die_at(RULES_ERROR, loader->path, line,
                       "code system %s differs from %s on line %ld: one rules file, one code system",
                       code_system_name(system), code_system_name(loader->rules->system), loader->system_line);
    loader->rules->system = system;
    loader->system_known = true;
    loader->system_line = line;
}

static void add_code_row(rules_loader *loader, long line, size_t subgroup_index, const char *system,
                         const char *codes, const char *duration, int lookback, int min_age)
{
    condition_rules *rules = loader->rules;
    condition_subgroup *subgroup = &rules->subgroups[subgroup_index];
    if (subgroup->min_age >= 0)
        message_die_at(RULES_ERROR, loader->path, line,
                       "subgroup '%s' has an age rule on line %ld: give code rules their own subgroup",
                       subgroup->id, subgroup->line);
    if (min_age >= 0)
        message_die_at(RULES_ERROR, loader->path, line,
                       "a row has either codes or a min_age, not both (give the age rule its own subgroup)");
    if (lookback < 0)
        message_die_at(RULES_ERROR, loader->path, line, "column 'lookback_years' is empty: a code rule needs it");
    if (*system == '\0')
        message_die_at(RULES_ERROR, loader->path, line, "column 'code_system' is empty: a code rule needs it");
    if ((strcmp(duration, "chronic") == 0 && lookback != 2) ||
        (strcmp(duration, "long-term") == 0 && lookback != 1))
        message_die_at(RULES_ERROR, loader->path, line,
                       "duration '%s' means lookback_years %d, not %d (or use another duration label)",
                       duration, strcmp(duration, "chronic") == 0 ? 2 : 1, lookback);
    set_system(loader, line, system);
    if (rules->rule_count == loader->rule_capacity) {
        loader->rule_capacity = loader->rule_capacity ? loader->rule_capacity * 2 : 32;
        rules->rules = xrealloc(rules->rules, loader->rule_capacity * sizeof *rules->rules);
    }
    rules->rules[rules->rule_count] = (condition_rule){.subgroup = subgroup_index,
                                                       .lookback_years = lookback, .line = line};
    add_codes(loader, line, codes, rules->rule_count++);
}

static bool subgroup_has_code_rules(const condition_rules *rules, size_t subgroup_index)
{
    for (size_t i = 0; i < rules->rule_count; i++)
        if (rules->rules[i].subgroup == subgroup_index)
            return true;
    return false;
}

static void add_age_row(rules_loader *loader, long line, size_t subgroup_index, const char *system,
                        const char *duration, int lookback, int min_age)
{
    condition_rules *rules = loader->rules;
    condition_subgroup *subgroup = &rules->subgroups[subgroup_index];
    if (min_age < 0)
        message_die_at(RULES_ERROR, loader->path, line,
                       "a row needs codes or a min_age (both columns are empty)");
    if (lookback >= 0 || *duration != '\0')
        message_die_at(RULES_ERROR, loader->path, line,
                       "an age rule (min_age without codes) takes no lookback_years or duration");
    if (*system != '\0')
        set_system(loader, line, system);
    if (subgroup->min_age >= 0)
        message_die_at(RULES_ERROR, loader->path, line, "subgroup '%s' has a second age rule (first on line %ld)",
                       subgroup->id, subgroup->line);
    if (subgroup_has_code_rules(rules, subgroup_index))
        message_die_at(RULES_ERROR, loader->path, line,
                       "subgroup '%s' has code rules: give the age rule its own subgroup", subgroup->id);
    subgroup->min_age = min_age;
    rules->has_age_rules = true;
}

static void add_row(rules_loader *loader, const record_t *record)
{
    long line = record->line;
    char *condition = rule_field(loader, record, COLUMN_CONDITION);
    char *subgroup = rule_field(loader, record, COLUMN_SUBGROUP);
    char *system = rule_field(loader, record, COLUMN_CODE_SYSTEM);
    char *codes = rule_field(loader, record, COLUMN_CODES);
    char *duration = rule_field(loader, record, COLUMN_DURATION);
    char *lookback_text = rule_field(loader, record, COLUMN_LOOKBACK_YEARS);
    char *min_age_text = rule_field(loader, record, COLUMN_MIN_AGE);
    if (!valid_id(condition))
        message_die_at(RULES_ERROR, loader->path, line,
                       "column 'condition': '%s' is not an id; expected a lower-case letter, then "
                       "lower-case letters, digits or '_' (at most %d)", condition, ID_MAX_LENGTH);
    if (condition_rules_reserved_name(condition))
        message_die_at(RULES_ERROR, loader->path, line, "column 'condition': '%s' is a reserved name", condition);
    if (*subgroup && !valid_id(subgroup))
        message_die_at(RULES_ERROR, loader->path, line,
                       "column 'subgroup': '%s' is not an id; expected a lower-case letter, then "
                       "lower-case letters, digits or '_' (at most %d)", subgroup, ID_MAX_LENGTH);
    int lookback = rule_number(loader, line, "lookback_years", lookback_text, MAX_LOOKBACK_YEARS);
    int min_age = rule_number(loader, line, "min_age", min_age_text, MAX_AGE);
    size_t group_index = group_for(loader, line, condition, rule_field(loader, record, COLUMN_CONDITION_LABEL));
    size_t subgroup_index = subgroup_for(loader, line, group_index, subgroup,
                                         rule_field(loader, record, COLUMN_SUBGROUP_LABEL));
    if (*codes)
        add_code_row(loader, line, subgroup_index, system, codes, duration, lookback, min_age);
    else
        add_age_row(loader, line, subgroup_index, system, duration, lookback, min_age);
    free(system);
    free(codes);
    free(duration);
    free(lookback_text);
    free(min_age_text);
}

/* ---------------------------------------------------------------- whole file */

/* Every output column name (group ids, <group>_<subgroup>) must be unique. */
static void name_subgroup_columns(rules_loader *loader)
{
    condition_rules *rules = loader->rules;
    for (size_t i = 0; i < rules->subgroup_count; i++) {
        condition_subgroup *subgroup = &rules->subgroups[i];
        if (subgroup->id[0] == '\0')
            continue;
        const char *group = rules->groups[subgroup->group].id;
        size_t size = strlen(group) + strlen(subgroup->id) + 2;
        subgroup->column = xmalloc(size);
        snprintf(subgroup->column, size, "%s_%s", group, subgroup->id);
        if (condition_rules_reserved_name(subgroup->column))
            message_die_at(RULES_ERROR, loader->path, subgroup->line, "column name '%s' is reserved",
                           subgroup->column);
        for (size_t g = 0; g < rules->group_count; g++)
            if (strcmp(rules->groups[g].id, subgroup->column) == 0)
                message_die_at(RULES_ERROR, loader->path, subgroup->line,
                               "subgroup column '%s' has the name of the condition on line %ld",
                               subgroup->column, rules->groups[g].line);
        for (size_t j = 0; j < i; j++)
            if (rules->subgroups[j].column && strcmp(rules->subgroups[j].column, subgroup->column) == 0)
                message_die_at(RULES_ERROR, loader->path, subgroup->line,
                               "subgroup column '%s' is also made by line %ld", subgroup->column,
                               rules->subgroups[j].line);
    }
}

condition_rules *condition_rules_load(const char *path)
{
    struct stat info;
    if (stat(path, &info) == 0 && S_ISREG(info.st_mode) && info.st_size == 0)
        message_die(RULES_ERROR, "%s: empty rules file: expected a header row and rules", path);
    record_reader *reader = record_reader_open(path, ',', rules_bad_record, NULL);
    condition_rules *rules = xcalloc(1, sizeof *rules);
    rules->path = xstrdup(path);
    rules_loader loader = {.rules = rules, .path = rules->path};
    resolve_rule_columns(&loader, reader);
    const record_t *record;
    while (record_reader_next(reader, &record))
        add_row(&loader, record);
    record_reader_close(reader);
    if (rules->rule_count == 0)
        message_die(RULES_ERROR, "%s: no code rules (a rules file needs at least one row with codes)", path);
    name_subgroup_columns(&loader);
    return rules;
}

void condition_rules_free(condition_rules *rules)
{
    if (!rules)
        return;
    condition_code *entry, *next;
    HASH_ITER(hh, rules->codes, entry, next) {
        HASH_DEL(rules->codes, entry);
        free(entry->rules);
        free(entry);
    }
    for (size_t i = 0; i < rules->group_count; i++) {
        free(rules->groups[i].id);
        free(rules->groups[i].label);
    }
    for (size_t i = 0; i < rules->subgroup_count; i++) {
        free(rules->subgroups[i].id);
        free(rules->subgroups[i].label);
        free(rules->subgroups[i].column);
    }
    free(rules->groups);
    free(rules->subgroups);
    free(rules->rules);
    free(rules->path);
    free(rules);
}

/* A DCSPH code matches the rule codes that are the code with some digits replaced by X: only
 * the masks some rule code has are looked up. */
static size_t lookup_wildcards(const condition_rules *rules, const char *code, const condition_code **found)
{
    size_t n = 0;
    for (unsigned mask = 0; mask < 16; mask++) {
        if (!(rules->wildcard_masks & (1u << mask)))
            continue;
        char pattern[5];
        code_wildcard_pattern(code, mask, pattern);
        condition_code *entry;
        HASH_FIND(hh, rules->codes, pattern, 4, entry);
        if (entry)
            found[n++] = entry;
    }
    return n;
}

size_t condition_rules_lookup(const condition_rules *rules, const char *code, size_t length,
                              const condition_code **found)
{
    if (rules->system == CODE_SYSTEM_DCSPH)
        return lookup_wildcards(rules, code, found);
    size_t prefixes[CODE_MAX_PREFIXES];
    size_t prefix_count = code_match_prefixes(rules->system, code, length, prefixes);
    size_t n = 0;
    condition_code *head = rules->codes;
    for (size_t i = 0; i < prefix_count; i++) {
        condition_code *entry;
        HASH_FIND(hh, head, code, prefixes[i], entry);
        if (entry)
            found[n++] = entry;
    }
    return n;
}
