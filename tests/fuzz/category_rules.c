/* category_rules.c (fuzz harness): the Wmo category table of koppel classify-condition --map
 * (share/koppel/rules/wmo-categories.csv is a seed), read by common/code_table with the rules
 * of a category table. Properties: a bad table stops with status 2 (1 for what the record
 * layer refuses in the header) and a located message; a loaded
 * table has lower-case keys without surrounding blanks, unique, and non-empty categories; a key
 * is found again in upper case with blanks around it; and the table written back loads to the
 * same mapping. */
#include <stdlib.h>
#include <string.h>

#include "code_table.h"
#include "fuzz_support.h"
#include "message.h"
#include "record.h"

static void load(void *context) { code_table_load(context, "-", &code_table_category_rules); }

static void check_entries(code_table *table)
{
    FUZZ_CHECK(table->entries != NULL, "a loaded table without rows");
    FUZZ_CHECK(table->value_column && table->value_column[0], "the category column has no name");
    for (const code_table_entry *entry = table->entries; entry; entry = entry->hh.next) {
        const char *key = entry->code;
        size_t length = entry->code_length;
        FUZZ_CHECK(length > 0 && entry->value[0], "an empty key or category");
        FUZZ_CHECK(key[0] != ' ' && key[0] != '\t' && key[length - 1] != ' ' &&
                       key[length - 1] != '\t',
                   "key with blanks around it");
        for (size_t i = 0; i < length; i++)
            FUZZ_CHECK(!(key[i] >= 'A' && key[i] <= 'Z'), "key not in lower case");
        /* As a record's code would be looked up: padded and in another case. */
        char *variant = xmalloc(length + 3);
        variant[0] = '\t';
        for (size_t i = 0; i < length; i++) {
            char c = key[i];
            variant[i + 1] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
        }
        variant[length + 1] = ' ';
        size_t n;
        const char *folded = code_table_key(table, variant, length + 2, &n);
        FUZZ_CHECK(code_table_find(table, folded, n) == entry, "key not found again in upper case with blanks");
        free(variant);
    }
}

static void write_table(void *context)
{
    const code_table *table = context;
    record_writer *writer = record_writer_open(NULL, ',');
    /* The code column's name is not kept; any other than the category column's will do. */
    record_writer_field_str(writer, strcmp(table->value_column, "code") ? "code" : "provision_type");
    record_writer_field_str(writer, table->value_column);
    record_writer_end(writer);
    for (const code_table_entry *entry = table->entries; entry; entry = entry->hh.next) {
        record_writer_field(writer, entry->code, entry->code_length);
        record_writer_field(writer, entry->value, entry->value_length);
        record_writer_end(writer);
    }
    record_writer_close(writer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    fuzz_set_stdin(data, size);
    code_table table = {0};
    if (!fuzz_try(load, &table)) {
        int status = fuzz_die_status();
        const char *message = fuzz_messages();
        FUZZ_CHECK(status == 2 || status == 1, "a bad category table gives status %d: %s", status, message);
        FUZZ_CHECK(strncmp(message, "koppel-fuzz: -", 14) == 0, "message without the file: %s", message);
        if (status == 1)
            FUZZ_CHECK(strstr(message, "header") || strstr(message, "empty input"),
                       "status 1 for a table problem past the header: %s", message);
        return 0;
    }
    check_entries(&table);

    fuzz_capture_begin();
    bool wrote = fuzz_try(write_table, &table);
    size_t length;
    char *written = fuzz_capture_end(&length);
    FUZZ_CHECK(wrote, "writing the table stopped: %s", fuzz_messages());
    fuzz_set_stdin((const uint8_t *)written, length);
    code_table again = {0};
    FUZZ_CHECK(fuzz_try(load, &again), "the written table does not load: %s", fuzz_messages());
    FUZZ_CHECK(HASH_COUNT(again.entries) == HASH_COUNT(table.entries) &&
                   !strcmp(again.value_column, table.value_column),
               "the written table has other rows or another column");
    for (const code_table_entry *entry = table.entries; entry; entry = entry->hh.next) {
        const code_table_entry *found = code_table_find(&again, entry->code, entry->code_length);
        FUZZ_CHECK(found && !strcmp(found->value, entry->value), "key '%s' maps elsewhere", entry->code);
    }
    code_table_free(&again);
    code_table_free(&table);
    free(written);
    return 0;
}
