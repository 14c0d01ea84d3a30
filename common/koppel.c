/* koppel.c: the run context: common options, input and output set-up, rejects, --stats and
 * progress, shared by every filter. */
#include "koppel.h"

#include <errno.h>
#include <fcntl.h>
#include <glpk.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <csv.h>
#include <sodium.h>
#include <zlib.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "message.h"

/* A program loads only the libraries it calls itself (the build links with --as-needed): select
 * does not load GLPK or GSL, which halves its start-up, and a study starts the filters some 1,500
 * times. The references below (error handlers, --version) are weak, so they do not make a program
 * load a library: where the program links one, they are its functions; where not, they are null
 * and that library has nothing to handle or report. The static bundle (KOPPEL_ALL_LIBRARIES)
 * keeps them strong, so every program of it carries and reports all five. */
#ifndef KOPPEL_ALL_LIBRARIES
#pragma weak gsl_set_error_handler
#pragma weak gsl_strerror
#pragma weak gsl_version
#pragma weak glp_term_hook
#pragma weak glp_error_hook
#pragma weak glp_free_env
#pragma weak glp_version
#pragma weak sodium_version_string
#define LINKED(symbol) (&(symbol) != NULL)
#else
#define LINKED(symbol) 1
#endif

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- library errors */

/* GSL's and GLPK's default handlers abort (status 134, perhaps a core file). An error inside
 * either library is a defect of the program or an exhausted resource, never bad data the user
 * can correct by itself: a located message and status 3. Their texts are not shown, since GLPK
 * puts the numbers of the problem (cell values) into them; only where in the library. */
static void gsl_error_to_message(const char *reason, const char *file, int line, int gsl_errno)
{
    (void)reason;
    if (gsl_errno == GSL_ENOMEM)
        message_die_nomem();
    message_die(EXIT_SYSTEM, "internal error in GSL (%s:%d, error %d: %s); please report it", file, line,
                gsl_errno, gsl_strerror(gsl_errno));
}

/* Where GLPK says it found the error ("Error detected in file api/prob1.c at line 560"): the
 * terminal hook keeps that line, and lets no other output of GLPK reach standard output,
 * which is the CSV output. */
static char glpk_error_place[256];

static int glpk_terminal_to_nowhere(void *info, const char *text)
{
    (void)info;
    const char *place = strstr(text, "Error detected in file ");
    if (place) {
        snprintf(glpk_error_place, sizeof glpk_error_place, "%s", place + strlen("Error detected in "));
        glpk_error_place[strcspn(glpk_error_place, "\n")] = '\0';
    }
    return 1;
}

static void glpk_error_to_message(void *info)
{
    (void)info;
    message_die(EXIT_SYSTEM, "internal error in GLPK (%s); please report it",
                glpk_error_place[0] ? glpk_error_place : "no place given");
}

/* The hooks make GLPK set up its environment in every program: free it at the end, so that a run
 * leaves no memory behind (valgrind's "still reachable" stays 0). */
static void free_glpk_environment(void) { glp_free_env(); }

static void install_library_error_handlers(void)
{
    if (LINKED(gsl_set_error_handler))
        gsl_set_error_handler(gsl_error_to_message);
    if (LINKED(glp_term_hook) && LINKED(glp_error_hook) && LINKED(glp_free_env)) {
        glp_term_hook(glpk_terminal_to_nowhere, NULL);
        glp_error_hook(glpk_error_to_message, NULL);
        atexit(free_glpk_environment);
    }
}

void koppel_init(koppel_context *ctx, const char *verb, const char *usage)
{
    static char program[64];
    snprintf(program, sizeof program, "koppel-%s", verb);
    message_set_program(program);
    /* A closed pipe must end the run quietly: see EPIPE in the writer. */
    signal(SIGPIPE, SIG_IGN);
    install_library_error_handlers();
    memset(ctx, 0, sizeof *ctx);
    ctx->verb = verb;
    ctx->usage = usage;
    ctx->delimiter = ',';
    ctx->output_delimiter = ',';
    ctx->progress_on = isatty(STDERR_FILENO);
    ctx->progress_started = ctx->progress_last = now_seconds();
}

_Noreturn void koppel_usage_error(const koppel_context *ctx, const char *fmt, ...)
{
    char text[2048];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    message_die(EXIT_USAGE, "%s (try 'koppel %s --help')", text, ctx->verb);
}

