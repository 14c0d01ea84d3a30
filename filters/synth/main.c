/* synth/main.c: koppel synth — realistic synthetic sources (population register, Wmo, GP patients,
 * episodes and contacts) for the demo, the tests and the benchmarks: deterministic, streaming,
 * with the faults of real deliveries on demand. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "bsn.h"
#include "date.h"
#include "koppel.h"
#include "message.h"
#include "number.h"

static const char usage[] =
    "Usage: koppel synth --out DIR [--persons N] [--seed S] [OPTIONS]\n"
    "Write realistic synthetic sources: population register, Wmo, GP patients, episodes, contacts.\n"
    "\n"
    "Writes five CSV files into DIR, each atomically (temporary file + rename): persons.csv,\n"
    "wmo.csv, gp_patients.csv, gp_episodes.csv and gp_contacts.csv, for a city like Amsterdam\n"
    "(GM0363, its districts, wijken and buurten) over the study years. Persons are generated one\n"
    "by one and written at once, so memory does not grow with the size of the run. The same\n"
    "options and seed give byte-identical files (GSL's mt19937 generator, plain IEEE double\n"
    "arithmetic: the same on any machine).\n"
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
    "  gp_patients.csv  one row per registration with a practice: bsn, practice_id (P001...),\n"
    "                   birth_date, sex, postcode, registration_start, registration_end; includes\n"
    "                   practice changes, some double registrations, and patients living outside\n"
    "                   the city (who are not in persons.csv)\n"
    "  gp_episodes.csv  one row per disease episode per practice: bsn, practice_id, episode_id,\n"
    "                   icpc (e.g. T90, or with a Dutch sub-code T90.02), start_date, end_date\n"
    "  gp_contacts.csv  one row per contact: bsn, practice_id, contact_date, contact_type\n"
    "                   (consult, visit, phone, email, vaccination, group, other), provider (gp,\n"
    "                   poh_s, poh_ggz), icpc (the code of one of the patient's episodes, a\n"
    "                   general code, or empty)\n"
    "The planted models (who is registered, who gets Wmo, conditions, contacts) are described in\n"
    "README.md (koppel synth); --truth writes their parameters.\n"
    "\n"
    "Faults (--dirty RATE; a row gets at most one; --stats counts each kind as fault_<kind>):\n"
    "  row faults, each at about RATE:  bsn_8_digits (leading zero lost: on BSNs that begin\n"
    "  with 0, at 10*RATE of those), bsn_separators (spaces or dots), bsn_elfproef (fails it),\n"
    "  bsn_empty, duplicate_row, same_person_different_data (persons, gp_patients: a second row\n"
    "  for the same BSN with another birth date), date_dmy (one date as DD-MM-YYYY),\n"
    "  end_before_start, icpc_case_padding (' t90 '), icpc_not_icpc (E11.9, J45, ...),\n"
    "  too_few_fields, too_many_fields.\n"
    "  file faults, once each:  a UTF-8 byte-order mark (persons.csv), CRLF line ends\n"
    "  (gp_patients.csv), an unterminated quote in the last record of wmo.csv (it would swallow\n"
    "  what follows), and one practice (the last) delivering its contacts with ';' as the\n"
    "  delimiter, in gp_contacts_practice_<id>.csv instead of gp_contacts.csv.\n"
    "\n" KOPPEL_COMMON_OPTIONS_HELP
    "\n"
    "Examples:\n"
    "  koppel synth --persons 20000 --seed 7 --out data\n"
    "  koppel synth --persons 20000 --dirty 0.01 --truth dirty/truth.csv --out dirty\n"
    "  koppel synth --persons 1000000 --out big --stats synth.json\n"
    "  koppel select --eq provision_type=household_help data/wmo.csv | head\n";

enum { OPT_OUT = OPT_FILTER_BASE, OPT_PERSONS, OPT_SEED, OPT_YEARS, OPT_GP_COVERAGE, OPT_DIRTY,
       OPT_TRUTH };

static const struct option long_options[] = {
    {"out", required_argument, NULL, OPT_OUT},
    {"persons", required_argument, NULL, OPT_PERSONS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"years", required_argument, NULL, OPT_YEARS},
    {"gp-coverage", required_argument, NULL, OPT_GP_COVERAGE},
    {"dirty", required_argument, NULL, OPT_DIRTY},
    {"truth", required_argument, NULL, OPT_TRUTH},
    KOPPEL_COMMON_LONG_OPTIONS,
    {NULL, 0, NULL, 0},
};

/* ================================================================ the planted world
 * Every number that shapes the data lives in these tables; --truth writes them out.
 * Sources: DOMAIN.md 2.4 (Amsterdam 2017 magnitudes, IZA prevalences), CBS StatLine for the
 * districts' sizes and composition (rounded), the Dutch life table (rounded). */

#define GEMEENTE_CODE "GM0363"
#define MAX_YEARS 40
#define NO_DATE INT64_MAX /* an empty date: still registered, still open, alive */

enum { SEX_M, SEX_F, SEX_COUNT };
static const char *const sex_names[SEX_COUNT] = {"M", "F"};

enum { HOUSEHOLD_SINGLE, HOUSEHOLD_COUPLE, HOUSEHOLD_COUPLE_CHILDREN, HOUSEHOLD_SINGLE_PARENT,
       HOUSEHOLD_OTHER, HOUSEHOLD_INSTITUTION, HOUSEHOLD_COUNT };
static const char *const household_names[HOUSEHOLD_COUNT] = {
    "single", "couple", "couple_children", "single_parent", "other", "institution"};

enum { MIGRATION_DUTCH, MIGRATION_WESTERN, MIGRATION_MOROCCAN, MIGRATION_TURKISH,
       MIGRATION_SURINAMESE, MIGRATION_ANTILLEAN, MIGRATION_OTHER_NON_WESTERN, MIGRATION_COUNT };
static const char *const migration_names[MIGRATION_COUNT] = {
    "dutch", "western", "moroccan", "turkish", "surinamese", "antillean", "other_non_western"};

#define DISTRICT_COUNT 8
#define MAX_POSTCODES 13
typedef struct district_info {
    const char *name;
    double residents;                 /* 2017, rounded: the weight of the district */
    int first_wijk, wijk_count;       /* wijk numbers WK0363xx, xx = first_wijk .. */
    int postcodes[MAX_POSTCODES];     /* its 4-digit postcode areas, 0-terminated */
    double migration[MIGRATION_COUNT]; /* percent */
    double ses[5];                    /* percent in quintiles 1..5 */
    double wmo_rate_ratio;            /* planted, after age, sex, SES, household, migration */
} district_info;

static const district_info districts[DISTRICT_COUNT] = {
    {"Centrum", 86900, 0, 8, {1011, 1012, 1013, 1015, 1016, 1017, 1018},
     {58, 26, 3, 1.5, 3, 1, 7.5}, {12, 15, 18, 25, 30}, 1.10},
    {"Nieuw-West", 151700, 30, 12, {1060, 1061, 1062, 1063, 1064, 1065, 1066, 1067, 1068, 1069},
     {33, 12, 23, 10, 8, 1.5, 12.5}, {35, 25, 18, 13, 9}, 1.20},
    {"Noord", 94800, 80, 10, {1021, 1022, 1023, 1024, 1025, 1026, 1027, 1028, 1031, 1032, 1033, 1034, 1035},
     {47, 12, 10, 5, 10, 2, 14}, {30, 25, 20, 15, 10}, 1.25},
    {"Oost", 133000, 60, 12, {1019, 1086, 1087, 1091, 1092, 1093, 1094, 1095, 1096, 1097, 1098},
     {48, 19, 10, 4, 6, 1.5, 11.5}, {20, 20, 20, 20, 20}, 1.05},
    {"West", 143800, 20, 10, {1051, 1052, 1053, 1054, 1055, 1056, 1057, 1058},
     {50, 20, 12, 5, 4, 1, 8}, {18, 20, 22, 22, 18}, 1.00},
    {"Zuid", 144400, 50, 10, {1071, 1072, 1073, 1074, 1075, 1076, 1077, 1078, 1079, 1081, 1082, 1083},
     {60, 24, 3.5, 2, 3, 1, 6.5}, {8, 12, 18, 27, 35}, 1.00},
    {"Zuidoost", 87900, 90, 7, {1101, 1102, 1103, 1104, 1105, 1106, 1107, 1108},
     {23, 10, 2, 1, 30, 6, 28}, {38, 25, 17, 12, 8}, 1.15},
    {"Westpoort", 200, 10, 1, {1043, 1044, 1045, 1046, 1047},
     {50, 20, 8, 5, 6, 1, 10}, {30, 25, 20, 15, 10}, 1.00},
};

/* Postcode areas around the city where some patients of its practices live (Diemen,
 * Duivendrecht, Landsmeer, Amstelveen, Zaandam, Haarlem). */
static const int outside_postcodes[] = {1111, 1112, 1113, 1115, 1121, 1181, 1182, 1183, 1184, 1185,
                                        1186, 1187, 1501, 1502, 1503, 1504, 1505, 1506, 1507, 1531,
                                        2011, 2012};
/* Letters of Dutch postcodes (F, I, O, Q, U and Y are not used; SA, SD and SS neither). */
static const char postcode_letters[] = "ABCDEGHJKLMNPRSTVWXZ";

/* Age pyramid of a big city on the first day: percent per 5-year band 0-4 .. 100-104. */
#define PYRAMID_BANDS 21
static const double age_pyramid[PYRAMID_BANDS] = {5.5, 4.6, 4.2, 4.6, 8.3, 11.2, 10.0, 8.0, 7.1, 6.9, 6.5,
                                                  5.6, 4.6, 4.1, 3.2, 2.2, 1.4, 0.9, 0.45, 0.12, 0.02};
/* Age of people moving in: percent per band 0-17, 18-24, 25-34, 35-44, 45-64, 65-84. */
static const double mover_age[6] = {12, 28, 35, 12, 9, 4};
static const int mover_age_from[6] = {0, 18, 25, 35, 45, 65}, mover_age_to[6] = {17, 24, 34, 44, 64, 84};

/* Who is in persons.csv, per study year relative to the residents of the first day: births
 * (about 1.15% a year) and people moving in (7.5% a year). */
#define BIRTHS_PER_YEAR 0.0115
#define MOVERS_IN_PER_YEAR 0.075
/* Share of residents on the first day born in the city (registered since birth). */
#define BORN_HERE_CHILD 0.80
#define BORN_HERE_ADULT 0.35
/* A migration background of people moving in: this share are internationals (western). */
#define MOVER_WESTERN 0.15

/* Yearly probability of dying and of moving out, by age (lower bound of the band). */
static const int hazard_age[] = {0, 1, 15, 18, 25, 35, 45, 55, 65, 75, 85, 90};
static const double death_per_year[] = {0.0035, 0.0001, 0.0003, 0.0003, 0.0004, 0.0007, 0.002,
                                        0.005, 0.013, 0.04, 0.11, 0.22};
static const double move_out_per_year[] = {0.04, 0.04, 0.04, 0.08, 0.10, 0.06, 0.03, 0.03, 0.015,
                                           0.012, 0.01, 0.01};
#define HAZARD_BANDS (sizeof hazard_age / sizeof hazard_age[0])

/* Household type by age: percent for <18, 18-24, 25-44, 45-64, 65-79, 80+. */
#define HOUSEHOLD_AGE_BANDS 6
static const int household_age_from[HOUSEHOLD_AGE_BANDS] = {0, 18, 25, 45, 65, 80};
static const double household_by_age[HOUSEHOLD_AGE_BANDS][HOUSEHOLD_COUNT] = {
    {0, 0, 68, 27, 5, 0},
    {30, 10, 32, 12, 15.5, 0.5},
    {42, 24, 24, 4, 5.8, 0.2},
    {34, 25, 28, 7, 5.5, 0.5},
    {42, 46, 4, 2, 4, 2},
    {52, 22, 1, 1, 4, 20},
};
/* SES: a non-western background moves a person one quintile down with this chance, a western
 * one a quintile up (SES-WOA reflects income, education and labour). */
