/* pseudonymise/main.c: koppel pseudonymise — replace BSNs and other identifiers by keyed pseudonyms
 * (the construction in README.md) and coarsen quasi-identifiers, at the data holder, before
 * delivery. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bsn.h"
#include "date.h"
#include "koppel.h"
#include "message.h"
#include "pseudonym.h"
#include "showable.h"

static const char usage[] =
    "Usage: koppel pseudonymise --key-file FILE [--project NAME] --bsn COL [OPTIONS] [FILE...]\n"
    "Replace BSNs and other identifiers by keyed pseudonyms; coarsen or drop quasi-identifiers.\n"
    "   or: koppel pseudonymise --new-key FILE [--project NAME]\n"
    "\n"
    "Reads CSV with a header from FILEs (all with the same header) or standard input, writes\n"
    "CSV to standard output. Each pseudonym replaces its identifier in place:\n"
    "  pseudonym = lower-case hex of the first 16 bytes of HMAC-SHA256(K, TYPE \":\" VALUE)\n"
    "  TYPE 'bsn': VALUE is the normalised 9-digit BSN; TYPE 'id': the field without\n"
    "  surrounding white space. K = HMAC-SHA256(master, \"koppel:project:\" NAME) with\n"
    "  --project NAME, else the master key itself. See README.md for an independent recipe.\n"
    "\n"
    "Keys:\n"
    "      --key-file FILE       the master key: 64 hexadecimal characters, optionally\n"
    "                            followed by LF or CRLF; a regular file that group and\n"
    "                            others cannot access (chmod 600). Keys are never taken\n"
    "                            from the command line or the environment.\n"
    "      --project NAME        derive the project key for NAME (exactly these bytes)\n"
    "      --new-key FILE        write a fresh random master key to FILE (mode 0600; an\n"
    "                            existing FILE is never overwritten) and exit\n"
    "Identifiers (each may be repeated; at least one of them is required):\n"
    "      --bsn COL[,COL...]    BSN columns: spaces, dots and hyphens are removed, 8 digits\n"
    "                            get a leading 0, the elfproef must hold; otherwise the\n"
    "                            record is rejected and nothing is hashed\n"
    "      --id COL[,COL...]     other identifier columns (client or patient numbers); an\n"
    "                            empty value is rejected\n"
    "Quasi-identifiers and columns:\n"
    "      --coarsen COL=year    a date (YYYY-MM-DD or DD-MM-YYYY) becomes its year YYYY\n"
    "      --coarsen COL=pc4     a Dutch postcode (1011AB, 1011 ab) becomes its 4 digits\n"
    "                            (an empty value stays empty; any other value is rejected)\n"
    "      --drop COL[,COL...]   leave these columns out (names, house numbers, ...)\n"
    "      --rename COL=NEW      call column COL NEW in the output (may be repeated)\n"
    "      --keep COL[,COL...]   pass these columns through although they look like BSN\n"
    "                            columns. Every column not named by an option above is\n"
    "                            refused (status 2, before anything is written) when its\n"
    "                            name holds bsn, burgerservicenummer, sofinummer or sofinr\n"
    "                            (in any case, ignoring '_', '-', '.' and spaces), or when\n"
    "                            at least 3 and at least half of its non-empty values in\n"
    "                            the first 1,000 records are BSNs as --bsn reads them (the\n"
    "                            elfproef holds)\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "\n"
    "The key fingerprint, the first 8 hex characters of HMAC-SHA256(K, \"koppel:fingerprint\"),\n"
    "is printed on standard error and in --stats, so the sources of a study can check that\n"
    "they used the same project key. --stats also counts rejects by reason. A --rejects file\n"
    "holds the original, identifying records: it must stay with the data holder (a new one\n"
    "is created readable by its owner only, mode 0600).\n"
    "\n"
    "Examples:\n"
    "  koppel pseudonymise --new-key ahti.key\n"
    "  koppel pseudonymise --key-file ahti.key --project ahti-2017 --bsn bsn \\\n"
    "      --coarsen birth_date=year --coarsen postcode=pc4 --drop house_number \\\n"
    "      --rename birth_date=birth_year --rejects persons-rejects.csv persons.csv > persons-p.csv\n"
    "  koppel pseudonymise --key-file ahti.key --project ahti-2017 --bsn bsn wmo.csv > wmo-p.csv\n";

enum { OPT_KEY_FILE = OPT_FILTER_BASE, OPT_PROJECT, OPT_NEW_KEY, OPT_BSN, OPT_ID, OPT_COARSEN,
       OPT_DROP, OPT_RENAME, OPT_KEEP };

static const struct option long_options[] = {
    {"key-file", required_argument, NULL, OPT_KEY_FILE},
    {"project", required_argument, NULL, OPT_PROJECT},
    {"new-key", required_argument, NULL, OPT_NEW_KEY},
    {"bsn", required_argument, NULL, OPT_BSN},
    {"id", required_argument, NULL, OPT_ID},
    {"coarsen", required_argument, NULL, OPT_COARSEN},
    {"drop", required_argument, NULL, OPT_DROP},
    {"rename", required_argument, NULL, OPT_RENAME},
    {"keep", required_argument, NULL, OPT_KEEP},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

/* ---------------------------------------------------------------- options */

