/* koppel.h: the run context every filter shares: common options, messages and exit
 * status, counts and --stats, progress. Include this (it includes record.h). */
#ifndef KOPPEL_H
#define KOPPEL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "message.h"
#include "record.h"

#define KOPPEL_VERSION "0.1.0"

/* Long-option codes above the ASCII range, shared by all filters; a filter numbers its own
 * options from OPT_FILTER_BASE. */
enum {
    OPT_OUTPUT_DELIMITER = 1000,
    OPT_REJECTS,
    OPT_STATS,
    OPT_ENCODING,
    OPT_FILTER_BASE = 1100,
};

#define KOPPEL_COMMON_SHORT_OPTIONS "d:o:hV"
#define KOPPEL_COMMON_LONG_OPTIONS                                                   \
    {"delimiter", required_argument, NULL, 'd'},                                     \
        {"output-delimiter", required_argument, NULL, OPT_OUTPUT_DELIMITER},         \
        {"encoding", required_argument, NULL, OPT_ENCODING},                         \
        {"output", required_argument, NULL, 'o'},                                    \
        {"rejects", required_argument, NULL, OPT_REJECTS},                           \
        {"stats", required_argument, NULL, OPT_STATS},                               \
        {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}

/* The text every --help ends with, describing the options above. */
#define KOPPEL_COMMON_OPTIONS_HELP                                                   \
    "Common options:\n"                                                              \
    "  -d, --delimiter C         input field delimiter: ',' (default), ';', '\\t' or 'tab'\n" \
    "      --output-delimiter C  output field delimiter (default ',')\n"             \
    "      --encoding NAME       input encoding: utf-8 (default), latin-1 (iso-8859-1),\n" \
    "                            iso-8859-15, windows-1252 (cp1252); output is UTF-8.\n" \
    "                            Input compressed with gzip is read as it is.\n"   \
    "  -o, --output FILE         write to FILE, atomically (temporary file + rename)\n" \
    "      --rejects FILE        write bad records to FILE (with reject_line,\n"     \
    "                            reject_reason, reject_raw) and go on; without it the\n" \
    "                            first bad record stops the run with status 1\n"     \
    "      --stats FILE          append one JSON object with this run's counts to FILE\n" \
    "  -h, --help                show this help and exit\n"                          \
    "  -V, --version             show the version and exit\n"                        \
    "\n"                                                                             \
    "Exit status: 0 success, 1 bad input data, 2 usage or configuration error,\n"    \
    "3 system error (I/O, memory). A closed pipe downstream (| head) ends the run\n" \
    "quietly with status 0 and without --rejects or --stats: the run did not finish.\n" \
    "Messages never show the value of an identifier.\n"

typedef struct koppel_counts {
    uint64_t in;       /* data records read (not the header) */
    uint64_t out;      /* records written (set from the writer at the end) */
    uint64_t filtered; /* records deliberately left out */
    uint64_t rejected; /* bad records */
} koppel_counts;

typedef struct koppel_context {
    const char *verb;        /* "select" */
    const char *usage;       /* the --help text */
    char delimiter;          /* input */
    text_encoding encoding;  /* input; output is UTF-8 */
    char output_delimiter;
    const char *output_path; /* NULL: stdout */
    const char *rejects_path;
    const char *stats_path;
    record_writer *out;
    reject_sink *rejects;    /* NULL without --rejects */
    koppel_counts counts;
    char *stats_extra;       /* ",\"key\":value" pieces appended by the filter */
    size_t stats_extra_len;
    bool progress_on;        /* stderr is a terminal */
    double progress_started;
    double progress_last;
} koppel_context;

/* Set up a run: program name for messages, SIGPIPE handling, defaults. */
void koppel_init(koppel_context *ctx, const char *verb, const char *usage);

/* Handle one of the common options from getopt_long; returns false when OPT is not one
 * of them. Prints help/version and exits for -h/-V; dies with status 2 for '?' and ':'. */
bool koppel_common_option(koppel_context *ctx, int opt, const char *arg);

/* One line: the versions of libcsv, libsodium, GSL, GLPK and zlib this program carries (the
 * second line of --version), on stdout. */
void koppel_print_library_versions(void);

