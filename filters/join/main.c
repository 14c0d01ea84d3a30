/* join/main.c: koppel join — link two inputs on a key, by a hash join (RIGHT held in memory, LEFT
 * streamed) or a merge join of sorted inputs, and report how well they linked. */
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "showable.h"
#include "key_log.h"
#include "koppel.h"
#include "message.h"
#include "number.h"

/* uthash must die like the rest of koppel when memory runs out (status 3); its bucket
 * array, the size of the key count, goes on huge pages like the rest of RIGHT. */
#define uthash_fatal(msg) message_die_nomem()
#define uthash_malloc(size) large_allocate(size)
#define uthash_free(pointer, size) free(pointer)
#include <uthash.h>

#include "hash_batch.h"

static const char usage[] =
    "Usage: koppel join -k KEY[,KEY...] [OPTIONS] LEFT RIGHT\n"
    "Link two inputs on a key (hash or sorted merge join) and report how well they linked.\n"
    "\n"
    "Writes one row per pair of LEFT and RIGHT records with equal keys (SQL semantics: a key\n"
    "repeated on both sides gives every pair). A key with an empty column never matches\n"
    "anything, but its record is still kept by outer joins and counted in the report.\n"
    "LEFT or RIGHT may be '-' (standard input), not both.\n"
    "\n"
    "Output columns: the key columns once (named as in LEFT), the other LEFT columns, then\n"
    "the other RIGHT columns. Rows follow LEFT's order; the RIGHT records of one key follow\n"
    "RIGHT's order. The RIGHT-only rows of right and full joins (LEFT columns empty, key\n"
    "from RIGHT) come after all LEFT rows in RIGHT's order; with --sorted they come at their\n"
    "place in key order. Semi and anti joins write LEFT's records unchanged.\n"
    "\n"
    "Key and join:\n"
    "  -k, --key COL[,COL...]    key columns, named the same in both inputs\n"
    "      --left-key COL[,COL...]   LEFT's key columns (default: those of --key)\n"
    "      --right-key COL[,COL...]  RIGHT's key columns, in the same order as LEFT's\n"
    "      --type TYPE           inner (default): pairs only; left: also LEFT records\n"
    "                            without a match; right: also RIGHT records without one;\n"
    "                            full: both; semi: each LEFT record that has a match, once;\n"
    "                            anti: each LEFT record that has none\n"
    "      --prefix-right P      put P before the name of every non-key RIGHT column; without\n"
    "                            it a non-key column name in both inputs is a usage error\n"
    "      --sorted              merge join of two inputs sorted on the key in byte order,\n"
    "                            column by column (as LC_ALL=C sort does); holds only one\n"
    "                            key's RIGHT records in memory. A record out of order in\n"
    "                            either input stops the run (status 1) with its file and line\n"
    "                            (rows already sent to standard output stay sent; with -o\n"
    "                            FILE nothing is left behind)\n"
    "      --right-delimiter C   RIGHT's field delimiter (default: the one of -d)\n"
    "Checks and by-products:\n"
    "      --validate MODE       1:1 (each key at most once in LEFT and at most once in\n"
    "                            RIGHT), 1:m (at most once in LEFT) or m:1 (at most once in\n"
    "                            RIGHT); the first repeated key stops the run (status 1) with\n"
    "                            its file and line. Empty keys are exempt (they never match)\n"
    "      --unmatched-left FILE   write LEFT's records without a match to FILE (LEFT's columns)\n"
    "      --unmatched-right FILE  write RIGHT's records without a match to FILE (RIGHT's)\n"
    "      --report FILE         write the linkage report to FILE as CSV, one row per side\n"
    "  -q, --quiet               do not print the linkage report on standard error\n"
    "\n"
    "The linkage report (standard error, --report, --stats) gives for each side: records,\n"
    "rejected records, distinct keys, records with an empty key, duplicated keys (keys on\n"
    "more than one record of that side), matched keys (keys found in both inputs), matched\n"
    "and unmatched records, and the match rate (matched / records, in percent). Records with\n"
    "an empty key count as unmatched. The report never shows a key.\n"
    "\n"
    "Memory: the hash join holds RIGHT (put the smaller input there) and, for the report,\n"
    "the LEFT keys that found no match: a key once per run of records that have it, 50 to\n"
    "75 bytes and the key itself (with --validate 1:1 or 1:m once per distinct key, in a hash\n"
    "table). With -q and neither --report, --stats nor --validate LEFT is only streamed.\n"
    "--sorted holds one key's RIGHT records.\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  koppel join -k bsn --type left --report linkage.csv contacts.csv persons.csv > linked.csv\n"
    "  koppel join -k bsn --type semi persons.csv wmo.csv > wmo-users.csv\n"
    "  koppel join --left-key bsn,year --right-key pseudonym,year --validate m:1 \\\n"
    "      --unmatched-left lost.csv --sorted contacts-sorted.csv persons-sorted.csv\n"
    "\n"
    "--stats: records_in counts the records read from both inputs, records_out the rows\n"
    "written, filtered the good records that are in no output row (for semi and anti joins\n"
    "every RIGHT record is one), rejected the bad records of both. So in = out + filtered +\n"
    "rejected holds for semi and anti joins; for the others one row holds two records and\n"
    "the balance holds per side: left_records = left_written + left_filtered, where\n"
    "left_written counts the LEFT records in at least one row (likewise for right).\n";

enum { OPT_LEFT_KEY = OPT_FILTER_BASE, OPT_RIGHT_KEY, OPT_TYPE, OPT_PREFIX_RIGHT, OPT_SORTED,
       OPT_RIGHT_DELIMITER, OPT_VALIDATE, OPT_UNMATCHED_LEFT, OPT_UNMATCHED_RIGHT, OPT_REPORT };