#define SES_DOWN_NON_WESTERN 0.35
#define SES_UP_WESTERN 0.20

/* ---------------------------------------------------------------- Wmo, the planted model
 * P(any provision in year Y) = min(WMO_CAP, base[sex][age band on 1 January Y or birth]
 *   * RR_ses * RR_household * RR_migration * RR_district), a log-linear (log-rate) model.
 * Reference: a man with SES 5, couple household, Dutch background in West or Zuid.
 * Use is persistent: the person's latent uniform is kept from one year to the next with chance
 * WMO_PERSISTENCE, so each year's share is exactly the model's while users stay users. */
enum { BAND_0_17, BAND_18_29, BAND_30_44, BAND_45_54, BAND_55_64, BAND_65_74, BAND_75_84,
       BAND_85_PLUS, BAND_COUNT };
static const int band_from[BAND_COUNT] = {0, 18, 30, 45, 55, 65, 75, 85};
static const char *const band_names[BAND_COUNT] = {"0-17", "18-29", "30-44", "45-54",
                                                   "55-64", "65-74", "75-84", "85+"};
static const double wmo_base[SEX_COUNT][BAND_COUNT] = {
    {0.0026, 0.012, 0.0182, 0.0302, 0.0478, 0.0811, 0.1716, 0.3016},
    {0.0034, 0.0156, 0.0237, 0.0392, 0.0622, 0.1055, 0.2231, 0.3921},
};
static const double wmo_rr_ses[5] = {1.8, 1.5, 1.25, 1.1, 1.0};
static const double wmo_rr_household[HOUSEHOLD_COUNT] = {1.6, 1.0, 0.8, 1.3, 1.1, 0.4};
static const double wmo_rr_migration[MIGRATION_COUNT] = {1.0, 0.8, 1.2, 1.3, 1.5, 1.3, 1.1};
#define WMO_CAP 0.95
#define WMO_PERSISTENCE 0.75
#define WMO_TARGET_SHARE_ADULTS 0.087
/* Share of provisions running on the first day that started before the study. */
#define WMO_STARTED_BEFORE 0.70
/* Share of provisions of users in the last year that end within it (the rest run on). */
#define WMO_END_IN_LAST_YEAR 0.25

enum { WMO_HOUSEHOLD_HELP, WMO_INDIVIDUAL_SUPPORT, WMO_DAY_ACTIVITIES, WMO_PERSONAL_CARE,
       WMO_SHORT_STAY, WMO_HOUSING_ADAPTATION, WMO_TRANSPORT, WMO_WHEELCHAIR, WMO_OTHER_AIDS,
       WMO_SHELTERED_HOUSING, WMO_SHELTER, WMO_TYPE_COUNT };
typedef struct provision_info {
    const char *type;
    const char *codes[2]; /* the city's product codes */
    double pgb;           /* share delivered as a personal budget */
    double weight[3];     /* main provision, percent, for age <65, 65-79, 80+ */
    double extra_weight;  /* an extra provision beside the main one */
} provision_info;
static const provision_info provisions[WMO_TYPE_COUNT] = {
    {"household_help", {"HBH-1", "HBH-2"}, 0.10, {18, 38, 44}, 0},
    {"individual_support", {"BG-IND", "BG-IND+"}, 0.12, {34, 16, 10}, 0},
    {"day_activities", {"BG-GRP", "DB-01"}, 0.08, {10, 6, 6}, 10},
    {"personal_care", {"PV-01", "PV-02"}, 0.12, {4, 8, 10}, 12},
    {"short_stay", {"KV-01", "KV-02"}, 0.05, {2, 3, 4}, 6},
    {"housing_adaptation", {"WV-KL", "WV-GR"}, 0.02, {4, 7, 6}, 20},
    {"transport", {"VV-TAXI", "VV-SCOOT"}, 0.02, {6, 12, 12}, 30},
    {"wheelchair", {"RS-HAND", "RS-ELEK"}, 0.02, {2, 5, 6}, 12},
    {"other_aids", {"HM-OV", "HM-OV2"}, 0.02, {3, 3, 2}, 10},
    {"sheltered_housing", {"BW-01", "BW-02"}, 0.15, {10, 2, 0}, 0},
    {"shelter", {"MO-01", "MO-02"}, 0.0, {7, 0, 0}, 0},
};
#define WMO_EXTRA_UNDER_65 0.25
#define WMO_EXTRA_65_PLUS 0.45

/* ---------------------------------------------------------------- GP registration
 * A resident is registered with a participating practice with chance coverage * factor(age):
 * young adults in the city often have no GP of their own, the old nearly always do (the
 * factors average 1 over the residents). */
static const int gp_age_from[] = {0, 18, 25, 35, 45, 65, 80};
static const double gp_age_factor[] = {1.1902, 0.7245, 0.828, 1.1385, 1.2937, 1.242, 0.9832};
#define GP_AGE_BANDS (sizeof gp_age_from / sizeof gp_age_from[0])
#define GP_PATIENTS_PER_PRACTICE 4860.0 /* 923,419 * 0.10 / 19 */
#define GP_MIN_PRACTICES 3
#define GP_OUTSIDE_PER_PATIENT 0.12    /* patients living outside the city, per resident patient */
#define GP_HOME_PRACTICE 0.75          /* chance to choose a practice in one's own district */
#define GP_JOINS_DURING_STUDY 0.06     /* residents of the first day who join later */
#define GP_LEAVES_DURING_STUDY 0.04    /* ... and who leave for a non-participating practice */
#define GP_PRACTICE_CHANGE 0.05        /* patients who change participating practice once */
#define GP_DOUBLE_REGISTRATION 0.012   /* patients also registered with a second practice a while */

/* ---------------------------------------------------------------- conditions (DOMAIN.md 4)
 * ONSET: curve[] is the share with an onset by age 0, 10, ..., 100 (a person's onset age is
 * drawn from it once, so chronic conditions persist and rise with age); the episode stays
 * open. RECURRENT: curve[] is the yearly incidence at those
 * ages; each episode lasts duration_min..duration_max days. */
enum { GROUP_NONE = -1, GROUP_MENTAL, GROUP_CANCER, GROUP_CARDIOVASCULAR, GROUP_FRAIL_ELDERLY,
       GROUP_NECK_BACK, GROUP_OSTEOARTHRITIS, GROUP_DIABETES, GROUP_ASTHMA_COPD,
       GROUP_INTELLECTUAL_DISABILITY, GROUP_COUNT };
static const char *const group_names[GROUP_COUNT] = {
    "mental", "cancer", "cardiovascular", "frail_elderly", "neck_back", "osteoarthritis",
    "diabetes", "asthma_copd", "intellectual_disability"};
/* IZA 2023 prevalence in a GP population (DOMAIN.md 2.4); frail elderly includes age 80+. */
static const double group_target[GROUP_COUNT] = {0.082, 0.107, 0.088, 0.048, 0.125, 0.100, 0.064,
                                                 0.126, 0.0};

enum { MODEL_ONSET, MODEL_RECURRENT };
enum { POH_NONE, POH_S, POH_GGZ };
typedef struct code_weight {
    const char *code;
    int weight;
    int sex;            /* -1 either, else SEX_M or SEX_F */
    int age_from, age_to; /* age at onset */
} code_weight;
#define MAX_CODES 24
typedef struct condition_spec {
    const char *name;
    int group;
    int model;
    double curve[11];
    double female_multiplier;
    int duration_min, duration_max;
    int poh;
    code_weight codes[MAX_CODES];
} condition_spec;

#define ANY -1
static const condition_spec conditions[] = {
    {"anxiety_mood", GROUP_MENTAL, MODEL_RECURRENT,
     {0, 0.0037, 0.0204, 0.0231, 0.0211, 0.0184, 0.0139, 0.0119, 0.0129, 0.0129, 0.0129}, 1.8, 120, 900,
     POH_GGZ, {{"P76", 55, ANY, 0, 120}, {"P74", 40, ANY, 0, 120}, {"P76.01", 5, ANY, 0, 120}}},
    {"psychosis", GROUP_MENTAL, MODEL_ONSET,
     {0, 0, 0.004, 0.009, 0.012, 0.013, 0.014, 0.014, 0.014, 0.014, 0.014}, 0.8, 0, 0,
     POH_GGZ, {{"P72", 60, ANY, 0, 120}, {"P73", 40, ANY, 0, 120}}},
    {"personality", GROUP_MENTAL, MODEL_ONSET,
     {0, 0, 0.004, 0.007, 0.008, 0.008, 0.008, 0.008, 0.008, 0.008, 0.008}, 1.2, 0, 0,
     POH_GGZ, {{"P80", 1, ANY, 0, 120}}},
    {"cancer", GROUP_CANCER, MODEL_ONSET,
     {0, 0.0015, 0.0045, 0.012, 0.0299, 0.0747, 0.1644, 0.299, 0.4335, 0.5083, 0.5083}, 1.0, 0, 0, POH_NONE,
     {{"S77", 22, ANY, 0, 120}, {"S77.02", 8, ANY, 0, 120}, {"X76", 40, SEX_F, 0, 120},
      {"D75", 18, ANY, 0, 120}, {"Y77", 22, SEX_M, 40, 120}, {"R84", 10, ANY, 30, 120},
      {"U76", 5, ANY, 30, 120}, {"B73", 4, ANY, 0, 120}, {"B72", 2, ANY, 0, 120},
      {"B74", 3, ANY, 0, 120}, {"A79", 3, ANY, 0, 120}, {"D74", 2, ANY, 30, 120},
      {"D76", 1, ANY, 30, 120}, {"D77", 2, ANY, 30, 120}, {"L71", 1, ANY, 0, 120},
      {"N74", 1, ANY, 0, 120}, {"R85", 1, ANY, 30, 120}, {"T71", 2, ANY, 0, 120},
      {"U75", 2, ANY, 30, 120}, {"U77", 1, ANY, 30, 120}, {"W72", 1, SEX_F, 18, 45},
      {"X75", 3, SEX_F, 20, 120}, {"X77", 4, SEX_F, 20, 120}, {"Y78", 1, SEX_M, 15, 120}}},
    {"coronary", GROUP_CARDIOVASCULAR, MODEL_ONSET,
     {0, 0, 0, 0.0014, 0.0095, 0.033, 0.0823, 0.1645, 0.2604, 0.3289, 0.3289}, 0.6, 0, 0, POH_S,
     {{"K76", 45, ANY, 0, 120}, {"K74", 30, ANY, 0, 120}, {"K75", 25, ANY, 0, 120}}},
    {"stroke", GROUP_CARDIOVASCULAR, MODEL_ONSET,
     {0, 0, 0, 0.0014, 0.0055, 0.0137, 0.0342, 0.0754, 0.1371, 0.1782, 0.1782}, 0.9, 0, 0, POH_S,
     {{"K90", 40, ANY, 0, 120}, {"K90.03", 20, ANY, 0, 120}, {"K89", 40, ANY, 0, 120}}},
    {"heart_failure", GROUP_CARDIOVASCULAR, MODEL_ONSET,
     {0, 0, 0, 0, 0.0014, 0.0055, 0.0137, 0.0411, 0.096, 0.1782, 0.1782}, 0.9, 0, 0, POH_S,
     {{"K77", 1, ANY, 0, 120}}},
    {"valve", GROUP_CARDIOVASCULAR, MODEL_RECURRENT,
     {0, 0, 0, 0.0002, 0.0006, 0.0013, 0.004, 0.0078, 0.0131, 0.0156, 0.0156}, 1.0, 365, 1800,
     POH_NONE, {{"K83", 70, ANY, 0, 120}, {"K71", 30, ANY, 0, 120}}},
    {"dementia", GROUP_FRAIL_ELDERLY, MODEL_ONSET,
     {0, 0, 0, 0, 0, 0, 0.002, 0.015, 0.07, 0.20, 0.35}, 1.3, 0, 0, POH_NONE,
     {{"P70", 1, ANY, 0, 120}}},
    {"neck_back", GROUP_NECK_BACK, MODEL_RECURRENT,
     {0, 0.0053, 0.0267, 0.0401, 0.0463, 0.0498, 0.0463, 0.0427, 0.0392, 0.0356, 0.0356}, 1.2, 14, 400,
     POH_NONE,
     {{"L03", 30, ANY, 0, 120}, {"L02", 20, ANY, 0, 120}, {"L01", 15, ANY, 0, 120},
      {"L84", 15, ANY, 0, 120}, {"L83", 10, ANY, 0, 120}, {"L86", 7, ANY, 0, 120},
      {"L86.01", 3, ANY, 0, 120}}},
    {"osteoarthritis", GROUP_OSTEOARTHRITIS, MODEL_ONSET,
     {0, 0, 0.0021, 0.0063, 0.0211, 0.0634, 0.1374, 0.2326, 0.3383, 0.4018, 0.4018}, 1.4, 0, 0, POH_NONE,
     {{"L90", 45, ANY, 0, 120}, {"L89", 25, ANY, 0, 120}, {"L91", 30, ANY, 0, 120}}},
    {"diabetes", GROUP_DIABETES, MODEL_ONSET,
     {0, 0.0016, 0.0031, 0.0062, 0.0157, 0.0391, 0.0783, 0.1252, 0.1565, 0.1565, 0.1565}, 0.9, 0, 0, POH_S,
     {{"T90.01", 70, ANY, 0, 29}, {"T90", 30, ANY, 0, 29}, {"T90.02", 60, ANY, 30, 120},
      {"T90", 40, ANY, 30, 120}}},
    {"asthma_copd", GROUP_ASTHMA_COPD, MODEL_ONSET,
     {0, 0.0579, 0.0927, 0.1043, 0.1159, 0.1275, 0.1507, 0.1854, 0.2086, 0.2086, 0.2086}, 1.1, 0, 0, POH_S,
     {{"R96", 100, ANY, 0, 39}, {"R96", 45, ANY, 40, 120}, {"R95", 45, ANY, 40, 120},
      {"R91", 10, ANY, 40, 120}}},
    {"intellectual_disability", GROUP_INTELLECTUAL_DISABILITY, MODEL_ONSET,
     {0, 0.006, 0.008, 0.008, 0.008, 0.008, 0.008, 0.008, 0.008, 0.008, 0.008}, 0.8, 0, 0,
     POH_NONE, {{"P85", 80, ANY, 0, 120}, {"A90", 20, ANY, 0, 120}}},
    {"hypertension", GROUP_NONE, MODEL_ONSET,
     {0, 0, 0.005, 0.02, 0.06, 0.14, 0.25, 0.38, 0.45, 0.50, 0.50}, 1.0, 0, 0, POH_S,
     {{"K86", 80, ANY, 0, 120}, {"K87", 20, ANY, 0, 120}}},
};
#define CONDITION_COUNT (sizeof conditions / sizeof conditions[0])
/* Diabetes is more common with a non-western background and a low SES. */
#define DIABETES_NON_WESTERN 2.0
static const double diabetes_ses[5] = {1.4, 1.2, 1.0, 1.0, 1.0};
/* Episodes of chronic conditions may begin before the study; recurrent ones are drawn from
 * this many years before the first study year, so the 3-year prevalence window is filled. */
