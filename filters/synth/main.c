/* synth/main.c: koppel synth — realistic synthetic sources for the demo, the tests and the benchmarks:
 * usage, options, and the run from the seed to the files, one person at a time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "koppel.h"
#include "message.h"
#include "number.h"
#include "country.h"
#include "synth.h"

static const char usage[] =
    "Usage: koppel synth --out DIR [--persons N] [--seed S] [OPTIONS]\n"
    "Write realistic synthetic sources: population register, Wmo, Wlz, GP patients, episodes,\n"
    "contacts and the practices' deliveries, health insurance claims; or, with --country, the\n"
    "municipal Wmo sources of a whole country (GMSD and CAK):\n"
    "  koppel synth --country --out DIR [--municipalities N] [--scale F] [--seed S] [OPTIONS]\n"
    "\n"
    "Writes eleven CSV files into DIR, each atomically (temporary file + rename): persons.csv,\n"
    "wmo.csv, wlz.csv, gp_practices.csv, gp_patients.csv, gp_episodes.csv, gp_contacts.csv,\n"
    "gp_referrals.csv, insured.csv, insurer_deliveries.csv and claims.csv,\n"
    "for a city like Amsterdam (GM0363, its districts, wijken and buurten) over the study years.\n"
    "Persons are generated one by one and written at once, so memory does not grow with the size\n"
    "of the run. The same options and seed give byte-identical files (GSL's mt19937 generator,\n"
    "plain IEEE double arithmetic: the same on any machine).\n"
    "\n"
    "Options:\n"
    "      --out DIR          directory to write into (created when missing); required\n"
    "      --persons N        persons ever registered in the city during the study years, i.e.\n"
    "                         the rows of persons.csv (default 10000, at most 50000000); about\n"
    "                         62% of them are residents on the first day (the rest are born or\n"
    "                         move in later)\n"
    "      --seed S           seed of the random generator, 0 to 4294967295 (default 1)\n"
    "      --years A-B        study years (default 2017-2023; at most 40 years)\n"
    "      --gp-coverage F    share of residents registered with a participating GP practice\n"
    "                         (0 to 0.5, default 0.10); about 19 practices per 923,000\n"
    "                         residents, at least 3; besides them about 12% more patients\n"
    "                         live outside the city\n"
    "      --dirty RATE       inject the faults of real deliveries (see Faults), each row fault\n"
    "                         at about RATE of the rows it can apply to (default 0: clean data;\n"
    "                         at most 0.05)\n"
    "      --truth FILE       write the parameters that generated the data as CSV with columns\n"
    "                         model,parameter,level,value (planted rate ratios, targets)\n"
    "      --output-delimiter C  field delimiter of the files written (default ',')\n"
    "      --stats FILE       append one JSON object: records written per file and the faults\n"
    "                         injected per kind (records_in is 0: synth reads nothing)\n"
    "The options -d, -o and --rejects of other filters do not apply and are refused.\n"
    "\n"
    "Country mode (--country; --persons and --gp-coverage do not apply):\n"
    "      --country          write the municipal sources of a study of wijkteams: all\n"
    "                         municipalities of a country, their population by month, municipal\n"
    "                         Wmo decisions (GMSD) and CAK care periods, over --years (default\n"
    "                         2015-2017)\n"
    "      --municipalities N number of municipalities (default 340, 10 to 1000)\n"
    "      --scale F          factor on every municipality's population (default 1: about 16\n"
    "                         million inhabitants; 0.0001 to 2); at least 100 inhabitants each\n"
    "\n"
    "Files and columns (dates YYYY-MM-DD; an empty field is missing, or for an end: still open):\n"
    "  persons.csv      one row per person ever registered in the city in the study years:\n"
    "                   bsn (9 digits, elfproef), birth_date, sex (M, F), postcode (1011AB),\n"
    "                   house_number, gemeente_code (GM0363), wijk_code (WK0363xx), buurt_code\n"
    "                   (BU0363xxyy), district (Centrum, Nieuw-West, Noord, Oost, West, Zuid,\n"
    "                   Zuidoost, Westpoort), household_type (single, couple, couple_children,\n"
    "                   single_parent, other, institution), migration_background (dutch,\n"
    "                   western, moroccan, turkish, surinamese, antillean, other_non_western),\n"
    "                   ses_quintile (1 lowest to 5), registration_start, registration_end,\n"
    "                   death_date\n"
    "  wmo.csv          one row per provision period: bsn, gemeente_code, provision_code (the\n"
    "                   city's own product code), provision_type (household_help,\n"
    "                   individual_support, day_activities, personal_care, short_stay,\n"
    "                   housing_adaptation, transport, wheelchair, other_aids, sheltered_housing,\n"
    "                   shelter), start_date, end_date, delivery (in_kind, pgb)\n"
    "  wlz.csv          one row per stay in a Wlz institution: bsn, start_date, end_date,\n"
    "                   setting (institution); every resident of household type institution\n"
    "                   lives there while registered in the city\n"
    "  gp_practices.csv one row per participating practice and study year: practice_id, year,\n"
    "                   data_quality (sufficient, insufficient), missing_from, missing_to (the\n"
    "                   whole months without contacts delivered in an insufficient year; about\n"
    "                   8% of practice-years), delivers_referrals (yes for about a quarter)\n"
    "  gp_patients.csv  one row per registration with a practice: bsn, practice_id (P001...),\n"
    "                   birth_date, sex, postcode, registration_start, registration_end,\n"
    "                   registration_end_reason (death, left; empty while registered); includes\n"
    "                   practice changes, some double registrations, and patients living outside\n"
    "                   the city (who are not in persons.csv)\n"
    "  gp_episodes.csv  one row per disease episode per practice: bsn, practice_id, episode_id,\n"
    "                   icpc (e.g. T90, or with a Dutch sub-code T90.02), start_date, end_date\n"
    "  gp_contacts.csv  one row per contact: bsn, practice_id, contact_date, contact_type\n"
    "                   (consult, visit, phone, email, vaccination, group, other), provider (gp,\n"
    "                   poh_s, poh_ggz), icpc (the code of one of the patient's episodes, a\n"
    "                   general code, or empty)\n"
    "  gp_referrals.csv one row per referral to a medical specialist, from the practices that\n"
    "                   deliver them: bsn, practice_id, referral_date, specialism (cardiology,\n"
    "                   orthopaedics, ..., ggz: mental health care), icpc (as for contacts)\n"
    "  insured.csv      one row per resident and study year registered in the city for a day\n"
    "                   (everyone is insured under the Zvw): bsn, year, insurer_id (Z01 ... Z09;\n"
    "                   kept from year to year, changed on 1 January now and then)\n"
    "  insurer_deliveries.csv  one row per insurer and study year: insurer_id, year, delivery\n"
    "                   (complete, incomplete: about one insurer in nine a year, at least one\n"
    "                   in the run; about 40% of such a year's claims are missing)\n"
    "  claims.csv       one row per declaration, a person's rows together by start_date: bsn,\n"
    "                   insurer_id (of the year of start_date), law (zvw; wlz for the district\n"
    "                   nursing of Wlz residents), discipline (physio, exercise, skin, dietetics,\n"
    "                   occupational, hospital, mental_basic, mental_specialist,\n"
    "                   district_nursing, primary_stay, hap, seh), declaration_code (paramedical\n"
    "                   1000 session, 1001 session for a CVA, 1002 intake; hospital OUT, ADM,\n"
    "                   DAY; others 0100), start_date, end_date (= start_date for a session;\n"
    "                   hospital subtrajects up to 120 days, periods up to 90), diagnosis_code\n"
    "                   (physio, exercise: DCSPH 3120; dietetics: DIET 04.02; hospital: DBC\n"
    "                   0313.221; hap: ICPC; seh: ICD10 U07.1; empty for the others); the\n"
    "                   codes are illustrative, not the official Zorginstituut/Vektis lists\n"
    "Files of --country (months YYYY-MM):\n"
    "  municipalities.csv  one row per municipality: gemeente_code (GMxxxx), name (synthetic),\n"
    "                   population (first month), share_65plus, wijkteam (0, 1), wijkteam_since\n"
    "                   (YYYY-MM, empty without), merged_into (the absorbing code, for one merged\n"
    "                   away), merger_date (1 January; on both sides of a herindeling),\n"
    "                   gmsd_delivered and cak_delivered (the study years delivered, separated\n"
    "                   by spaces), category_change (YYYY-MM from which support went under another\n"
    "                   product code, or empty)\n"
    "  population.csv   the register by month: gemeente_code, month, age_group (65plus,\n"
    "                   under65; age on the first of the month), inhabitants; a municipality\n"
    "                   merged away has no rows from its merger month, the absorbing one counts\n"
    "                   its inhabitants\n"
    "  gmsd.csv         one row per decision (beschikking): bsn, gemeente_code, product_code,\n"
    "                   start_date, end_date (empty: open), birth_date\n"
    "  cak.csv          one row per client, product and four-week care period: bsn,\n"
    "                   gemeente_code, year, period (1 to 13; the 13th runs to 31 December),\n"
    "                   product_code, hours, birth_date; most clients of its outcome are GMSD\n"
    "                   clients of the municipality too (same bsn and birth_date)\n"
    "  municipality_crosswalk.csv  every code to its code in the last study year:\n"
    "                   gemeente_code, boundary_year, boundary_gemeente_code, merger_date\n"
    "                   (synthetic municipalities, so written here, not shipped)\n"
    "Product codes map to categories and outcomes with share/koppel/rules/gmsd-products.csv,\n"
    "gmsd-categories.csv, cak-products.csv and cak-categories.csv. --truth writes the planted\n"
    "rates and the expected group means and difference-in-differences they imply.\n"
    "\n"
    "The planted models (who is registered, who gets Wmo, conditions, contacts, claims) are in\n"
    "README.md (koppel synth); --truth writes their parameters.\n"
    "\n"
    "Faults (--dirty RATE; a row gets at most one; --stats counts each kind as fault_<kind>):\n"
    "  row faults, each at about RATE:  bsn_8_digits (leading zero lost: on BSNs that begin\n"
    "  with 0, at 10*RATE of those), bsn_separators (spaces or dots), bsn_elfproef (fails it),\n"
    "  bsn_empty, duplicate_row, same_person_different_data (persons, gp_patients: a second row\n"
    "  for the same BSN with another birth date), date_dmy (one date as DD-MM-YYYY),\n"
    "  end_before_start, icpc_case_padding (' t90 '), icpc_not_icpc (E11.9, J45, ...),\n"
    "  too_few_fields, too_many_fields. insured.csv and claims.csv get them too (the code faults\n"
    "  on diagnosis_code); insurer_deliveries.csv and gp_practices.csv stay clean.\n"
    "  file faults, once each:  a UTF-8 byte-order mark (persons.csv), CRLF line ends\n"
    "  (gp_patients.csv), an unterminated quote in the last record of wmo.csv (it would swallow\n"
    "  what follows), and one practice (the last) delivering its contacts with ';' as the\n"
    "  delimiter, in gp_contacts_practice_<id>.csv instead of gp_contacts.csv.\n"
    "  With --country: the row faults on gmsd.csv and cak.csv (same_person_different_data\n"
    "  there too); no file faults, and the other files stay clean.\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  koppel synth --persons 20000 --seed 7 --out data\n"
    "  koppel synth --persons 20000 --dirty 0.01 --truth dirty/truth.csv --out dirty\n"
    "  koppel synth --persons 1000000 --out big --stats synth.json\n"
    "  koppel synth --country --seed 3 --truth nl/truth.csv --out nl\n"
    "  koppel select --eq provision_type=household_help data/wmo.csv | head\n";

enum { OPT_OUT = OPT_FILTER_BASE, OPT_PERSONS, OPT_SEED, OPT_YEARS, OPT_GP_COVERAGE, OPT_DIRTY,
       OPT_TRUTH, OPT_COUNTRY, OPT_MUNICIPALITIES, OPT_SCALE };

static const struct option long_options[] = {
    {"out", required_argument, NULL, OPT_OUT},
    {"persons", required_argument, NULL, OPT_PERSONS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"years", required_argument, NULL, OPT_YEARS},
    {"gp-coverage", required_argument, NULL, OPT_GP_COVERAGE},
    {"dirty", required_argument, NULL, OPT_DIRTY},
    {"truth", required_argument, NULL, OPT_TRUTH},
    {"country", no_argument, NULL, OPT_COUNTRY},
    {"municipalities", required_argument, NULL, OPT_MUNICIPALITIES},
    {"scale", required_argument, NULL, OPT_SCALE},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

/* ================================================================ options */