/* What happens to one column. */
typedef enum { ACTION_COPY, ACTION_BSN, ACTION_ID, ACTION_YEAR, ACTION_PC4, ACTION_DROP,
               ACTION_KEEP } column_action;

static const char *action_option(column_action action)
{
    static const char *names[] = {"", "--bsn", "--id", "--coarsen", "--coarsen", "--drop", "--keep"};
    return names[action];
}

/* A column named on the command line with what to do with it. */
typedef struct column_request {
    char *name;
    column_action action;
} column_request;

typedef struct rename_request {
    char *from, *to;
} rename_request;

typedef struct pseudonymise_options {
    const char *key_file;
    const char *project;
    const char *new_key;
    column_request *requests;
    size_t request_count;
    rename_request *renames;
    size_t rename_count;
} pseudonymise_options;

static void add_request(pseudonymise_options *options, const char *name, column_action action)
{
    options->requests = xrealloc(options->requests, (options->request_count + 1) * sizeof(column_request));
    options->requests[options->request_count].name = xstrdup(name);
    options->requests[options->request_count].action = action;
    options->request_count++;
}

static void add_list(const koppel_context *ctx, pseudonymise_options *options, const char *option,
                     const char *list, column_action action)
{
    size_t count;
    char **names = koppel_split_list(ctx, option, list, &count);
    for (size_t i = 0; i < count; i++)
        add_request(options, names[i], action);
    free(names);
}

static void add_coarsen(const koppel_context *ctx, pseudonymise_options *options, const char *arg)
{
    const char *equals = strchr(arg, '=');
    char shown[96];
    if (!equals || equals == arg)
        koppel_usage_error(ctx, "--coarsen expects COL=year or COL=pc4, got %s",
                           showable_quoted(arg, strlen(arg), shown, sizeof shown));
    column_action action;
    if (strcmp(equals + 1, "year") == 0)
        action = ACTION_YEAR;
    else if (strcmp(equals + 1, "pc4") == 0)
        action = ACTION_PC4;
    else
        koppel_usage_error(ctx, "--coarsen: unknown method %s: expected 'year' or 'pc4'",
                           showable_quoted(equals + 1, strlen(equals + 1), shown, sizeof shown));
    char *name = xstrndup(arg, (size_t)(equals - arg));
    add_request(options, name, action);
    free(name);
}

static void add_rename(const koppel_context *ctx, pseudonymise_options *options, const char *arg)
{
    const char *equals = strchr(arg, '=');
    char shown[96];
    if (!equals || equals == arg || equals[1] == '\0')
        koppel_usage_error(ctx, "--rename expects COL=NEW, got %s",
                           showable_quoted(arg, strlen(arg), shown, sizeof shown));
    options->renames = xrealloc(options->renames, (options->rename_count + 1) * sizeof(rename_request));
    rename_request *r = &options->renames[options->rename_count++];
    r->from = xstrndup(arg, (size_t)(equals - arg));
    r->to = xstrdup(equals + 1);
}

