/* partition/main.c: koppel partition — split records into N part files by a reproducible hash of a
 * key, so that one job runs as N smaller ones (GNU parallel, on one host or several). */
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "koppel.h"
#include "message.h"
#include "showable.h"

static const char usage[] =
    "Usage: koppel partition -k COL[,COL...] -n N --out DIR [OPTIONS] [FILE...]\n"
    "Split records into N part files by a reproducible hash of a key, for parallel runs.\n"
    "\n"
    "Reads CSV with a header from FILEs (all with the same header) or standard input and\n"
    "writes N files DIR/PREFIX-0000.csv ... DIR/PREFIX-NNNN.csv (N-1 as the last number), each\n"
    "with the header and, in input order, the records whose key falls in that part. Records\n"
    "with equal keys always get the same part number: in any file, on any host, with any\n"
    "version of koppel. So two files partitioned with the same columns and N can be joined\n"
    "part by part, and each person is in one part only (koppel aggregate --split-by).\n"
    "\n"
    "Options:\n"
    "  -k, --key COL[,COL...]  the key columns\n"
    "  -n, --parts N           number of parts, 1 to 4096 (powers of two refine each other:\n"
    "                          part P of N is parts P and P+N of 2N)\n"
    "      --out DIR           directory for the parts, created when missing; required.\n"
    "                          There is no -o and no standard output: the output is N files\n"
    "      --prefix NAME       part files are named NAME-0000.csv ... (default 'part'); NAME\n"
    "                          has letters, digits, '-', '_' or '.', and does not start with '.'\n"
    "      --empty-key ACTION  a record with an empty key column (a missing value):\n"
    "                          part0 (default) writes it to part 0000, whatever its other key\n"
    "                          columns hold; reject makes it a bad record (--rejects);\n"
    "                          drop leaves it out (counted as filtered)\n"
    "  -q, --quiet             do not print the summary (records per part) on standard error\n"
    "\n"
    "The part of a record (hash partition@v1): the bytes of its key fields as read (after CSV\n"
    "unquoting; no trimming, no change of case), joined with one NUL byte (0x00, which no field\n"
    "can contain) between consecutive fields, are hashed with SipHash-2-4 (libsodium\n"
    "crypto_shorthash_siphash24) under the fixed, public 16-byte key 'koppel-partition'\n"
    "(ASCII 6b6f7070656c2d706172746974696f6e). The hash h, the unsigned 64-bit integer of\n"
    "the SipHash specification (libsodium writes it as 8 bytes, least significant first),\n"
    "gives part h mod N. (The modulo favours the first 2^64 mod N parts by one hash value in\n"
    "2^64/N: a relative difference below 10^-15, nothing that shows in the balance.) Keys\n"
    "must be in the same form on every side: '012345678' and '12345678', or a BSN and its\n"
    "pseudonym, are different keys.\n"
    "\n"
    "Atomic output: the parts are written into a hidden directory in DIR (.PREFIX.tmpXXXXXX)\n"
    "and renamed into place together when the run succeeds; a failed run leaves no part of\n"
    "its own behind (and a directory it created is removed). An earlier set of parts with\n"
    "the same names is replaced; a file PREFIX-<digits>.csv in DIR that this run would not\n"
    "replace (left by a run with more parts) is a usage error, so that a glob over DIR never\n"
    "mixes two runs. Each part holds one open file and a write buffer of 256 KiB: the run\n"
    "needs N + 10 open files (the soft limit is raised up to the hard limit when needed).\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "(--output-delimiter applies to the parts; -o is refused.)\n"
    "\n"
    "Examples:\n"
    "  koppel partition -k bsn -n 4 --out parts gp_contacts.csv\n"
    "  koppel partition -k bsn -n 4 --out parts --prefix persons persons.csv\n"
    "  parallel koppel aggregate -g practice_id --count-distinct bsn --split-by bsn \\\n"
    "      --partial -o {.}.state {} ::: parts/part-*.csv\n"
    "  koppel aggregate --merge parts/part-*.state > persons-per-practice.csv\n"
    "  koppel partition -k bsn -n 16 --empty-key reject --rejects no-bsn.csv \\\n"
    "      --stats run.json --out parts contacts-2022.csv contacts-2023.csv\n"
    "\n"
    "--stats adds parts, empty_key_records, part_0000 ... (records in each part) and hash\n"
    "(partition@v1); records_in = records_out (all parts) + filtered + rejected.\n";

