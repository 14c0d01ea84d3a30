/* pseudonym.c: the key file, project key, pseudonym and fingerprint of README.md's construction,
 * with all key material in libsodium guarded memory that is wiped when it is freed. */
#include "pseudonym.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_HEX_LENGTH (2 * PSEUDONYM_KEY_BYTES)

struct pseudonym_key {
    unsigned char key[PSEUDONYM_KEY_BYTES];    /* K: the project key, or the master key */
    crypto_auth_hmacsha256_state after_bsn;    /* HMAC state after K and "bsn:" */
    crypto_auth_hmacsha256_state after_id;     /* HMAC state after K and "id:" */
    crypto_auth_hmacsha256_state scratch;      /* per-pseudonym working state (key-equivalent) */
    char fingerprint[PSEUDONYM_FINGERPRINT_LENGTH + 1];
};

/* The key file's bytes and the decoded master key, kept together in guarded memory. */
typedef struct key_file_buffer {
    char text[KEY_HEX_LENGTH + 3]; /* 64 hex, CR, LF, and one byte to notice a longer file */
    unsigned char master[PSEUDONYM_KEY_BYTES];
} key_file_buffer;

static const char project_prefix[] = "koppel:project:";
static const char fingerprint_message[] = "koppel:fingerprint";

static bool is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

void pseudonym_trim(const char **text, size_t *length)
{
    const char *start = *text;
    size_t n = *length;
    while (n > 0 && is_ascii_space(start[0])) {
        start++;
        n--;
    }
    while (n > 0 && is_ascii_space(start[n - 1]))
        n--;
    *text = start;
    *length = n;
}

bool pseudonym_project_name_valid(const char *name, const char **why)
{
    size_t length = strlen(name);
    if (length == 0) {
        *why = "the project name is empty";
        return false;
    }
    if (is_ascii_space(name[0]) || is_ascii_space(name[length - 1])) {
        *why = "the project name begins or ends with white space";
        return false;
    }
    for (size_t i = 0; i < length; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
            *why = "the project name contains a control character";
            return false;
        }
    return true;
}

pseudonym_key *pseudonym_key_from_master(const unsigned char master[PSEUDONYM_KEY_BYTES],
                                         const char *project)
{
    if (sodium_init() < 0)
        return NULL;
    pseudonym_key *key = sodium_malloc(sizeof *key);
    if (!key)
        return NULL;
    if (project) {
        crypto_auth_hmacsha256_init(&key->scratch, master, PSEUDONYM_KEY_BYTES);
        crypto_auth_hmacsha256_update(&key->scratch, (const unsigned char *)project_prefix,
                                      sizeof project_prefix - 1);
        crypto_auth_hmacsha256_update(&key->scratch, (const unsigned char *)project, strlen(project));
        crypto_auth_hmacsha256_final(&key->scratch, key->key);
    } else
        memcpy(key->key, master, PSEUDONYM_KEY_BYTES);

    crypto_auth_hmacsha256_init(&key->after_bsn, key->key, PSEUDONYM_KEY_BYTES);
    crypto_auth_hmacsha256_update(&key->after_bsn, (const unsigned char *)"bsn:", 4);
    crypto_auth_hmacsha256_init(&key->after_id, key->key, PSEUDONYM_KEY_BYTES);
    crypto_auth_hmacsha256_update(&key->after_id, (const unsigned char *)"id:", 3);

    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&key->scratch, key->key, PSEUDONYM_KEY_BYTES);
    crypto_auth_hmacsha256_update(&key->scratch, (const unsigned char *)fingerprint_message,
                                  sizeof fingerprint_message - 1);
    crypto_auth_hmacsha256_final(&key->scratch, mac);
    sodium_bin2hex(key->fingerprint, sizeof key->fingerprint, mac, PSEUDONYM_FINGERPRINT_LENGTH / 2);
    sodium_memzero(mac, sizeof mac);
    return key;
}