static void free_options(pseudonymise_options *options)
{
    for (size_t i = 0; i < options->request_count; i++)
        free(options->requests[i].name);
    free(options->requests);
    for (size_t i = 0; i < options->rename_count; i++) {
        free(options->renames[i].from);
        free(options->renames[i].to);
    }
    free(options->renames);
}

/* ---------------------------------------------------------------- columns */

/* The plan for every input column, and the output header. */
typedef struct column_plan {
    column_action *actions;  /* per input column */
    size_t input_count;
    size_t *output_columns;  /* input index of each output column */
    char **output_header;
    size_t output_count;
    size_t *worked;          /* input indexes whose value is checked or changed, in order */
    size_t worked_count;
    size_t identifier_count; /* --bsn and --id columns: pseudonyms per written record */
} column_plan;

/* Does the column's name say it holds BSNs: bsn, burgerservicenummer, sofinummer or sofinr in
 * its letters and digits, in any case (BSN_moeder, Burgerservicenummer_partner, Sofi-Nummer)? */
static bool name_says_bsn(const char *name)
{
    static const char *const words[] = {"bsn", "burgerservicenummer", "sofinummer", "sofinr"};
    size_t length = strlen(name), n = 0;
    char *folded = xmalloc(length + 1);
    for (size_t i = 0; i < length; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != '_' && c != '-' && c != '.' && c != ' ')
            folded[n++] = c;
    }
    folded[n] = '\0';
    bool says = false;
    for (size_t w = 0; w < sizeof words / sizeof words[0] && !says; w++)
        says = strstr(folded, words[w]) != NULL;
    free(folded);
    return says;
}

static void plan_columns(const koppel_context *ctx, const pseudonymise_options *options,
                         const record_reader *reader, column_plan *plan)
{
    const record_t *header = record_reader_header(reader);
    plan->input_count = header->count;
    plan->actions = xcalloc(header->count, sizeof(column_action));
    for (size_t i = 0; i < options->request_count; i++) {
        const column_request *r = &options->requests[i];
        size_t index = record_reader_column(reader, r->name, action_option(r->action));
        if (plan->actions[index] != ACTION_COPY)
            koppel_usage_error(ctx, "column '%s' is named by both %s and %s", r->name,
                               action_option(plan->actions[index]), action_option(r->action));
        plan->actions[index] = r->action;
    }
    for (size_t i = 0; i < header->count; i++)
        if (plan->actions[i] == ACTION_COPY && name_says_bsn(header->fields[i]))
            koppel_usage_error(ctx, "column '%s' may hold BSNs (its name says so) but is not named by "
                                    "--bsn, --id or --drop (use --keep %s if it holds none)",
                               header->fields[i], header->fields[i]);

    plan->output_columns = xmalloc((header->count + 1) * sizeof(size_t));
    plan->output_header = xmalloc((header->count + 1) * sizeof(char *));
    plan->worked = xmalloc((header->count + 1) * sizeof(size_t));
    for (size_t i = 0; i < header->count; i++) {
        column_action action = plan->actions[i];
        if (action != ACTION_DROP) {
            plan->output_columns[plan->output_count] = i;
            plan->output_header[plan->output_count++] = header->fields[i];
        }
        if (action == ACTION_BSN || action == ACTION_ID || action == ACTION_YEAR || action == ACTION_PC4)
            plan->worked[plan->worked_count++] = i;
        plan->identifier_count += action == ACTION_BSN || action == ACTION_ID;
    }

    for (size_t i = 0; i < options->rename_count; i++) {
        const rename_request *r = &options->renames[i];
        size_t index = record_reader_column(reader, r->from, "--rename");
        if (plan->actions[index] == ACTION_DROP)
            koppel_usage_error(ctx, "--rename %s: the column is dropped", r->from);
        for (size_t j = 0; j < plan->output_count; j++)
            if (plan->output_columns[j] == index)
                plan->output_header[j] = r->to;
    }
    /* The input's names are distinct (the reader refuses a header with duplicates), so only
     * a new name can be there twice: compare those, not every pair of a header that may
     * have a million columns. */
    for (size_t i = 0; i < options->rename_count; i++) {
        size_t same = 0;
        for (size_t j = 0; j < plan->output_count; j++)
            same += strcmp(plan->output_header[j], options->renames[i].to) == 0;
        if (same > 1)
            koppel_usage_error(ctx, "the output would have two columns named '%s' (see --rename)",
                               options->renames[i].to);
    }
}