#define RECURRENT_YEARS_BEFORE 3

/* ---------------------------------------------------------------- GP contacts, the planted model
 * GP contacts of a patient in a year ~ Poisson(base[sex][age band] * CONDITION_RR^groups
 *   * contact_rr_ses * (Wmo user that year ? contact_rr_wmo[age band] : 1)
 *   * person frailty * year frailty * days registered / 365), frailties Gamma with mean 1
 * (shapes below), so that about 78% of patients see their GP in a year. Vaccinations, POH-S
 * and POH-GGZ contacts come on top. */
static const double contact_base[SEX_COUNT][BAND_COUNT] = {
    {2.4, 1.7, 2.0, 2.4, 3.0, 3.6, 4.4, 5.2},
    {2.4, 3.2, 3.4, 3.4, 3.6, 4.0, 4.6, 5.2},
};
static const double contact_rr_wmo[BAND_COUNT] = {2.2, 2.2, 2.2, 2.0, 2.0, 1.7, 1.5, 1.4};
static const double contact_rr_ses[5] = {1.15, 1.10, 1.05, 1.0, 1.0};
#define CONTACT_RR_PER_CONDITION 1.25
#define CONTACT_FRAILTY_PERSON 1.6 /* gamma shape */
#define CONTACT_FRAILTY_YEAR 2.5
#define CONTACT_TARGET_ANY 0.78
#define CONTACT_EPISODE_CODE 0.5  /* chance that a GP contact carries one of the open episodes' codes */
#define CONTACT_NO_CODE 0.05      /* phone, e-mail or other contacts without a code */
#define VACCINATION_FROM_AGE 60
#define VACCINATION_UPTAKE 0.55
#define POH_S_PER_YEAR 2.2
#define POH_GGZ_PER_YEAR 2.5
#define POH_GGZ_WITHOUT_EPISODE 0.03

enum { CONTACT_CONSULT, CONTACT_VISIT, CONTACT_PHONE, CONTACT_EMAIL, CONTACT_VACCINATION,
       CONTACT_GROUP, CONTACT_OTHER, CONTACT_TYPE_COUNT };
static const char *const contact_type_names[CONTACT_TYPE_COUNT] = {
    "consult", "visit", "phone", "email", "vaccination", "group", "other"};
enum { PROVIDER_GP, PROVIDER_POH_S, PROVIDER_POH_GGZ, PROVIDER_COUNT };
static const char *const provider_names[PROVIDER_COUNT] = {"gp", "poh_s", "poh_ggz"};
/* Contact types per provider, percent (no vaccinations: those are drawn apart); GP visits at
 * home for patients aged 75 and over in the last row. */
static const int contact_type_weight[PROVIDER_COUNT + 1][CONTACT_TYPE_COUNT] = {
    {58, 4, 27, 6, 0, 0, 3},
    {72, 3, 20, 3, 0, 2, 0},
    {66, 4, 14, 6, 0, 10, 0},
    {48, 16, 27, 4, 0, 0, 3},
};
/* Codes of GP contacts that are not about an episode: common complaints outside the IZA
 * conditions (DOMAIN.md 4). */
static const code_weight general_codes[] = {
    {"R74", 10, ANY, 0, 120}, {"R05", 6, ANY, 0, 120}, {"A97", 4, ANY, 0, 120},
    {"S03", 3, ANY, 0, 120},  {"S74", 4, ANY, 0, 120}, {"U71", 5, SEX_F, 0, 120},
    {"H81", 3, ANY, 0, 120},  {"D01", 3, ANY, 0, 120}, {"N01", 3, ANY, 0, 120},
    {"L15", 4, ANY, 0, 120},  {"L17", 2, ANY, 0, 120}, {"A04", 3, ANY, 0, 120},
    {"P06", 2, ANY, 0, 120},  {"R78", 3, ANY, 0, 120}, {"T93", 3, ANY, 30, 120},
    {"K85", 2, ANY, 30, 120}, {"W14", 3, SEX_F, 15, 50}, {"D73", 3, ANY, 0, 120},
    {"F70", 2, ANY, 0, 120},  {"S18", 2, ANY, 0, 120}, {"A85", 1, ANY, 0, 120},
    {"R80", 2, ANY, 0, 120},  {"S88", 2, ANY, 0, 120}, {"H71", 2, ANY, 0, 12},
};
/* POH-GGZ contacts of patients without a mental episode: feelings, not disorders. */
static const code_weight ggz_complaint_codes[] = {
    {"P01", 40, ANY, 0, 120}, {"P03", 35, ANY, 0, 120}, {"P02", 25, ANY, 0, 120}};
#define VACCINATION_CODE "R44"

/* ---------------------------------------------------------------- faults (DOMAIN.md 2.6) */
enum { FAULT_BSN_8_DIGITS, FAULT_BSN_SEPARATORS, FAULT_BSN_ELFPROEF, FAULT_BSN_EMPTY,
       FAULT_DUPLICATE_ROW, FAULT_SAME_PERSON_DIFFERENT_DATA, FAULT_DATE_DMY,
       FAULT_END_BEFORE_START, FAULT_ICPC_CASE_PADDING, FAULT_ICPC_NOT_ICPC,
       FAULT_TOO_FEW_FIELDS, FAULT_TOO_MANY_FIELDS, FAULT_ROW_KINDS,
       FAULT_BYTE_ORDER_MARK = FAULT_ROW_KINDS, FAULT_CRLF, FAULT_UNTERMINATED_QUOTE,
       FAULT_SEMICOLON_PRACTICE, FAULT_KINDS };
static const char *const fault_names[FAULT_KINDS] = {
    "bsn_8_digits", "bsn_separators", "bsn_elfproef", "bsn_empty", "duplicate_row",
    "same_person_different_data", "date_dmy", "end_before_start", "icpc_case_padding",
    "icpc_not_icpc", "too_few_fields", "too_many_fields", "byte_order_mark", "crlf",
    "unterminated_quote", "semicolon_practice"};
static const char *const not_icpc_codes[] = {"E11.9", "J45", "I10", "M54.5", "0000", "ONBEKEND", "T9O"};
#define MAX_DIRTY 0.05

/* ================================================================ files */

enum { FILE_PERSONS, FILE_WMO, FILE_GP_PATIENTS, FILE_GP_EPISODES, FILE_GP_CONTACTS, FILE_COUNT };
#define MAX_FIELDS 16
typedef struct file_layout {
    const char *name; /* also the --stats key, without ".csv" */
    const char *columns[MAX_FIELDS];
    int column_count;
    int dates[4];     /* columns holding dates */
    int date_count;
    int start_column, end_column; /* a period, or -1 */
    int icpc_column;              /* or -1 */
    int birth_column;             /* for the same person twice with other data, or -1 */
} file_layout;

static const file_layout layouts[FILE_COUNT] = {
    {"persons",
     {"bsn", "birth_date", "sex", "postcode", "house_number", "gemeente_code", "wijk_code",
      "buurt_code", "district", "household_type", "migration_background", "ses_quintile",
      "registration_start", "registration_end", "death_date"},
     15, {1, 12, 13, 14}, 4, 12, 13, -1, 1},
    {"wmo",
     {"bsn", "gemeente_code", "provision_code", "provision_type", "start_date", "end_date", "delivery"},
     7, {4, 5}, 2, 4, 5, -1, -1},
    {"gp_patients",
     {"bsn", "practice_id", "birth_date", "sex", "postcode", "registration_start", "registration_end"},
     7, {2, 5, 6}, 3, 5, 6, -1, 2},
    {"gp_episodes", {"bsn", "practice_id", "episode_id", "icpc", "start_date", "end_date"},
     6, {4, 5}, 2, 4, 5, 3, -1},
    {"gp_contacts", {"bsn", "practice_id", "contact_date", "contact_type", "provider", "icpc"},
     6, {2}, 1, -1, -1, 5, -1},
};

/* One output row, built field by field before the faults (if any) are applied. */
#define FIELD_SIZE 48
typedef struct row {
    char field[MAX_FIELDS][FIELD_SIZE];
    int count;
} row;

/* ================================================================ the run */

typedef struct synth_options {
    const char *out_dir;
    const char *truth_path;
    uint64_t persons;
    unsigned long seed;
    int first_year, last_year;
    double gp_coverage;
    double dirty;
} synth_options;

typedef struct person {
    char bsn[10];
    bool resident; /* false: a GP patient living outside the city */
    int sex;
    int64_t birth;
    int64_t registration_start, registration_end; /* in the city; NO_DATE: still registered */
    int64_t death;                                /* NO_DATE: alive at the end */
    int district, wijk, buurt;
    char postcode[7];
    int house_number;
    int household, migration, ses;
    bool wmo[MAX_YEARS]; /* any provision in study year i */
} person;