enum { OPT_OUT = OPT_FILTER_BASE, OPT_PREFIX, OPT_EMPTY_KEY };

static const struct option long_options[] = {
    {"key", required_argument, NULL, 'k'},
    {"parts", required_argument, NULL, 'n'},
    {"out", required_argument, NULL, OPT_OUT},
    {"prefix", required_argument, NULL, OPT_PREFIX},
    {"empty-key", required_argument, NULL, OPT_EMPTY_KEY},
    {"quiet", no_argument, NULL, 'q'},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

#define MAX_PARTS 4096
/* Open files besides the parts: standard streams, two inputs (the first stays open while the
 * next is read), rejects, and a margin for the libraries. */
#define OTHER_OPEN_FILES 10

/* SipHash-2-4 key of hash partition@v1: the ASCII bytes of "koppel-partition". Public on
 * purpose: the hash must give the same parts everywhere, it is not a secret. */
static const unsigned char partition_hash_key[crypto_shorthash_siphash24_KEYBYTES] = {
    'k', 'o', 'p', 'p', 'e', 'l', '-', 'p', 'a', 'r', 't', 'i', 't', 'i', 'o', 'n'};

typedef enum { EMPTY_KEY_PART0, EMPTY_KEY_REJECT, EMPTY_KEY_DROP } empty_key_action;

typedef struct partition_options {
    char **key_names;
    size_t key_count;
    size_t part_count;
    const char *directory;
    const char *prefix;
    empty_key_action empty_key;
    bool quiet;
} partition_options;

/* The parts being written: into STAGING (a hidden directory inside DIRECTORY, so that the
 * final renames stay on one file system), moved into DIRECTORY when all are complete. */
typedef struct part_set {
    const char *directory;
    const char *prefix;
    char *staging;
    size_t count;
    record_writer **writers;
    uint64_t *records;
} part_set;

/* ---------------------------------------------------------------- options */

static size_t parse_part_count(const koppel_context *ctx, const char *text)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    char shown[96];
    if (errno || end == text || *end || text[0] == '-' || text[0] == '+' || value < 1 || value > MAX_PARTS)
        koppel_usage_error(ctx, "-n expects a number of parts from 1 to %d, got %s", MAX_PARTS,
                           showable_quoted(text, strlen(text), shown, sizeof shown));
    return (size_t)value;
}

static empty_key_action parse_empty_key(const koppel_context *ctx, const char *text)
{
    if (strcmp(text, "part0") == 0)
        return EMPTY_KEY_PART0;
    if (strcmp(text, "reject") == 0)
        return EMPTY_KEY_REJECT;
    if (strcmp(text, "drop") == 0)
        return EMPTY_KEY_DROP;
    char shown[96];
    koppel_usage_error(ctx, "--empty-key expects part0, reject or drop, got %s",
                       showable_quoted(text, strlen(text), shown, sizeof shown));
}

enum { MAX_PREFIX_LENGTH = 200 };

static void check_prefix(const koppel_context *ctx, const char *prefix)
{
    bool good = prefix[0] != '\0' && prefix[0] != '.';
    for (const char *p = prefix; *p && good; p++)
        good = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
               *p == '-' || *p == '_' || *p == '.';
    char shown[96];
    if (!good)
        koppel_usage_error(ctx, "--prefix: %s is not a file name prefix (letters, digits, '-', '_' "
                                "or '.', not starting with '.')",
                           showable_quoted(prefix, strlen(prefix), shown, sizeof shown));
    /* A part's name (PREFIX-NNNN.csv) and its temporary (.tmpXXXXXX) must fit in NAME_MAX (255). */
    if (strlen(prefix) > MAX_PREFIX_LENGTH)
        koppel_usage_error(ctx, "--prefix: a prefix of %zu characters is too long (at most %d)", strlen(prefix),
                           MAX_PREFIX_LENGTH);
}

