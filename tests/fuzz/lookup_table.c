/* lookup_table.c (fuzz harness): the --lookup file of koppel derive (a code,value table such as
 * share/koppel/rules/wmo-categories.csv). Its loader is static in the filter, so the filter's
 * source is included here with its main renamed. Properties: the loaded table is exactly what
 * the documented rules give when computed here from the records themselves (two columns, no
 * empty code, a code repeated only with the same value, codes matched as they are); every
 * refusal is status 2 (1 for what the record layer refuses in the header) with a located
 * message that never shows a code; and the table written back loads to the same table. */
#define main derive_main
#include "../../filters/derive.c"
#undef main

#include "fuzz_support.h"

static void load(void *context) { load_lookup(context); }

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

static void check_table(const step *s, const expectation *e)
{
    FUZZ_CHECK(HASH_COUNT(s->table) == e->count, "%u entries, expected %zu", HASH_COUNT(s->table), e->count);
    for (size_t i = 0; i < e->count; i++) {
        lookup_entry *found;
        HASH_FIND(hh, s->table, e->entries[i].code, e->entries[i].code_length, found);
        FUZZ_CHECK(found && found->value_length == e->entries[i].value_length &&
                       memcmp(found->value, e->entries[i].value, found->value_length) == 0,
                   "code %zu maps elsewhere", i);
    }
}

static void write_table(void *context)
{
    const step *s = context;
    record_writer *writer = record_writer_open(NULL, ',');
    record_writer_field_str(writer, "code");
    record_writer_field_str(writer, "value");
    record_writer_end(writer);
    for (const lookup_entry *entry = s->table; entry; entry = entry->hh.next) {
        record_writer_field_str(writer, entry->code);
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
    step s = {.kind = OPT_LOOKUP, .option = "--lookup", .target = "category", .extra = "-"};
    if (!fuzz_try(load, &s)) {
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
    check_table(&s, &e);

    fuzz_capture_begin();
    bool wrote = fuzz_try(write_table, &s);
    size_t length;
    char *written = fuzz_capture_end(&length);
    FUZZ_CHECK(wrote, "writing the table stopped: %s", fuzz_messages());
    fuzz_set_stdin((const uint8_t *)written, length);
    step again = s;
    again.table = NULL;
    FUZZ_CHECK(fuzz_try(load, &again), "the written table does not load: %s", fuzz_messages());
    check_table(&again, &e);
    free_lookup(&again);
    free_lookup(&s);
    expectation_free(&e);
    free(written);
    return 0;
}