typedef struct episode {
    const char *icpc;
    int group, poh;
    int64_t start, end; /* end NO_DATE: open */
} episode;

typedef struct registration {
    int practice;
    int64_t start, end;
    bool secondary; /* a double registration beside the main one */
} registration;

typedef struct contact {
    int64_t day;
    int provider, type;
    const char *icpc;
    size_t sequence; /* makes the sort order total, so every libc sorts alike */
} contact;

typedef struct practice {
    char id[16];
    int district;
} practice;

typedef struct synth {
    synth_options options;
    char delimiter;
    gsl_rng *rng;       /* everything in the data */
    gsl_rng *fault_rng; /* the faults only: dirty data is clean data plus faults */
    gsl_ran_discrete_t *pyramid, *mover_age, *district, *entry_kind, *provision_main[3],
        *provision_extra;
    gsl_ran_discrete_t *migration[DISTRICT_COUNT], *ses[DISTRICT_COUNT],
        *household[HOUSEHOLD_AGE_BANDS];
    int year_count;
    int64_t year_start[MAX_YEARS + 1]; /* 1 January of each study year, and of the year after */
    int64_t first_day, last_day;
    record_writer *files[FILE_COUNT];
    record_writer *semicolon_file; /* dirty: the contacts of one practice, with ';' */
    int semicolon_practice;        /* -1 when clean */
    practice *practices;
    int practice_count;
    uint64_t bsn_counter, bsn_offset;
    uint64_t next_episode_id;
    episode *episodes;
    size_t episode_count, episode_capacity;
    contact *contacts;
    size_t contact_count, contact_capacity;
    double year_frailty[MAX_YEARS];
    uint64_t faults[FAULT_KINDS];
    uint64_t wmo_capped_person_years;
    uint64_t outside_patients;
    row row;
} synth;

/* ================================================================ small helpers */

