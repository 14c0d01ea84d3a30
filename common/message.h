/* message.h: messages on stderr in the house format ("koppel-VERB: file:line: what") and
 * fatal exits that first remove half-written output files. */
#ifndef KOPPEL_MESSAGE_H
#define KOPPEL_MESSAGE_H

#include <stddef.h>

/* Exit status: the same in every program. */
enum {
    EXIT_OK = 0,
    EXIT_DATA = 1,   /* bad input data */
    EXIT_USAGE = 2,  /* usage or configuration error */
    EXIT_SYSTEM = 3, /* I/O, memory */
};


/* Set once at start-up: the name messages begin with, e.g. "koppel-select". */
void message_set_program(const char *program);
const char *message_program(void);

/* "program: text" on stderr. */
void message_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "program: FILE: hint: text" on stderr: how to fix what the message before it reported
 * (FILE NULL: "program: hint: text"). */
void message_hint(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "program: FILE:LINE: text" on stderr. */
void message_warn_at(const char *file, long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "program: text" on stderr, then exit with STATUS. */
_Noreturn void message_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "program: FILE:LINE: text" on stderr, then exit with STATUS. */
_Noreturn void message_die_at(int status, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Remove temporaries and exit with STATUS without a message (closed pipe downstream, or after
 * messages already written with message_warn and message_hint). */
_Noreturn void message_exit_quietly(int status);

/* For fuzzing harnesses: HOOK (NULL: none, the default) is called with the exit status by every
 * fatal exit above and below, after the message and the removal of temporaries, instead of
 * exit(); a harness longjmps out of it. A hook that returns is followed by exit as before. */
void message_set_die_hook(void (*hook)(int status));

/* Out of memory: status 3. */
_Noreturn void message_die_nomem(void);

/* Temporary files that a fatal exit must remove (atomic -o output). */
void message_register_temporary(const char *path);
void message_unregister_temporary(const char *path);

/* Allocation that dies with status 3 instead of returning NULL. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *pointer, size_t size);
char *xstrdup(const char *text);
char *xstrndup(const char *text, size_t length);

#endif