char koppel_parse_delimiter(const koppel_context *ctx, const char *arg)
{
    if (strcmp(arg, "\\t") == 0 || strcmp(arg, "tab") == 0 || strcmp(arg, "\t") == 0)
        return '\t';
    if (strlen(arg) != 1 || arg[0] == '"' || arg[0] == '\n' || arg[0] == '\r' ||
        (unsigned char)arg[0] >= 0x80)
        koppel_usage_error(ctx, "delimiter must be one ASCII character such as ',' ';' '|' or '\\t'");
    return arg[0];
}

/* --help and --version: a closed pipe (`--help | head`) is no error; a full disk is. */
static void finish_help_output(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno == EPIPE)
            message_exit_quietly(EXIT_OK);
        message_die(EXIT_SYSTEM, "error writing standard output: %s", strerror(errno));
    }
}

/* The libraries a program carries, as linked (a static bundle ships its own copies, all five):
 * the versions their functions report where they have one, else their headers' (libcsv). */
void koppel_print_library_versions(void)
{
    printf("libcsv %d.%d.%d", CSV_MAJOR, CSV_MINOR, CSV_RELEASE);
    if (LINKED(sodium_version_string))
        printf(", libsodium %s", sodium_version_string());
    if (LINKED(gsl_version) && gsl_version)
        printf(", GSL %s", gsl_version);
    if (LINKED(glp_version))
        printf(", GLPK %s", glp_version());
    printf(", zlib %s\n", zlibVersion());
}

bool koppel_common_option(koppel_context *ctx, int opt, const char *arg)
{
    switch (opt) {
    case 'd':
        ctx->delimiter = koppel_parse_delimiter(ctx, arg);
        return true;
    case OPT_OUTPUT_DELIMITER:
        ctx->output_delimiter = koppel_parse_delimiter(ctx, arg);
        return true;
    case OPT_ENCODING:
        if (!encoding_from_name(arg, &ctx->encoding))
            koppel_usage_error(ctx, "--encoding: unknown encoding '%s' (known: %s)", arg, ENCODING_NAMES);
        return true;
    case 'o':
        ctx->output_path = arg;
        return true;
    case OPT_REJECTS:
        ctx->rejects_path = arg;
        return true;
    case OPT_STATS:
        ctx->stats_path = arg;
        return true;
    case 'h':
        fputs(ctx->usage, stdout);
        finish_help_output();
        exit(EXIT_OK);
    case 'V':
        printf("koppel-%s (koppel) %s\n", ctx->verb, KOPPEL_VERSION);
        koppel_print_library_versions();
        finish_help_output();
        exit(EXIT_OK);
    case ':':
    case '?':
        /* getopt_long has printed what was wrong. */
        message_die(EXIT_USAGE, "try 'koppel %s --help'", ctx->verb);
    default:
        return false;
    }
}

static void context_bad_record(void *context, record_reader *reader, const record_t *record,
                               const char *reason)
{
    koppel_context *ctx = context;
    const char *hint = record_reader_take_hint(reader);
    if (!ctx->rejects) {
        message_warn_at(record_reader_name(reader), record->line, "%s", reason);
        if (hint)
            message_hint(record_reader_name(reader), "%s", hint);
        message_exit_quietly(EXIT_DATA);
    }
    reject_sink_write(ctx->rejects, reader, record, reason);
    ctx->counts.rejected++;
    if (hint)
        message_hint(record_reader_name(reader), "%s", hint);
}

/* ---------------------------------------------------------------- output files */

/* PATH with its directory resolved (the file itself may not exist yet), or a copy of PATH. */
static char *resolved_path(const char *path)
{
    char *directory_copy = xstrdup(path), *base_copy = xstrdup(path);
    char directory[PATH_MAX];
    char *result;
    if (realpath(dirname(directory_copy), directory)) {
        const char *base = basename(base_copy);
        size_t length = strlen(directory) + strlen(base) + 2;
        result = xmalloc(length);
        snprintf(result, length, "%s/%s", directory, base);
    } else
        result = xstrdup(path);
    free(directory_copy);
    free(base_copy);
    return result;
}

/* Do A and B name one file that writing one of them would replace or extend? Devices and
 * pipes (/dev/null for two outputs) are no such file. */
static bool same_output_file(const char *a, const char *b)
{
    struct stat sa, sb;
    bool a_exists = stat(a, &sa) == 0, b_exists = stat(b, &sb) == 0;
    if (a_exists && b_exists)
        return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (a_exists != b_exists)
        return false;
    char *ra = resolved_path(a), *rb = resolved_path(b);
    bool same = strcmp(ra, rb) == 0;
    free(ra);
    free(rb);
    return same;
}