static void parse_options(koppel_context *ctx, partition_options *options, int argc, char **argv)
{
    const char *parts_text = NULL;
    options->prefix = "part";
    int opt;
    while ((opt = getopt_long(argc, argv, "k:n:q" KOPPEL_COMMON_SHORT_OPTIONS, long_options, NULL)) != -1) {
        if (koppel_common_option(ctx, opt, optarg))
            continue;
        switch (opt) {
        case 'k':
            free(options->key_names);
            options->key_names = koppel_split_list(ctx, "--key", optarg, &options->key_count);
            break;
        case 'n':
            parts_text = optarg;
            break;
        case OPT_OUT:
            options->directory = optarg;
            break;
        case OPT_PREFIX:
            options->prefix = optarg;
            break;
        case OPT_EMPTY_KEY:
            options->empty_key = parse_empty_key(ctx, optarg);
            break;
        case 'q':
            options->quiet = true;
            break;
        default:
            koppel_usage_error(ctx, "unexpected option");
        }
    }
    if (ctx->output_path)
        koppel_usage_error(ctx, "-o does not apply: the parts are files in --out DIR");
    if (!options->key_names)
        koppel_usage_error(ctx, "-k COL[,COL...] is required: the key columns");
    if (!parts_text)
        koppel_usage_error(ctx, "-n N is required: the number of parts");
    if (!options->directory || !*options->directory)
        koppel_usage_error(ctx, "--out DIR is required: the directory for the parts");
    options->part_count = parse_part_count(ctx, parts_text);
    check_prefix(ctx, options->prefix);
}

/* Every part holds a file open until the end: make sure the process may open that many, raising
 * the soft limit up to the hard one if need be. */
static void ensure_open_file_limit(size_t part_count)
{
    rlim_t needed = (rlim_t)part_count + OTHER_OPEN_FILES;
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        message_die(EXIT_SYSTEM, "cannot read the open file limit: %s", strerror(errno));
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed)
        return;
    if (limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= needed) {
        limit.rlim_cur = needed;
        if (setrlimit(RLIMIT_NOFILE, &limit) == 0)
            return;
    }
    message_die(EXIT_USAGE, "-n %zu needs %llu open files at once, but this process may open at most "
                            "%llu (ulimit -n; hard limit %llu): use fewer parts or raise the limit",
                part_count, (unsigned long long)needed, (unsigned long long)limit.rlim_cur,
                limit.rlim_max == RLIM_INFINITY ? 0ULL : (unsigned long long)limit.rlim_max);
}

/* ---------------------------------------------------------------- the part files */

static char *part_name(const part_set *parts, const char *directory, size_t index)
{
    size_t size = strlen(directory) + strlen(parts->prefix) + 32;
    char *path = xmalloc(size);
    snprintf(path, size, "%s/%s-%04zu.csv", directory, parts->prefix, index);
    return path;
}

/* Is NAME a part file name of this prefix (PREFIX-<digits>.csv)? If so, *NUMBER_DIGITS and
 * *NUMBER get its number. */
static bool is_part_name(const char *name, const char *prefix, size_t *number_digits, unsigned long *number)
{
    size_t prefix_length = strlen(prefix);
    if (strncmp(name, prefix, prefix_length) != 0 || name[prefix_length] != '-')
        return false;
    const char *digits = name + prefix_length + 1, *p = digits;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p == digits || p - digits > 9 || strcmp(p, ".csv") != 0)
        return false;
    *number_digits = (size_t)(p - digits);
    *number = strtoul(digits, NULL, 10);
    return true;
}

/* A part file in DIR that this run would not replace would be picked up by a glob with ours. */
static void refuse_foreign_parts(const koppel_context *ctx, const partition_options *options)
{
    DIR *dir = opendir(options->directory);
    if (!dir)
        message_die(EXIT_SYSTEM, "cannot read directory %s: %s", options->directory, strerror(errno));
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        size_t digits;
        unsigned long number;
        if (!is_part_name(entry->d_name, options->prefix, &digits, &number))
            continue;
        if (digits != 4 || number >= options->part_count)
            koppel_usage_error(ctx, "%s/%s is a part this run with -n %zu would not replace "
                                    "(left by a run with more parts?): remove it, or choose another "
                                    "--out or --prefix", options->directory, entry->d_name,
                               options->part_count);
        if (entry->d_type == DT_DIR)
            koppel_usage_error(ctx, "%s/%s is a directory, where a part file is to be written",
                               options->directory, entry->d_name);
    }
    closedir(dir);
}