static int64_t min_day(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max_day(int64_t a, int64_t b) { return a > b ? a : b; }

static int64_t day_of(int year, int month, int day)
{
    return date_to_days((date_ymd){year, month, day});
}

/* Whole years as days, on average (for drawing dates, not for ages). */
static int64_t years_as_days(int years) { return (int64_t)years * 36525 / 100; }

static int age_on(int64_t birth, int64_t day)
{
    return date_age_years(date_from_days(birth), date_from_days(day));
}

static bool chance(gsl_rng *rng, double probability)
{
    return gsl_ran_bernoulli(rng, probability > 1 ? 1 : probability) == 1;
}

static unsigned long uniform_int(gsl_rng *rng, unsigned long count)
{
    return count <= 1 ? 0 : gsl_rng_uniform_int(rng, count);
}

/* A day from FROM to TO, both included (TO < FROM gives FROM). */
static int64_t uniform_day(gsl_rng *rng, int64_t from, int64_t to)
{
    return to <= from ? from : from + (int64_t)uniform_int(rng, (unsigned long)(to - from + 1));
}

static int age_band(int age)
{
    int band = 0;
    while (band + 1 < BAND_COUNT && age >= band_from[band + 1])
        band++;
    return band;
}

static size_t band_index(const int *from, size_t count, int age)
{
    size_t band = 0;
    while (band + 1 < count && age >= from[band + 1])
        band++;
    return band;
}

static int year_index(const synth *s, int64_t day)
{
    int i = 0;
    while (i + 1 < s->year_count && day >= s->year_start[i + 1])
        i++;
    return i;
}

static int64_t year_end(const synth *s, int i) { return s->year_start[i + 1] - 1; }

/* Linear interpolation in a curve with knots at ages 0, 10, ..., 100. */
static double curve_at(const double curve[11], double age)
{
    if (age <= 0)
        return curve[0];
    if (age >= 100)
        return curve[10];
    int knot = (int)(age / 10);
    double part = (age - knot * 10) / 10;
    return curve[knot] + (curve[knot + 1] - curve[knot]) * part;
}

/* A code from CODES that fits SEX and AGE, by weight; NULL when none fits. */
static const char *pick_code(gsl_rng *rng, const code_weight *codes, size_t count, int sex, int age)
{
    unsigned long total = 0;
    for (size_t i = 0; i < count && codes[i].code; i++)
        if ((codes[i].sex == ANY || codes[i].sex == sex) && age >= codes[i].age_from &&
            age <= codes[i].age_to)
            total += (unsigned long)codes[i].weight;
    if (total == 0)
        return NULL;
    unsigned long pick = uniform_int(rng, total);
    for (size_t i = 0; i < count && codes[i].code; i++)
        if ((codes[i].sex == ANY || codes[i].sex == sex) && age >= codes[i].age_from &&
            age <= codes[i].age_to) {
            if (pick < (unsigned long)codes[i].weight)
                return codes[i].code;
            pick -= (unsigned long)codes[i].weight;
        }
    return NULL;
}

static void format_day(int64_t day, char *buffer)
{
    if (day == NO_DATE)
        buffer[0] = '\0';
    else
        date_format_iso(date_from_days(day), buffer);
}

static void row_begin(synth *s, int count)
{
    s->row.count = count;
}

static void row_text(synth *s, int index, const char *text)
{
    snprintf(s->row.field[index], FIELD_SIZE, "%s", text);
}

static void row_int(synth *s, int index, long value)
{
    snprintf(s->row.field[index], FIELD_SIZE, "%ld", value);
}

static void row_day(synth *s, int index, int64_t day)
{
    format_day(day, s->row.field[index]);
}

/* ================================================================ BSN
 * Unique without a set: the person counter goes through a bijection of the 8-digit numbers
 * (multiply by a number prime to 10, reverse the digits, multiply again, each modulo 10^8,
 * with a seed-dependent offset), and the elfproef gives the 9th digit; the one in eleven
 * prefixes that has no check digit is skipped. */
#define BSN_SPACE 100000000ULL
#define BSN_MULTIPLIER_1 73939133ULL
#define BSN_MULTIPLIER_2 48271ULL

static uint64_t reverse_eight_digits(uint64_t value)
{
    uint64_t reversed = 0;
    for (int i = 0; i < 8; i++) {
        reversed = reversed * 10 + value % 10;
        value /= 10;
    }
    return reversed;
}

static void next_bsn(synth *s, char out[10])
{
    for (;;) {
        if (s->bsn_counter >= BSN_SPACE)
            message_die(EXIT_USAGE, "too many persons for distinct BSNs");
        uint64_t value = (s->bsn_counter++ * BSN_MULTIPLIER_1 + s->bsn_offset) % BSN_SPACE;
        value = (reverse_eight_digits(value) * BSN_MULTIPLIER_2 + 12345678ULL) % BSN_SPACE;
        char digits[16];
        snprintf(digits, sizeof digits, "%08llu", (unsigned long long)value);
        int check = bsn_check_digit(digits);
        if (check < 0 || (value == 0 && check == 0))
            continue;
        memcpy(out, digits, 8);
        out[8] = (char)('0' + check);
        out[9] = '\0';
        return;
    }
}

/* ================================================================ writing, and the faults
 * Every row goes through emit(). Clean, it is written as it is. Dirty, the fault generator
 * (a random stream of its own) may give it one fault. Faults the writer would quote away are
 * written with record_writer_raw: the CR of CRLF line ends and the unterminated quote. */

static void write_fields(synth *s, int file, const row *r, int count, bool extra_field)
{
    record_writer *writer = s->files[file];
    for (int i = 0; i < count; i++)
        record_writer_field_str(writer, r->field[i]);
    if (extra_field)
        record_writer_field(writer, "", 0);
    if (file == FILE_GP_PATIENTS && s->options.dirty > 0)
        record_writer_raw(writer, "\r", 1);
    record_writer_end(writer);
}

static bool fault_applies(const row *r, const file_layout *layout, int kind)
{
    switch (kind) {
    case FAULT_BSN_8_DIGITS:
        return r->field[0][0] == '0' && strlen(r->field[0]) == 9;
    case FAULT_SAME_PERSON_DIFFERENT_DATA:
        return layout->birth_column >= 0;
    case FAULT_DATE_DMY:
        for (int i = 0; i < layout->date_count; i++)
            if (r->field[layout->dates[i]][0])
                return true;
        return false;
    case FAULT_END_BEFORE_START:
        return layout->start_column >= 0 && r->field[layout->start_column][0];
    case FAULT_ICPC_CASE_PADDING:
    case FAULT_ICPC_NOT_ICPC:
        return layout->icpc_column >= 0 && r->field[layout->icpc_column][0];
    default:
        return true;
    }
}

static int choose_fault(synth *s, const row *r, const file_layout *layout)
{
    for (int kind = 0; kind < FAULT_ROW_KINDS; kind++) {
        if (!fault_applies(r, layout, kind))
            continue;
        /* Only a BSN that begins with 0 can lose it: one in ten. */
        double rate = kind == FAULT_BSN_8_DIGITS ? 10 * s->options.dirty : s->options.dirty;
        if (chance(s->fault_rng, rate))
            return kind;
    }
    return -1;
}

static void shift_iso_date(char *field, int64_t days)
{
    date_ymd date;
    if (date_parse_iso(field, strlen(field), &date))
        format_day(date_to_days(date) + days, field);
}

static void fault_bsn(synth *s, char *bsn, int kind)
{
    if (kind == FAULT_BSN_8_DIGITS) {
        memmove(bsn, bsn + 1, 9);
    } else if (kind == FAULT_BSN_EMPTY) {
        bsn[0] = '\0';
    } else if (kind == FAULT_BSN_ELFPROEF) {
        /* The check digit is unique, so any other last digit fails. */
        int digit = bsn[8] - '0';
        bsn[8] = (char)('0' + (digit + 1 + (int)uniform_int(s->fault_rng, 9)) % 10);
    } else {
        char separator = uniform_int(s->fault_rng, 2) ? '.' : ' ';
        char spaced[16];
        snprintf(spaced, sizeof spaced, "%.3s%c%.3s%c%.3s", bsn, separator, bsn + 3, separator, bsn + 6);
        memcpy(bsn, spaced, 12);
    }
}

static void fault_date_dmy(synth *s, row *r, const file_layout *layout)
{
    int candidates[4], count = 0;
    for (int i = 0; i < layout->date_count; i++)
        if (r->field[layout->dates[i]][0])
            candidates[count++] = layout->dates[i];
    char *field = r->field[candidates[uniform_int(s->fault_rng, (unsigned long)count)]];
    date_ymd date;
    if (date_parse_iso(field, strlen(field), &date))
        snprintf(field, FIELD_SIZE, "%02d-%02d-%04d", date.day, date.month, date.year);
}

static void fault_icpc(synth *s, row *r, const file_layout *layout, int kind)
{
    char *field = r->field[layout->icpc_column];
    if (kind == FAULT_ICPC_NOT_ICPC) {
        size_t count = sizeof not_icpc_codes / sizeof not_icpc_codes[0];
        snprintf(field, FIELD_SIZE, "%s", not_icpc_codes[uniform_int(s->fault_rng, count)]);
        return;
    }
    char lower[FIELD_SIZE];
    size_t length = strlen(field);
    for (size_t i = 0; i <= length; i++)
        lower[i] = (char)(field[i] >= 'A' && field[i] <= 'Z' ? field[i] - 'A' + 'a' : field[i]);
    static const char *const paddings[] = {" %s ", " %s", "%s "};
    snprintf(field, FIELD_SIZE, paddings[uniform_int(s->fault_rng, 3)], lower);
}

static void emit(synth *s, int file)
{
    row *r = &s->row;
    const file_layout *layout = &layouts[file];
    int kind = s->options.dirty > 0 ? choose_fault(s, r, layout) : -1;
    if (kind < 0) {
        write_fields(s, file, r, r->count, false);
        return;
    }
    s->faults[kind]++;
    switch (kind) {
    case FAULT_BSN_8_DIGITS:
    case FAULT_BSN_SEPARATORS:
    case FAULT_BSN_ELFPROEF:
    case FAULT_BSN_EMPTY:
        fault_bsn(s, r->field[0], kind);
        break;
    case FAULT_DUPLICATE_ROW:
        write_fields(s, file, r, r->count, false);
        break;
    case FAULT_SAME_PERSON_DIFFERENT_DATA: {
        write_fields(s, file, r, r->count, false);
        int64_t shift = 1 + (int64_t)uniform_int(s->fault_rng, 30);
        shift_iso_date(r->field[layout->birth_column], uniform_int(s->fault_rng, 2) ? shift : -shift);
        break;
    }
    case FAULT_DATE_DMY:
        fault_date_dmy(s, r, layout);
        break;
    case FAULT_END_BEFORE_START:
        memcpy(r->field[layout->end_column], r->field[layout->start_column], FIELD_SIZE);
        shift_iso_date(r->field[layout->end_column], -1 - (int64_t)uniform_int(s->fault_rng, 365));
        break;
    case FAULT_ICPC_CASE_PADDING:
    case FAULT_ICPC_NOT_ICPC:
        fault_icpc(s, r, layout, kind);
        break;
    case FAULT_TOO_FEW_FIELDS:
        write_fields(s, file, r, r->count - 1, false);
        return;
    case FAULT_TOO_MANY_FIELDS:
        write_fields(s, file, r, r->count, true);
        return;
    }
    write_fields(s, file, r, r->count, false);
}

static void open_files(synth *s)
{
    size_t size = strlen(s->options.out_dir) + 64;
    char *path = xmalloc(size);
    for (int file = 0; file < FILE_COUNT; file++) {
        const file_layout *layout = &layouts[file];
        snprintf(path, size, "%s/%s.csv", s->options.out_dir, layout->name);
        s->files[file] = record_writer_open(path, s->delimiter);
        row_begin(s, layout->column_count);
        for (int i = 0; i < layout->column_count; i++)
            row_text(s, i, layout->columns[i]);
        /* Written raw: as the first bytes of a field the writer would quote the mark (a column
         * name that begins with U+FEFF), and it would no longer be the file's mark. */
        if (s->options.dirty > 0 && file == FILE_PERSONS) {
            record_writer_raw(s->files[file], "\xEF\xBB\xBF", 3);
            s->faults[FAULT_BYTE_ORDER_MARK]++;
        }
        write_fields(s, file, &s->row, layout->column_count, false);
    }
    if (s->options.dirty > 0) {
        s->faults[FAULT_CRLF]++;
        s->semicolon_practice = s->practice_count - 1;
        snprintf(path, size, "%s/gp_contacts_practice_%s.csv", s->options.out_dir,
                 s->practices[s->semicolon_practice].id);
        s->semicolon_file = record_writer_open(path, ';');
        record_writer_record(s->semicolon_file, (char *const *)layouts[FILE_GP_CONTACTS].columns,
                             NULL, (size_t)layouts[FILE_GP_CONTACTS].column_count);
        s->faults[FAULT_SEMICOLON_PRACTICE]++;
    }
    free(path);
}

/* The unterminated quote goes last, since a reader would take everything after it as part
 * of the field. */
static void write_unterminated_quote(synth *s)
{
    char bsn[10], start[16], line[160];
    next_bsn(s, bsn);
    format_day(day_of(s->options.last_year, 3, 1), start);
    char d = s->delimiter;
    snprintf(line, sizeof line, "%s%c%s%c\"%s%c%s%c%s%c%cin_kind", bsn, d, GEMEENTE_CODE, d,
             provisions[WMO_HOUSEHOLD_HELP].codes[0], d, provisions[WMO_HOUSEHOLD_HELP].type, d,
             start, d, d);
    record_writer_raw(s->files[FILE_WMO], line, strlen(line));
    record_writer_end(s->files[FILE_WMO]);
    s->faults[FAULT_UNTERMINATED_QUOTE]++;
}

/* ================================================================ people */

enum { ENTRY_RESIDENT, ENTRY_BORN, ENTRY_MOVED_IN, ENTRY_KINDS };

static int draw_sex(synth *s, int age)
{
    double female = age >= 80 ? 0.65 : age >= 65 ? 0.55 : 0.49;
    return chance(s->rng, female) ? SEX_F : SEX_M;
}

/* A birth date for someone in the age pyramid on day REFERENCE. */
static int64_t draw_birth(synth *s, int64_t reference)
{
    int band = (int)gsl_ran_discrete(s->rng, s->pyramid);
    return uniform_day(s->rng, reference - years_as_days(band * 5 + 5) + 1,
                       reference - years_as_days(band * 5));
}

static void draw_postcode(synth *s, int area, char out[7])
{
    const size_t letters = sizeof postcode_letters - 1;
    char first, second;
    do {
        first = postcode_letters[uniform_int(s->rng, letters)];
        second = postcode_letters[uniform_int(s->rng, letters)];
    } while (first == 'S' && (second == 'A' || second == 'D' || second == 'S'));
    snprintf(out, 7, "%04d%c%c", area, first, second);
}

static void draw_address(synth *s, person *p)
{
    p->district = (int)gsl_ran_discrete(s->rng, s->district);
    const district_info *d = &districts[p->district];
    int wijk_index = (int)uniform_int(s->rng, (unsigned long)d->wijk_count);
    p->wijk = d->first_wijk + wijk_index;
    int buurt_count = 3 + (p->wijk * 7) % 6; /* 3 to 8 buurten, fixed per wijk */
    p->buurt = 1 + (int)uniform_int(s->rng, (unsigned long)buurt_count);
    int areas = 0;
    while (areas < MAX_POSTCODES && d->postcodes[areas])
        areas++;
    /* A buurt lies in one postcode area of its district. */
    draw_postcode(s, d->postcodes[(wijk_index * 3 + p->buurt) % areas], p->postcode);
    p->house_number = chance(s->rng, 0.9) ? 1 + (int)uniform_int(s->rng, 200)
                                          : 201 + (int)uniform_int(s->rng, 400);
}

static void draw_background(synth *s, person *p, bool moved_in)
{
    p->migration = (int)gsl_ran_discrete(s->rng, s->migration[p->district]);
    if (moved_in && chance(s->rng, MOVER_WESTERN))
        p->migration = MIGRATION_WESTERN;
    p->ses = 1 + (int)gsl_ran_discrete(s->rng, s->ses[p->district]);
    if (p->migration >= MIGRATION_MOROCCAN && p->ses > 1 && chance(s->rng, SES_DOWN_NON_WESTERN))
        p->ses--;
    else if (p->migration == MIGRATION_WESTERN && p->ses < 5 && chance(s->rng, SES_UP_WESTERN))
        p->ses++;
}

/* Death or moving out, year by year from FROM_DAY, with the hazards of the person's age. */
static void draw_exit(synth *s, int64_t birth, int64_t from_day, int64_t *death, int64_t *move_out)
{
    *death = *move_out = NO_DATE;
    for (int i = year_index(s, from_day); i < s->year_count; i++) {
        int64_t from = max_day(from_day, s->year_start[i]), to = year_end(s, i);
        if (from > to)
            continue;
        size_t band = band_index(hazard_age, HAZARD_BANDS, age_on(birth, from));
        double share = (double)(to - from + 1) / (double)(to - s->year_start[i] + 1);
        if (chance(s->rng, death_per_year[band] * share)) {
            *death = uniform_day(s->rng, from, to);
            return;
        }
        if (chance(s->rng, move_out_per_year[band] * share)) {
            *move_out = uniform_day(s->rng, from, to);
            return;
        }
    }
}

static void draw_resident(synth *s, person *p)
{
    memset(p, 0, sizeof *p);
    p->resident = true;
    next_bsn(s, p->bsn);
    int entry = (int)gsl_ran_discrete(s->rng, s->entry_kind);
    if (entry == ENTRY_RESIDENT) {
        p->birth = draw_birth(s, s->first_day);
        int age = age_on(p->birth, s->first_day);
        bool born_here = p->birth >= s->first_day - 1 ||
                         chance(s->rng, age < 18 ? BORN_HERE_CHILD : BORN_HERE_ADULT);
        p->registration_start =
            born_here ? p->birth
                      : uniform_day(s->rng, max_day(p->birth, s->first_day - years_as_days(40)),
                                    s->first_day - 1);
    } else if (entry == ENTRY_BORN) {
        p->birth = p->registration_start = uniform_day(s->rng, s->first_day, s->last_day);
    } else {
        p->registration_start = uniform_day(s->rng, s->first_day, s->last_day);
        int band = (int)gsl_ran_discrete(s->rng, s->mover_age);
        int age = mover_age_from[band] +
                  (int)uniform_int(s->rng, (unsigned long)(mover_age_to[band] - mover_age_from[band] + 1));
        p->birth = p->registration_start - years_as_days(age) - (int64_t)uniform_int(s->rng, 365);
    }
    int64_t effective = max_day(p->registration_start, s->first_day);
    int age = age_on(p->birth, effective);
    p->sex = draw_sex(s, age);
    draw_address(s, p);
    draw_background(s, p, entry == ENTRY_MOVED_IN);
    p->household = (int)gsl_ran_discrete(
        s->rng, s->household[band_index(household_age_from, HOUSEHOLD_AGE_BANDS, age)]);
    int64_t move_out;
    draw_exit(s, p->birth, effective, &p->death, &move_out);
    p->registration_end = p->death != NO_DATE ? p->death : move_out;
}

static void write_person(synth *s, const person *p)
{
    row_begin(s, 15);
    row_text(s, 0, p->bsn);
    row_day(s, 1, p->birth);
    row_text(s, 2, sex_names[p->sex]);
    row_text(s, 3, p->postcode);
    row_int(s, 4, p->house_number);
    row_text(s, 5, GEMEENTE_CODE);
    snprintf(s->row.field[6], FIELD_SIZE, "WK0363%02d", p->wijk);
    snprintf(s->row.field[7], FIELD_SIZE, "BU0363%02d%02d", p->wijk, p->buurt);
    row_text(s, 8, districts[p->district].name);
    row_text(s, 9, household_names[p->household]);
    row_text(s, 10, migration_names[p->migration]);
    row_int(s, 11, p->ses);
    row_day(s, 12, p->registration_start);
    row_day(s, 13, p->registration_end);
    row_day(s, 14, p->death);
    emit(s, FILE_PERSONS);
}

/* ================================================================ Wmo */

static bool resident_in_year(const synth *s, const person *p, int i)
{
    return p->registration_start <= year_end(s, i) &&
           (p->registration_end == NO_DATE || p->registration_end >= s->year_start[i]);
}

static double wmo_probability(synth *s, const person *p, int age)
{
    double probability = wmo_base[p->sex][age_band(age)] * wmo_rr_ses[p->ses - 1] *
                         wmo_rr_household[p->household] * wmo_rr_migration[p->migration] *
                         districts[p->district].wmo_rate_ratio;
    if (probability > WMO_CAP) {
        s->wmo_capped_person_years++;
        return WMO_CAP;
    }
    return probability;
}

static void draw_wmo_years(synth *s, person *p)
{
    double latent = 0;
    bool drawn = false;
    for (int i = 0; i < s->year_count; i++) {
        p->wmo[i] = false;
        if (!resident_in_year(s, p, i))
            continue;
        if (!drawn || !chance(s->rng, WMO_PERSISTENCE))
            latent = gsl_rng_uniform(s->rng);
        drawn = true;
        int age = age_on(p->birth, max_day(s->year_start[i], p->birth));
        p->wmo[i] = latent < wmo_probability(s, p, age);
    }
}

static void write_provision(synth *s, const person *p, int type, int64_t start, int64_t end)
{
    const provision_info *info = &provisions[type];
    row_begin(s, 7);
    row_text(s, 0, p->bsn);
    row_text(s, 1, GEMEENTE_CODE);
    row_text(s, 2, info->codes[uniform_int(s->rng, 2)]);
    row_text(s, 3, info->type);
    row_day(s, 4, start);
    row_day(s, 5, end);
    row_text(s, 6, chance(s->rng, info->pgb) ? "pgb" : "in_kind");
    emit(s, FILE_WMO);
}

/* One spell of use, study years A..B: a main provision that covers it all, so that "any
 * provision in year Y" is exactly the model's draw, and perhaps an extra one within it. */
static void write_spell(synth *s, const person *p, int a, int b)
{
    int64_t limit = p->registration_end == NO_DATE ? s->last_day : p->registration_end;
    int64_t start;
    if (a == 0 && p->registration_start < s->first_day && chance(s->rng, WMO_STARTED_BEFORE))
        start = uniform_day(s->rng, max_day(p->registration_start, s->first_day - years_as_days(6)),
                            s->first_day - 1);
    else
        start = uniform_day(s->rng, max_day(p->registration_start, s->year_start[a]),
                            min_day(limit, year_end(s, a)));
    int64_t end;
    if (p->registration_end != NO_DATE && p->registration_end <= year_end(s, b))
        end = p->registration_end; /* ends with death or moving out */
    else if (b == s->year_count - 1)
        end = chance(s->rng, WMO_END_IN_LAST_YEAR)
                  ? uniform_day(s->rng, max_day(start, s->year_start[b]), s->last_day)
                  : NO_DATE;
    else
        end = uniform_day(s->rng, max_day(start, s->year_start[b]), year_end(s, b));
    int age = age_on(p->birth, max_day(start, p->birth));
    int age_group = age >= 80 ? 2 : age >= 65 ? 1 : 0;
    int main_type = (int)gsl_ran_discrete(s->rng, s->provision_main[age_group]);
    write_provision(s, p, main_type, start, end);

    if (!chance(s->rng, age >= 65 ? WMO_EXTRA_65_PLUS : WMO_EXTRA_UNDER_65))
        return;
    int extra_type = (int)gsl_ran_discrete(s->rng, s->provision_extra);
    if (extra_type == main_type)
        return;
    int64_t last = end == NO_DATE ? s->last_day : end;
    int64_t extra_start = uniform_day(s->rng, max_day(start, s->first_day), last);
    int64_t extra_end;
    if (extra_type == WMO_HOUSING_ADAPTATION)
        extra_end = min_day(extra_start + (int64_t)uniform_int(s->rng, 61), last);
    else if (end == NO_DATE && chance(s->rng, 0.5))
        extra_end = NO_DATE;
    else
        extra_end = uniform_day(s->rng, extra_start, last);
    write_provision(s, p, extra_type, extra_start, extra_end);
}

static void write_wmo(synth *s, const person *p)
{
    for (int i = 0; i < s->year_count;) {
        if (!p->wmo[i]) {
            i++;
            continue;
        }
        int a = i;
        while (i < s->year_count && p->wmo[i])
            i++;
        write_spell(s, p, a, i - 1);
    }
}

/* ================================================================ GP practices and patients */

static void make_practices(synth *s)
{
    /* Residents on the first day, from the share of persons.csv that were there already. */
    double years = s->year_count;
    double residents = (double)s->options.persons /
                       (1 + years * BIRTHS_PER_YEAR + years * MOVERS_IN_PER_YEAR);
    int count = (int)(residents * s->options.gp_coverage / GP_PATIENTS_PER_PRACTICE + 0.5);
    s->practice_count = count < GP_MIN_PRACTICES ? GP_MIN_PRACTICES : count;
    s->practices = xcalloc((size_t)s->practice_count, sizeof(practice));
    /* Practices are spread over the districts where people live, largest first. */
    static const int order[] = {1, 5, 4, 3, 2, 6, 0};
    for (int i = 0; i < s->practice_count; i++) {
        snprintf(s->practices[i].id, sizeof s->practices[i].id, "P%03d", i + 1);
        s->practices[i].district = order[i % 7];
    }
}

static int pick_practice(synth *s, int district)
{
    if (district >= 0 && chance(s->rng, GP_HOME_PRACTICE)) {
        int local = 0;
        for (int i = 0; i < s->practice_count; i++)
            local += s->practices[i].district == district;
        if (local > 0) {
            int pick = (int)uniform_int(s->rng, (unsigned long)local);
            for (int i = 0; i < s->practice_count; i++)
                if (s->practices[i].district == district && pick-- == 0)
                    return i;
        }
    }
    return (int)uniform_int(s->rng, (unsigned long)s->practice_count);
}

static int other_practice(synth *s, int practice)
{
    int other = (int)uniform_int(s->rng, (unsigned long)(s->practice_count - 1));
    return other >= practice ? other + 1 : other;
}

/* The registrations of one patient from START to END (NO_DATE: still registered): one
 * practice, perhaps a change of practice, perhaps a while with two practices at once. */
static int draw_registrations(synth *s, int district, int64_t start, int64_t end, registration *out)
{
    int count = 0;
    out[count++] = (registration){pick_practice(s, district), start, end, false};
    int64_t from = max_day(start, s->first_day), to = end == NO_DATE ? s->last_day : end;
    if (to - from > 2 && chance(s->rng, GP_PRACTICE_CHANGE)) {
        int64_t change = uniform_day(s->rng, from + 1, to - 1);
        out[0].end = change - 1;
        out[count++] = (registration){other_practice(s, out[0].practice), change, end, false};
    }
    if (to - from > 60 && chance(s->rng, GP_DOUBLE_REGISTRATION)) {
        int64_t second_from = uniform_day(s->rng, from, to - 30);
        int64_t second_to = min_day(second_from + 30 + (int64_t)uniform_int(s->rng, 271), to);
        int main = count == 2 && second_from >= out[1].start ? out[1].practice : out[0].practice;
        out[count++] = (registration){other_practice(s, main), second_from, second_to, true};
    }
    return count;
}

static void write_registration(synth *s, const person *p, const registration *r)
{
    row_begin(s, 7);
    row_text(s, 0, p->bsn);
    row_text(s, 1, s->practices[r->practice].id);
    row_day(s, 2, p->birth);
    row_text(s, 3, sex_names[p->sex]);
    row_text(s, 4, p->postcode);
    row_day(s, 5, r->start);
    row_day(s, 6, r->end);
    emit(s, FILE_GP_PATIENTS);
}

/* ================================================================ episodes */

static episode *add_episode(synth *s)
{
    if (s->episode_count == s->episode_capacity) {
        s->episode_capacity = s->episode_capacity ? 2 * s->episode_capacity : 32;
        s->episodes = xrealloc(s->episodes, s->episode_capacity * sizeof(episode));
    }
    return &s->episodes[s->episode_count++];
}

static double condition_multiplier(const condition_spec *spec, const person *p)
{
    double multiplier = p->sex == SEX_F ? spec->female_multiplier : 1.0;
    if (spec->group == GROUP_DIABETES) {
        if (p->migration >= MIGRATION_MOROCCAN)
            multiplier *= DIABETES_NON_WESTERN;
        multiplier *= diabetes_ses[p->ses - 1];
    }
    return multiplier;
}

/* A chronic condition: the onset age where the person's uniform meets the (scaled) curve. */
static void draw_onset_episode(synth *s, const condition_spec *spec, const person *p)
{
    double multiplier = condition_multiplier(spec, p);
    double u = gsl_rng_uniform(s->rng);
    double age = -1;
    for (int knot = 0; knot < 10 && age < 0; knot++) {
        double low = spec->curve[knot] * multiplier, high = spec->curve[knot + 1] * multiplier;
        if (u >= low && u < high)
            age = knot * 10 + 10 * (u - low) / (high - low);
    }
    if (age < 0)
        return;
    int64_t onset = p->birth + (int64_t)(age * 365.25);
    if (onset > s->last_day || (p->death != NO_DATE && onset > p->death))
        return;
    const char *code = pick_code(s->rng, spec->codes, MAX_CODES, p->sex, (int)age);
    if (!code)
        return;
    *add_episode(s) = (episode){code, spec->group, spec->poh, onset, NO_DATE};
}

/* A long-term or recurring condition: new episodes year by year at the age's incidence. */
static void draw_recurrent_episodes(synth *s, const condition_spec *spec, const person *p)
{
    double multiplier = condition_multiplier(spec, p);
    int64_t open_until = INT64_MIN;
    int64_t alive_until = p->death == NO_DATE ? s->last_day : p->death;
    for (int year = s->options.first_year - RECURRENT_YEARS_BEFORE; year <= s->options.last_year; year++) {
        int64_t from = max_day(day_of(year, 1, 1), p->birth), to = min_day(day_of(year, 12, 31), alive_until);
        if (from > to)
            continue;
        int age = age_on(p->birth, from);
        if (!chance(s->rng, curve_at(spec->curve, age) * multiplier))
            continue;
        int64_t start = uniform_day(s->rng, from, to);
        if (start <= open_until)
            continue;
        const char *code = pick_code(s->rng, spec->codes, MAX_CODES, p->sex, age);
        if (!code)
            continue;
        int64_t end = start + spec->duration_min +
                      (int64_t)uniform_int(s->rng, (unsigned long)(spec->duration_max - spec->duration_min + 1));
        if (end > alive_until)
            end = p->death != NO_DATE && p->death < s->last_day ? p->death : NO_DATE;
        open_until = end == NO_DATE ? INT64_MAX : end;
        *add_episode(s) = (episode){code, spec->group, spec->poh, start, end};
    }
}

static void draw_episodes(synth *s, const person *p)
{
    s->episode_count = 0;
    for (size_t i = 0; i < CONDITION_COUNT; i++) {
        if (conditions[i].model == MODEL_ONSET)
            draw_onset_episode(s, &conditions[i], p);
        else
            draw_recurrent_episodes(s, &conditions[i], p);
    }
}

static bool episode_overlaps(const episode *e, int64_t from, int64_t to)
{
    return e->start <= to && (e->end == NO_DATE || e->end >= from);
}

/* The practice's record holds the episodes that were open at some time of the registration. */
static void write_episodes(synth *s, const person *p, const registration *r)
{
    int64_t to = r->end == NO_DATE ? s->last_day : r->end;
    for (size_t i = 0; i < s->episode_count; i++) {
        const episode *e = &s->episodes[i];
        if (!episode_overlaps(e, r->start, to))
            continue;
        row_begin(s, 6);
        row_text(s, 0, p->bsn);
        row_text(s, 1, s->practices[r->practice].id);
        snprintf(s->row.field[2], FIELD_SIZE, "%llu", (unsigned long long)++s->next_episode_id);
        row_text(s, 3, e->icpc);
        row_day(s, 4, e->start);
        row_day(s, 5, e->end);
        emit(s, FILE_GP_EPISODES);
    }
}

/* ================================================================ contacts */

static void add_contact(synth *s, int64_t day, int provider, int type, const char *icpc)
{
    if (s->contact_count == s->contact_capacity) {
        s->contact_capacity = s->contact_capacity ? 2 * s->contact_capacity : 64;
        s->contacts = xrealloc(s->contacts, s->contact_capacity * sizeof(contact));
    }
    s->contacts[s->contact_count] = (contact){day, provider, type, icpc, s->contact_count};
    s->contact_count++;
}

static int compare_contacts(const void *a, const void *b)
{
    const contact *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->sequence < y->sequence ? -1 : x->sequence > y->sequence;
}

/* The code of a random episode open on DAY (of the given POH kind, or any with -1). */
static const char *open_episode_code(synth *s, int64_t day, int poh)
{
    size_t count = 0;
    for (size_t i = 0; i < s->episode_count; i++)
        count += episode_overlaps(&s->episodes[i], day, day) && (poh < 0 || s->episodes[i].poh == poh);
    if (count == 0)
        return NULL;
    size_t pick = uniform_int(s->rng, count);
    for (size_t i = 0; i < s->episode_count; i++)
        if (episode_overlaps(&s->episodes[i], day, day) && (poh < 0 || s->episodes[i].poh == poh) &&
            pick-- == 0)
            return s->episodes[i].icpc;
    return NULL;
}

static bool has_open_episode(const synth *s, int64_t from, int64_t to, int poh)
{
    for (size_t i = 0; i < s->episode_count; i++)
        if (s->episodes[i].poh == poh && episode_overlaps(&s->episodes[i], from, to))
            return true;
    return false;
}

static int open_condition_groups(const synth *s, int64_t from, int64_t to)
{
    unsigned groups = 0;
    for (size_t i = 0; i < s->episode_count; i++)
        if (s->episodes[i].group != GROUP_NONE && episode_overlaps(&s->episodes[i], from, to))
            groups |= 1u << s->episodes[i].group;
    int count = 0;
    for (; groups; groups &= groups - 1)
        count++;
    return count;
}

static int draw_contact_type(synth *s, int provider, int age)
{
    const int *weights = contact_type_weight[provider == PROVIDER_GP && age >= 75 ? PROVIDER_COUNT : provider];
    int total = 0;
    for (int i = 0; i < CONTACT_TYPE_COUNT; i++)
        total += weights[i];
    int pick = (int)uniform_int(s->rng, (unsigned long)total);
    for (int i = 0; i < CONTACT_TYPE_COUNT; i++) {
        if (pick < weights[i])
            return i;
        pick -= weights[i];
    }
    return CONTACT_CONSULT;
}

static const char *general_code(synth *s, const person *p, int age)
{
    return pick_code(s->rng, general_codes, sizeof general_codes / sizeof general_codes[0], p->sex, age);
}

static void draw_gp_contacts(synth *s, const person *p, int64_t from, int64_t to, double mean, int age)
{
    unsigned int count = gsl_ran_poisson(s->rng, mean);
    for (unsigned int k = 0; k < count; k++) {
        int64_t day = uniform_day(s->rng, from, to);
        int type = draw_contact_type(s, PROVIDER_GP, age);
        const char *icpc = chance(s->rng, CONTACT_EPISODE_CODE) ? open_episode_code(s, day, -1) : NULL;
        if (!icpc)
            icpc = general_code(s, p, age);
        if (!icpc)
            icpc = "";
        if ((type == CONTACT_PHONE || type == CONTACT_EMAIL || type == CONTACT_OTHER) &&
            chance(s->rng, CONTACT_NO_CODE))
            icpc = "";
        add_contact(s, day, PROVIDER_GP, type, icpc);
    }
}

static void draw_vaccination(synth *s, int year, int64_t from, int64_t to, int age)
{
    if (age < VACCINATION_FROM_AGE)
        return;
    int64_t window_from = max_day(day_of(year, 10, 15), from), window_to = min_day(day_of(year, 11, 30), to);
    if (window_from <= window_to && chance(s->rng, VACCINATION_UPTAKE))
        add_contact(s, uniform_day(s->rng, window_from, window_to), PROVIDER_GP, CONTACT_VACCINATION,
                    VACCINATION_CODE);
}

static void draw_poh_contacts(synth *s, int64_t from, int64_t to, double exposure, int age,
                              int64_t year_from, int64_t year_to)
{
    if (has_open_episode(s, year_from, year_to, POH_S)) {
        unsigned int count = gsl_ran_poisson(s->rng, POH_S_PER_YEAR * exposure);
        for (unsigned int k = 0; k < count; k++) {
            int64_t day = uniform_day(s->rng, from, to);
            const char *icpc = open_episode_code(s, day, POH_S);
            add_contact(s, day, PROVIDER_POH_S, draw_contact_type(s, PROVIDER_POH_S, age), icpc ? icpc : "");
        }
    }
    bool mental = has_open_episode(s, year_from, year_to, POH_GGZ);
    if (mental || (age >= 16 && chance(s->rng, POH_GGZ_WITHOUT_EPISODE))) {
        unsigned int count = gsl_ran_poisson(s->rng, POH_GGZ_PER_YEAR * exposure);
        for (unsigned int k = 0; k < count; k++) {
            int64_t day = uniform_day(s->rng, from, to);
            const char *icpc = mental ? open_episode_code(s, day, POH_GGZ) : NULL;
            if (!icpc)
                icpc = pick_code(s->rng, ggz_complaint_codes, 3, ANY, age);
            add_contact(s, day, PROVIDER_POH_GGZ, draw_contact_type(s, PROVIDER_POH_GGZ, age), icpc);
        }
    }
}

static void write_contacts(synth *s, const person *p, const registration *r)
{
    if (s->contact_count == 0)
        return;
    record_writer *semicolon = r->practice == s->semicolon_practice ? s->semicolon_file : NULL;
    qsort(s->contacts, s->contact_count, sizeof(contact), compare_contacts);
    for (size_t k = 0; k < s->contact_count; k++) {
        const contact *c = &s->contacts[k];
        row_begin(s, 6);
        row_text(s, 0, p->bsn);
        row_text(s, 1, s->practices[r->practice].id);
        row_day(s, 2, c->day);
        row_text(s, 3, contact_type_names[c->type]);
        row_text(s, 4, provider_names[c->provider]);
        row_text(s, 5, c->icpc);
        if (semicolon) {
            for (int i = 0; i < 6; i++)
                record_writer_field_str(semicolon, s->row.field[i]);
            record_writer_end(semicolon);
        } else
            emit(s, FILE_GP_CONTACTS);
    }
}

/* The contacts of one registration, year by year. */
static void registration_contacts(synth *s, const person *p, const registration *r, double person_frailty)
{
    int64_t registered_to = r->end == NO_DATE ? s->last_day : r->end;
    for (int i = 0; i < s->year_count; i++) {
        int64_t from = max_day(max_day(r->start, s->year_start[i]), p->birth);
        int64_t to = min_day(registered_to, year_end(s, i));
        if (from > to)
            continue;
        s->contact_count = 0;
        double exposure = (double)(to - from + 1) / (double)(year_end(s, i) - s->year_start[i] + 1);
        int age = age_on(p->birth, max_day(s->year_start[i], p->birth));
        int band = age_band(age);
        if (r->secondary) {
            /* A few contacts at the second practice. */
            draw_gp_contacts(s, p, from, to, 0.8 * exposure, age);
        } else {
            double mean = contact_base[p->sex][band] * contact_rr_ses[p->ses - 1] * person_frailty *
                          s->year_frailty[i] * exposure;
            for (int g = open_condition_groups(s, s->year_start[i], year_end(s, i)); g > 0; g--)
                mean *= CONTACT_RR_PER_CONDITION;
            if (p->wmo[i])
                mean *= contact_rr_wmo[band];
            draw_gp_contacts(s, p, from, to, mean, age);
            draw_vaccination(s, s->options.first_year + i, from, to, age);
            draw_poh_contacts(s, from, to, exposure, age, s->year_start[i], year_end(s, i));
        }
        write_contacts(s, p, r);
    }
}

/* Everything a practice delivers about one patient. */
static void write_patient(synth *s, const person *p, int district, int64_t start, int64_t end)
{
    registration registrations[3];
    int count = draw_registrations(s, district, start, end, registrations);
    draw_episodes(s, p);
    double person_frailty = gsl_ran_gamma(s->rng, CONTACT_FRAILTY_PERSON, 1 / CONTACT_FRAILTY_PERSON);
    for (int i = 0; i < s->year_count; i++)
        s->year_frailty[i] = gsl_ran_gamma(s->rng, CONTACT_FRAILTY_YEAR, 1 / CONTACT_FRAILTY_YEAR);
    for (int k = 0; k < count; k++) {
        write_registration(s, p, &registrations[k]);
        write_episodes(s, p, &registrations[k]);
        registration_contacts(s, p, &registrations[k], person_frailty);
    }
}

static double gp_factor(int age)
{
    return gp_age_factor[band_index(gp_age_from, GP_AGE_BANDS, age)];
}

/* A resident with a participating practice, or not (false). */
static bool resident_gp(synth *s, const person *p)
{
    int64_t effective = max_day(p->registration_start, s->first_day);
    int64_t limit = p->registration_end == NO_DATE ? s->last_day : p->registration_end;
    if (!chance(s->rng, s->options.gp_coverage * gp_factor(age_on(p->birth, effective))))
        return false;
    int64_t start;
    if (p->registration_start < s->first_day && !chance(s->rng, GP_JOINS_DURING_STUDY))
        start = uniform_day(s->rng, max_day(p->registration_start, s->first_day - years_as_days(15)),
                            s->first_day - 1);
    else if (p->registration_start < s->first_day)
        start = uniform_day(s->rng, effective, limit);
    else
        start = effective + (int64_t)uniform_int(s->rng, 91);
    if (start > limit)
        return false;
    int64_t end = p->registration_end;
    if (end != NO_DATE && end != p->death)
        end = min_day(end + (int64_t)uniform_int(s->rng, 31), s->last_day);
    if (end == NO_DATE && chance(s->rng, GP_LEAVES_DURING_STUDY))
        end = uniform_day(s->rng, max_day(start, s->first_day), s->last_day);
    write_patient(s, p, p->district, start, end);
    return true;
}

/* A patient of a participating practice who lives outside the city: not in persons.csv. */
static void outside_patient(synth *s)
{
    person p;
    memset(&p, 0, sizeof p);
    next_bsn(s, p.bsn);
    p.birth = draw_birth(s, s->first_day);
    p.sex = draw_sex(s, age_on(p.birth, s->first_day));
    size_t areas = sizeof outside_postcodes / sizeof outside_postcodes[0];
    draw_postcode(s, outside_postcodes[uniform_int(s->rng, areas)], p.postcode);
    p.ses = 3;
    int64_t start = chance(s->rng, 0.75)
                        ? uniform_day(s->rng, max_day(p.birth, s->first_day - years_as_days(15)),
                                      max_day(p.birth, s->first_day - 1))
                        : uniform_day(s->rng, s->first_day, s->last_day - 30);
    int64_t move_away;
    draw_exit(s, p.birth, max_day(start, s->first_day), &p.death, &move_away);
    p.registration_start = start;
    p.registration_end = p.death != NO_DATE ? p.death : move_away;
    s->outside_patients++;
    write_patient(s, &p, -1, start, p.registration_end);
}

static void synthesise_person(synth *s)
{
    person p;
    draw_resident(s, &p);
    draw_wmo_years(s, &p);
    write_person(s, &p);
    write_wmo(s, &p);
    if (resident_gp(s, &p) && chance(s->rng, GP_OUTSIDE_PER_PATIENT))
        outside_patient(s);
}

/* ================================================================ --truth */

static void truth_row(record_writer *w, const char *model, const char *parameter, const char *level,
                      double value)
{
    char number[32];
    number_format_double(value, number);
    record_writer_field_str(w, model);
    record_writer_field_str(w, parameter);
    record_writer_field_str(w, level);
    record_writer_field_str(w, number);
    record_writer_end(w);
}

static void truth_by_sex_and_band(record_writer *w, const char *model, const char *parameter,
                                  const double table[SEX_COUNT][BAND_COUNT])
{
    char level[32];
    for (int sex = 0; sex < SEX_COUNT; sex++)
        for (int band = 0; band < BAND_COUNT; band++) {
            snprintf(level, sizeof level, "%s:%s", sex_names[sex], band_names[band]);
            truth_row(w, model, parameter, level, table[sex][band]);
        }
}

static void write_truth(const synth *s, record_writer *w)
{
    const char *header[] = {"model", "parameter", "level", "value"};
    record_writer_record(w, (char *const *)header, NULL, 4);
    char level[32];
    truth_row(w, "run", "persons", "", (double)s->options.persons);
    truth_row(w, "run", "seed", "", (double)s->options.seed);
    truth_row(w, "run", "first_year", "", s->options.first_year);
    truth_row(w, "run", "last_year", "", s->options.last_year);
    truth_row(w, "run", "dirty_rate", "", s->options.dirty);
    truth_row(w, "population", "births_per_year", "", BIRTHS_PER_YEAR);
    truth_row(w, "population", "movers_in_per_year", "", MOVERS_IN_PER_YEAR);

    truth_by_sex_and_band(w, "wmo", "base_probability", wmo_base);
    for (int q = 0; q < 5; q++) {
        snprintf(level, sizeof level, "%d", q + 1);
        truth_row(w, "wmo", "rate_ratio_ses_quintile", level, wmo_rr_ses[q]);
    }
    for (int h = 0; h < HOUSEHOLD_COUNT; h++)
        truth_row(w, "wmo", "rate_ratio_household_type", household_names[h], wmo_rr_household[h]);
    for (int m = 0; m < MIGRATION_COUNT; m++)
        truth_row(w, "wmo", "rate_ratio_migration_background", migration_names[m], wmo_rr_migration[m]);
    for (int d = 0; d < DISTRICT_COUNT; d++)
        truth_row(w, "wmo", "rate_ratio_district", districts[d].name, districts[d].wmo_rate_ratio);
    truth_row(w, "wmo", "cap", "", WMO_CAP);
    truth_row(w, "wmo", "persistence", "", WMO_PERSISTENCE);
    truth_row(w, "wmo", "target_share_residents_18_plus", "", WMO_TARGET_SHARE_ADULTS);

    truth_row(w, "gp", "coverage", "", s->options.gp_coverage);
    truth_row(w, "gp", "practices", "", s->practice_count);
    for (size_t b = 0; b < GP_AGE_BANDS; b++) {
        snprintf(level, sizeof level, "%d+", gp_age_from[b]);
        truth_row(w, "gp", "coverage_age_factor", level, gp_age_factor[b]);
    }
    truth_row(w, "gp", "outside_patients_per_resident_patient", "", GP_OUTSIDE_PER_PATIENT);
    truth_row(w, "gp", "practice_change", "", GP_PRACTICE_CHANGE);
    truth_row(w, "gp", "double_registration", "", GP_DOUBLE_REGISTRATION);
    for (int g = 0; g < GROUP_COUNT; g++)
        if (group_target[g] > 0)
            truth_row(w, "condition", "target_prevalence", group_names[g], group_target[g]);

    truth_by_sex_and_band(w, "gp_contacts", "base_rate", contact_base);
    for (int band = 0; band < BAND_COUNT; band++)
        truth_row(w, "gp_contacts", "rate_ratio_wmo", band_names[band], contact_rr_wmo[band]);
    for (int q = 0; q < 5; q++) {
        snprintf(level, sizeof level, "%d", q + 1);
        truth_row(w, "gp_contacts", "rate_ratio_ses_quintile", level, contact_rr_ses[q]);
    }
    truth_row(w, "gp_contacts", "rate_ratio_per_condition_group", "", CONTACT_RR_PER_CONDITION);
    truth_row(w, "gp_contacts", "frailty_shape_person", "", CONTACT_FRAILTY_PERSON);
    truth_row(w, "gp_contacts", "frailty_shape_year", "", CONTACT_FRAILTY_YEAR);
    truth_row(w, "gp_contacts", "target_share_with_gp_contact", "", CONTACT_TARGET_ANY);
    truth_row(w, "gp_contacts", "target_wmo_ratio_standardised", "", 2.0);
    record_writer_close(w);
}

/* ================================================================ options and set-up */

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

static gsl_ran_discrete_t *discrete(const double *weights, size_t count)
{
    gsl_ran_discrete_t *table = gsl_ran_discrete_preproc(count, weights);
    if (!table)
        message_die_nomem();
    return table;
}

static void set_up(synth *s)
{
    s->rng = gsl_rng_alloc(gsl_rng_mt19937);
    s->fault_rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!s->rng || !s->fault_rng)
        message_die_nomem();
    gsl_rng_set(s->rng, s->options.seed);
    gsl_rng_set(s->fault_rng, (s->options.seed + 1000003UL) & 0xFFFFFFFFUL);
    s->bsn_offset = (uint64_t)s->options.seed * 2654435761ULL % BSN_SPACE;
    s->year_count = s->options.last_year - s->options.first_year + 1;
    for (int i = 0; i <= s->year_count; i++)
        s->year_start[i] = day_of(s->options.first_year + i, 1, 1);
    s->first_day = s->year_start[0];
    s->last_day = s->year_start[s->year_count] - 1;
    s->semicolon_practice = -1;

    double years = s->year_count;
    double entry[ENTRY_KINDS] = {1, years * BIRTHS_PER_YEAR, years * MOVERS_IN_PER_YEAR};
    s->entry_kind = discrete(entry, ENTRY_KINDS);
    s->pyramid = discrete(age_pyramid, PYRAMID_BANDS);
    s->mover_age = discrete(mover_age, 6);
    double residents[DISTRICT_COUNT];
    for (int d = 0; d < DISTRICT_COUNT; d++) {
        residents[d] = districts[d].residents;
        s->migration[d] = discrete(districts[d].migration, MIGRATION_COUNT);
        s->ses[d] = discrete(districts[d].ses, 5);
    }
    s->district = discrete(residents, DISTRICT_COUNT);
    for (int b = 0; b < HOUSEHOLD_AGE_BANDS; b++)
        s->household[b] = discrete(household_by_age[b], HOUSEHOLD_COUNT);
    double weights[WMO_TYPE_COUNT];
    for (int group = 0; group < 3; group++) {
        for (int t = 0; t < WMO_TYPE_COUNT; t++)
            weights[t] = provisions[t].weight[group];
        s->provision_main[group] = discrete(weights, WMO_TYPE_COUNT);
    }
    for (int t = 0; t < WMO_TYPE_COUNT; t++)
        weights[t] = provisions[t].extra_weight;
    s->provision_extra = discrete(weights, WMO_TYPE_COUNT);
    make_practices(s);
}

