/* record.h: the record layer. A strict CSV reader (a fast path for unquoted records, libcsv
 * for records with quotes) that knows the physical line each record starts on, a writer
 * with minimal quoting and atomic output, and the sink for rejected records. */
#ifndef KOPPEL_RECORD_H
#define KOPPEL_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "encoding.h"

/* One record. Fields are NUL-terminated (a field may also contain no NUL of its own: the
 * reader rejects NUL bytes). Pointers stay valid until the next record_reader_next call. */
typedef struct record_t {
    char **fields;
    size_t *lengths;
    size_t count;
    long line;      /* physical line (1-based) where the record starts */
    const char *raw; /* the record's original bytes, without its line terminator */
    size_t raw_length;
} record_t;

typedef struct record_reader record_reader;
typedef struct record_writer record_writer;
typedef struct reject_sink reject_sink;

/* Called by the reader for a structurally bad record (wrong field count, quote errors,
 * NUL byte, invalid UTF-8, bare CR). RECORD has the fields that could be split (possibly
 * none) and the raw bytes. REASON never contains data values. */
typedef void (*record_bad_handler)(void *context, record_reader *reader, const record_t *record,
                                   const char *reason);

/* Open PATH ("-" or NULL: stdin), a table given with an option (rules, lookups, a standard
 * population), and read the header. Dies (status 1) on an empty input, a bad header or
 * duplicate column names, status 3 on I/O errors. Input compressed with gzip is decompressed;
 * UTF-16 is refused (status 2, a configuration error, with how to convert it). */
record_reader *record_reader_open(const char *path, char delimiter, record_bad_handler on_bad,
                                  void *handler_context);
/* The same for input data in ENCODING, converted to UTF-8 as it is read (bytes the encoding
 * leaves undefined make a bad record); UTF-16 is refused with status 1 (bad input data). */
record_reader *record_reader_open_encoded(const char *path, char delimiter, text_encoding encoding,
                                          record_bad_handler on_bad, void *handler_context);

/* For the bad-record handler: a hint on how the file may be meant to be read (its encoding, its
 * delimiter) that goes with the record being handled, or NULL. Each hint comes once per file. */
const char *record_reader_take_hint(record_reader *reader);

/* The next good record: returns true with *RECORD set, or false at the end of input. Bad
 * records go to the handler and are skipped. Records are counted in *COUNTER (if set). */
bool record_reader_next(record_reader *reader, const record_t **record);

const record_t *record_reader_header(const record_reader *reader);
const char *record_reader_name(const record_reader *reader); /* "-" for stdin */
void record_reader_set_counter(record_reader *reader, uint64_t *counter);
void record_reader_close(record_reader *reader);

/* Index of the column NAME in the header, or -1. */
long record_reader_find_column(const record_reader *reader, const char *name);

/* Index of the column NAME; a missing column is a usage error (status 2) that lists the
 * columns that exist. OPTION names the option that asked for it, for the message. */
size_t record_reader_column(const record_reader *reader, const char *name, const char *option);

/* Writer: PATH NULL or "-" writes stdout; otherwise a temporary file beside PATH that
 * record_writer_close renames into place. Write errors die with status 3; a closed pipe
 * exits quietly with status 0. */
record_writer *record_writer_open(const char *path, char delimiter);
void record_writer_record(record_writer *writer, char *const *fields, const size_t *lengths,
                          size_t count);
/* Append COUNT fields to the record being built (faster than one call per field, most of
 * all for fields that lie one after another in memory, as a record read has them). */
void record_writer_fields(record_writer *writer, char *const *fields, const size_t *lengths,
                          size_t count);
/* Build a record field by field: record_writer_field (…) then record_writer_end. */
void record_writer_field(record_writer *writer, const char *text, size_t length);
void record_writer_field_str(record_writer *writer, const char *text);
void record_writer_end(record_writer *writer);
/* Write BYTES as they are, with no delimiter, quoting or record count: for deliberately
 * malformed output (koppel synth --dirty: CRLF line ends, an unterminated quote). */
void record_writer_raw(record_writer *writer, const char *bytes, size_t length);
/* Records written so far (record_writer_end calls), the header included. */
uint64_t record_writer_records(const record_writer *writer);
void record_writer_close(record_writer *writer);
/* The first half of record_writer_close: write out, sync and close the temporary (errors die
 * with status 3 and remove it), but leave the rename to record_writer_close. A run with several
 * outputs finishes writing all of them before it puts any in place: all or nothing. */
void record_writer_finish_writing(record_writer *writer);
/* The output holds identifiers: readable by its owner alone (0600, or the replaced file's mode
 * without group and other bits). A named device or pipe is left as it is. */
void record_writer_private(record_writer *writer);
/* Close and remove a half-written output (for error paths that do not exit). */
void record_writer_abandon(record_writer *writer);

/* Rejects file: the input's columns, then reject_line, reject_reason and reject_raw (the
 * original bytes of a record that could not be split into the header's fields). */
reject_sink *reject_sink_open(const char *path, char delimiter);
void reject_sink_write(reject_sink *sink, const record_reader *reader, const record_t *record,
                       const char *reason);
/* Fix the rejects file's columns to HEADER's (the first input's), even if nothing is rejected. */
void reject_sink_register(reject_sink *sink, const record_t *header);
uint64_t reject_sink_count(const reject_sink *sink);
/* Write out the rejects file without putting it in place (see record_writer_finish_writing). */
void reject_sink_finish_writing(reject_sink *sink);
void reject_sink_close(reject_sink *sink);
/* The rejects hold identifiers the filter would have removed (raw BSNs): see record_writer_private. */
void reject_sink_private(reject_sink *sink);

/* Does TEXT of LENGTH need quoting with DELIMITER (delimiter, quote, CR or LF)? */
bool record_field_needs_quotes(const char *text, size_t length, char delimiter);

#endif