static void open_parts(part_set *parts, const partition_options *options, char *const *header,
                       size_t column_count, char delimiter)
{
    parts->directory = options->directory;
    parts->prefix = options->prefix;
    parts->count = options->part_count;
    size_t size = strlen(options->directory) + strlen(options->prefix) + 32;
    parts->staging = xmalloc(size);
    snprintf(parts->staging, size, "%s/.%s.tmpXXXXXX", options->directory, options->prefix);
    if (!mkdtemp(parts->staging))
        message_die(EXIT_SYSTEM, "cannot create a directory in %s: %s", options->directory, strerror(errno));
    /* Registered before the files in it, hence removed after them on a fatal exit. */
    message_register_temporary(parts->staging);
    parts->writers = xcalloc(parts->count, sizeof(record_writer *));
    parts->records = xcalloc(parts->count, sizeof(uint64_t));
    for (size_t i = 0; i < parts->count; i++) {
        char *path = part_name(parts, parts->staging, i);
        parts->writers[i] = record_writer_open(path, delimiter);
        record_writer_record(parts->writers[i], header, NULL, column_count);
        free(path);
    }
}

/* Complete every part inside the staging directory; each stays registered for removal until
 * all of them are in place. */
static void close_parts(part_set *parts)
{
    for (size_t i = 0; i < parts->count; i++) {
        record_writer_close(parts->writers[i]);
        parts->writers[i] = NULL;
        char *path = part_name(parts, parts->staging, i);
        message_register_temporary(path);
        free(path);
    }
}

/* Move the complete parts into DIR. Renames within one file system; should one still fail,
 * the parts already moved are removed again so that DIR never holds a mixed set. */
static void commit_parts(part_set *parts)
{
    for (size_t i = 0; i < parts->count; i++) {
        char *from = part_name(parts, parts->staging, i), *to = part_name(parts, parts->directory, i);
        if (rename(from, to) != 0) {
            int error = errno;
            for (size_t j = 0; j < i; j++) {
                char *moved = part_name(parts, parts->directory, j);
                unlink(moved);
                free(moved);
            }
            message_die(EXIT_SYSTEM, "cannot rename %s into place as %s: %s", from, to, strerror(error));
        }
        message_unregister_temporary(from);
        free(from);
        free(to);
    }
    if (rmdir(parts->staging) != 0)
        message_die(EXIT_SYSTEM, "cannot remove directory %s: %s", parts->staging, strerror(errno));
    message_unregister_temporary(parts->staging);
    message_unregister_temporary(parts->directory);
}

static void free_parts(part_set *parts)
{
    free(parts->staging);
    free(parts->writers);
    free(parts->records);
}

/* ---------------------------------------------------------------- the hash */

/* Hash partition@v1 of the key bytes (fields joined with NUL), as documented in the usage. */
static size_t part_of_key(const unsigned char *key, size_t length, size_t part_count)
{
    unsigned char hash[crypto_shorthash_siphash24_BYTES];
    crypto_shorthash_siphash24(hash, key, length, partition_hash_key);
    uint64_t value = 0;
    for (size_t i = crypto_shorthash_siphash24_BYTES; i-- > 0;)
        value = value << 8 | hash[i];
    return (size_t)(value % part_count);
}

/* The key buffer reused for every record: no allocation per record once it is large enough. */
typedef struct key_buffer {
    unsigned char *bytes;
    size_t capacity;
} key_buffer;

/* The part of RECORD, or -1 when a key column is empty (*EMPTY_COLUMN gets its index). */
static long part_of_record(const record_t *record, const size_t *key_columns, size_t key_count,
                           size_t part_count, key_buffer *buffer, size_t *empty_column)
{
    size_t length = key_count - 1;
    for (size_t i = 0; i < key_count; i++) {
        if (record->lengths[key_columns[i]] == 0) {
            *empty_column = key_columns[i];
            return -1;
        }
        length += record->lengths[key_columns[i]];
    }
    if (key_count == 1)
        return (long)part_of_key((const unsigned char *)record->fields[key_columns[0]], length, part_count);
    if (length > buffer->capacity) {
        buffer->capacity = length * 2;
        buffer->bytes = xrealloc(buffer->bytes, buffer->capacity);
    }
    size_t used = 0;
    for (size_t i = 0; i < key_count; i++) {
        if (i)
            buffer->bytes[used++] = '\0';
        memcpy(buffer->bytes + used, record->fields[key_columns[i]], record->lengths[key_columns[i]]);
        used += record->lengths[key_columns[i]];
    }
    return (long)part_of_key(buffer->bytes, used, part_count);
}

