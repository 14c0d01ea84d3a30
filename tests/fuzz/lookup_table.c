/* lookup_table.c (fuzz harness): the --lookup file of koppel derive (a code,value table such as
 * share/koppel/rules/wmo-categories.csv), read by common/code_table with the rules of a lookup.
 * Properties: the loaded table is exactly what
 * the documented rules give when computed here from the records themselves (two columns, no
 * empty code, a code repeated only with the same value, codes matched as they are); every
 * refusal is status 2 (1 for what the record layer refuses in the header) with a located
 * message that never shows a code; and the table written back loads to the same table. */
#include <stdlib.h>
#include <string.h>

#include "code_table.h"
#include "fuzz_support.h"
#include "message.h"
#include "record.h"

static void load(void *context) { code_table_load(context, "-", &code_table_lookup_rules); }

/* ---------------------------------------------------------------- the expected table */

typedef struct expected_entry {
    char *code, *value;
    size_t code_length, value_length;
} expected_entry;

typedef struct expectation {
    expected_entry *entries;
    size_t count;
    bool refused; /* the rules say the file is bad */
} expectation;

static void expect_bad(void *context, record_reader *reader, const record_t *record, const char *reason)
{
    (void)reader, (void)record, (void)reason;
    ((expectation *)context)->refused = true;
}

static void read_expectation(void *context)
{
    expectation *e = context;
    record_reader *reader = record_reader_open("-", ',', expect_bad, e);
    if (record_reader_header(reader)->count != 2)
        e->refused = true;
    const record_t *record;
    while (!e->refused && record_reader_next(reader, &record)) {
        if (record->lengths[0] == 0) {
            e->refused = true;
            break;
        }
        expected_entry *same = NULL;
        for (size_t i = 0; i < e->count && !same; i++)
            if (e->entries[i].code_length == record->lengths[0] &&
                memcmp(e->entries[i].code, record->fields[0], record->lengths[0]) == 0)
                same = &e->entries[i];
        if (same) {
            if (same->value_length != record->lengths[1] ||
                memcmp(same->value, record->fields[1], record->lengths[1]) != 0)
                e->refused = true;
            continue;
        }
        e->entries = xrealloc(e->entries, (e->count + 1) * sizeof *e->entries);
        e->entries[e->count++] = (expected_entry){xstrndup(record->fields[0], record->lengths[0]),
                                                  xstrndup(record->fields[1], record->lengths[1]),
                                                  record->lengths[0], record->lengths[1]};
    }
    record_reader_close(reader);
}

static void expectation_free(expectation *e)
{
    for (size_t i = 0; i < e->count; i++) {
        free(e->entries[i].code);
        free(e->entries[i].value);
    }
    free(e->entries);
}

/* ---------------------------------------------------------------- checks */

static bool marked(const char *code)
{
    for (const char *p = code; *p; p++)
        if ((unsigned char)*p >= 0x80 || strchr("#@{}~^", *p))
            return true;
    return false;
}

static void check_table(const code_table *table, const expectation *e)
{
    FUZZ_CHECK(HASH_COUNT(table->entries) == e->count, "%u entries, expected %zu", HASH_COUNT(table->entries),
               e->count);
    for (size_t i = 0; i < e->count; i++) {
        const code_table_entry *found = code_table_find(table, e->entries[i].code, e->entries[i].code_length);
        FUZZ_CHECK(found && found->value_length == e->entries[i].value_length &&
                       memcmp(found->value, e->entries[i].value, found->value_length) == 0,
                   "code %zu maps elsewhere", i);
    }
}

static void write_table(void *context)
{
    const code_table *table = context;
    record_writer *writer = record_writer_open(NULL, ',');
    record_writer_field_str(writer, "code");
    record_writer_field_str(writer, "value");
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
    expectation e = {0};
    bool readable = fuzz_try(read_expectation, &e);

    fuzz_set_stdin(data, size);
    code_table table = {0};
    if (!fuzz_try(load, &table)) {
        int status = fuzz_die_status();
        const char *message = fuzz_messages();
        FUZZ_CHECK(!readable || e.refused, "a good lookup file refused: %s", message);
        FUZZ_CHECK(status == 2 || (status == 1 && !readable), "a bad lookup file gives status %d: %s",
                   status, message);
        FUZZ_CHECK(strncmp(message, "koppel-fuzz: -", 14) == 0, "message without the file: %s", message);
        /* Codes are never shown: a lookup may map identifiers such as postcodes. (Only codes
         * with a byte no message text has can be told apart from the text itself.) */
        for (size_t i = 0; i < e.count; i++)
            FUZZ_CHECK(!marked(e.entries[i].code) ||
                           !memmem(message, strlen(message), e.entries[i].code, e.entries[i].code_length),
                       "the message shows a code: %s", message);
        if (readable)
            expectation_free(&e);
        return 0;
    }
    FUZZ_CHECK(readable && !e.refused, "a lookup file loaded that the rules refuse");
    check_table(&table, &e);

    fuzz_capture_begin();
    bool wrote = fuzz_try(write_table, &table);
    size_t length;
    char *written = fuzz_capture_end(&length);
    FUZZ_CHECK(wrote, "writing the table stopped: %s", fuzz_messages());
    fuzz_set_stdin((const uint8_t *)written, length);
    code_table again = {0};
    FUZZ_CHECK(fuzz_try(load, &again), "the written table does not load: %s", fuzz_messages());
    check_table(&again, &e);
    code_table_free(&again);
    code_table_free(&table);
    expectation_free(&e);
    free(written);
    return 0;
}