void koppel_distinct_outputs(const koppel_context *ctx, size_t count, const char *const *options,
                             const char *const *paths)
{
    for (size_t i = 0; i < count; i++)
        for (size_t j = i + 1; j < count; j++) {
            if (!paths[i] || !paths[j])
                continue;
            bool stdout_i = strcmp(paths[i], "-") == 0, stdout_j = strcmp(paths[j], "-") == 0;
            if (stdout_i && stdout_j)
                koppel_usage_error(ctx, "%s and %s are both standard output", options[i], options[j]);
            if (!stdout_i && !stdout_j && same_output_file(paths[i], paths[j]))
                koppel_usage_error(ctx, "%s and %s name the same file %s: one would replace the other",
                                   options[i], options[j], paths[j]);
        }
}

/* -o, --rejects and --stats must be three files; --rejects and --stats must not be INPUT (the
 * rejects would replace it, the stats be appended to it). -o may be the input: it replaces
 * it only once the run has read it all. Without -o the output is standard output when
 * WRITES_STDOUT (koppel partition writes none). */
static void check_output_files(const koppel_context *ctx, const char *input, bool writes_stdout)
{
    const char *options[] = {"-o", "--rejects", "--stats"};
    const char *paths[] = {ctx->output_path ? ctx->output_path : writes_stdout ? "-" : NULL,
                           ctx->rejects_path, ctx->stats_path};
    koppel_distinct_outputs(ctx, 3, options, paths);
    for (size_t i = 1; input && strcmp(input, "-") != 0 && i < 3; i++) {
        const char *pair_options[] = {options[i], "the input"};
        const char *pair_paths[] = {paths[i], input};
        koppel_distinct_outputs(ctx, 2, pair_options, pair_paths);
    }
}

record_reader *koppel_open_input(koppel_context *ctx, const char *path)
{
    check_output_files(ctx, path, false);
    record_reader *reader = record_reader_open_encoded(path, ctx->delimiter, ctx->encoding, context_bad_record, ctx);
    record_reader_set_counter(reader, &ctx->counts.in);
    if (ctx->rejects_path && !ctx->rejects) {
        ctx->rejects = reject_sink_open(ctx->rejects_path, ctx->output_delimiter);
        reject_sink_register(ctx->rejects, record_reader_header(reader));
    }
    return reader;
}

record_reader *koppel_open_next_input(koppel_context *ctx, const char *path, const record_reader *first)
{
    record_reader *reader = koppel_open_input(ctx, path);
    const record_t *a = record_reader_header(reader), *b = record_reader_header(first);
    bool same = a->count == b->count;
    for (size_t i = 0; same && i < a->count; i++)
        same = strcmp(a->fields[i], b->fields[i]) == 0;
    if (!same)
        message_die_at(EXIT_DATA, record_reader_name(reader), 1, "header differs from that of %s",
                       record_reader_name(first));
    return reader;
}

void koppel_open_output(koppel_context *ctx, char *const *header, size_t count)
{
    check_output_files(ctx, NULL, true);
    ctx->out = record_writer_open(ctx->output_path, ctx->output_delimiter);
    record_writer_record(ctx->out, header, NULL, count);
}