/* Read at most SIZE bytes of FD into BUFFER; the count read, or -1 on an I/O error. */
static ssize_t read_fully(int fd, char *buffer, size_t size)
{
    size_t total = 0;
    while (total < size) {
        ssize_t n = read(fd, buffer + total, size - total);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        total += (size_t)n;
    }
    return (ssize_t)total;
}

/* Open PATH and check that it is a safe key file; the descriptor, or -1 with WHY set. */
static int open_key_file(const char *path, pseudonym_status *status, char *why, size_t why_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(why, why_size, "cannot open key file %s: %s", path, strerror(errno));
        *status = PSEUDONYM_CONFIG;
        return -1;
    }
    struct stat info;
    *status = PSEUDONYM_CONFIG;
    if (fstat(fd, &info) != 0) {
        snprintf(why, why_size, "cannot examine key file %s: %s", path, strerror(errno));
        *status = PSEUDONYM_SYSTEM;
    } else if (!S_ISREG(info.st_mode))
        snprintf(why, why_size, "key file %s is not a regular file", path);
    else if (info.st_mode & (S_IRWXG | S_IRWXO))
        snprintf(why, why_size,
                 "key file %s is open to group or others (mode %04o); it must be readable by "
                 "its owner only: chmod 600 %s",
                 path, (unsigned)(info.st_mode & 07777), path);
    else
        return fd;
    close(fd);
    return -1;
}

/* Check the key file's text (N bytes) and decode it into BUFFER->master. */
static bool decode_key_text(key_file_buffer *buffer, size_t n, const char *path, char *why,
                            size_t why_size)
{
    /* One line end is allowed, LF or CRLF (a key file edited on Windows). */
    if (n > 0 && buffer->text[n - 1] == '\n') {
        n--;
        if (n > 0 && buffer->text[n - 1] == '\r')
            n--;
    }
    if (n > KEY_HEX_LENGTH) {
        snprintf(why, why_size,
                 "key file %s is too long: expected 64 hexadecimal characters (32 bytes), "
                 "optionally followed by a newline",
                 path);
        return false;
    }
    if (n < KEY_HEX_LENGTH) {
        snprintf(why, why_size,
                 "key file %s has %zu characters: expected 64 hexadecimal characters (32 bytes), "
                 "optionally followed by a newline",
                 path, n);
        return false;
    }
    for (size_t i = 0; i < KEY_HEX_LENGTH; i++) {
        char c = buffer->text[i];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex) {
            snprintf(why, why_size, "key file %s: character %zu is not a hexadecimal digit", path,
                     i + 1);
            return false;
        }
    }
    size_t decoded = 0;
    if (sodium_hex2bin(buffer->master, sizeof buffer->master, buffer->text, KEY_HEX_LENGTH, NULL,
                       &decoded, NULL) != 0 ||
        decoded != PSEUDONYM_KEY_BYTES) {
        snprintf(why, why_size, "key file %s could not be decoded as hexadecimal", path);
        return false;
    }
    /* All zeros is a placeholder, not a secret: anyone could recompute the pseudonyms. */
    if (sodium_is_zero(buffer->master, sizeof buffer->master)) {
        snprintf(why, why_size, "key file %s holds the all-zero key, which is no secret: make a random "
                                "key (koppel pseudonymise --help)", path);
        return false;
    }
    return true;
}