/* Die with status 2 and a pointer to --help. */
_Noreturn void koppel_usage_error(const koppel_context *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Open an input file ("-" or NULL is stdin) with the context's delimiter and reject policy,
 * and read its header. */
record_reader *koppel_open_input(koppel_context *ctx, const char *path);

/* Open a further input of a filter that reads several files as one: its header must be that of
 * FIRST (status 1 otherwise). */
record_reader *koppel_open_next_input(koppel_context *ctx, const char *path, const record_reader *first);

/* The inputs of a filter that reads several files as one: its operands, or standard input when
 * there are none. Every further input must have the header of the first, unless the filter
 * says its headers may differ. */
typedef struct koppel_inputs {
    char **paths;
    size_t count;
    size_t next;           /* the index of the input koppel_inputs_next opens */
    record_reader *first;  /* open until koppel_inputs_close: its header is the output's */
    record_reader *current;
    bool headers_may_differ; /* set by a filter that finds its columns in each input by name */
} koppel_inputs;

/* Take the operands ARGV[OPERANDS..ARGC) (none: "-") and open the first; returns its reader. */
record_reader *koppel_inputs_open(koppel_context *ctx, koppel_inputs *inputs, int argc, char **argv, int operands);

/* The reader to read next: the first input, then each further one (the one before it closed,
 * unless it is the first); NULL when every input has been read. */
record_reader *koppel_inputs_next(koppel_context *ctx, koppel_inputs *inputs);

/* Close what is still open (the first input, and the current one when the loop stopped early). */
void koppel_inputs_close(koppel_inputs *inputs);

/* Die with status 2 when two of the COUNT files PATHS (NULL skipped, "-" standard output;
 * OPTIONS name them) are one regular file or one path: one would silently replace the other. */
void koppel_distinct_outputs(const koppel_context *ctx, size_t count, const char *const *options,
                             const char *const *paths);

/* Open the output (stdout or -o FILE) and write the header. */
void koppel_open_output(koppel_context *ctx, char *const *header, size_t count);

/* Reject a record the filter found bad: with --rejects it is written there and counted;
 * without, the run stops with status 1 and "verb: file:line: reason". The reason must
 * never contain an identifier value. */
void koppel_reject(koppel_context *ctx, record_reader *reader, const record_t *record,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Add a figure of the filter's own to the --stats object. KEY must be a plain word. */
void koppel_stats_int(koppel_context *ctx, const char *key, int64_t value);
void koppel_stats_double(koppel_context *ctx, const char *key, double value);
void koppel_stats_string(koppel_context *ctx, const char *key, const char *value);

/* Call once per record read: progress on a terminal. */
static inline void koppel_progress(koppel_context *ctx)
{
    extern void koppel_progress_tick(koppel_context *);
    if (ctx->progress_on && (ctx->counts.in & 0xFFFF) == 0)
        koppel_progress_tick(ctx);
}

/* Close the output (rename into place), the rejects file, append --stats, and return
 * the exit status (0). A summary of rejects goes to stderr when there were any. */
int koppel_finish(koppel_context *ctx);

/* Die with status 2 when a name stands twice in NAMES (COUNT of them, the values of OPTION):
 * "OPTION: column 'NAME' is named twice" and WHERE after it when WHERE is not NULL. */
void koppel_names_distinct(const koppel_context *ctx, const char *option, char *const *names, size_t count,
                           const char *where);

/* Make the directory PATH for OPTION's output files (an existing one will do): status 2 when
 * PATH is something else, 3 when it cannot be made. One this run makes is removed again, when
 * empty, by a fatal exit. */
void koppel_make_output_directory(const koppel_context *ctx, const char *option, const char *path);

/* Parse "a,b,c" into a NULL-terminated array of strings (one allocation); *count gets
 * the number. Empty items are a usage error. */
char **koppel_split_list(const koppel_context *ctx, const char *option, const char *list,
                         size_t *count);

/* Path of a file shipped in share/koppel (e.g. "rules/iza-conditions.csv"): $KOPPEL_SHARE,
 * else <directory of the program>/../share/koppel. Returns an allocated string. */
char *koppel_share_file(const char *relative);

/* Parse a delimiter argument: ",", ";", "\t", "tab", "|". */
char koppel_parse_delimiter(const koppel_context *ctx, const char *arg);

#endif
