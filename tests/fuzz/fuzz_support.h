/* fuzz_support.h: what every koppel fuzz harness needs: surviving message_die (a die hook that
 * longjmps back), freeing what a dying parser still held (sanitizer builds, so that neither
 * LeakSanitizer nor the fuzzer's memory limit trips over it), inputs on standard input or in a
 * private file, captured messages, and a failed property that stops with a clear report. */
#ifndef KOPPEL_FUZZ_SUPPORT_H
#define KOPPEL_FUZZ_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point; tests/fuzz/replay.c calls it too. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Set up once (die hook, allocation tracking, memory files); every harness calls it first. */
void fuzz_init(void);

/* Run BODY(CONTEXT). True when it returned; false when it called message_die (or another fatal
 * exit), with the status in fuzz_die_status(). Whatever BODY allocated and still held when it
 * died is freed (sanitizer builds). Messages written meanwhile are in fuzz_messages(). */
bool fuzz_try(void (*body)(void *context), void *context);
int fuzz_die_status(void);
const char *fuzz_messages(void);

/* Make DATA the whole of standard input, read from its start: parsers open "-". */
void fuzz_set_stdin(const uint8_t *data, size_t size);

/* Standard output into a memory file until fuzz_capture_end, which returns what was written
 * (allocated, NUL-terminated; *SIZE its length) and gives standard output back. */
void fuzz_capture_begin(void);
char *fuzz_capture_end(size_t *size);

/* A private regular file (in a directory of mode 0700) holding DATA with MODE; its path. */
const char *fuzz_write_file(const uint8_t *data, size_t size, unsigned mode);

/* Is TEXT of LENGTH well-formed UTF-8 (no overlong forms, surrogates or code points above
 * U+10FFFF)? Written independently of the record reader's check. */
bool fuzz_utf8_valid(const char *text, size_t length);

/* A property that does not hold: report where and what, then abort (a crash to the fuzzer). */
_Noreturn void fuzz_fail(const char *file, int line, const char *condition, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define FUZZ_CHECK(condition, ...)                                                            \
    do {                                                                                      \
        if (!(condition))                                                                     \
            fuzz_fail(__FILE__, __LINE__, #condition, __VA_ARGS__);                          \
    } while (0)

#endif