pseudonym_key *pseudonym_key_load(const char *path, const char *project, pseudonym_status *status,
                                  char *why, size_t why_size)
{
    const char *project_problem;
    *status = PSEUDONYM_SYSTEM;
    if (sodium_init() < 0) {
        snprintf(why, why_size, "libsodium could not be initialised");
        return NULL;
    }
    if (project && !pseudonym_project_name_valid(project, &project_problem)) {
        snprintf(why, why_size, "--project: %s", project_problem);
        *status = PSEUDONYM_CONFIG;
        return NULL;
    }
    int fd = open_key_file(path, status, why, why_size);
    if (fd < 0)
        return NULL;
    key_file_buffer *buffer = sodium_malloc(sizeof *buffer);
    if (!buffer) {
        close(fd);
        snprintf(why, why_size, "out of memory for the key");
        *status = PSEUDONYM_SYSTEM;
        return NULL;
    }
    pseudonym_key *key = NULL;
    ssize_t n = read_fully(fd, buffer->text, sizeof buffer->text);
    close(fd);
    if (n < 0) {
        snprintf(why, why_size, "cannot read key file %s: %s", path, strerror(errno));
        *status = PSEUDONYM_SYSTEM;
    } else if (!decode_key_text(buffer, (size_t)n, path, why, why_size))
        *status = PSEUDONYM_CONFIG;
    else if (!(key = pseudonym_key_from_master(buffer->master, project))) {
        snprintf(why, why_size, "out of memory for the key");
        *status = PSEUDONYM_SYSTEM;
    } else
        *status = PSEUDONYM_OK;
    sodium_free(buffer); /* wipes the text and the master key */
    return key;
}

/* Write all of TEXT to FD; false on an error (errno set). */
static bool write_fully(int fd, const char *text, size_t length)
{
    while (length > 0) {
        ssize_t n = write(fd, text, length);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        text += n;
        length -= (size_t)n;
    }
    return true;
}

pseudonym_status pseudonym_new_key_file(const char *path, char fingerprint[9], char *why,
                                        size_t why_size)
{
    if (sodium_init() < 0) {
        snprintf(why, why_size, "libsodium could not be initialised");
        return PSEUDONYM_SYSTEM;
    }
    /* O_EXCL also refuses a symlink, dangling or not: nothing is ever overwritten. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int error = errno;
        snprintf(why, why_size, "cannot create key file %s: %s%s", path, strerror(error),
                 error == EEXIST ? " (a key file is never overwritten)" : "");
        return error == EEXIST ? PSEUDONYM_CONFIG : PSEUDONYM_SYSTEM;
    }
    key_file_buffer *buffer = sodium_malloc(sizeof *buffer);
    pseudonym_key *key = NULL;
    bool written = false;
    int error = ENOMEM;
    if (buffer) {
        randombytes_buf(buffer->master, sizeof buffer->master);
        sodium_bin2hex(buffer->text, sizeof buffer->text, buffer->master, sizeof buffer->master);
        buffer->text[KEY_HEX_LENGTH] = '\n';
        /* umask may have taken bits away; the mode must be exactly 0600. */
        written = fchmod(fd, 0600) == 0 && write_fully(fd, buffer->text, KEY_HEX_LENGTH + 1) &&
                  fsync(fd) == 0;
        error = errno;
        if (written && !(key = pseudonym_key_from_master(buffer->master, NULL))) {
            written = false;
            error = ENOMEM;
        }
        sodium_free(buffer);
    }
    if (close(fd) != 0 && written) {
        written = false;
        error = errno;
    }
    if (!written) {
        unlink(path);
        pseudonym_key_free(key);
        snprintf(why, why_size, "cannot write key file %s: %s", path, strerror(error));
        return PSEUDONYM_SYSTEM;
    }
    memcpy(fingerprint, key->fingerprint, PSEUDONYM_FINGERPRINT_LENGTH + 1);
    pseudonym_key_free(key);
    return PSEUDONYM_OK;
}

void pseudonym_compute(pseudonym_key *key, pseudonym_type type, const char *value, size_t length,
                       char out[PSEUDONYM_HEX_LENGTH + 1])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    key->scratch = type == PSEUDONYM_BSN ? key->after_bsn : key->after_id;
    crypto_auth_hmacsha256_update(&key->scratch, (const unsigned char *)value, length);
    crypto_auth_hmacsha256_final(&key->scratch, mac); /* also wipes the working state */
    sodium_bin2hex(out, PSEUDONYM_HEX_LENGTH + 1, mac, PSEUDONYM_HEX_LENGTH / 2);
}

const char *pseudonym_fingerprint(const pseudonym_key *key) { return key->fingerprint; }

void pseudonym_key_free(pseudonym_key *key)
{
    if (key)
        sodium_free(key);
}