static const struct option long_options[] = {
    {"key", required_argument, NULL, 'k'},
    {"left-key", required_argument, NULL, OPT_LEFT_KEY},
    {"right-key", required_argument, NULL, OPT_RIGHT_KEY},
    {"type", required_argument, NULL, OPT_TYPE},
    {"prefix-right", required_argument, NULL, OPT_PREFIX_RIGHT},
    {"sorted", no_argument, NULL, OPT_SORTED},
    {"right-delimiter", required_argument, NULL, OPT_RIGHT_DELIMITER},
    {"validate", required_argument, NULL, OPT_VALIDATE},
    {"unmatched-left", required_argument, NULL, OPT_UNMATCHED_LEFT},
    {"unmatched-right", required_argument, NULL, OPT_UNMATCHED_RIGHT},
    {"report", required_argument, NULL, OPT_REPORT},
    {"quiet", no_argument, NULL, 'q'},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

typedef enum { JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL, JOIN_SEMI, JOIN_ANTI } join_type;
static const char *const join_type_names[] = {"inner", "left", "right", "full", "semi", "anti"};

typedef enum { VALIDATE_NONE, VALIDATE_ONE_TO_ONE, VALIDATE_ONE_TO_MANY, VALIDATE_MANY_TO_ONE } validate_mode;
static const char *const validate_names[] = {"", "1:1", "1:m", "m:1"};

typedef struct join_options {
    char **key;       /* --key */
    size_t key_count;
    char **left_key;  /* --left-key */
    size_t left_key_count;
    char **right_key; /* --right-key */
    size_t right_key_count;
    join_type type;
    const char *prefix_right;
    bool sorted;
    bool right_delimiter_given;
    char right_delimiter;
    validate_mode validate;
    const char *unmatched_left_path;
    const char *unmatched_right_path;
    const char *report_path;
    bool quiet;
} join_options;

/* ---------------------------------------------------------------- sides and keys */

/* The report's figures for one input. */
typedef struct side_figures {
    uint64_t records; /* good records */
    uint64_t rejected;
    uint64_t empty_key_records;
    uint64_t distinct_keys; /* non-empty keys */
    uint64_t duplicated_keys; /* keys on more than one record */
    uint64_t matched_records;
} side_figures;

typedef struct join_side {
    const char *label; /* "LEFT" or "RIGHT", for messages */
    const char *report_name; /* "left" or "right" */
    record_reader *reader;
    size_t column_count;
    size_t *key_columns; /* in key order */
    size_t key_count;
    bool *is_key; /* per column */
    size_t *other_columns; /* the non-key columns, in input order */
    size_t other_count;
    bool in_order; /* the key columns come first, in order: output = the record as it is */
    bool unique; /* --validate: each key at most once on this side */
    char *key_buffer; /* a composite key, joined */
    size_t key_capacity;
    record_writer *unmatched; /* --unmatched-left / --unmatched-right */
    side_figures figures;
} join_side;

/* A key: a single key column's field, or the columns joined with NUL bytes. No field
 * contains a NUL (the reader rejects them) and NUL sorts first, so comparing joined keys
 * bytewise compares the columns one by one. */
typedef struct key_view {
    const char *bytes;
    size_t length;
    bool empty; /* some key column is empty: never matches */
} key_view;

static key_view side_key(join_side *side, const record_t *record)
{
    key_view key;
    if (side->key_count == 1) {
        size_t column = side->key_columns[0];
        key.bytes = record->fields[column];
        key.length = record->lengths[column];
        key.empty = key.length == 0;
        return key;
    }
    size_t length = side->key_count - 1;
    key.empty = false;
    for (size_t i = 0; i < side->key_count; i++) {
        length += record->lengths[side->key_columns[i]];
        key.empty |= record->lengths[side->key_columns[i]] == 0;
    }
    if (length > side->key_capacity) {
        side->key_capacity = length * 2;
        side->key_buffer = xrealloc(side->key_buffer, side->key_capacity);
    }
    char *p = side->key_buffer;
    for (size_t i = 0; i < side->key_count; i++) {
        size_t column = side->key_columns[i];
        if (i)
            *p++ = '\0';
        memcpy(p, record->fields[column], record->lengths[column]);
        p += record->lengths[column];
    }
    key.bytes = side->key_buffer;
    key.length = length;
    return key;
}

static int key_compare(const char *a, size_t a_length, const char *b, size_t b_length)
{
    size_t common = a_length < b_length ? a_length : b_length;
    int order = common ? memcmp(a, b, common) : 0;
    if (order)
        return order;
    return a_length < b_length ? -1 : a_length > b_length;
}

/* A key kept beyond the record it came from (merge join). */
typedef struct held_key {
    char *bytes;
    size_t length, capacity;
    bool empty;
    long line;
    bool present;
} held_key;

static void hold_key(held_key *held, key_view key, long line)
{
    if (key.length > held->capacity) {
        held->capacity = key.length * 2;
        held->bytes = xrealloc(held->bytes, held->capacity);
    }
    if (key.length)
        memcpy(held->bytes, key.bytes, key.length);
    held->length = key.length;
    held->empty = key.empty;
    held->line = line;
    held->present = true;
}

static int held_compare(const held_key *held, key_view key)
{
    return key_compare(held->bytes, held->length, key.bytes, key.length);
}

/* ---------------------------------------------------------------- stored records */

/* A RIGHT record kept in memory: its fields one after another, each ended by a NUL. */
static size_t stored_size(const record_t *record)
{
    size_t size = record->count;
    for (size_t i = 0; i < record->count; i++)
        size += record->lengths[i];
    return size;
}

static void store_fields(char *destination, const record_t *record)
{
    for (size_t i = 0; i < record->count; i++) {
        memcpy(destination, record->fields[i], record->lengths[i]);
        destination += record->lengths[i];
        *destination++ = '\0';
    }
}

static void unpack_fields(char *stored, size_t count, char **fields, size_t *lengths)
{
    for (size_t i = 0; i < count; i++) {
        size_t length = strlen(stored);
        fields[i] = stored;
        lengths[i] = length;
        stored += length + 1;
    }
}

/* ---------------------------------------------------------------- the join's state */

typedef struct join {
    koppel_context *ctx;
    const join_options *options;
    join_side left, right;
    char **right_fields; /* scratch: an unpacked RIGHT record */
    size_t *right_lengths;
    uint64_t matched_keys; /* keys in both inputs */
} join;

/* The next good record of SIDE, with its records and rejects counted for that side. */
static bool side_next(join *j, join_side *side, const record_t **record)
{
    uint64_t rejected_before = j->ctx->counts.rejected;
    bool got = record_reader_next(side->reader, record);
    side->figures.rejected += j->ctx->counts.rejected - rejected_before;
    if (got) {
        side->figures.records++;
        koppel_progress(j->ctx);
    }
    return got;
}

static bool writes_pairs(join_type type) { return type <= JOIN_FULL; }

/* ---------------------------------------------------------------- writing rows */

static void write_empty_fields(record_writer *writer, size_t count)
{
    for (size_t i = 0; i < count; i++)
        record_writer_field(writer, "", 0);
}

static void write_left_part(join *j, const record_t *left)
{
    record_writer *writer = j->ctx->out;
    if (j->left.in_order) {
        record_writer_fields(writer, left->fields, left->lengths, left->count);
        return;
    }
    for (size_t i = 0; i < j->left.key_count; i++) {
        size_t column = j->left.key_columns[i];
        record_writer_field(writer, left->fields[column], left->lengths[column]);
    }
    for (size_t i = 0; i < j->left.other_count; i++) {
        size_t column = j->left.other_columns[i];
        record_writer_field(writer, left->fields[column], left->lengths[column]);
    }
}

/* The non-key fields of a stored RIGHT record (NUL-separated), walked in place. */
static void write_right_others(join *j, const char *stored)
{
    record_writer *writer = j->ctx->out;
    for (size_t i = 0; i < j->right.column_count; i++) {
        size_t length = strlen(stored);
        if (!j->right.is_key[i])
            record_writer_field(writer, stored, length);
        stored += length + 1;
    }
}

/* A RIGHT record as the writers take it: FIELDS, all of them NUL-separated (NULL when not
 * kept), and, from the hash join, ENCODED: its non-key fields already as output bytes. */
typedef struct right_view {
    char *fields;
    const char *encoded;
    size_t encoded_length;
} right_view;

static void write_right_part(join *j, right_view right)
{
    if (right.encoded)
        record_writer_raw(j->ctx->out, right.encoded, right.encoded_length);
    else
        write_right_others(j, right.fields);
}

static void write_pair(join *j, const record_t *left, right_view right)
{
    write_left_part(j, left);
    write_right_part(j, right);
    record_writer_end(j->ctx->out);
}

static void write_left_only(join *j, const record_t *left)
{
    write_left_part(j, left);
    write_empty_fields(j->ctx->out, j->right.other_count);
    record_writer_end(j->ctx->out);
}

static void write_right_only(join *j, right_view right)
{
    record_writer *writer = j->ctx->out;
    unpack_fields(right.fields, j->right.column_count, j->right_fields, j->right_lengths);
    for (size_t i = 0; i < j->right.key_count; i++) {
        size_t column = j->right.key_columns[i];
        record_writer_field(writer, j->right_fields[column], j->right_lengths[column]);
    }
    write_empty_fields(writer, j->left.other_count);
    write_right_part(j, right);
    record_writer_end(writer);
}

static void write_stored(join *j, record_writer *writer, char *stored)
{
    unpack_fields(stored, j->right.column_count, j->right_fields, j->right_lengths);
    record_writer_record(writer, j->right_fields, j->right_lengths, j->right.column_count);
}

/* RIGHT's non-key fields encoded once as the writer would write them after the LEFT
 * fields of a row: each led by the delimiter, quoted only when it holds the delimiter, a
 * quote, CR or LF, its quotes doubled. A pair is then one copy of these bytes. */
static size_t encoded_size(const join *j, const record_t *record)
{
    size_t size = 0;
    for (size_t i = 0; i < j->right.other_count; i++) {
        size_t column = j->right.other_columns[i];
        const char *text = record->fields[column];
        size_t length = record->lengths[column];
        size += 1 + length;
        if (record_field_needs_quotes(text, length, j->ctx->output_delimiter)) {
            size += 2;
            for (size_t k = 0; k < length; k++)
                size += text[k] == '"';
        }
    }
    return size;
}

static void encode_others(const join *j, char *destination, const record_t *record)
{
    for (size_t i = 0; i < j->right.other_count; i++) {
        size_t column = j->right.other_columns[i];
        const char *text = record->fields[column];
        size_t length = record->lengths[column];
        *destination++ = j->ctx->output_delimiter;
        if (!record_field_needs_quotes(text, length, j->ctx->output_delimiter)) {
            memcpy(destination, text, length);
            destination += length;
            continue;
        }
        *destination++ = '"';
        for (size_t k = 0; k < length; k++) {
            if (text[k] == '"')
                *destination++ = '"';
            *destination++ = text[k];
        }
        *destination++ = '"';
    }
}

/* What the join type does with a LEFT record beyond its pairs: a row of its own (outer
 * joins, semi, anti), and the unmatched-left file. */
static void finish_left_record(join *j, const record_t *left, bool matched)
{
    join_type type = j->options->type;
    if (matched)
        j->left.figures.matched_records++;
    if (!matched && (type == JOIN_LEFT || type == JOIN_FULL))
        write_left_only(j, left);
    else if ((type == JOIN_SEMI && matched) || (type == JOIN_ANTI && !matched))
        record_writer_record(j->ctx->out, left->fields, left->lengths, left->count);
    if (!matched && j->left.unmatched)
        record_writer_record(j->left.unmatched, left->fields, left->lengths, left->count);
}

/* What the join type does with a RIGHT record that found no match. */
static void finish_unmatched_right(join *j, right_view right)
{
    if (j->options->type == JOIN_RIGHT || j->options->type == JOIN_FULL)
        write_right_only(j, right);
    if (j->right.unmatched)
        write_stored(j, j->right.unmatched, right.fields);
}

/* Messages never show the key itself: it is an identifier. */
static _Noreturn void repeated_key(const join *j, const join_side *side, long line, long first_line)
{
    message_die_at(EXIT_DATA, record_reader_name(side->reader), line,
                   "--validate %s: key repeated in %s (first on line %ld); %s may hold each key "
                   "only once",
                   validate_names[j->options->validate], side->label, first_line, side->label);
}

static _Noreturn void out_of_order(const join_side *side, long line, long previous_line)
{
    message_die_at(EXIT_DATA, record_reader_name(side->reader), line,
                   "--sorted: %s is not sorted on the key: this record's key sorts before that "
                   "of line %ld (byte order, column by column); sort both inputs on the key or "
                   "leave out --sorted",
                   side->label, previous_line);
}

/* A growing buffer of stored records (the current RIGHT key's, or the look-ahead). */
typedef struct record_buffer {
    char *bytes;
    size_t used, capacity;
    size_t *offsets;
    size_t count, offsets_capacity;
} record_buffer;

/* Room for one more stored record of SIZE bytes; returns where to put it. */
static char *buffer_reserve(record_buffer *buffer, size_t size)
{
    if (buffer->used + size > buffer->capacity) {
        buffer->capacity = (buffer->used + size) * 2;
        buffer->bytes = xrealloc(buffer->bytes, buffer->capacity);
    }
    if (buffer->count == buffer->offsets_capacity) {
        buffer->offsets_capacity = buffer->offsets_capacity ? buffer->offsets_capacity * 2 : 16;
        buffer->offsets = xrealloc(buffer->offsets, buffer->offsets_capacity * sizeof(size_t));
    }
    buffer->offsets[buffer->count++] = buffer->used;
    buffer->used += size;
    return buffer->bytes + buffer->used - size;
}

static void buffer_add_record(record_buffer *buffer, const record_t *record)
{
    store_fields(buffer_reserve(buffer, stored_size(record)), record);
}

/* Move the look-ahead record (the only one in FROM) to the end of TO. */
static void buffer_move(record_buffer *to, record_buffer *from)
{
    memcpy(buffer_reserve(to, from->used), from->bytes, from->used);
    from->used = from->count = 0;
}

static void buffer_free(record_buffer *buffer)
{
    free(buffer->bytes);
    free(buffer->offsets);
}

/* ---------------------------------------------------------------- hash join */

/* Records go through the hash tables in batches: first the hash of every key in the
 * batch, then the memory each lookup will touch is prefetched stage by stage, so that the
 * cache misses of a batch overlap instead of following one another. A random access into
 * a table of millions of keys costs far more than all the other work for a record. */
enum { BATCH_SIZE = HASH_BATCH_MAX };

typedef struct key_group key_group;

typedef struct right_record { /* a RIGHT record kept in memory */
    struct right_record *next; /* the next RIGHT record with the same key */
    key_group *group;          /* NULL: empty key */
    size_t encoded_length;     /* bytes[0..encoded_length): see encode_others */
    char bytes[];              /* then, when kept, the fields as in store_fields */
} right_record;

/* One key of RIGHT. Laid out for the lookup of a LEFT key, on 64-byte boundaries: the
 * handle and the LEFT count fill the first cache line, the first record and the key the
 * second (a 32-character pseudonym fits), the rest follows the key (group_tail). */
struct key_group {
    UT_hash_handle hh;
    uint64_t left_count;
    right_record *first; /* RIGHT's records with this key, chained through next */
    char key[];
};

typedef struct group_tail {
    uint64_t right_count;
    long right_line, left_line; /* where the key was first seen, for --validate */
} group_tail;

enum { CACHE_LINE = 64 };

static size_t group_size(size_t key_length)
{
    return sizeof(key_group) + ((key_length + 7) & ~(size_t)7) + sizeof(group_tail);
}

static group_tail *tail_of(key_group *group)
{
    return (group_tail *)(group->key + ((group->hh.keylen + 7) & ~(size_t)7));
}

typedef struct unmatched_key { /* a LEFT key that RIGHT lacks, for the report */
    UT_hash_handle hh;
    uint64_t count;
    long line;
    char key[];
} unmatched_key;

typedef struct batch_item {
    size_t key_offset, key_length; /* in batch.keys */
    bool empty;
    unsigned hash;
    long line;
    right_record *stored; /* RIGHT: the record kept, if any */
    key_group *group;     /* the key in RIGHT's table */
    unmatched_key *seen;  /* LEFT: the key among LEFT's keys without a match */
} batch_item;

typedef struct batch {
    batch_item items[BATCH_SIZE];
    size_t count;
    char *keys;
    size_t keys_used, keys_capacity;
    record_buffer records; /* LEFT's records of the batch, copied */
    size_t *lengths;       /* and their field lengths, BATCH_SIZE x columns */
    record_t record;       /* a view of one of them */
} batch;

typedef struct hash_state {
    arena storage;
    key_group *groups;
    unmatched_key *unmatched_left;
    bool keep_records;      /* some of RIGHT's records are needed */
    bool keep_encoded;      /* pairs: RIGHT's non-key fields as output bytes */
    bool keep_fields;       /* RIGHT-only rows or --unmatched-right: all fields */
    right_record **order;   /* RIGHT's records in input order, to write the unmatched */
    size_t order_count, order_capacity;
    bool keep_order;
    bool note_unmatched_left; /* LEFT's keys without a match are counted: the report needs them */
    /* ... in a key log (key_log.h) when no --validate asks for the line of a repeat: a third
     * of the memory of a hash entry per key, and no look-up per record */
    bool log_unmatched_left;
    key_log log;
    key_group **repeated;   /* RIGHT's keys on more than one record */
    size_t repeated_count, repeated_capacity;
    batch batch;
} hash_state;

static void batch_add_key(batch *b, batch_item *item, key_view key)
{
    if (b->keys_used + key.length > b->keys_capacity) {
        b->keys_capacity = (b->keys_used + key.length) * 2 + 64;
        b->keys = xrealloc(b->keys, b->keys_capacity);
    }
    if (key.length)
        memcpy(b->keys + b->keys_used, key.bytes, key.length);
    item->key_offset = b->keys_used;
    item->key_length = key.length;
    item->empty = key.empty;
    b->keys_used += key.length;
    if (!key.empty)
        HASH_VALUE(key.bytes, key.length, item->hash);
}

static const char *item_key(const batch *b, const batch_item *item) { return b->keys + item->key_offset; }

static void prefetch_record(const right_record *record)
{
    __builtin_prefetch(record);
    __builtin_prefetch((const char *)record + 64);
    __builtin_prefetch((const char *)record + 128);
}

/* hash_batch_find for the batch's keys marked in WANTED. FOUND[i]: the element or NULL. */
static void batch_find(const UT_hash_table *table, const batch *b, const bool *wanted, void **found)
{
    hash_probe probes[BATCH_SIZE];
    for (size_t i = 0; i < b->count; i++) {
        const batch_item *item = &b->items[i];
        probes[i] = (hash_probe){wanted[i] ? item_key(b, item) : NULL, item->key_length, item->hash};
    }
    hash_batch_find(table, probes, b->count, found);
}

static void batch_find_groups(const hash_state *h, batch *b)
{
    bool wanted[BATCH_SIZE] = {false};
    void *found[BATCH_SIZE];
    for (size_t i = 0; i < b->count; i++)
        wanted[i] = !b->items[i].empty;
    batch_find(hash_batch_table(h->groups ? &h->groups->hh : NULL), b, wanted, found);
    for (size_t i = 0; i < b->count; i++)
        b->items[i].group = found[i];
}

/* Among LEFT's unmatched keys: only for the keys RIGHT lacks. */
static void batch_find_unmatched(const hash_state *h, batch *b)
{
    bool wanted[BATCH_SIZE] = {false};
    void *found[BATCH_SIZE];
    for (size_t i = 0; i < b->count; i++)
        wanted[i] = !b->items[i].empty && !b->items[i].group;
    batch_find(hash_batch_table(h->unmatched_left ? &h->unmatched_left->hh : NULL), b, wanted, found);
    for (size_t i = 0; i < b->count; i++)
        b->items[i].seen = found[i];
}

static right_view view_of(const hash_state *h, right_record *record)
{
    return (right_view){h->keep_fields ? record->bytes + record->encoded_length : NULL,
                        h->keep_encoded ? record->bytes : NULL, record->encoded_length};
}

static right_record *hash_keep_record(join *j, hash_state *h, const record_t *record)
{
    size_t encoded = h->keep_encoded ? encoded_size(j, record) : 0;
    size_t fields = h->keep_fields ? stored_size(record) : 0;
    right_record *stored = arena_allocate(&h->storage, sizeof *stored + encoded + fields,
                                          alignof(right_record));
    stored->next = NULL;
    stored->group = NULL;
    stored->encoded_length = encoded;
    if (encoded)
        encode_others(j, stored->bytes, record);
    if (fields)
        store_fields(stored->bytes + encoded, record);
    if (h->keep_order) {
        if (h->order_count == h->order_capacity) {
            h->order_capacity = h->order_capacity ? h->order_capacity * 2 : 4096;
            h->order = xrealloc(h->order, h->order_capacity * sizeof *h->order);
        }
        h->order[h->order_count++] = stored;
    }
    return stored;
}

static bool hash_read_right_batch(join *j, hash_state *h)
{
    batch *b = &h->batch;
    const UT_hash_table *table = hash_batch_table(h->groups ? &h->groups->hh : NULL);
    const record_t *record;
    b->count = b->keys_used = 0;
    while (b->count < BATCH_SIZE && side_next(j, &j->right, &record)) {
        batch_item *item = &b->items[b->count++];
        item->line = record->line;
        batch_add_key(b, item, side_key(&j->right, record));
        /* A record with an empty key can only be written as unmatched. */
        item->stored = h->keep_records && (!item->empty || h->keep_order) ? hash_keep_record(j, h, record)
                                                                           : NULL;
        if (!item->empty)
            hash_batch_prefetch_bucket(table, item->hash);
    }
    return b->count > 0;
}

static void hash_insert_right(join *j, hash_state *h, batch_item *item)
{
    join_side *right = &j->right;
    if (item->empty) {
        right->figures.empty_key_records++;
        return;
    }
    const char *key = item_key(&h->batch, item);
    key_group *group = item->group;
    /* Not found when the batch began: an earlier record of this batch may have added it. */
    if (!group)
        HASH_FIND_BYHASHVALUE(hh, h->groups, key, item->key_length, item->hash, group);
    group_tail *tail;
    if (!group) {
        group = arena_allocate(&h->storage, group_size(item->key_length), CACHE_LINE);
        memset(group, 0, sizeof *group);
        memcpy(group->key, key, item->key_length);
        HASH_ADD_KEYPTR_BYHASHVALUE(hh, h->groups, group->key, item->key_length, item->hash, group);
        tail = tail_of(group);
        memset(tail, 0, sizeof *tail);
        tail->right_line = item->line;
        right->figures.distinct_keys++;
    } else {
        tail = tail_of(group);
        if (right->unique)
            repeated_key(j, right, item->line, tail->right_line);
        if (tail->right_count == 1) {
            right->figures.duplicated_keys++;
            if (h->repeated_count == h->repeated_capacity) {
                h->repeated_capacity = h->repeated_capacity ? h->repeated_capacity * 2 : 256;
                h->repeated = xrealloc(h->repeated, h->repeated_capacity * sizeof *h->repeated);
            }
            h->repeated[h->repeated_count++] = group;
        }
    }
    tail->right_count++;
    if (item->stored) {
        /* Chained newest first while loading; hash_load_right puts the chains in order. */
        item->stored->next = group->first;
        group->first = item->stored;
        item->stored->group = group;
    }
}

static void hash_load_right(join *j, hash_state *h)
{
    while (hash_read_right_batch(j, h)) {
        batch *b = &h->batch;
        const UT_hash_table *table = hash_batch_table(h->groups ? &h->groups->hh : NULL);
        for (size_t i = 0; i < b->count; i++)
            if (!b->items[i].empty)
                hash_batch_prefetch_chain(table, b->items[i].hash);
        batch_find_groups(h, b);
        for (size_t i = 0; i < b->count; i++)
            hash_insert_right(j, h, &b->items[i]);
    }
    for (size_t i = 0; i < h->repeated_count; i++) {
        right_record *reversed = NULL, *next;
        for (right_record *r = h->repeated[i]->first; r; r = next) {
            next = r->next;
            r->next = reversed;
            reversed = r;
        }
        h->repeated[i]->first = reversed;
    }
}

/* The distinct keys of the key log and those on more than one record, into LEFT's figures. */
static void count_logged_keys(join *j, hash_state *h)
{
    key_log_merge(&h->log);
    side_figures *figures = &j->left.figures;
    figures->distinct_keys += h->log.count;
    for (size_t i = 0; i < h->log.count; i++)
        figures->duplicated_keys += h->log.entries[i].count > 1;
}

/* Count a LEFT key for the report and --validate. */
static void hash_note_left_key(join *j, hash_state *h, batch_item *item)
{
    join_side *left = &j->left;
    key_group *group = item->group;
    if (group) {
        if (++group->left_count == 1) {
            group_tail *tail = tail_of(group);
            tail->left_line = item->line;
            left->figures.distinct_keys++;
            j->right.figures.matched_records += tail->right_count;
            j->matched_keys++;
            return;
        }
        if (left->unique)
            repeated_key(j, left, item->line, tail_of(group)->left_line);
        if (group->left_count == 2)
            left->figures.duplicated_keys++;
        return;
    }
    if (!h->note_unmatched_left)
        return;
    const char *key = item_key(&h->batch, item);
    if (h->log_unmatched_left) {
        key_log_add(&h->log, key, item->key_length, item->hash);
        return;
    }
    unmatched_key *seen = item->seen;
    /* Not found when the batch began: an earlier record of this batch may have added it. */
    if (!seen)
        HASH_FIND_BYHASHVALUE(hh, h->unmatched_left, key, item->key_length, item->hash, seen);
    if (!seen) {
        /* Millions of them, each found by its handle's hash first: packed, not on cache lines. */
        seen = arena_allocate(&h->storage, sizeof *seen + item->key_length, alignof(unmatched_key));
        memset(seen, 0, sizeof *seen);
        memcpy(seen->key, key, item->key_length);
        seen->line = item->line;
        seen->count = 1;
        HASH_ADD_KEYPTR_BYHASHVALUE(hh, h->unmatched_left, seen->key, item->key_length, item->hash, seen);
        left->figures.distinct_keys++;
        return;
    }
    if (left->unique)
        repeated_key(j, left, item->line, seen->line);
    if (++seen->count == 2)
        left->figures.duplicated_keys++;
}

static bool hash_read_left_batch(join *j, hash_state *h)
{
    batch *b = &h->batch;
    const UT_hash_table *groups = hash_batch_table(h->groups ? &h->groups->hh : NULL);
    size_t columns = j->left.column_count;
    const record_t *record;
    b->count = b->keys_used = 0;
    b->records.used = b->records.count = 0;
    while (b->count < BATCH_SIZE && side_next(j, &j->left, &record)) {
        batch_item *item = &b->items[b->count];
        item->line = record->line;
        item->group = NULL;
        buffer_add_record(&b->records, record);
        memcpy(b->lengths + b->count * columns, record->lengths, columns * sizeof(size_t));
        b->count++;
        batch_add_key(b, item, side_key(&j->left, record));
        if (!item->empty)
            hash_batch_prefetch_bucket(groups, item->hash);
    }
    return b->count > 0;
}

/* Batch item INDEX as a record again. */
static const record_t *batch_record(const join *j, batch *b, size_t index)
{
    size_t columns = j->left.column_count;
    char *field = b->records.bytes + b->records.offsets[index];
    const size_t *lengths = b->lengths + index * columns;
    for (size_t i = 0; i < columns; i++) {
        b->record.fields[i] = field;
        b->record.lengths[i] = lengths[i];
        field += lengths[i] + 1;
    }
    b->record.count = columns;
    b->record.line = b->items[index].line;
    return &b->record;
}

static void hash_stream_left(join *j, hash_state *h)
{
    batch *b = &h->batch;
    bool pairs = writes_pairs(j->options->type);
    b->record.fields = xmalloc((j->left.column_count + 1) * sizeof(char *));
    b->record.lengths = xmalloc((j->left.column_count + 1) * sizeof(size_t));
    b->lengths = xmalloc((BATCH_SIZE * j->left.column_count + 1) * sizeof(size_t));
    while (hash_read_left_batch(j, h)) {
        const UT_hash_table *groups = hash_batch_table(h->groups ? &h->groups->hh : NULL);
        const UT_hash_table *unmatched = hash_batch_table(h->unmatched_left ? &h->unmatched_left->hh : NULL);
        for (size_t i = 0; i < b->count; i++)
            if (!b->items[i].empty)
                hash_batch_prefetch_chain(groups, b->items[i].hash);
        batch_find_groups(h, b);
        for (size_t i = 0; i < b->count; i++) {
            batch_item *item = &b->items[i];
            if (item->group && pairs)
                prefetch_record(item->group->first);
            else if (!item->group && !item->empty && h->note_unmatched_left && !h->log_unmatched_left)
                hash_batch_prefetch_bucket(unmatched, item->hash);
        }
        if (h->note_unmatched_left && !h->log_unmatched_left)
            batch_find_unmatched(h, b);
        for (size_t i = 0; i < b->count; i++) {
            const record_t *record = batch_record(j, b, i);
            key_group *group = b->items[i].group;
            if (b->items[i].empty)
                j->left.figures.empty_key_records++;
            else
                hash_note_left_key(j, h, &b->items[i]);
            if (group && pairs)
                for (right_record *r = group->first; r; r = r->next)
                    write_pair(j, record, view_of(h, r));
            finish_left_record(j, record, group != NULL);
        }
    }
    free(b->record.fields);
    free(b->record.lengths);
    free(b->lengths);
}

/* RIGHT's records without a match, in RIGHT's order, after all LEFT rows. */
static void hash_finish_right(join *j, hash_state *h)
{
    for (size_t i = 0; i < h->order_count; i++) {
        right_record *stored = h->order[i];
        if (!stored->group || !stored->group->left_count)
            finish_unmatched_right(j, view_of(h, stored));
    }
}

static void hash_join(join *j)
{
    hash_state h = {0};
    h.keep_order = j->options->type == JOIN_RIGHT || j->options->type == JOIN_FULL || j->right.unmatched;
    h.keep_encoded = writes_pairs(j->options->type);
    h.keep_fields = h.keep_order;
    h.keep_records = h.keep_encoded || h.keep_fields;
    /* The distinct and duplicated keys among LEFT's unmatched records: only for a report that
     * someone reads, or for --validate (a LEFT key seen twice). Keeping them costs memory
     * in proportion to LEFT, which is otherwise streamed. */
    h.note_unmatched_left = !j->options->quiet || j->options->report_path || j->ctx->stats_path || j->left.unique;
    h.log_unmatched_left = h.note_unmatched_left && !j->left.unique;
    hash_load_right(j, &h);
    hash_stream_left(j, &h);
    if (h.log_unmatched_left)
        count_logged_keys(j, &h);
    hash_finish_right(j, &h);
    HASH_CLEAR(hh, h.groups);
    HASH_CLEAR(hh, h.unmatched_left);
    key_log_free(&h.log);
    free(h.order);
    free(h.repeated);
    free(h.batch.keys);
    buffer_free(&h.batch.records);
    arena_free(&h.storage);
}

/* ---------------------------------------------------------------- merge join (--sorted) */

typedef struct merge_state {
    record_buffer group;     /* RIGHT's records with the current key */
    held_key group_key;      /* present: there is a current group */
    uint64_t group_left_count;
    record_buffer ahead;     /* the RIGHT record after the group (one at most) */
    held_key previous_right; /* key and line of the last RIGHT record read */
    held_key previous_left;
    uint64_t left_run;       /* LEFT records with the previous key so far */
} merge_state;

/* Read the next RIGHT record into the look-ahead, checking its order. */
static bool merge_read_right(join *j, merge_state *m)
{
    const record_t *record;
    m->ahead.used = m->ahead.count = 0;
    if (!side_next(j, &j->right, &record))
        return false;
    key_view key = side_key(&j->right, record);
    if (m->previous_right.present && held_compare(&m->previous_right, key) > 0)
        out_of_order(&j->right, record->line, m->previous_right.line);
    hold_key(&m->previous_right, key, record->line);
    if (key.empty)
        j->right.figures.empty_key_records++;
    buffer_add_record(&m->ahead, record);
    return true;
}

/* Make the RIGHT records of the next key the current group; false at the end of RIGHT. */
static bool merge_next_group(join *j, merge_state *m)
{
    join_side *right = &j->right;
    m->group.used = m->group.count = 0;
    m->group_left_count = 0;
    m->group_key.present = false;
    if (!m->ahead.count && !merge_read_right(j, m))
        return false;
    key_view key = {m->previous_right.bytes, m->previous_right.length, m->previous_right.empty};
    hold_key(&m->group_key, key, m->previous_right.line);
    if (!key.empty)
        right->figures.distinct_keys++;
    do {
        if (m->group.count && !m->group_key.empty) {
            if (right->unique)
                repeated_key(j, right, m->previous_right.line, m->group_key.line);
            if (m->group.count == 1)
                right->figures.duplicated_keys++;
        }
        buffer_move(&m->group, &m->ahead);
        if (!merge_read_right(j, m))
            break;
    } while (key_compare(m->previous_right.bytes, m->previous_right.length, m->group_key.bytes,
                         m->group_key.length) == 0);
    return true;
}

static void merge_finish_group(join *j, merge_state *m)
{
    if (m->group_left_count) {
        j->right.figures.matched_records += m->group.count;
        return;
    }
    for (size_t i = 0; i < m->group.count; i++)
        finish_unmatched_right(j, (right_view){m->group.bytes + m->group.offsets[i], NULL, 0});
}

/* Order, --validate and the report's figures for a LEFT key. */
static void merge_note_left_key(join *j, merge_state *m, key_view key, long line)
{
    join_side *left = &j->left;
    int order = m->previous_left.present ? held_compare(&m->previous_left, key) : -1;
    if (order > 0)
        out_of_order(left, line, m->previous_left.line);
    if (key.empty)
        left->figures.empty_key_records++;
    else if (order != 0) {
        left->figures.distinct_keys++;
        m->left_run = 1;
    } else {
        if (left->unique)
            repeated_key(j, left, line, m->previous_left.line);
        if (++m->left_run == 2)
            left->figures.duplicated_keys++;
    }
    /* The first line of a run of equal keys stays: --validate names it. */
    if (order != 0)
        hold_key(&m->previous_left, key, line);
}

static void merge_join(join *j)
{
    merge_state m = {0};
    bool pairs = writes_pairs(j->options->type);
    bool have_group = merge_next_group(j, &m);
    const record_t *record;
    while (side_next(j, &j->left, &record)) {
        key_view key = side_key(&j->left, record);
        merge_note_left_key(j, &m, key, record->line);
        while (have_group && held_compare(&m.group_key, key) < 0) {
            merge_finish_group(j, &m);
            have_group = merge_next_group(j, &m);
        }
        bool matched = have_group && !key.empty && held_compare(&m.group_key, key) == 0;
        if (matched) {
            if (m.group_left_count++ == 0)
                j->matched_keys++;
            for (size_t i = 0; pairs && i < m.group.count; i++)
                write_pair(j, record, (right_view){m.group.bytes + m.group.offsets[i], NULL, 0});
        }
        finish_left_record(j, record, matched);
    }
    while (have_group) {
        merge_finish_group(j, &m);
        have_group = merge_next_group(j, &m);
    }
    buffer_free(&m.group);
    buffer_free(&m.ahead);
    free(m.group_key.bytes);
    free(m.previous_right.bytes);
    free(m.previous_left.bytes);
}

/* ---------------------------------------------------------------- set-up */

static join_type parse_type(const koppel_context *ctx, const char *text)
{
    for (size_t i = 0; i < sizeof join_type_names / sizeof *join_type_names; i++)
        if (strcmp(text, join_type_names[i]) == 0)
            return (join_type)i;
    koppel_usage_error(ctx, "--type: '%s' is not a join type; expected inner, left, right, full, "
                            "semi or anti", text);
}

static validate_mode parse_validate(const koppel_context *ctx, const char *text)
{
    for (size_t i = 1; i < sizeof validate_names / sizeof *validate_names; i++)
        if (strcmp(text, validate_names[i]) == 0)
            return (validate_mode)i;
    koppel_usage_error(ctx, "--validate: '%s' is not a mode; expected 1:1, 1:m or m:1", text);
}

static void parse_options(koppel_context *ctx, join_options *options, int argc, char **argv)
{
    int opt;
    while ((opt = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS "k:q", long_options, NULL)) != -1) {
        if (koppel_common_option(ctx, opt, optarg))
            continue;
        switch (opt) {
        case 'k':
            free(options->key);
            options->key = koppel_split_list(ctx, "--key", optarg, &options->key_count);
            break;
        case OPT_LEFT_KEY:
            free(options->left_key);
            options->left_key = koppel_split_list(ctx, "--left-key", optarg, &options->left_key_count);
            break;
        case OPT_RIGHT_KEY:
            free(options->right_key);
            options->right_key = koppel_split_list(ctx, "--right-key", optarg, &options->right_key_count);
            break;
        case OPT_TYPE:
            options->type = parse_type(ctx, optarg);
            break;
        case OPT_PREFIX_RIGHT:
            if (!*optarg)
                koppel_usage_error(ctx, "--prefix-right: the prefix is empty");
            options->prefix_right = optarg;
            break;
        case OPT_SORTED:
            options->sorted = true;
            break;
        case OPT_RIGHT_DELIMITER:
            options->right_delimiter = koppel_parse_delimiter(ctx, optarg);
            options->right_delimiter_given = true;
            break;
        case OPT_VALIDATE:
            options->validate = parse_validate(ctx, optarg);
            break;
        case OPT_UNMATCHED_LEFT:
            options->unmatched_left_path = optarg;
            break;
        case OPT_UNMATCHED_RIGHT:
            options->unmatched_right_path = optarg;
            break;
        case OPT_REPORT:
            options->report_path = optarg;
            break;
        case 'q':
            options->quiet = true;
            break;
        default:
            koppel_usage_error(ctx, "unknown option");
        }
    }
    if (argc - optind != 2)
        koppel_usage_error(ctx, "expected two inputs, LEFT and RIGHT, got %d", argc - optind);
    if (strcmp(argv[optind], "-") == 0 && strcmp(argv[optind + 1], "-") == 0)
        koppel_usage_error(ctx, "LEFT and RIGHT cannot both be standard input ('-')");
    if (!options->left_key && !options->key)
        koppel_usage_error(ctx, "no key: give -k KEY (or --left-key and --right-key)");
    if (!options->right_key && !options->key)
        koppel_usage_error(ctx, "no key for RIGHT: give -k KEY or --right-key");
    if (!options->left_key) {
        options->left_key = options->key;
        options->left_key_count = options->key_count;
    }
    if (!options->right_key) {
        options->right_key = options->key;
        options->right_key_count = options->key_count;
    }
    if (options->left_key_count != options->right_key_count)
        koppel_usage_error(ctx, "LEFT's key has %zu columns and RIGHT's %zu; they must pair up",
                           options->left_key_count, options->right_key_count);
}