static void tear_down(synth *s)
{
    gsl_rng_free(s->rng);
    gsl_rng_free(s->fault_rng);
    gsl_ran_discrete_free(s->entry_kind);
    gsl_ran_discrete_free(s->pyramid);
    gsl_ran_discrete_free(s->mover_age);
    gsl_ran_discrete_free(s->district);
    for (int d = 0; d < DISTRICT_COUNT; d++) {
        gsl_ran_discrete_free(s->migration[d]);
        gsl_ran_discrete_free(s->ses[d]);
    }
    for (int b = 0; b < HOUSEHOLD_AGE_BANDS; b++)
        gsl_ran_discrete_free(s->household[b]);
    for (int group = 0; group < 3; group++)
        gsl_ran_discrete_free(s->provision_main[group]);
    gsl_ran_discrete_free(s->provision_extra);
    free(s->practices);
    free(s->episodes);
    free(s->contacts);
}

/* On a terminal: persons per second, now and then. */
static void show_progress(const koppel_context *ctx, uint64_t done, double started, double *last)
{
    if (!ctx->progress_on || (done & 0xFFFF) != 0)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double seconds = (double)now.tv_sec + now.tv_nsec / 1e9;
    if (seconds - *last < 1.0)
        return;
    *last = seconds;
    fprintf(stderr, "\rkoppel-synth: %llu persons, %.0f persons/s   ", (unsigned long long)done,
            seconds > started ? (double)done / (seconds - started) : 0.0);
}