/* ---------------------------------------------------------------- summary */

static void add_stats(koppel_context *ctx, const part_set *parts, uint64_t empty_keys)
{
    koppel_stats_int(ctx, "parts", (int64_t)parts->count);
    koppel_stats_int(ctx, "empty_key_records", (int64_t)empty_keys);
    koppel_stats_string(ctx, "hash", "partition@v1");
    for (size_t i = 0; i < parts->count; i++) {
        char key[32];
        snprintf(key, sizeof key, "part_%04zu", i);
        koppel_stats_int(ctx, key, (int64_t)parts->records[i]);
    }
}

static void print_summary(const koppel_context *ctx, const partition_options *options,
                          const part_set *parts, uint64_t empty_keys)
{
    uint64_t smallest = UINT64_MAX, largest = 0;
    for (size_t i = 0; i < parts->count; i++) {
        smallest = parts->records[i] < smallest ? parts->records[i] : smallest;
        largest = parts->records[i] > largest ? parts->records[i] : largest;
    }
    const char *where = empty_keys == 0                         ? ""
                        : options->empty_key == EMPTY_KEY_PART0 ? " (in part 0000)"
                        : options->empty_key == EMPTY_KEY_DROP  ? " (dropped)"
                                                                : " (rejected)";
    message_warn("%llu records into %zu parts in %s (smallest %llu, largest %llu records); "
                 "%llu with an empty key%s",
                 (unsigned long long)ctx->counts.out, parts->count, parts->directory,
                 (unsigned long long)smallest, (unsigned long long)largest,
                 (unsigned long long)empty_keys, where);
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    koppel_context ctx;
    partition_options options = {0};
    koppel_init(&ctx, "partition", usage);
    parse_options(&ctx, &options, argc, argv);
    if (sodium_init() < 0)
        message_die(EXIT_SYSTEM, "cannot initialise libsodium");
    ensure_open_file_limit(options.part_count);

    koppel_inputs inputs;
    record_reader *first = koppel_inputs_open(&ctx, &inputs, argc, argv, optind);
    size_t *key_columns = xmalloc(options.key_count * sizeof(size_t));
    for (size_t i = 0; i < options.key_count; i++)
        key_columns[i] = record_reader_column(first, options.key_names[i], "--key");
    koppel_make_output_directory(&ctx, "--out", options.directory);
    refuse_foreign_parts(&ctx, &options);
    const record_t *header = record_reader_header(first);
    part_set parts = {0};
    open_parts(&parts, &options, header->fields, header->count, ctx.output_delimiter);

    key_buffer buffer = {0};
    uint64_t empty_keys = 0;
    record_reader *reader;
    while ((reader = koppel_inputs_next(&ctx, &inputs))) {
        const record_t *record;
        while (record_reader_next(reader, &record)) {
            koppel_progress(&ctx);
            size_t empty_column;
            long part = part_of_record(record, key_columns, options.key_count, parts.count, &buffer,
                                       &empty_column);
            if (part < 0) {
                empty_keys++;
                if (options.empty_key == EMPTY_KEY_REJECT) {
                    koppel_reject(&ctx, reader, record, "empty key column '%s'",
                                  header->fields[empty_column]);
                    continue;
                }
                if (options.empty_key == EMPTY_KEY_DROP) {
                    ctx.counts.filtered++;
                    continue;
                }
                part = 0;
            }
            record_writer_record(parts.writers[part], record->fields, record->lengths, record->count);
            parts.records[part]++;
        }
    }
    for (size_t i = 0; i < parts.count; i++)
        ctx.counts.out += parts.records[i];
    close_parts(&parts);
    add_stats(&ctx, &parts, empty_keys);
    /* koppel_finish closes the rejects and appends --stats; only then do the parts appear. */
    int status = koppel_finish(&ctx);
    commit_parts(&parts);
    if (!options.quiet)
        print_summary(&ctx, &options, &parts, empty_keys);
    koppel_inputs_close(&inputs);
    free_parts(&parts);
    free(buffer.bytes);
    free(key_columns);
    free(options.key_names);
    return status;
}