static void free_plan(column_plan *plan)
{
    free(plan->actions);
    free(plan->output_columns);
    free(plan->output_header);
    free(plan->worked);
}

/* ---------------------------------------------------------------- values */

static const char reason_empty_identifier[] = "identifier is empty";
static const char reason_bad_date[] = "not a date (YYYY-MM-DD or DD-MM-YYYY)";
static const char reason_bad_postcode[] =
    "not a Dutch postcode (4 digits, the first not 0, then 2 letters, optionally after a space)";

static bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* "1011AB" or "1011 AB" (either case): the 4 digits into OUT. */
static bool postcode_digits(const char *text, size_t length, char out[5])
{
    if (length != 6 && length != 7)
        return false;
    if (text[0] < '1' || text[0] > '9' || !is_digit(text[1]) || !is_digit(text[2]) || !is_digit(text[3]))
        return false;
    const char *letters = text + length - 2;
    if ((length == 7 && text[4] != ' ') || !is_letter(letters[0]) || !is_letter(letters[1]))
        return false;
    memcpy(out, text, 4);
    out[4] = '\0';
    return true;
}

/* Room for one changed value per input column: a pseudonym is the longest. */
typedef char value_buffer[PSEUDONYM_HEX_LENGTH + 1];

/* Work out the new value of column INDEX into BUFFER (and point *TEXT and *TEXT_LENGTH at it). Returns NULL,
 * or the reason (a static text without the value) the record must be rejected. */
static const char *transform(pseudonym_key *key, column_action action, const char *field, size_t length,
                             value_buffer buffer, const char **text, size_t *text_length)
{
    const char *reason = NULL;
    char digits[10];
    date_ymd date;
    switch (action) {
    case ACTION_BSN:
        if (!bsn_normalise(field, length, digits, &reason))
            return reason;
        pseudonym_compute(key, PSEUDONYM_BSN, digits, 9, buffer);
        break;
    case ACTION_ID:
        pseudonym_trim(&field, &length);
        if (length == 0)
            return reason_empty_identifier;
        pseudonym_compute(key, PSEUDONYM_ID, field, length, buffer);
        break;
    case ACTION_YEAR:
        pseudonym_trim(&field, &length);
        if (length == 0)
            break; /* a missing value stays missing */
        if (!date_parse_iso(field, length, &date) && !date_parse_dmy(field, length, &date))
            return reason_bad_date;
        snprintf(buffer, sizeof(value_buffer), "%04d", date.year);
        break;
    case ACTION_PC4:
        pseudonym_trim(&field, &length);
        if (length == 0)
            break;
        if (!postcode_digits(field, length, buffer))
            return reason_bad_postcode;
        break;
    default:
        return NULL;
    }
    *text = length == 0 ? "" : buffer;
    *text_length = length == 0 ? 0 : strlen(buffer);
    return NULL;
}

/* ---------------------------------------------------------------- reject counts */

/* Rejects by reason for --stats. Reasons are a handful of static texts. */
typedef struct reason_count {
    const char *reason;
    uint64_t count;
} reason_count;

typedef struct reason_tally {
    reason_count *items;
    size_t count;
    uint64_t total;
} reason_tally;

static void tally_add(reason_tally *tally, const char *reason)
{
    tally->total++;
    for (size_t i = 0; i < tally->count; i++)
        if (tally->items[i].reason == reason || strcmp(tally->items[i].reason, reason) == 0) {
            tally->items[i].count++;
            return;
        }
    tally->items = xrealloc(tally->items, (tally->count + 1) * sizeof(reason_count));
    tally->items[tally->count++] = (reason_count){reason, 1};
}

/* "BSN fails the elfproef" -> "rejected_bsn_fails_the_elfproef"; stops at a '('. */
static void stats_key_for(const char *reason, char *key, size_t size)
{
    size_t n = (size_t)snprintf(key, size, "rejected_");
    for (const char *p = reason; *p && *p != '(' && n + 2 < size; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || is_digit(c))
            key[n++] = c;
        else if (key[n - 1] != '_')
            key[n++] = '_';
    }
    while (key[n - 1] == '_')
        n--;
    key[n] = '\0';
}

