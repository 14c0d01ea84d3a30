/* code_table.h: two-column code tables (code,value) read from CSV files, such as the --lookup
 * files of derive and the category tables of classify-condition --map. One loader whose rules
 * (case, white space, repeated codes, empty values, what a message may show) are explicit. */
#ifndef KOPPEL_CODE_TABLE_H
#define KOPPEL_CODE_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include <uthash.h>

typedef struct code_table_rules {
    const char *what;          /* the table in messages: "a --lookup file", "a category table" */
    const char *columns;       /* the columns in messages: "code, value" */
    bool fold;                 /* codes compared without surrounding blanks and in ASCII lower case */
    bool repeat_same_value;    /* a code repeated with the same value is accepted */
    bool names_required;       /* both header names must be non-empty */
    bool value_required;       /* an empty value is an error */
    bool rows_required;        /* a table of a header alone is an error */
    bool show_repeated_codes;  /* a repeated code that may be shown (showable.h) is named */
} code_table_rules;

/* The two kinds of table the verbs read:
 * - a lookup (derive --lookup): it may map identifiers such as postcodes, so codes are
 *   compared as they are and never shown; a code may stand twice with one value (a table
 *   joined from several sources), not with two; values may be empty; a header alone is a table;
 * - a category table (classify-condition --map): codes such as provision types, compared
 *   without surrounding blanks and case, each once; named columns, a category in every row,
 *   at least one row; a repeated code is named only when it may be shown. */
extern const code_table_rules code_table_lookup_rules;
extern const code_table_rules code_table_category_rules;

typedef struct code_table_entry {
    char *code;  /* as compared (folded when the rules fold) */
    size_t code_length;
    char *value;
    size_t value_length;
    long line;   /* in the table's file, for the message on a repeat */
    UT_hash_handle hh;
} code_table_entry;

typedef struct code_table {
    code_table_rules rules;
    char *path;
    char *value_column;         /* the header's second name */
    code_table_entry *entries;  /* a uthash table, in the file's order */
    char *key;                  /* the last code folded by code_table_key */
    size_t key_capacity;
} code_table;

/* Load PATH ("-" is standard input) under RULES into TABLE (zeroed). A table the rules refuse
 * stops the run with status 2 and a message with file and line that shows no code unless the
 * rules allow it; what the record layer refuses in the header stops it with status 1. */
void code_table_load(code_table *table, const char *path, const code_table_rules *rules);

/* CODE as the table compares it: folded into the table's buffer when the rules fold, else
 * CODE itself. *KEY_LENGTH gets its length (0: empty, which never matches). */
const char *code_table_key(code_table *table, const char *code, size_t length, size_t *key_length);

/* The entry of the compared KEY of KEY_LENGTH bytes (from code_table_key), or NULL. */
const code_table_entry *code_table_find(const code_table *table, const char *key, size_t key_length);

void code_table_free(code_table *table);

#endif
