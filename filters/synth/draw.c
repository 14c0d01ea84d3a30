/* draw.c: the arithmetic of ages and study years, and the weighted draws of codes, that the
 * generators of koppel synth share. */
#include "synth.h"

/* The band of AGE among bands beginning at FROM[0] (0) .. FROM[COUNT - 1]. */
size_t band_index(const int *from, size_t count, int age)
{
    size_t band = 0;
    while (band + 1 < count && age >= from[band + 1])
        band++;
    return band;
}

int age_band(int age) { return (int)band_index(band_from, BAND_COUNT, age); }

int year_index(const synth *s, int64_t day)
{
    int i = 0;
    while (i + 1 < s->year_count && day >= s->year_start[i + 1])
        i++;
    return i;
}

/* Age on 1 January of study year YEAR, or 0 for one born in it. */
int age_in_year(const synth *s, const person *p, int year)
{
    return age_on(p->birth, max_day(s->year_start[year], p->birth));
}

/* The part of study year YEAR that FROM..TO (within it) covers. */
double share_of_year(const synth *s, int year, int64_t from, int64_t to)
{
    return (double)(to - from + 1) / (double)(year_end(s, year) - s->year_start[year] + 1);
}

/* Linear interpolation in a curve with knots at ages 0, 10, ..., 100. */
double curve_at(const double curve[CURVE_KNOTS], double age)
{
    if (age <= 0)
        return curve[0];
    if (age >= 100)
        return curve[10];
    int knot = (int)(age / 10);
    double part = (age - knot * 10) / 10;
    return curve[knot] + (curve[knot + 1] - curve[knot]) * part;
}

static bool code_fits(const code_weight *code, int sex, int age)
{
    return (code->sex == ANY || code->sex == sex) && age >= code->age_from && age <= code->age_to;
}

/* A code from CODES that fits SEX and AGE, by weight; NULL when none fits. */
const char *pick_code(gsl_rng *rng, const code_weight *codes, size_t count, int sex, int age)
{
    unsigned long total = 0;
    for (size_t i = 0; i < count && codes[i].code; i++)
        if (code_fits(&codes[i], sex, age))
            total += (unsigned long)codes[i].weight;
    if (total == 0)
        return NULL;
    unsigned long pick = uniform_int(rng, total);
    for (size_t i = 0; i < count && codes[i].code; i++)
        if (code_fits(&codes[i], sex, age)) {
            if (pick < (unsigned long)codes[i].weight)
                return codes[i].code;
            pick -= (unsigned long)codes[i].weight;
        }
    return NULL;
}