static void setup_side(const koppel_context *ctx, join_side *side, char **names, size_t count,
                       const char *option)
{
    const record_t *header = record_reader_header(side->reader);
    side->column_count = header->count;
    side->key_count = count;
    side->key_columns = xmalloc(count * sizeof(size_t));
    side->is_key = xcalloc(header->count, sizeof(bool));
    side->other_columns = xmalloc((header->count + 1) * sizeof(size_t));
    koppel_names_distinct(ctx, option, names, count, " in the key");
    for (size_t i = 0; i < count; i++) {
        size_t column = record_reader_column(side->reader, names[i], option);
        side->is_key[column] = true;
        side->key_columns[i] = column;
    }
    for (size_t i = 0; i < header->count; i++)
        if (!side->is_key[i])
            side->other_columns[side->other_count++] = i;
    side->in_order = true;
    for (size_t i = 0; i < count; i++)
        side->in_order &= side->key_columns[i] == i;
}

static const char *key_option(const join_options *options, bool left)
{
    if (left)
        return options->left_key != options->key ? "--left-key" : "--key";
    return options->right_key != options->key ? "--right-key" : "--key";
}

/* A LEFT column name in the set output_header checks RIGHT's names against: a header may
 * have a million columns, so no search of LEFT's header per RIGHT column. */