static double parse_share(const koppel_context *ctx, const char *option, const char *text, double most)
{
    double value;
    if (!number_parse_double(text, strlen(text), &value) || value < 0 || value > most)
        koppel_usage_error(ctx, "%s expects a number from 0 to %g, got '%s'", option, most, text);
    return value;
}

static uint64_t parse_count(const koppel_context *ctx, const char *option, const char *text,
                            int64_t least, int64_t most)
{
    int64_t value;
    if (!number_parse_int64(text, strlen(text), &value) || value < least || value > most)
        koppel_usage_error(ctx, "%s expects a whole number from %lld to %lld, got '%s'", option,
                           (long long)least, (long long)most, text);
    return (uint64_t)value;
}

static void parse_years(const koppel_context *ctx, const char *text, synth_options *options)
{
    int first, last, used = 0;
    if (sscanf(text, "%4d-%4d%n", &first, &last, &used) != 2 || used != (int)strlen(text) ||
        first < 1900 || last > 2100 || last < first || last - first + 1 > MAX_YEARS)
        koppel_usage_error(ctx, "--years expects FIRST-LAST such as 2017-2023 (at most %d years "
                                "between 1900 and 2100), got '%s'", MAX_YEARS, text);
    options->first_year = first;
    options->last_year = last;
}