void koppel_reject(koppel_context *ctx, record_reader *reader, const record_t *record,
                   const char *fmt, ...)
{
    char reason[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(reason, sizeof reason, fmt, args);
    va_end(args);
    context_bad_record(ctx, reader, record, reason);
}

/* ---------------------------------------------------------------- --stats */

static void stats_append(koppel_context *ctx, const char *piece, size_t length)
{
    ctx->stats_extra = xrealloc(ctx->stats_extra, ctx->stats_extra_len + length + 1);
    memcpy(ctx->stats_extra + ctx->stats_extra_len, piece, length);
    ctx->stats_extra_len += length;
    ctx->stats_extra[ctx->stats_extra_len] = '\0';
}

static void stats_key(koppel_context *ctx, const char *key)
{
    char piece[256];
    int n = snprintf(piece, sizeof piece, ",\"%s\":", key);
    stats_append(ctx, piece, (size_t)n);
}

void koppel_stats_int(koppel_context *ctx, const char *key, int64_t value)
{
    char piece[32];
    stats_key(ctx, key);
    int n = snprintf(piece, sizeof piece, "%lld", (long long)value);
    stats_append(ctx, piece, (size_t)n);
}

void koppel_stats_double(koppel_context *ctx, const char *key, double value)
{
    char piece[40];
    stats_key(ctx, key);
    int n = value == value && value - value == 0 ? snprintf(piece, sizeof piece, "%.17g", value)
                                                 : snprintf(piece, sizeof piece, "null");
    stats_append(ctx, piece, (size_t)n);
}

void koppel_stats_string(koppel_context *ctx, const char *key, const char *value)
{
    stats_key(ctx, key);
    stats_append(ctx, "\"", 1);
    for (const char *p = value; *p; p++) {
        char escaped[8];
        int n;
        if (*p == '"' || *p == '\\')
            n = snprintf(escaped, sizeof escaped, "\\%c", *p);
        else if ((unsigned char)*p < 0x20)
            n = snprintf(escaped, sizeof escaped, "\\u%04x", (unsigned char)*p);
        else {
            escaped[0] = *p;
            n = 1;
        }
        stats_append(ctx, escaped, (size_t)n);
    }
    stats_append(ctx, "\"", 1);
}

/* Does the regular file FD (of SIZE bytes) end in the middle of a line: a run killed while it
 * appended? (The descriptor that appends cannot read.) The next object then starts on a line of its own instead of being glued on. */
static bool ends_without_newline(const char *path, off_t size)
{
    char last;
    int fd = size > 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    bool partial = fd >= 0 && pread(fd, &last, 1, size - 1) == 1 && last != '\n';
    if (fd >= 0)
        close(fd);
    return partial;
}

/* Append LINE (one write, so that parallel runs appending to one file do not interleave). A write
 * that fails part way (disk full) is cut off again: no partial line is left for the next run's
 * object to be glued onto. */
static void append_stats_line(const char *path, const char *line, size_t length)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0)
        message_die(EXIT_SYSTEM, "cannot open %s: %s", path, strerror(errno));
    struct stat before;
    bool regular = fstat(fd, &before) == 0 && S_ISREG(before.st_mode);
    if (regular && ends_without_newline(path, before.st_size))
        line--, length++; /* the caller left room for a newline in front */
    ssize_t written = write(fd, line, length);
    int saved = errno;
    if (written == (ssize_t)length && close(fd) == 0)
        return;
    struct stat after;
    if (written > 0 && regular && fstat(fd, &after) == 0 && after.st_size == before.st_size + written)
        (void)ftruncate(fd, before.st_size);
    close(fd);
    message_die(EXIT_SYSTEM, "error writing %s: %s", path,
                written < 0 ? strerror(saved) : written < (ssize_t)length ? "short write (disk full?)"
                                                                          : strerror(errno));
}

static void write_stats(koppel_context *ctx)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "{\"filter\":\"%s\",\"version\":\"%s\",\"records_in\":%llu,\"records_out\":%llu,"
                     "\"filtered\":%llu,\"rejected\":%llu",
                     ctx->verb, KOPPEL_VERSION, (unsigned long long)ctx->counts.in,
                     (unsigned long long)ctx->counts.out, (unsigned long long)ctx->counts.filtered,
                     (unsigned long long)ctx->counts.rejected);
    size_t total = (size_t)n + ctx->stats_extra_len + 2;
    char *buffer = xmalloc(total + 2), *line = buffer + 1;
    buffer[0] = '\n';
    memcpy(line, head, (size_t)n);
    if (ctx->stats_extra_len)
        memcpy(line + n, ctx->stats_extra, ctx->stats_extra_len);
    memcpy(line + n + ctx->stats_extra_len, "}\n", 2);
    append_stats_line(ctx->stats_path, line, total);
    free(buffer);
}

/* ---------------------------------------------------------------- progress and finish */

void koppel_progress_tick(koppel_context *ctx)
{
    double now = now_seconds();
    if (now - ctx->progress_last < 1.0)
        return;
    ctx->progress_last = now;
    double elapsed = now - ctx->progress_started;
    fprintf(stderr, "\rkoppel-%s: %llu records, %.0f records/s   ", ctx->verb,
            (unsigned long long)ctx->counts.in, elapsed > 0 ? (double)ctx->counts.in / elapsed : 0.0);
}