typedef struct column_name {
    const char *name;
    UT_hash_handle hh;
} column_name;

/* The most clashing names a usage error lists before it only counts the rest. */
enum { CLASHES_LISTED = 10 };

/* The output header: key columns (LEFT's names), LEFT's others, RIGHT's others (prefixed).
 * A RIGHT name that is also a LEFT name is a usage error naming them. */
static char **output_header(const join *j, size_t *count)
{
    const record_t *left = record_reader_header(j->left.reader);
    const record_t *right = record_reader_header(j->right.reader);
    if (!writes_pairs(j->options->type)) {
        char **header = xmalloc((left->count + 1) * sizeof(char *));
        for (size_t i = 0; i < left->count; i++)
            header[i] = xstrdup(left->fields[i]);
        *count = left->count;
        return header;
    }
    size_t n = 0, total = left->count + j->right.other_count;
    char **header = xmalloc((total + 1) * sizeof(char *));
    for (size_t i = 0; i < j->left.key_count; i++)
        header[n++] = xstrdup(left->fields[j->left.key_columns[i]]);
    for (size_t i = 0; i < j->left.other_count; i++)
        header[n++] = xstrdup(left->fields[j->left.other_columns[i]]);
    column_name *left_names = NULL;
    column_name *entries = xcalloc(left->count ? left->count : 1, sizeof *entries);
    for (size_t i = 0; i < left->count; i++) {
        entries[i].name = left->fields[i];
        HASH_ADD_KEYPTR(hh, left_names, entries[i].name, left->lengths[i], &entries[i]);
    }
    const char *prefix = j->options->prefix_right ? j->options->prefix_right : "";
    size_t clash_count = 0, clash_length = 0;
    char clashes[1024] = "";
    for (size_t i = 0; i < j->right.other_count; i++) {
        const char *name = right->fields[j->right.other_columns[i]];
        size_t length = strlen(prefix) + strlen(name) + 1;
        char *prefixed = xmalloc(length);
        snprintf(prefixed, length, "%s%s", prefix, name);
        header[n++] = prefixed;
        column_name *found;
        HASH_FIND(hh, left_names, prefixed, length - 1, found);
        /* A file without its header row has values for names: show none that could be an identifier. */
        if (found && clash_count++ < CLASHES_LISTED && clash_length < sizeof clashes)
            clash_length += (size_t)snprintf(clashes + clash_length, sizeof clashes - clash_length,
                                             "%s%s", clash_length ? ", " : "",
                                             label_is_showable(prefixed, length - 1) ? prefixed : "(not shown)");
    }
    HASH_CLEAR(hh, left_names);
    free(entries);
    if (clash_count > CLASHES_LISTED)
        koppel_usage_error(j->ctx, "%zu columns in both LEFT and RIGHT: %s and %zu more; give "
                                   "--prefix-right P (e.g. --prefix-right right_) or drop them first",
                           clash_count, clashes, clash_count - CLASHES_LISTED);
    if (clash_count)
        koppel_usage_error(j->ctx, "columns in both LEFT and RIGHT: %s; give --prefix-right P "
                                   "(e.g. --prefix-right right_) or drop them first",
                           clashes);
    *count = n;
    return header;
}