/* Which options belong to one mode only, to refuse them in the other. */
typedef struct mode_options {
    const char *city_only, *country_only;
    bool years;
} mode_options;

static void check_mode(const koppel_context *ctx, synth_options *options, const mode_options *given)
{
    if (options->country && given->city_only)
        koppel_usage_error(ctx, "%s does not apply with --country", given->city_only);
    if (!options->country && given->country_only)
        koppel_usage_error(ctx, "%s needs --country", given->country_only);
    if (options->country && !given->years) {
        options->first_year = 2015;
        options->last_year = 2017;
    }
}

static void parse_options(koppel_context *ctx, synth_options *options, int argc, char **argv)
{
    int opt;
    mode_options given = {NULL, NULL, false};
    while ((opt = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS, long_options, NULL)) != -1) {
        if (koppel_common_option(ctx, opt, optarg))
            continue;
        switch (opt) {
        case OPT_OUT:
            options->out_dir = optarg;
            break;
        case OPT_PERSONS:
            options->persons = parse_count(ctx, "--persons", optarg, 1, 50000000);
            given.city_only = "--persons";
            break;
        case OPT_SEED:
            options->seed = (unsigned long)parse_count(ctx, "--seed", optarg, 0, 4294967295LL);
            break;
        case OPT_YEARS:
            parse_years(ctx, optarg, options);
            given.years = true;
            break;
        case OPT_GP_COVERAGE:
            options->gp_coverage = parse_share(ctx, "--gp-coverage", optarg, 0.5);
            given.city_only = "--gp-coverage";
            break;
        case OPT_DIRTY:
            options->dirty = parse_share(ctx, "--dirty", optarg, MAX_DIRTY);
            break;
        case OPT_TRUTH:
            options->truth_path = optarg;
            break;
        case OPT_COUNTRY:
            options->country = true;
            break;
        case OPT_MUNICIPALITIES:
            options->municipalities = (int)parse_count(ctx, "--municipalities", optarg, 10, MAX_MUNICIPALITIES);
            given.country_only = "--municipalities";
            break;
        case OPT_SCALE:
            options->scale = parse_share(ctx, "--scale", optarg, 2);
            if (options->scale < 0.0001)
                koppel_usage_error(ctx, "--scale expects a number from 0.0001 to 2, got '%s'", optarg);
            given.country_only = "--scale";
            break;
        }
    }
    check_mode(ctx, options, &given);
    if (optind < argc)
        koppel_usage_error(ctx, "synth reads no input files (got '%s')", argv[optind]);
    if (ctx->output_path || ctx->rejects_path || ctx->delimiter != ',')
        koppel_usage_error(ctx, "synth reads nothing and writes into --out DIR: "
                                "-o, --rejects and -d do not apply");
    if (!options->out_dir)
        koppel_usage_error(ctx, "--out DIR is required");
}

