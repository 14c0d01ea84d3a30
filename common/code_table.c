/* code_table.c: loading and searching two-column code tables (see code_table.h). */
/* uthash runs out of memory like everything else here: status 3 and a message. */
#define uthash_fatal(msg) message_die_nomem()
#include "code_table.h"

#include <stdlib.h>
#include <string.h>

#include "message.h"
#include "record.h"
#include "showable.h"

const code_table_rules code_table_lookup_rules = {
    .what = "a --lookup file", .columns = "code, value", .repeat_same_value = true,
};

const code_table_rules code_table_category_rules = {
    .what = "a category table", .columns = "code, category", .fold = true, .names_required = true,
    .value_required = true, .rows_required = true, .show_repeated_codes = true,
};

const char *code_table_key(code_table *table, const char *code, size_t length, size_t *key_length)
{
    if (!table->rules.fold) {
        *key_length = length;
        return code;
    }
    while (length > 0 && (*code == ' ' || *code == '\t'))
        code++, length--;
    while (length > 0 && (code[length - 1] == ' ' || code[length - 1] == '\t'))
        length--;
    if (length + 1 > table->key_capacity) {
        table->key_capacity = length + 64;
        table->key = xrealloc(table->key, table->key_capacity);
    }
    for (size_t i = 0; i < length; i++) {
        char c = code[i];
        table->key[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    table->key[length] = '\0';
    *key_length = length;
    return table->key;
}

const code_table_entry *code_table_find(const code_table *table, const char *key, size_t key_length)
{
    if (key_length == 0)
        return NULL;
    code_table_entry *entry;
    HASH_FIND(hh, table->entries, key, key_length, entry);
    return entry;
}

static void table_bad_record(void *context, record_reader *reader, const record_t *record, const char *reason)
{
    const code_table_rules *rules = context;
    message_die_at(EXIT_USAGE, record_reader_name(reader), record->line, "%s (in %s)", reason, rules->what);
}

static void check_header(const code_table *table, const record_t *header)
{
    const code_table_rules *rules = &table->rules;
    if (header->count != 2)
        message_die_at(EXIT_USAGE, table->path, 1, "%s has exactly two columns (%s), this one has %zu",
                       rules->what, rules->columns, header->count);
    if (rules->names_required && (header->lengths[0] == 0 || header->lengths[1] == 0))
        message_die_at(EXIT_USAGE, table->path, 1, "%s has two named columns (%s); one has no name",
                       rules->what, rules->columns);
}

/* A code met before: the same value is no news where the rules accept it; otherwise a usage
 * error that names the code only where the rules let it be shown and it may be one. */
static void check_repeat(const code_table *table, const code_table_entry *first, const record_t *record,
                         const char *key, size_t key_length)
{
    const code_table_rules *rules = &table->rules;
    const char *ignored = rules->fold ? "case and white space are ignored" : NULL;
    if (rules->repeat_same_value) {
        if (first->value_length == record->lengths[1] &&
            memcmp(first->value, record->fields[1], record->lengths[1]) == 0)
            return;
        message_die_at(EXIT_USAGE, table->path, record->line, "the code of line %ld again, with a different value%s%s%s",
                       first->line, ignored ? " (" : "", ignored ? ignored : "", ignored ? ")" : "");
    }
    if (rules->show_repeated_codes && code_is_showable(key, key_length))
        message_die_at(EXIT_USAGE, table->path, record->line, "code '%s' is also on line %ld%s%s%s", key, first->line,
                       ignored ? " (" : "", ignored ? ignored : "", ignored ? ")" : "");
    message_die_at(EXIT_USAGE, table->path, record->line, "the code of line %ld again (not shown: it could be an "
                   "identifier%s%s)", first->line, ignored ? "; " : "", ignored ? ignored : "");
}

static void add_entry(code_table *table, const record_t *record, const char *key, size_t key_length)
{
    code_table_entry *entry = xcalloc(1, sizeof *entry);
    entry->code = xstrndup(key, key_length);
    entry->code_length = key_length;
    entry->value = xstrndup(record->fields[1], record->lengths[1]);
    entry->value_length = record->lengths[1];
    entry->line = record->line;
    HASH_ADD_KEYPTR(hh, table->entries, entry->code, key_length, entry);
}

void code_table_load(code_table *table, const char *path, const code_table_rules *rules)
{
    table->rules = *rules;
    table->path = xstrdup(path);
    record_reader *reader = record_reader_open(path, ',', table_bad_record, &table->rules);
    const record_t *header = record_reader_header(reader);
    check_header(table, header);
    table->value_column = xstrndup(header->fields[1], header->lengths[1]);
    const record_t *record;
    while (record_reader_next(reader, &record)) {
        size_t key_length;
        const char *key = code_table_key(table, record->fields[0], record->lengths[0], &key_length);
        if (key_length == 0)
            message_die_at(EXIT_USAGE, path, record->line, "empty code (in %s)", rules->what);
        if (rules->value_required && record->lengths[1] == 0)
            message_die_at(EXIT_USAGE, path, record->line, "empty value (in %s)", rules->what);
        const code_table_entry *first = code_table_find(table, key, key_length);
        if (first)
            check_repeat(table, first, record, key, key_length);
        else
            add_entry(table, record, key, key_length);
    }
    if (rules->rows_required && !table->entries)
        message_die(EXIT_USAGE, "%s: %s without rows", path, rules->what);
    record_reader_close(reader);
}

void code_table_free(code_table *table)
{
    code_table_entry *entry, *next;
    HASH_ITER(hh, table->entries, entry, next) {
        HASH_DEL(table->entries, entry);
        free(entry->code);
        free(entry->value);
        free(entry);
    }
    free(table->path);
    free(table->value_column);
    free(table->key);
    *table = (code_table){0};
}