static record_writer *open_copy_file(const char *path, char delimiter, const record_reader *reader)
{
    if (!path)
        return NULL;
    record_writer *writer = record_writer_open(path, delimiter);
    const record_t *header = record_reader_header(reader);
    record_writer_record(writer, header->fields, header->lengths, header->count);
    return writer;
}

/* ---------------------------------------------------------------- the linkage report */

static double match_rate(const side_figures *figures)
{
    return figures->records ? 100.0 * (double)figures->matched_records / (double)figures->records
                            : 0.0 / 0.0;
}

/* LEFT records in at least one output row (the rest are filtered). */
static uint64_t records_written(const join *j, const join_side *side)
{
    const side_figures *f = &side->figures;
    bool left = side == &j->left;
    switch (j->options->type) {
    case JOIN_INNER:
        return f->matched_records;
    case JOIN_LEFT:
        return left ? f->records : f->matched_records;
    case JOIN_RIGHT:
        return left ? f->matched_records : f->records;
    case JOIN_FULL:
        return f->records;
    case JOIN_SEMI:
        return left ? f->matched_records : 0;
    default: /* JOIN_ANTI */
        return left ? f->records - f->matched_records : 0;
    }
}

static void print_report(const join *j)
{
    const side_figures *l = &j->left.figures, *r = &j->right.figures;
    char left_rate[32] = "-", right_rate[32] = "-";
    if (l->records)
        snprintf(left_rate, sizeof left_rate, "%.1f", match_rate(l));
    if (r->records)
        snprintf(right_rate, sizeof right_rate, "%.1f", match_rate(r));
    message_warn("linkage report, %s join (LEFT %s, RIGHT %s):", join_type_names[j->options->type],
                 record_reader_name(j->left.reader), record_reader_name(j->right.reader));
    fprintf(stderr,
            "                             LEFT          RIGHT\n"
            "  records            %14llu %14llu\n"
            "  rejected records   %14llu %14llu\n"
            "  distinct keys      %14llu %14llu\n"
            "  empty key records  %14llu %14llu\n"
            "  duplicated keys    %14llu %14llu\n"
            "  matched keys       %14llu %14llu\n"
            "  matched records    %14llu %14llu\n"
            "  unmatched records  %14llu %14llu\n"
            "  match rate (%%)     %14s %14s\n",
            (unsigned long long)l->records, (unsigned long long)r->records,
            (unsigned long long)l->rejected, (unsigned long long)r->rejected,
            (unsigned long long)l->distinct_keys, (unsigned long long)r->distinct_keys,
            (unsigned long long)l->empty_key_records, (unsigned long long)r->empty_key_records,
            (unsigned long long)l->duplicated_keys, (unsigned long long)r->duplicated_keys,
            (unsigned long long)j->matched_keys, (unsigned long long)j->matched_keys,
            (unsigned long long)l->matched_records, (unsigned long long)r->matched_records,
            (unsigned long long)(l->records - l->matched_records),
            (unsigned long long)(r->records - r->matched_records), left_rate, right_rate);
}