/* --truth and --stats are files of their own, not one of the data files in DIR (one would
 * replace the other, or the stats be appended to a table). */
static void check_distinct_outputs(const koppel_context *ctx, const synth_options *options)
{
    int first = options->country ? FILE_COUNT : 0, last = options->country ? FILE_ALL : FILE_COUNT;
    int count = last - first;
    const char *names[FILE_ALL + 2] = {"--truth", "--stats"};
    const char *paths[FILE_ALL + 2] = {options->truth_path, ctx->stats_path};
    char *data_paths[FILE_ALL];
    for (int i = 0; i < count; i++) {
        data_paths[i] = data_file_path(options->out_dir, layouts[first + i].name);
        names[2 + i] = "--out DIR";
        paths[2 + i] = data_paths[i];
    }
    koppel_distinct_outputs(ctx, (size_t)count + 2, names, paths);
    for (int i = 0; i < count; i++)
        free(data_paths[i]);
}

/* ================================================================ the run */

static double seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + now.tv_nsec / 1e9;
}

/* On a terminal: persons per second, now and then. */
static void show_progress(const koppel_context *ctx, uint64_t done, double started, double *last)
{
    if (!ctx->progress_on || (done & 0xFFFF) != 0)
        return;
    double seconds = seconds_now();
    if (seconds - *last < 1.0)
        return;
    *last = seconds;
    fprintf(stderr, "\rkoppel-synth: %llu persons, %.0f persons/s   ", (unsigned long long)done,
            seconds > started ? (double)done / (seconds - started) : 0.0);
}