static void report_rejects(koppel_context *ctx, const reason_tally *tally)
{
    char key[128];
    for (size_t i = 0; i < tally->count; i++) {
        stats_key_for(tally->items[i].reason, key, sizeof key);
        koppel_stats_int(ctx, key, (int64_t)tally->items[i].count);
    }
    /* The record layer rejects malformed records (field count, quotes, encoding) itself. */
    if (ctx->counts.rejected > tally->total)
        koppel_stats_int(ctx, "rejected_malformed_record", (int64_t)(ctx->counts.rejected - tally->total));
}

/* ---------------------------------------------------------------- keys */

static pseudonym_key *load_key(const koppel_context *ctx, const pseudonymise_options *options)
{
    if (!options->key_file)
        koppel_usage_error(ctx, "--key-file is required (or --new-key FILE to make a key)");
    pseudonym_status status;
    char why[1024];
    pseudonym_key *key = pseudonym_key_load(options->key_file, options->project, &status, why, sizeof why);
    if (!key)
        message_die(status == PSEUDONYM_SYSTEM ? EXIT_SYSTEM : EXIT_USAGE, "%s", why);
    if (options->project)
        message_warn("key fingerprint %s (project %s)", pseudonym_fingerprint(key), options->project);
    else
        message_warn("key fingerprint %s (master key, no --project)", pseudonym_fingerprint(key));
    return key;
}

static int make_new_key(const koppel_context *ctx, const pseudonymise_options *options)
{
    if (options->key_file || options->request_count || options->rename_count || ctx->stats_path ||
        ctx->rejects_path || ctx->output_path)
        koppel_usage_error(ctx, "--new-key FILE takes no other option than --project");
    const char *problem;
    if (options->project && !pseudonym_project_name_valid(options->project, &problem))
        koppel_usage_error(ctx, "--project: %s", problem);
    char fingerprint[PSEUDONYM_FINGERPRINT_LENGTH + 1];
    char why[1024];
    pseudonym_status status = pseudonym_new_key_file(options->new_key, fingerprint, why, sizeof why);
    if (status != PSEUDONYM_OK)
        message_die(status == PSEUDONYM_SYSTEM ? EXIT_SYSTEM : EXIT_USAGE, "%s", why);
    message_warn("new master key written to %s; key fingerprint %s (master key, no --project)",
                 options->new_key, fingerprint);
    if (options->project) {
        pseudonym_key *key = load_key(ctx, &(pseudonymise_options){.key_file = options->new_key,
                                                                   .project = options->project});
        pseudonym_key_free(key);
    }
    return EXIT_OK;
}

/* ---------------------------------------------------------------- the first records */

/* The guard looks at the first records before anything is written: they are held (copied, as
 * the reader's records last until its next one), at most this many and this many bytes. */
#define HELD_RECORDS 1000
#define HELD_BYTES (16u << 20)
/* A column is taken for a BSN column when at least this many of its held non-empty values are
 * BSNs, and at least half of them: random nine-digit numbers pass the elfproef one time in 11. */
#define GUARD_MINIMUM_BSNS 3

typedef struct held_records {
    record_t *records;
    size_t count, bytes;
} held_records;

static void hold(held_records *held, const record_t *record)
{
    size_t total = 0;
    for (size_t i = 0; i < record->count; i++)
        total += record->lengths[i] + 1;
    record_t *copy = &held->records[held->count++];
    *copy = (record_t){.fields = xmalloc((record->count + 1) * sizeof(char *)),
                       .lengths = xmalloc((record->count + 1) * sizeof(size_t)),
                       .count = record->count,
                       .line = record->line};
    char *bytes = xmalloc(total + 1);
    for (size_t i = 0; i < record->count; i++) {
        memcpy(bytes, record->fields[i], record->lengths[i]);
        bytes[record->lengths[i]] = '\0';
        copy->fields[i] = bytes;
        copy->lengths[i] = record->lengths[i];
        bytes += record->lengths[i] + 1;
    }
    held->bytes += total;
}