static void report_number(record_writer *writer, uint64_t value)
{
    char text[32];
    size_t length = number_format_int64((int64_t)value, text);
    record_writer_field(writer, text, length);
}

static void write_report(const join *j, const char *path)
{
    static char *const header[] = {"side", "file", "records", "rejected_records", "distinct_keys",
                                   "empty_key_records", "duplicated_keys", "matched_keys",
                                   "matched_records", "unmatched_records", "match_rate_percent"};
    record_writer *writer = record_writer_open(path, j->ctx->output_delimiter);
    record_writer_record(writer, header, NULL, sizeof header / sizeof *header);
    const join_side *sides[] = {&j->left, &j->right};
    for (size_t i = 0; i < 2; i++) {
        const side_figures *f = &sides[i]->figures;
        record_writer_field_str(writer, sides[i]->report_name);
        record_writer_field_str(writer, record_reader_name(sides[i]->reader));
        report_number(writer, f->records);
        report_number(writer, f->rejected);
        report_number(writer, f->distinct_keys);
        report_number(writer, f->empty_key_records);
        report_number(writer, f->duplicated_keys);
        report_number(writer, j->matched_keys);
        report_number(writer, f->matched_records);
        report_number(writer, f->records - f->matched_records);
        char rate[32] = "";
        size_t length = f->records ? number_format_double(match_rate(f), rate) : 0;
        record_writer_field(writer, rate, length);
        record_writer_end(writer);
    }
    record_writer_close(writer);
}

