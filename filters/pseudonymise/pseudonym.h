/* pseudonym.h: keyed pseudonyms exactly as README.md's construction defines them: the master key
 * file, the project key, the pseudonym and the key fingerprint (libsodium HMAC-SHA256). */
#ifndef KOPPEL_PSEUDONYM_H
#define KOPPEL_PSEUDONYM_H

#include <stdbool.h>
#include <stddef.h>

#define PSEUDONYM_KEY_BYTES 32      /* master and project key */
#define PSEUDONYM_HEX_LENGTH 32     /* hex of the first 16 bytes of the HMAC */
#define PSEUDONYM_FINGERPRINT_LENGTH 8

/* What is being pseudonymised: TYPE in HMAC-SHA256(K, TYPE ":" VALUE). */
typedef enum { PSEUDONYM_BSN, PSEUDONYM_ID } pseudonym_type;

/* The key K in use, with HMAC states precomputed after K and after "bsn:" / "id:", so a
 * pseudonym costs one state copy and two SHA-256 blocks. Lives in libsodium guarded memory
 * (mlock'd where the system allows, wiped when freed). */
typedef struct pseudonym_key pseudonym_key;

/* Why a key operation failed: a configuration problem (bad or unsafe key file, existing file
 * for a new key: exit status 2) or a system error (exit status 3). */
typedef enum { PSEUDONYM_OK = 0, PSEUDONYM_CONFIG = 2, PSEUDONYM_SYSTEM = 3 } pseudonym_status;

/* Is NAME acceptable as a project name? Not empty, no control characters, no leading or
 * trailing white space (an invisible difference would silently give another project key).
 * On false *WHY says why. */
bool pseudonym_project_name_valid(const char *name, const char **why);

/* Read the master key file PATH (a regular file, no access for group or others, exactly 64
 * hexadecimal characters optionally followed by LF or CRLF), derive the project key (PROJECT
 * NULL: K = master) and return it. On failure returns NULL, *STATUS says which kind, and WHY
 * (WHY_SIZE bytes) says what is wrong without ever showing key material. The master key is
 * wiped before returning. */
pseudonym_key *pseudonym_key_load(const char *path, const char *project, pseudonym_status *status,
                                  char *why, size_t why_size);

/* The same from the 32 key bytes themselves (tests, and callers that hold a key already). */
pseudonym_key *pseudonym_key_from_master(const unsigned char master[PSEUDONYM_KEY_BYTES],
                                         const char *project);

/* Write a fresh random master key to PATH: 64 lower-case hex characters and LF, mode 0600,
 * created with O_EXCL so an existing file (or symlink) is never overwritten. On success
 * FINGERPRINT (9 bytes) gets the master key's fingerprint. */
pseudonym_status pseudonym_new_key_file(const char *path, char fingerprint[9], char *why,
                                        size_t why_size);

/* OUT (33 bytes) gets the pseudonym of VALUE (LENGTH bytes, used exactly as given: the caller
 * normalises a BSN and trims an identifier first) and a NUL. */
void pseudonym_compute(pseudonym_key *key, pseudonym_type type, const char *value, size_t length,
                       char out[PSEUDONYM_HEX_LENGTH + 1]);

/* The key's fingerprint: the first 8 hex characters of HMAC-SHA256(K, "koppel:fingerprint"). */
const char *pseudonym_fingerprint(const pseudonym_key *key);

/* Wipe and free. NULL is allowed. */
void pseudonym_key_free(pseudonym_key *key);

/* Narrow TEXT/LENGTH to the value without leading and trailing ASCII white space (space, tab,
 * LF, VT, FF, CR), the VALUE of an `id` pseudonym. */
void pseudonym_trim(const char **text, size_t *length);

#endif