static void free_held(held_records *held)
{
    for (size_t i = 0; i < held->count; i++) {
        if (held->records[i].count)
            free(held->records[i].fields[0]);
        free(held->records[i].fields);
        free(held->records[i].lengths);
    }
    free(held->records);
    *held = (held_records){0};
}

/* Refuse to copy a column whose held values are mostly BSNs. The message gives counts, never a value. */
static void refuse_bsn_values(const koppel_context *ctx, const column_plan *plan, const record_t *header,
                              const held_records *held)
{
    for (size_t column = 0; column < plan->input_count; column++) {
        if (plan->actions[column] != ACTION_COPY)
            continue;
        size_t values = 0, bsns = 0;
        for (size_t r = 0; r < held->count; r++) {
            const char *field = held->records[r].fields[column];
            size_t length = held->records[r].lengths[column];
            pseudonym_trim(&field, &length);
            if (length == 0)
                continue;
            char digits[10];
            values++;
            bsns += bsn_normalise(field, length, digits, NULL);
        }
        if (bsns >= GUARD_MINIMUM_BSNS && 2 * bsns >= values)
            koppel_usage_error(ctx, "column '%s' may hold BSNs (%zu of its first %zu non-empty values pass "
                                    "the elfproef) but is not named by --bsn, --id or --drop (use --keep %s "
                                    "if it holds none)",
                               header->fields[column], bsns, values, header->fields[column]);
    }
}

/* ---------------------------------------------------------------- the record loop */

/* Per-record work without allocation: the changed values go to one buffer per column. */
typedef struct record_work {
    value_buffer *buffers;
    const char **values;
    size_t *value_lengths;
    char **out_fields;
    size_t *out_lengths;
    reason_tally tally;
    uint64_t pseudonyms;
} record_work;

static void record_work_init(record_work *work, const column_plan *plan)
{
    *work = (record_work){0};
    work->buffers = xmalloc(plan->input_count * sizeof(value_buffer));
    work->values = xmalloc((plan->input_count + 1) * sizeof(char *));
    work->value_lengths = xmalloc((plan->input_count + 1) * sizeof(size_t));
    work->out_fields = xmalloc((plan->output_count + 1) * sizeof(char *));
    work->out_lengths = xmalloc((plan->output_count + 1) * sizeof(size_t));
}

static void record_work_free(record_work *work)
{
    free(work->buffers);
    free(work->values);
    free(work->value_lengths);
    free(work->out_fields);
    free(work->out_lengths);
    free(work->tally.items);
}

/* One record's worked columns transformed into WORK: false when one cannot be, and the record is
 * rejected with the first reason. */
static bool transform_record(koppel_context *ctx, pseudonym_key *key, const column_plan *plan,
                             record_work *work, record_reader *reader, const record_t *record)
{
    for (size_t i = 0; i < plan->input_count; i++) {
        work->values[i] = record->fields[i];
        work->value_lengths[i] = record->lengths[i];
    }
    const char *reason = NULL;
    size_t bad_column = 0;
    for (size_t w = 0; w < plan->worked_count && !reason; w++) {
        size_t i = plan->worked[w];
        reason = transform(key, plan->actions[i], record->fields[i], record->lengths[i], work->buffers[i],
                           &work->values[i], &work->value_lengths[i]);
        bad_column = i;
    }
    if (reason) {
        tally_add(&work->tally, reason);
        koppel_reject(ctx, reader, record, "column '%s': %s", record_reader_header(reader)->fields[bad_column],
                      reason);
        return false;
    }
    return true;
}

/* One record: transformed and written, or rejected. */
static void pseudonymise_record(koppel_context *ctx, pseudonym_key *key, const column_plan *plan,
                                record_work *work, record_reader *reader, const record_t *record)
{
    if (!transform_record(ctx, key, plan, work, reader, record))
        return;
    for (size_t i = 0; i < plan->output_count; i++) {
        work->out_fields[i] = (char *)work->values[plan->output_columns[i]];
        work->out_lengths[i] = work->value_lengths[plan->output_columns[i]];
    }
    record_writer_record(ctx->out, work->out_fields, work->out_lengths, plan->output_count);
    work->pseudonyms += plan->identifier_count;
}

/* Read the first records of READER into HELD. A bad one is rejected at once, as it would be
 * when streamed (without --rejects the first bad record still stops the run), and not held. */
