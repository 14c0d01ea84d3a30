/* fuzz_support.c: the die hook and allocation tracking that let a harness survive a parser's
 * fatal error without leaking, memory files for input and output, and failure reports (see
 * fuzz_support.h). Process-wide state is the nature of this file: it stands in for exit(). */
#include "fuzz_support.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "message.h"

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_TRACK_ALLOCATIONS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_TRACK_ALLOCATIONS 1
#endif
#endif

static bool initialised;
static jmp_buf *die_target;
static int die_status;
static int stdin_memory = -1, stdout_memory = -1, saved_stdout = -1;
static char private_directory[64];
static char private_file[96];

/* Messages of the parser under test go here instead of the terminal (a fuzzer calls it
 * millions of times); KOPPEL_FUZZ_VERBOSE=1 shows them as well. */
static char messages[8192];
static FILE *message_stream, *real_stderr;
static bool verbose;

static void die_hook(int status)
{
    die_status = status;
    if (die_target)
        longjmp(*die_target, 1);
    /* A fatal exit outside fuzz_try: a harness bug, shown as one. */
    fprintf(stderr, "fuzz: fatal exit (status %d) outside fuzz_try\n", status);
    abort();
}

/* ---------------------------------------------------------------- allocation tracking */

#ifdef FUZZ_TRACK_ALLOCATIONS
/* The sanitizer runtime calls these for every allocation and free. While a fuzz_try body runs
 * (on this thread), live allocations are kept in an open-addressing set, so that a body that
 * dies can have them freed. No allocation may happen in here. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

#define TRACK_BITS 17
#define TRACK_CAPACITY ((size_t)1 << TRACK_BITS)
#define LOG_CAPACITY ((size_t)1 << 15)
static uintptr_t tracked[TRACK_CAPACITY];
static size_t tracked_count;
static bool tracked_overflow;
/* Every pointer recorded in this scope, so that ending it visits those slots only. */
static uintptr_t recorded[LOG_CAPACITY];
static size_t recorded_count;
static _Thread_local bool tracking;

static size_t track_slot(uintptr_t pointer)
{
    return (size_t)(((uint64_t)pointer * 0x9E3779B97F4A7C15u) >> (64 - TRACK_BITS));
}

static void track_malloc(const volatile void *pointer, size_t size)
{
    (void)size;
    if (!tracking || !pointer)
        return;
    if (tracked_count >= TRACK_CAPACITY / 2) {
        tracked_overflow = true;
        return;
    }
    size_t slot = track_slot((uintptr_t)pointer);
    while (tracked[slot])
        slot = (slot + 1) & (TRACK_CAPACITY - 1);
    tracked[slot] = (uintptr_t)pointer;
    tracked_count++;
    if (recorded_count < LOG_CAPACITY)
        recorded[recorded_count++] = (uintptr_t)pointer;
}

/* Linear probing with backward-shift deletion: no tombstones to clean up. */
static void track_remove(uintptr_t pointer)
{
    size_t slot = track_slot(pointer);
    while (tracked[slot] && tracked[slot] != pointer)
        slot = (slot + 1) & (TRACK_CAPACITY - 1);
    if (!tracked[slot])
        return;
    tracked[slot] = 0;
    tracked_count--;
    size_t hole = slot;
    for (size_t next = (hole + 1) & (TRACK_CAPACITY - 1); tracked[next];
         next = (next + 1) & (TRACK_CAPACITY - 1)) {
        size_t home = track_slot(tracked[next]);
        /* NEXT may move into the hole unless its home lies cyclically in (hole, next]. */
        bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (!stays) {
            tracked[hole] = tracked[next];
            tracked[next] = 0;
            hole = next;
        }
    }
}

static void track_free(const volatile void *pointer)
{
    if (tracking && pointer && tracked_count > 0)
        track_remove((uintptr_t)pointer);
}

static bool track_contains(uintptr_t pointer)
{
    size_t slot = track_slot(pointer);
    while (tracked[slot] && tracked[slot] != pointer)
        slot = (slot + 1) & (TRACK_CAPACITY - 1);
    return tracked[slot] == pointer;
}

static void track_begin(void)
{
    tracked_overflow = false;
    recorded_count = 0;
    tracking = true;
}

/* FREE_ALL: the body died, free what it held; otherwise what it returned is the caller's. */
static void track_end(bool free_all)
{
    tracking = false; /* from here on, free() leaves the set alone */
    if (free_all && tracked_overflow)
        fprintf(stderr, "fuzz: too many allocations to track; a leak report may follow\n");
    if (tracked_count > 0 && recorded_count < LOG_CAPACITY) {
        /* Every live entry was recorded: visit those, not the whole table. */
        for (size_t i = 0; i < recorded_count && tracked_count > 0; i++) {
            uintptr_t pointer = recorded[i];
            if (!track_contains(pointer))
                continue; /* freed already */
            track_remove(pointer);
            if (free_all)
                free((void *)pointer);
        }
    } else if (tracked_count > 0)
        for (size_t i = 0; i < TRACK_CAPACITY; i++)
            if (tracked[i]) {
                if (free_all)
                    free((void *)tracked[i]);
                tracked[i] = 0;
            }
    tracked_count = 0;
    recorded_count = 0;
}

static void track_install(void)
{
    __sanitizer_install_malloc_and_free_hooks(track_malloc, track_free);
}
#else
static void track_begin(void) {}
static void track_end(bool free_all) { (void)free_all; }
static void track_install(void) {}
#endif