static void synthesise_persons(const koppel_context *ctx, synth *s)
{
    double started = seconds_now(), last = started;
    for (uint64_t i = 0; i < s->options.persons; i++) {
        synthesise_person(s);
        show_progress(ctx, i + 1, started, &last);
    }
    if (ctx->progress_on && last > started)
        fputs("\r\033[K", stderr);
}

/* Rows of a file written, without its header. */
static int64_t data_rows(const record_writer *writer)
{
    return (int64_t)record_writer_records(writer) - 1;
}

static void report(koppel_context *ctx, const synth *s)
{
    uint64_t total = 0;
    for (int file = 0; file < FILE_COUNT; file++) {
        koppel_stats_int(ctx, layouts[file].name, data_rows(s->files[file]));
        total += (uint64_t)data_rows(s->files[file]);
    }
    if (s->semicolon_file) {
        koppel_stats_int(ctx, "gp_contacts_semicolon_practice", data_rows(s->semicolon_file));
        total += (uint64_t)data_rows(s->semicolon_file);
    }
    ctx->counts.out = total;
    koppel_stats_int(ctx, "practices", s->practice_count);
    koppel_stats_int(ctx, "outside_patients", (int64_t)s->outside_patients);
    koppel_stats_int(ctx, "contacts_not_delivered", (int64_t)s->contacts_not_delivered);
    koppel_stats_int(ctx, "claims_not_delivered", (int64_t)s->claims_not_delivered);
    koppel_stats_int(ctx, "wmo_person_years_capped", (int64_t)s->wmo_capped_person_years);
    if (s->options.dirty > 0)
        for (int kind = 0; kind < FAULT_KINDS; kind++) {
            char key[64];
            snprintf(key, sizeof key, "fault_%s", fault_names[kind]);
            koppel_stats_int(ctx, key, (int64_t)s->faults[kind]);
        }
}