static void hold_first_records(koppel_context *ctx, pseudonym_key *key, const column_plan *plan,
                               record_work *work, record_reader *reader, held_records *held)
{
    held->records = xmalloc(HELD_RECORDS * sizeof(record_t));
    const record_t *record;
    while (held->count < HELD_RECORDS && held->bytes < HELD_BYTES && record_reader_next(reader, &record)) {
        koppel_progress(ctx);
        if (transform_record(ctx, key, plan, work, reader, record))
            hold(held, record);
    }
}

/* ---------------------------------------------------------------- main */

static void parse_options(koppel_context *ctx, pseudonymise_options *options, int argc, char **argv)
{
    int opt;
    while ((opt = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS, long_options, NULL)) != -1) {
        if (koppel_common_option(ctx, opt, optarg))
            continue;
        switch (opt) {
        case OPT_KEY_FILE: options->key_file = optarg; break;
        case OPT_PROJECT: options->project = optarg; break;
        case OPT_NEW_KEY: options->new_key = optarg; break;
        case OPT_BSN: add_list(ctx, options, "--bsn", optarg, ACTION_BSN); break;
        case OPT_ID: add_list(ctx, options, "--id", optarg, ACTION_ID); break;
        case OPT_DROP: add_list(ctx, options, "--drop", optarg, ACTION_DROP); break;
        case OPT_KEEP: add_list(ctx, options, "--keep", optarg, ACTION_KEEP); break;
        case OPT_COARSEN: add_coarsen(ctx, options, optarg); break;
        case OPT_RENAME: add_rename(ctx, options, optarg); break;
        default: koppel_usage_error(ctx, "unexpected option");
        }
    }
    if (options->new_key) {
        if (optind < argc)
            koppel_usage_error(ctx, "--new-key FILE reads no input files");
        return;
    }
    bool has_identifier = false;
    for (size_t i = 0; i < options->request_count; i++)
        has_identifier |= options->requests[i].action == ACTION_BSN || options->requests[i].action == ACTION_ID;
    if (!has_identifier)
        koppel_usage_error(ctx, "name the identifier columns with --bsn and/or --id");
}

int main(int argc, char **argv)
{
    koppel_context ctx;
    pseudonymise_options options = {0};
    koppel_init(&ctx, "pseudonymise", usage);
    parse_options(&ctx, &options, argc, argv);
    if (options.new_key) {
        int status = make_new_key(&ctx, &options);
        free_options(&options);
        return status;
    }
    pseudonym_key *key = load_key(&ctx, &options);

    koppel_inputs inputs;
    record_reader *first = koppel_inputs_open(&ctx, &inputs, argc, argv, optind);
    if (ctx.rejects) /* raw BSNs: readable by the data holder alone */
        reject_sink_private(ctx.rejects);
    column_plan plan = {0};
    plan_columns(&ctx, &options, first, &plan);
    record_work work;
    record_work_init(&work, &plan);
    held_records held = {0};
    hold_first_records(&ctx, key, &plan, &work, first, &held);
    refuse_bsn_values(&ctx, &plan, record_reader_header(first), &held);
    koppel_open_output(&ctx, plan.output_header, plan.output_count);
    for (size_t i = 0; i < held.count; i++)
        pseudonymise_record(&ctx, key, &plan, &work, first, &held.records[i]);
    free_held(&held);
    record_reader *reader;
    while ((reader = koppel_inputs_next(&ctx, &inputs))) {
        const record_t *record;
        while (record_reader_next(reader, &record)) {
            koppel_progress(&ctx);
            pseudonymise_record(&ctx, key, &plan, &work, reader, record);
        }
    }

    koppel_stats_string(&ctx, "key_fingerprint", pseudonym_fingerprint(key));
    if (options.project)
        koppel_stats_string(&ctx, "project", options.project);
    koppel_stats_int(&ctx, "pseudonyms", (int64_t)work.pseudonyms);
    report_rejects(&ctx, &work.tally);
    pseudonym_key_free(key);
    int status = koppel_finish(&ctx);
    koppel_inputs_close(&inputs);
    free_plan(&plan);
    free_options(&options);
    record_work_free(&work);
    return status;
}
