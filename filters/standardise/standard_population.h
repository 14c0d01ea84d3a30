/* standard_population.h: standard population and reference files for standardisation (docs/METHODS.md
 * section 6), loaded strictly and looked up by the values of the strata columns they share
 * with the data; and the stratum keys both sides build. */
#ifndef KOPPEL_STANDARD_POPULATION_H
#define KOPPEL_STANDARD_POPULATION_H

#include <stdbool.h>
#include <stddef.h>
#include <uthash.h>

/* A key is the values of some columns, each followed by a NUL byte (values hold no NUL: the
 * reader rejects it), so that no two different lists of values share a key. */
typedef struct stratum_key {
    char *bytes;
    size_t length, capacity;
} stratum_key;

/* Empty the key; an empty key is still a valid pointer, for memcpy and the hash. */
void stratum_key_reset(stratum_key *key);
void stratum_key_append(stratum_key *key, const char *value, size_t length);
/* The I-th value of a key (I < number of values). */
const char *stratum_key_value(const char *key, size_t index);
/* "age_band=85-89, sex=F": KEY named by the STRATA columns, all of them, or only those marked
 * in JOINED when that is not NULL; written into LABEL, which owns the text. A value that could
 * be an identifier (label_is_showable) is written as "(not shown)". */
const char *stratum_key_label(stratum_key *label, char *const *strata, size_t strata_count,
                              const char *key, const bool *joined);

/* A row of a standard or reference file, by its values of the joined strata columns. */
typedef struct standard_row {
    char *key;
    size_t key_length;
    double weight;     /* standard */
    double events;     /* reference */
    double population; /* reference */
    UT_hash_handle hh;
} standard_row;

/* A standard or reference file: which strata columns it has (joined), and its rows. */
typedef struct standard_table {
    const char *name;   /* for messages; the caller's, kept as given */
    bool *joined;       /* per strata column */
    size_t joined_count;
    standard_row *rows;   /* hash on the key */
    standard_row **order; /* file order */
    size_t row_count;
    double events_total, population_total; /* reference */
} standard_table;

/* What to load. A standard has WEIGHT_COLUMN (a number of 0 or more); a reference (WEIGHT_COLUMN
 * NULL) has EVENTS_COLUMN (0 or more) and POPULATION_COLUMN (above 0). */
typedef struct standard_source {
    const char *path; /* "-": standard input */
    char delimiter;
    const char *name; /* "the standard X", for messages */
    char *const *strata;
    size_t strata_count;
    const char *weight_column;
    const char *events_column, *population_column;
    const char *unjoinable; /* the message when the file has none of the strata columns, or
                               NULL for "NAME has none of the strata columns of --strata" */
} standard_source;

/* Load SOURCE into TABLE (zeroed by the caller). Every problem stops the run: a structurally bad
 * record, a number that is not one, a stratum twice or no rows with status 1; no strata column
 * (or a missing weight, events or population column) with status 2. */
void standard_table_load(standard_table *table, const standard_source *source);
void standard_table_free(standard_table *table);

#endif
