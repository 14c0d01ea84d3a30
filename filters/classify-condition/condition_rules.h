/* condition_rules.h: condition rule files (which codes make a condition group, over which
 * lookback window, or which minimum age), loaded strictly and looked up by hash on the code
 * and its prefixes (DCSPH: its wildcard patterns). The file format is described in README.md and above
 * condition_rules_load. */
#ifndef KOPPEL_CONDITION_RULES_H
#define KOPPEL_CONDITION_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <uthash.h>

#include "codes.h"

/* A condition group (an output column): one or more subgroups. */
typedef struct condition_group {
    char *id;    /* machine-friendly: [a-z][a-z0-9_]* */
    char *label; /* readable, may be empty */
    size_t first_subgroup, subgroup_count; /* its subgroups are contiguous */
    long line;
} condition_group;

/* A subgroup: either code rules (one or more rows) or one age rule. A condition without named
 * subgroups has one unnamed subgroup (id ""). */
typedef struct condition_subgroup {
    char *id;
    char *label;
    char *column; /* "<condition>_<subgroup>", NULL for the unnamed subgroup */
    size_t group;
    int min_age;  /* >= 0: the subgroup is "aged MIN_AGE or over"; -1: code rules */
    long line;
} condition_subgroup;

/* One row of code rules: its codes (in the code table) count when an episode overlaps the
 * years Y - LOOKBACK_YEARS .. Y. */
typedef struct condition_rule {
    size_t subgroup;
    int lookback_years;
    long line;
} condition_rule;

/* A rule code and the rules that list it. */
typedef struct condition_code {
    char code[CODE_MAX_LENGTH + 1];
    size_t *rules; /* indexes into condition_rules.rules */
    size_t rule_count;
    UT_hash_handle hh;
} condition_code;

typedef struct condition_rules {
    char *path;
    code_system system;
    condition_group *groups;
    size_t group_count;
    condition_subgroup *subgroups;
    size_t subgroup_count;
    condition_rule *rules;
    size_t rule_count;
    condition_code *codes; /* uthash table keyed on the normalised code */
    size_t code_count;
    unsigned wildcard_masks; /* DCSPH: bit m set when a rule code has the wildcards of mask m */
    bool has_age_rules;
} condition_rules;

/* Load a rules file (CSV, ',' delimited, header row). Columns, in any order:
 *   condition       required: group id, [a-z][a-z0-9_]* (it becomes an output column name)
 *   condition_label optional: readable name (the same on every row of the condition)
 *   subgroup        required column: subgroup id, [a-z][a-z0-9_]*, or empty when the
 *                   condition has no subgroups (then all its rows must leave it empty)
 *   subgroup_label  optional: readable name
 *   code_system     ICPC, ATC, DBC, DCSPH, DIET or ICD10, the same on every code row (the
 *                   input is validated by it)
 *   codes           rule codes separated by spaces, '|' or ','; each matches itself and its
 *                   sub-codes (ICPC T90 matches T90.02; ATC A10 matches A10BA02; DBC 0329
 *                   matches 0329.101; DIET 04 matches 04.02; ICD10 I21 matches I21.4), a
 *                   DCSPH rule code every code its X wildcards allow (3XXX matches 3120)
 *   duration        optional label; 'chronic' requires lookback_years 2, 'long-term' 1
 *   lookback_years  code rows: an episode counts when it overlaps Y-lookback_years .. Y
 *   min_age         age rows (no codes, no lookback_years): a person of at least this age
 *                   on the reference date belongs to the subgroup
 *   note            optional free text
 * A condition's rows must be contiguous. Every error stops the run with status 2 and
 * "FILE:LINE: what is wrong". */
condition_rules *condition_rules_load(const char *path);
void condition_rules_free(condition_rules *rules);

/* The rule codes that match the valid normalised CODE (itself and the prefixes at which a
 * sub-code hangs; DCSPH: the wildcard patterns the rules use), at most CODE_MAX_MATCHES, into
 * FOUND. Returns how many. */
size_t condition_rules_lookup(const condition_rules *rules, const char *code, size_t length,
                              const condition_code **found);

/* Is a name one the output reserves ("multimorbidity", "condition", "subgroup")? */
bool condition_rules_reserved_name(const char *name);

#endif
