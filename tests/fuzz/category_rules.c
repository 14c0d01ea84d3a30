/* category_rules.c (fuzz harness): the Wmo category table of koppel classify-condition --map
 * (share/koppel/rules/wmo-categories.csv is a seed). Its loader is static in the filter, so the
 * filter's source is included here with its main renamed. Properties: a bad table stops with
 * status 2 (1 for what the record layer refuses in the header) and a located message; a loaded
 * table has lower-case keys without surrounding blanks, unique, and non-empty categories; a key
 * is found again in upper case with blanks around it; and the table written back loads to the
 * same mapping. */
#define main classify_condition_main
#include "../../filters/classify-condition.c"
#undef main

#include "fuzz_support.h"

static void load(void *context) { category_table_load(context, "-"); }

static void check_entries(const category_table *table)
{
    FUZZ_CHECK(table->head != NULL, "a loaded table without rows");
    FUZZ_CHECK(table->column && table->column[0], "the category column has no name");
    char *key = NULL;
    size_t capacity = 0;
    for (const category_entry *entry = table->head; entry; entry = entry->hh.next) {
        size_t length = strlen(entry->key);
        FUZZ_CHECK(length > 0 && entry->category[0], "an empty key or category");
        FUZZ_CHECK(entry->key[0] != ' ' && entry->key[0] != '\t' && entry->key[length - 1] != ' ' &&
                       entry->key[length - 1] != '\t',
                   "key with blanks around it");
        for (size_t i = 0; i < length; i++)
            FUZZ_CHECK(!(entry->key[i] >= 'A' && entry->key[i] <= 'Z'), "key not in lower case");
        /* As a record's code would be looked up: padded and in another case. */
        char *variant = xmalloc(length + 3);
        variant[0] = '\t';
        for (size_t i = 0; i < length; i++) {
            char c = entry->key[i];
            variant[i + 1] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
        }
        variant[length + 1] = ' ';
        size_t n = category_key(variant, length + 2, &key, &capacity);
        category_entry *found;
        HASH_FIND(hh, table->head, key, n, found);
        FUZZ_CHECK(found == entry, "key not found again in upper case with blanks");
        free(variant);
    }
    free(key);
}

static void write_table(void *context)
{
    const category_table *table = context;
    record_writer *writer = record_writer_open(NULL, ',');
    /* The code column's name is not kept; any other than the category column's will do. */
    record_writer_field_str(writer, strcmp(table->column, "code") ? "code" : "provision_type");
    record_writer_field_str(writer, table->column);
    record_writer_end(writer);
    for (const category_entry *entry = table->head; entry; entry = entry->hh.next) {
        record_writer_field_str(writer, entry->key);
        record_writer_field_str(writer, entry->category);
        record_writer_end(writer);
    }
    record_writer_close(writer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    fuzz_set_stdin(data, size);
    category_table table = {0};
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
    category_table again = {0};
    FUZZ_CHECK(fuzz_try(load, &again), "the written table does not load: %s", fuzz_messages());
    FUZZ_CHECK(HASH_COUNT(again.head) == HASH_COUNT(table.head) && !strcmp(again.column, table.column),
               "the written table has other rows or another column");
    for (const category_entry *entry = table.head; entry; entry = entry->hh.next) {
        category_entry *found;
        HASH_FIND(hh, again.head, entry->key, strlen(entry->key), found);
        FUZZ_CHECK(found && !strcmp(found->category, entry->category), "key '%s' maps elsewhere", entry->key);
    }
    category_table_free(&again);
    category_table_free(&table);
    free(written);
    return 0;
}