static void stats_side(join *j, const join_side *side)
{
    const side_figures *f = &side->figures;
    char key[64];
#define SIDE_INT(name, value)                                                   \
    do {                                                                        \
        snprintf(key, sizeof key, "%s_" name, side->report_name);               \
        koppel_stats_int(j->ctx, key, (int64_t)(value));                        \
    } while (0)
    uint64_t written = records_written(j, side);
    SIDE_INT("records", f->records);
    SIDE_INT("rejected", f->rejected);
    SIDE_INT("written", written);
    SIDE_INT("filtered", f->records - written);
    SIDE_INT("distinct_keys", f->distinct_keys);
    SIDE_INT("empty_key_records", f->empty_key_records);
    SIDE_INT("duplicated_keys", f->duplicated_keys);
    SIDE_INT("matched_records", f->matched_records);
    SIDE_INT("unmatched_records", f->records - f->matched_records);
#undef SIDE_INT
    snprintf(key, sizeof key, "%s_match_rate_percent", side->report_name);
    koppel_stats_double(j->ctx, key, match_rate(f));
}

static void record_figures(join *j)
{
    j->ctx->counts.filtered = j->left.figures.records - records_written(j, &j->left) +
                              j->right.figures.records - records_written(j, &j->right);
    koppel_stats_string(j->ctx, "join_type", join_type_names[j->options->type]);
    koppel_stats_string(j->ctx, "method", j->options->sorted ? "merge" : "hash");
    koppel_stats_int(j->ctx, "matched_keys", (int64_t)j->matched_keys);
    stats_side(j, &j->left);
    stats_side(j, &j->right);
}

