/* encoding.h: the encodings input may be read in (UTF-8, and the single-byte encodings of
 * Dutch and other Western European exports) and their conversion to UTF-8. */
#ifndef KOPPEL_ENCODING_H
#define KOPPEL_ENCODING_H

#include <stdbool.h>
#include <stddef.h>

typedef enum text_encoding {
    ENCODING_UTF8 = 0,
    ENCODING_LATIN1,       /* ISO-8859-1 */
    ENCODING_LATIN9,       /* ISO-8859-15 */
    ENCODING_WINDOWS_1252, /* cp1252 */
} text_encoding;

/* The names --encoding takes (case does not matter), for usage texts. */
#define ENCODING_NAMES "utf-8, latin-1 (iso-8859-1), iso-8859-15 (latin-9), windows-1252 (cp1252)"

/* NAME as --encoding takes it: false when it names no encoding koppel reads. */
bool encoding_from_name(const char *name, text_encoding *encoding);

/* The name messages use: "utf-8", "latin-1", "iso-8859-15", "windows-1252". */
const char *encoding_name(text_encoding encoding);

/* The UTF-8 form of each byte 0x80-0xFF of a single-byte encoding: its length (1 to 3), then
 * its bytes. A byte the encoding leaves undefined has length 1 and is itself: invalid UTF-8,
 * which the reader rejects like any other. */
typedef struct encoding_table {
    unsigned char utf8[128][4];
} encoding_table;

/* The table of ENCODING (not ENCODING_UTF8). */
void encoding_table_fill(encoding_table *table, text_encoding encoding);

/* Convert the LENGTH bytes at SOURCE to UTF-8 at TARGET, as many as fit into ROOM bytes: returns
 * the bytes written and sets *CONSUMED to the bytes of SOURCE converted. ROOM of 3 or more
 * always takes at least one byte. */
size_t encoding_convert(const encoding_table *table, const unsigned char *source, size_t length,
                        unsigned char *target, size_t room, size_t *consumed);

#endif