int koppel_finish(koppel_context *ctx)
{
    if (ctx->progress_on && ctx->progress_last > ctx->progress_started)
        fputs("\r\033[K", stderr);
    /* All or nothing: every output is written out before --stats is appended, and none is put
     * in place before that has succeeded. A failure before the renames removes them all. */
    if (ctx->out) {
        ctx->counts.out = record_writer_records(ctx->out) - 1;
        record_writer_finish_writing(ctx->out);
    }
    reject_sink_finish_writing(ctx->rejects);
    if (ctx->stats_path)
        write_stats(ctx);
    record_writer_close(ctx->out);
    ctx->out = NULL;
    reject_sink_close(ctx->rejects);
    ctx->rejects = NULL;
    if (ctx->counts.rejected)
        message_warn("%llu of %llu records rejected (see %s)", (unsigned long long)ctx->counts.rejected,
                     (unsigned long long)ctx->counts.in, ctx->rejects_path);
    free(ctx->stats_extra);
    ctx->stats_extra = NULL;
    return EXIT_OK;
}

char **koppel_split_list(const koppel_context *ctx, const char *option, const char *list,
                         size_t *count)
{
    size_t items = 1, length = strlen(list);
    for (const char *p = list; *p; p++)
        items += *p == ',';
    char **result = xmalloc((items + 1) * sizeof(char *) + length + 1);
    char *copy = (char *)(result + items + 1);
    memcpy(copy, list, length + 1);
    size_t n = 0;
    char *item = copy;
    for (char *p = copy;; p++) {
        if (*p == ',' || *p == '\0') {
            bool last = *p == '\0';
            *p = '\0';
            if (*item == '\0')
                koppel_usage_error(ctx, "%s: empty name in the list '%s'", option, list);
            result[n++] = item;
            item = p + 1;
            if (last)
                break;
        }
    }
    result[n] = NULL;
    *count = n;
    return result;
}

char *koppel_share_file(const char *relative)
{
    const char *root = getenv("KOPPEL_SHARE");
    char path[8192];
    if (root && *root) {
        snprintf(path, sizeof path, "%s/%s", root, relative);
        return xstrdup(path);
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = '\0';
        snprintf(path, sizeof path, "%s/../share/koppel/%s", self, relative);
        if (access(path, R_OK) == 0)
            return xstrdup(path);
    }
    snprintf(path, sizeof path, "/usr/local/share/koppel/%s", relative);
    return xstrdup(path);
}

record_reader *koppel_inputs_open(koppel_context *ctx, koppel_inputs *inputs, int argc, char **argv, int operands)
{
    static char *standard_input[] = {"-"};
    *inputs = (koppel_inputs){.paths = argv + operands, .count = (size_t)(argc - operands)};
    if (inputs->count == 0)
        *inputs = (koppel_inputs){.paths = standard_input, .count = 1};
    inputs->first = koppel_open_input(ctx, inputs->paths[0]);
    return inputs->first;
}

record_reader *koppel_inputs_next(koppel_context *ctx, koppel_inputs *inputs)
{
    if (inputs->current && inputs->current != inputs->first)
        record_reader_close(inputs->current);
    inputs->current = NULL;
    if (inputs->next >= inputs->count)
        return NULL;
    size_t index = inputs->next++;
    if (index == 0)
        inputs->current = inputs->first;
    else if (inputs->headers_may_differ)
        inputs->current = koppel_open_input(ctx, inputs->paths[index]);
    else
        inputs->current = koppel_open_next_input(ctx, inputs->paths[index], inputs->first);
    return inputs->current;
}

void koppel_inputs_close(koppel_inputs *inputs)
{
    if (inputs->current && inputs->current != inputs->first)
        record_reader_close(inputs->current);
    if (inputs->first)
        record_reader_close(inputs->first);
    *inputs = (koppel_inputs){0};
}

void koppel_names_distinct(const koppel_context *ctx, const char *option, char *const *names, size_t count,
                           const char *where)
{
    /* A column twice would make two output columns of one name, or count a record twice over. */
    for (size_t i = 0; i < count; i++)
        for (size_t j = i + 1; j < count; j++)
            if (strcmp(names[i], names[j]) == 0)
                koppel_usage_error(ctx, "%s: column '%s' is named twice%s", option, names[i], where ? where : "");
}

/* A directory this run creates is registered as a temporary, so that a failed run does not leave
 * it behind (it is removed only when empty). */
void koppel_make_output_directory(const koppel_context *ctx, const char *option, const char *path)
{
    struct stat info;
    if (stat(path, &info) == 0) {
        if (!S_ISDIR(info.st_mode))
            koppel_usage_error(ctx, "%s %s is not a directory", option, path);
        return;
    }
    if (mkdir(path, 0777) != 0)
        message_die(EXIT_SYSTEM, "cannot create directory %s: %s", path, strerror(errno));
    message_register_temporary(path);
}