static void report(koppel_context *ctx, const synth *s)
{
    uint64_t total = 0;
    for (int file = 0; file < FILE_COUNT; file++) {
        int64_t rows = (int64_t)record_writer_records(s->files[file]) - 1;
        koppel_stats_int(ctx, layouts[file].name, rows);
        total += (uint64_t)rows;
    }
    if (s->semicolon_file) {
        int64_t rows = (int64_t)record_writer_records(s->semicolon_file) - 1;
        koppel_stats_int(ctx, "gp_contacts_semicolon_practice", rows);
        total += (uint64_t)rows;
    }
    ctx->counts.out = total;
    koppel_stats_int(ctx, "practices", s->practice_count);
    koppel_stats_int(ctx, "outside_patients", (int64_t)s->outside_patients);
    koppel_stats_int(ctx, "wmo_person_years_capped", (int64_t)s->wmo_capped_person_years);
    if (s->options.dirty > 0)
        for (int kind = 0; kind < FAULT_KINDS; kind++) {
            char key[64];
            snprintf(key, sizeof key, "fault_%s", fault_names[kind]);
            koppel_stats_int(ctx, key, (int64_t)s->faults[kind]);
        }
}

int main(int argc, char **argv)
{
    koppel_context ctx;
    synth s;
    memset(&s, 0, sizeof s);
    s.options = (synth_options){NULL, NULL, 10000, 1, 2017, 2023, 0.10, 0};
    koppel_init(&ctx, "synth", usage);
    int opt;
    while ((opt = getopt_long(argc, argv, KOPPEL_COMMON_SHORT_OPTIONS, long_options, NULL)) != -1) {
        if (koppel_common_option(&ctx, opt, optarg))
            continue;
        switch (opt) {
        case OPT_OUT:
            s.options.out_dir = optarg;
            break;
        case OPT_PERSONS:
            s.options.persons = parse_count(&ctx, "--persons", optarg, 1, 50000000);
            break;
        case OPT_SEED:
            s.options.seed = (unsigned long)parse_count(&ctx, "--seed", optarg, 0, 4294967295LL);
            break;
        case OPT_YEARS:
            parse_years(&ctx, optarg, &s.options);
            break;
        case OPT_GP_COVERAGE:
            s.options.gp_coverage = parse_share(&ctx, "--gp-coverage", optarg, 0.5);
            break;
        case OPT_DIRTY:
            s.options.dirty = parse_share(&ctx, "--dirty", optarg, MAX_DIRTY);
            break;
        case OPT_TRUTH:
            s.options.truth_path = optarg;
            break;
        }
    }
    if (optind < argc)
        koppel_usage_error(&ctx, "synth reads no input files (got '%s')", argv[optind]);
    if (ctx.output_path || ctx.rejects_path || ctx.delimiter != ',')
        koppel_usage_error(&ctx, "synth reads nothing and writes into --out DIR: "
                                 "-o, --rejects and -d do not apply");
    if (!s.options.out_dir)
        koppel_usage_error(&ctx, "--out DIR is required");
    s.delimiter = ctx.output_delimiter;

    koppel_make_output_directory(&ctx, "--out", s.options.out_dir);
    /* --truth and --stats are files of their own, not one of the data files in DIR (one
     * would replace the other, or the stats be appended to a table). */
    const char *names[FILE_COUNT + 2] = {"--truth", "--stats"};
    const char *paths[FILE_COUNT + 2] = {s.options.truth_path, ctx.stats_path};
    char *data_paths[FILE_COUNT];
    for (int file = 0; file < FILE_COUNT; file++) {
        size_t size = strlen(s.options.out_dir) + strlen(layouts[file].name) + 6;
        data_paths[file] = xmalloc(size);
        snprintf(data_paths[file], size, "%s/%s.csv", s.options.out_dir, layouts[file].name);
        names[2 + file] = "--out DIR";
        paths[2 + file] = data_paths[file];
    }
    koppel_distinct_outputs(&ctx, FILE_COUNT + 2, names, paths);
    for (int file = 0; file < FILE_COUNT; file++)
        free(data_paths[file]);
    /* Opened first, so that a bad --truth path stops the run before any data is written. */
    record_writer *truth = s.options.truth_path ? record_writer_open(s.options.truth_path, ',') : NULL;
    set_up(&s);
    open_files(&s);
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    double start_seconds = (double)started.tv_sec + started.tv_nsec / 1e9, last = start_seconds;
    for (uint64_t i = 0; i < s.options.persons; i++) {
        synthesise_person(&s);
        show_progress(&ctx, i + 1, start_seconds, &last);
    }
    if (ctx.progress_on && last > start_seconds)
        fputs("\r\033[K", stderr);
    if (s.options.dirty > 0)
        write_unterminated_quote(&s);
    report(&ctx, &s);
    for (int file = 0; file < FILE_COUNT; file++)
        record_writer_close(s.files[file]);
    record_writer_close(s.semicolon_file);
    if (truth)
        write_truth(&s, truth);
    tear_down(&s);
    return koppel_finish(&ctx);
}