/* ---------------------------------------------------------------- main */

static void free_side(join_side *side)
{
    free(side->key_columns);
    free(side->is_key);
    free(side->other_columns);
    free(side->key_buffer);
    record_reader_close(side->reader);
}

int main(int argc, char **argv)
{
    koppel_context ctx;
    join_options options = {0};
    koppel_init(&ctx, "join", usage);
    parse_options(&ctx, &options, argc, argv);

    join j = {.ctx = &ctx, .options = &options};
    j.left.label = "LEFT";
    j.left.report_name = "left";
    j.right.label = "RIGHT";
    j.right.report_name = "right";
    /* LEFT first: the rejects file takes the columns of the first input opened. */
    j.left.reader = koppel_open_input(&ctx, argv[optind]);
    char left_delimiter = ctx.delimiter;
    if (options.right_delimiter_given)
        ctx.delimiter = options.right_delimiter;
    j.right.reader = koppel_open_input(&ctx, argv[optind + 1]);
    ctx.delimiter = left_delimiter;
    setup_side(&ctx, &j.left, options.left_key, options.left_key_count, key_option(&options, true));
    setup_side(&ctx, &j.right, options.right_key, options.right_key_count, key_option(&options, false));
    j.left.unique = options.validate == VALIDATE_ONE_TO_ONE || options.validate == VALIDATE_ONE_TO_MANY;
    j.right.unique = options.validate == VALIDATE_ONE_TO_ONE || options.validate == VALIDATE_MANY_TO_ONE;
    j.right_fields = xmalloc((j.right.column_count + 1) * sizeof(char *));
    j.right_lengths = xmalloc((j.right.column_count + 1) * sizeof(size_t));

    size_t header_count;
    char **header = output_header(&j, &header_count);
    koppel_open_output(&ctx, header, header_count);
    /* The by-products are files of their own: neither another output nor an input. */
    const char *output_options[] = {"-o", "--rejects", "--stats", "--unmatched-left",
                                    "--unmatched-right", "--report"};
    const char *output_paths[] = {ctx.output_path ? ctx.output_path : "-", ctx.rejects_path, ctx.stats_path,
                                  options.unmatched_left_path, options.unmatched_right_path,
                                  options.report_path};
    koppel_distinct_outputs(&ctx, 6, output_options, output_paths);
    for (size_t side = 0; side < 2; side++)
        for (size_t i = 3; i < 6 && strcmp(argv[optind + side], "-") != 0; i++) {
            const char *pair_options[] = {output_options[i], side ? "RIGHT" : "LEFT"};
            const char *pair_paths[] = {output_paths[i], argv[optind + side]};
            koppel_distinct_outputs(&ctx, 2, pair_options, pair_paths);
        }
    j.left.unmatched = open_copy_file(options.unmatched_left_path, ctx.output_delimiter, j.left.reader);
    j.right.unmatched = open_copy_file(options.unmatched_right_path, ctx.output_delimiter, j.right.reader);

    if (options.sorted)
        merge_join(&j);
    else
        hash_join(&j);

    /* Written out now, put in place only after koppel_finish's outputs and --stats: all or nothing. */
    record_writer_finish_writing(j.left.unmatched);
    record_writer_finish_writing(j.right.unmatched);
    if (options.report_path)
        write_report(&j, options.report_path);
    if (!options.quiet)
        print_report(&j);
    record_figures(&j);
    int status = koppel_finish(&ctx);
    record_writer_close(j.left.unmatched);
    record_writer_close(j.right.unmatched);

    free_side(&j.left);
    free_side(&j.right);
    for (size_t i = 0; i < header_count; i++)
        free(header[i]);
    free(header);
    free(j.right_fields);
    free(j.right_lengths);
    if (options.left_key != options.key)
        free(options.left_key);
    if (options.right_key != options.key)
        free(options.right_key);
    free(options.key);
    return status;
}
