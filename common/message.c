/* message.c: house-format messages, fatal exits, and the list of temporary output files a
 * fatal exit removes so that Make never sees a half-written table. */
#include "message.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Process-wide by nature: the program name and the temporaries to remove on a fatal exit
 * are needed by every die path, wherever it is reached from. The list grows (koppel partition
 * holds one temporary per part) and is removed newest first, with remove(), so that a
 * temporary directory registered before the files in it is removed after them. */
static const char *program_name = "koppel";
static char **temporaries;
static size_t temporary_count, temporary_capacity;

void message_set_program(const char *program) { program_name = program; }
const char *message_program(void) { return program_name; }

static void block_ending_signals(int how);

static void remove_temporaries(void)
{
    block_ending_signals(SIG_BLOCK);
    for (size_t i = temporary_count; i-- > 0;)
        if (temporaries[i]) {
            remove(temporaries[i]);
            free(temporaries[i]);
            temporaries[i] = NULL;
        }
    free(temporaries);
    temporaries = NULL;
    temporary_count = temporary_capacity = 0;
    block_ending_signals(SIG_UNBLOCK);
}

/* An interrupt (Ctrl-C in Make), a kill or a lost terminal also ends a run that has
 * temporaries: remove them (unlink and rmdir are safe in a handler), then die of the
 * signal as before. */
static const int ending_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void remove_temporaries_on_signal(int signal_number)
{
    for (size_t i = temporary_count; i-- > 0;)
        if (temporaries[i] && unlink(temporaries[i]) != 0)
            rmdir(temporaries[i]);
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

/* Block or unblock the ending signals while the list changes under the handler. */
static void block_ending_signals(int how)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof ending_signals / sizeof ending_signals[0]; i++)
        sigaddset(&set, ending_signals[i]);
    sigprocmask(how, &set, NULL);
}

static void catch_ending_signals(void)
{
    static int caught;
    if (caught++)
        return;
    for (size_t i = 0; i < sizeof ending_signals / sizeof ending_signals[0]; i++) {
        struct sigaction action, previous;
        memset(&action, 0, sizeof action);
        action.sa_handler = remove_temporaries_on_signal;
        sigemptyset(&action.sa_mask);
        for (size_t j = 0; j < sizeof ending_signals / sizeof ending_signals[0]; j++)
            sigaddset(&action.sa_mask, ending_signals[j]);
        /* A signal the caller ignores (nohup) stays ignored. */
        if (sigaction(ending_signals[i], NULL, &previous) == 0 && previous.sa_handler != SIG_IGN)
            sigaction(ending_signals[i], &action, NULL);
    }
}

void message_register_temporary(const char *path)
{
    catch_ending_signals();
    block_ending_signals(SIG_BLOCK);
    if (temporary_count == temporary_capacity) {
        size_t capacity = temporary_capacity ? 2 * temporary_capacity : 16;
        char **grown = realloc(temporaries, capacity * sizeof(char *));
        if (!grown)
            message_die_nomem();
        temporaries = grown;
        temporary_capacity = capacity;
    }
    temporaries[temporary_count] = strdup(path);
    if (!temporaries[temporary_count])
        message_die_nomem();
    temporary_count++;
    block_ending_signals(SIG_UNBLOCK);
}

void message_unregister_temporary(const char *path)
{
    block_ending_signals(SIG_BLOCK);
    for (size_t i = 0; i < temporary_count; i++)
        if (temporaries[i] && strcmp(temporaries[i], path) == 0) {
            free(temporaries[i]);
            temporaries[i] = NULL;
        }
    /* Drop the freed tail so that the list does not grow with files opened one after another. */
    while (temporary_count > 0 && !temporaries[temporary_count - 1])
        temporary_count--;
    if (temporary_count == 0) {
        free(temporaries);
        temporaries = NULL;
        temporary_capacity = 0;
    }
    block_ending_signals(SIG_UNBLOCK);
}

/* Fuzzing harnesses must survive a parser's fatal error: when a hook is set, the fatal exits
 * call it instead of exit (a hook that returns is followed by exit as before). */
static void (*die_hook)(int status);

void message_set_die_hook(void (*hook)(int status)) { die_hook = hook; }

static _Noreturn void finish(int status)
{
    if (die_hook)
        die_hook(status);
    exit(status);
}

static void vwarn(const char *prefix, const char *fmt, va_list args)
{
    char text[4096];
    vsnprintf(text, sizeof text, fmt, args);
    fprintf(stderr, "%s: %s%s\n", program_name, prefix ? prefix : "", text);
}

void message_warn(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vwarn(NULL, fmt, args);
    va_end(args);
}

void message_hint(const char *file, const char *fmt, ...)
{
    char prefix[1200];
    snprintf(prefix, sizeof prefix, "%s%shint: ", file ? file : "", file ? ": " : "");
    va_list args;
    va_start(args, fmt);
    vwarn(prefix, fmt, args);
    va_end(args);
}

void message_warn_at(const char *file, long line, const char *fmt, ...)
{
    char prefix[1200];
    snprintf(prefix, sizeof prefix, "%s:%ld: ", file, line);
    va_list args;
    va_start(args, fmt);
    vwarn(prefix, fmt, args);
    va_end(args);
}

_Noreturn void message_die(int status, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vwarn(NULL, fmt, args);
    va_end(args);
    remove_temporaries();
    finish(status);
}

_Noreturn void message_die_at(int status, const char *file, long line, const char *fmt, ...)
{
    char prefix[1200];
    snprintf(prefix, sizeof prefix, "%s:%ld: ", file, line);
    va_list args;
    va_start(args, fmt);
    vwarn(prefix, fmt, args);
    va_end(args);
    remove_temporaries();
    finish(status);
}

_Noreturn void message_exit_quietly(int status)
{
    remove_temporaries();
    finish(status);
}

_Noreturn void message_die_nomem(void) { message_die(3, "out of memory"); }

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        message_die_nomem();
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        message_die_nomem();
    return p;
}

void *xrealloc(void *pointer, size_t size)
{
    void *p = realloc(pointer, size ? size : 1);
    if (!p)
        message_die_nomem();
    return p;
}

char *xstrdup(const char *text)
{
    char *p = strdup(text);
    if (!p)
        message_die_nomem();
    return p;
}

char *xstrndup(const char *text, size_t length)
{
    char *p = xmalloc(length + 1);
    memcpy(p, text, length);
    p[length] = '\0';
    return p;
}