/* ---------------------------------------------------------------- set-up */

static int memory_file(const char *name)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) {
        perror("fuzz: memfd_create");
        abort();
    }
    return fd;
}

static void remove_private_file(void)
{
    if (private_file[0])
        unlink(private_file);
    if (private_directory[0])
        rmdir(private_directory);
}

void fuzz_init(void)
{
    if (initialised)
        return;
    initialised = true;
    message_set_program("koppel-fuzz");
    message_set_die_hook(die_hook);
    verbose = getenv("KOPPEL_FUZZ_VERBOSE") != NULL;
    message_stream = fmemopen(messages, sizeof messages, "w");
    if (!message_stream) {
        perror("fuzz: fmemopen");
        abort();
    }
    setvbuf(message_stream, NULL, _IONBF, 0);
    stdin_memory = memory_file("fuzz-input");
    if (dup2(stdin_memory, STDIN_FILENO) < 0) {
        perror("fuzz: dup2");
        abort();
    }
    stdout_memory = memory_file("fuzz-output");
    saved_stdout = dup(STDOUT_FILENO);
    track_install();
}

/* ---------------------------------------------------------------- running a body */

bool fuzz_try(void (*body)(void *context), void *context)
{
    if (die_target) {
        fprintf(stderr, "fuzz: fuzz_try inside fuzz_try\n");
        abort();
    }
    jmp_buf target;
    real_stderr = stderr;
    messages[0] = '\0';
    rewind(message_stream);
    stderr = message_stream;
    die_target = &target;
    bool returned = false;
    if (setjmp(target) == 0) {
        track_begin();
        body(context);
        returned = true;
    }
    track_end(!returned);
    die_target = NULL;
    fputc('\0', message_stream);
    messages[sizeof messages - 1] = '\0';
    stderr = real_stderr;
    if (verbose && messages[0])
        fputs(messages, stderr);
    return returned;
}

int fuzz_die_status(void) { return die_status; }
const char *fuzz_messages(void) { return messages; }

/* ---------------------------------------------------------------- files */

static void write_all(int fd, const uint8_t *data, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n <= 0) {
            perror("fuzz: write");
            abort();
        }
        data += n;
        size -= (size_t)n;
    }
}

void fuzz_set_stdin(const uint8_t *data, size_t size)
{
    if (ftruncate(stdin_memory, 0) != 0 || lseek(stdin_memory, 0, SEEK_SET) != 0) {
        perror("fuzz: resetting standard input");
        abort();
    }
    write_all(stdin_memory, data, size);
    lseek(stdin_memory, 0, SEEK_SET); /* fd 0 shares this offset */
}

void fuzz_capture_begin(void)
{
    fflush(stdout);
    if (ftruncate(stdout_memory, 0) != 0 || lseek(stdout_memory, 0, SEEK_SET) != 0 ||
        dup2(stdout_memory, STDOUT_FILENO) < 0) {
        perror("fuzz: capturing standard output");
        abort();
    }
}

char *fuzz_capture_end(size_t *size)
{
    fflush(stdout);
    dup2(saved_stdout, STDOUT_FILENO);
    off_t length = lseek(stdout_memory, 0, SEEK_END);
    char *text = malloc((size_t)length + 1);
    if (!text || pread(stdout_memory, text, (size_t)length, 0) != length) {
        perror("fuzz: reading captured output");
        abort();
    }
    text[length] = '\0';
    *size = (size_t)length;
    return text;
}

const char *fuzz_write_file(const uint8_t *data, size_t size, unsigned mode)
{
    if (!private_directory[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(private_directory, sizeof private_directory, "%s/koppel-fuzz-XXXXXX",
                 tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp");
        if (!mkdtemp(private_directory)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        snprintf(private_file, sizeof private_file, "%s/file", private_directory);
        atexit(remove_private_file);
    }
    int fd = open(private_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror("fuzz: open");
        abort();
    }
    write_all(fd, data, size);
    close(fd);
    chmod(private_file, (mode_t)mode);
    return private_file;
}

/* ---------------------------------------------------------------- checks */

bool fuzz_utf8_valid(const char *text, size_t length)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < length) {
        unsigned c = p[i];
        int extra;
        uint32_t code, minimum;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0)
            extra = 1, code = c & 0x1F, minimum = 0x80;
        else if ((c & 0xF0) == 0xE0)
            extra = 2, code = c & 0x0F, minimum = 0x800;
        else if ((c & 0xF8) == 0xF0)
            extra = 3, code = c & 0x07, minimum = 0x10000;
        else
            return false;
        if (i + (size_t)extra >= length)
            return false;
        for (int k = 1; k <= extra; k++) {
            if ((p[i + (size_t)k] & 0xC0) != 0x80)
                return false;
            code = (code << 6) | (p[i + (size_t)k] & 0x3F);
        }
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
            return false;
        i += (size_t)extra + 1;
    }
    return true;
}

_Noreturn void fuzz_fail(const char *file, int line, const char *condition, const char *fmt, ...)
{
    if (stderr == message_stream && real_stderr)
        stderr = real_stderr;
    fprintf(stderr, "\nfuzz: %s:%d: property failed: %s\nfuzz: ", file, line, condition);
    va_list args;
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, "\n");
    if (messages[0])
        fprintf(stderr, "fuzz: messages of the code under test:\n%s\n", messages);
    abort();
}