static void report_country(koppel_context *ctx, const synth *s, const country *c)
{
    uint64_t total = 0;
    for (int file = FILE_COUNT; file < FILE_ALL; file++) {
        koppel_stats_int(ctx, layouts[file].name, data_rows(s->files[file]));
        total += (uint64_t)data_rows(s->files[file]);
    }
    ctx->counts.out = total;
    koppel_stats_int(ctx, "gmsd_outcome_clients", (int64_t)c->clients[SOURCE_GMSD]);
    koppel_stats_int(ctx, "cak_outcome_clients", (int64_t)c->clients[SOURCE_CAK]);
    koppel_stats_int(ctx, "cak_clients_also_in_gmsd", (int64_t)c->linked_clients);
    koppel_stats_int(ctx, "gmsd_decisions_not_delivered", (int64_t)c->decisions_dropped);
    koppel_stats_int(ctx, "cak_rows_not_delivered", (int64_t)c->cak_rows_dropped);
    koppel_stats_int(ctx, "rates_raised_to_floor", (int64_t)c->clamped_rates);
    koppel_stats_int(ctx, "inflows_raised_to_zero", (int64_t)c->clamped_inflows);
    if (s->options.dirty > 0)
        for (int kind = 0; kind < FAULT_ROW_KINDS; kind++) {
            char key[64];
            snprintf(key, sizeof key, "fault_%s", fault_names[kind]);
            koppel_stats_int(ctx, key, (int64_t)s->faults[kind]);
        }
}

/* --country: the municipalities first (their files are small), then municipality by
 * municipality the clients of GMSD and of CAK, each written as they are drawn. */
static void synthesise_country(koppel_context *ctx, synth *s, record_writer *truth)
{
    country c;
    memset(&c, 0, sizeof c);
    c.count = s->options.municipalities;
    draw_municipalities(s, &c);
    make_period_months(s, &c);
    make_product_tables(&c);
    open_country_files(s);
    write_municipalities(s, &c);
    write_population(s, &c);
    write_boundaries(s, &c);
    write_clients(s, &c);
    report_country(ctx, s, &c);
    close_country_files(s);
    if (truth)
        write_country_truth(s, &c, truth);
    free_product_tables(&c);
    free_client_pools(&c);
    free(c.municipalities);
}

int main(int argc, char **argv)
{
    koppel_context ctx;
    synth s;
    memset(&s, 0, sizeof s);
    s.options = (synth_options){NULL, NULL, 10000, 1, 2017, 2023, 0.10, 0, false, 340, 1.0};
    koppel_init(&ctx, "synth", usage);
    parse_options(&ctx, &s.options, argc, argv);
    s.delimiter = ctx.output_delimiter;

    koppel_make_output_directory(&ctx, "--out", s.options.out_dir);
    check_distinct_outputs(&ctx, &s.options);
    /* Opened first, so that a bad --truth path stops the run before any data is written. */
    record_writer *truth = s.options.truth_path ? record_writer_open(s.options.truth_path, ',') : NULL;
    if (s.options.country) {
        set_up_country(&s);
        synthesise_country(&ctx, &s, truth);
        tear_down_country(&s);
        int status = koppel_finish(&ctx);
        message_unregister_temporary(s.options.out_dir);
        return status;
    }
    set_up(&s);
    open_output_files(&s);
    write_practice_deliveries(&s);
    write_insurer_deliveries(&s);
    synthesise_persons(&ctx, &s);
    if (s.options.dirty > 0)
        write_unterminated_quote(&s);
    report(&ctx, &s);
    close_output_files(&s);
    if (truth)
        write_truth(&s, truth);
    tear_down(&s);
    int status = koppel_finish(&ctx);
    /* Every file is in place: the directory made for them is no longer a temporary. */
    message_unregister_temporary(s.options.out_dir);
    return status;
}
