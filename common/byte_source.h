/* byte_source.h: the bytes of one input, as the record reader scans them: read from a file or
 * standard input, decompressed when they start with the gzip magic, and converted to UTF-8
 * when the input is in a single-byte encoding. */
#ifndef KOPPEL_BYTE_SOURCE_H
#define KOPPEL_BYTE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "encoding.h"

typedef struct byte_source byte_source;

/* Read FD (NAME in messages) in ENCODING. Looks at the first bytes: gzip is decompressed;
 * UTF-16, which koppel does not read, stops the run with status UTF16_STATUS (1 for input data,
 * 2 for a table given with an option: a configuration error) and how to convert it, and a
 * UTF-8 byte-order mark in input read in a single-byte encoding with status 2 (the option
 * contradicts the file). */
byte_source *byte_source_open(int fd, const char *name, text_encoding encoding, int utf16_status);

/* Up to ROOM bytes of UTF-8 text into TARGET (ROOM at least BYTE_SOURCE_MINIMUM_ROOM): returns how
 * many, 0 at the end of the input. A read error is status 3; a damaged or truncated gzip
 * stream status 1, naming the input. */
#define BYTE_SOURCE_MINIMUM_ROOM 4
size_t byte_source_read(byte_source *source, unsigned char *target, size_t room);

/* Does the input come compressed with gzip? */
bool byte_source_is_gzip(const byte_source *source);

/* Free SOURCE (the descriptor stays open: it is the caller's). */
void byte_source_close(byte_source *source);

#endif
