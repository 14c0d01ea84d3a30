/* model.h: the planted world of koppel synth — every number that shapes the data, as named
 * parameters here and as tables in model.c; --truth writes them out. */
#ifndef SYNTH_MODEL_H
#define SYNTH_MODEL_H

/* Sources: the Amsterdam 2017 figures of the Nivel/ahti study (2021) for the magnitudes, the
 * Nivel IZA monitor (2025) for the 2023 condition prevalences, CBS StatLine for the districts'
 * sizes and composition (rounded), the Dutch life table (rounded). */

#define GEMEENTE_CODE "GM0363"

enum { SEX_M, SEX_F, SEX_COUNT };
extern const char *const sex_names[SEX_COUNT];

enum { HOUSEHOLD_SINGLE, HOUSEHOLD_COUPLE, HOUSEHOLD_COUPLE_CHILDREN, HOUSEHOLD_SINGLE_PARENT,
       HOUSEHOLD_OTHER, HOUSEHOLD_INSTITUTION, HOUSEHOLD_COUNT };
extern const char *const household_names[HOUSEHOLD_COUNT];

enum { MIGRATION_DUTCH, MIGRATION_WESTERN, MIGRATION_MOROCCAN, MIGRATION_TURKISH,
       MIGRATION_SURINAMESE, MIGRATION_ANTILLEAN, MIGRATION_OTHER_NON_WESTERN, MIGRATION_COUNT };
extern const char *const migration_names[MIGRATION_COUNT];

#define SES_QUINTILES 5

/* ---------------------------------------------------------------- the city and its people */

#define DISTRICT_COUNT 8
#define MAX_POSTCODES 13
typedef struct district_info {
    const char *name;
    double residents;                  /* 2017, rounded: the weight of the district */
    int first_wijk, wijk_count;        /* wijk numbers WK0363xx, xx = first_wijk .. */
    int postcodes[MAX_POSTCODES];      /* its 4-digit postcode areas, 0-terminated */
    double migration[MIGRATION_COUNT]; /* percent */
    double ses[SES_QUINTILES];         /* percent in quintiles 1..5 */
    double wmo_rate_ratio;             /* planted, after age, sex, SES, household, migration */
} district_info;
extern const district_info districts[DISTRICT_COUNT];

#define OUTSIDE_POSTCODE_COUNT 22
extern const int outside_postcodes[OUTSIDE_POSTCODE_COUNT];
#define POSTCODE_LETTER_COUNT 20
extern const char postcode_letters[POSTCODE_LETTER_COUNT + 1];

#define PYRAMID_BANDS 21
extern const double age_pyramid[PYRAMID_BANDS];
#define MOVER_AGE_BANDS 6
extern const double mover_age[MOVER_AGE_BANDS];
extern const int mover_age_from[MOVER_AGE_BANDS], mover_age_to[MOVER_AGE_BANDS];

/* Who is in persons.csv, per study year relative to the residents of the first day: births
 * (about 1.15% a year) and people moving in (7.5% a year). */
#define BIRTHS_PER_YEAR 0.0115
#define MOVERS_IN_PER_YEAR 0.075
/* Share of residents on the first day born in the city (registered since birth). */
#define BORN_HERE_CHILD 0.80
#define BORN_HERE_ADULT 0.35
/* A migration background of people moving in: this share are internationals (western). */
#define MOVER_WESTERN 0.15

#define HAZARD_BANDS 12
extern const int hazard_age[HAZARD_BANDS];
extern const double death_per_year[HAZARD_BANDS], move_out_per_year[HAZARD_BANDS];

#define HOUSEHOLD_AGE_BANDS 6
extern const int household_age_from[HOUSEHOLD_AGE_BANDS];
extern const double household_by_age[HOUSEHOLD_AGE_BANDS][HOUSEHOLD_COUNT];
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
extern const int band_from[BAND_COUNT];
extern const char *const band_names[BAND_COUNT];
extern const double wmo_base[SEX_COUNT][BAND_COUNT];
extern const double wmo_rr_ses[SES_QUINTILES];
extern const double wmo_rr_household[HOUSEHOLD_COUNT];
extern const double wmo_rr_migration[MIGRATION_COUNT];
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
#define WMO_AGE_GROUPS 3 /* <65, 65-79, 80+ */
typedef struct provision_info {
    const char *type;
    const char *codes[2];          /* the city's product codes */
    double pgb;                    /* share delivered as a personal budget */
    double weight[WMO_AGE_GROUPS]; /* main provision, percent, per age group */
    double extra_weight;           /* an extra provision beside the main one */
} provision_info;
extern const provision_info provisions[WMO_TYPE_COUNT];
#define WMO_EXTRA_UNDER_65 0.25
#define WMO_EXTRA_65_PLUS 0.45

/* ---------------------------------------------------------------- GP registration
 * A resident is registered with a participating practice with chance coverage * factor(age):
 * young adults in the city often have no GP of their own, the old nearly always do (the
 * factors average 1 over the residents). */
#define GP_AGE_BANDS 7
extern const int gp_age_from[GP_AGE_BANDS];
extern const double gp_age_factor[GP_AGE_BANDS];
#define GP_PATIENTS_PER_PRACTICE 4860.0 /* 923,419 * 0.10 / 19 */
#define GP_MIN_PRACTICES 3
#define GP_OUTSIDE_PER_PATIENT 0.12    /* patients living outside the city, per resident patient */
#define GP_HOME_PRACTICE 0.75          /* chance to choose a practice in one's own district */
#define GP_JOINS_DURING_STUDY 0.06     /* residents of the first day who join later */
#define GP_LEAVES_DURING_STUDY 0.04    /* ... and who leave for a non-participating practice */
#define GP_PRACTICE_CHANGE 0.05        /* patients who change participating practice once */
#define GP_DOUBLE_REGISTRATION 0.012   /* patients also registered with a second practice a while */
/* A practice-year delivered incompletely: no contacts for a run of whole months (the data of
 * such a practice-year are flagged insufficient in gp_practices.csv). */
#define PRACTICE_INCOMPLETE_YEAR 0.08
#define PRACTICE_GAP_MONTHS_MIN 3
#define PRACTICE_GAP_MONTHS_MAX 6

/* Residents of an institution (household type) live in a Wlz institution while registered;
 * those there on the first day moved in up to this many years before. */
#define WLZ_YEARS_BEFORE 6

/* ------------------------------------- conditions (Nivel IZA monitor (2025), Table H.1)
 * ONSET: curve[] is the share with an onset by age 0, 10, ..., 100 (a person's onset age is
 * drawn from it once, so chronic conditions persist and rise with age); the episode stays
 * open. RECURRENT: curve[] is the yearly incidence at those ages; each episode lasts
 * duration_min..duration_max days. */
enum { GROUP_NONE = -1, GROUP_MENTAL, GROUP_CANCER, GROUP_CARDIOVASCULAR, GROUP_FRAIL_ELDERLY,
       GROUP_NECK_BACK, GROUP_OSTEOARTHRITIS, GROUP_DIABETES, GROUP_ASTHMA_COPD,
       GROUP_INTELLECTUAL_DISABILITY, GROUP_COUNT };
extern const char *const group_names[GROUP_COUNT];
extern const double group_target[GROUP_COUNT];
/* The monitor's 2019 prevalences: each group's recorded prevalence grew to the 2023 target.
 * Planted as recording that catches up: of a group's cases (onset or new episode), the share
 * recorded by year Y is recorded_2019 ^ ((TREND_TO - Y) / (TREND_TO - TREND_FROM)) before
 * TREND_TO, all of them from it on; a chronic case not yet recorded is recorded (its episode
 * begins) in the first year whose share reaches the case's own uniform draw. recorded_2019 was
 * tuned (as the curves were to the 2023 targets) so that 2019 comes out at the monitor's
 * figure, given that the population also ages. */
extern const double group_target_2019[GROUP_COUNT];
extern const double recorded_2019[GROUP_COUNT];
#define TREND_FROM 2019
#define TREND_TO 2023

enum { MODEL_ONSET, MODEL_RECURRENT };
enum { POH_NONE, POH_S, POH_GGZ };
#define ANY -1
typedef struct code_weight {
    const char *code;
    int weight;
    int sex;              /* ANY, else SEX_M or SEX_F */
    int age_from, age_to; /* age at onset */
} code_weight;
#define MAX_CODES 24
#define CURVE_KNOTS 11
typedef struct condition_spec {
    const char *name;
    int group;
    int model;
    double curve[CURVE_KNOTS];
    double female_multiplier;
    int duration_min, duration_max;
    int poh;
    code_weight codes[MAX_CODES];
} condition_spec;
#define CONDITION_COUNT 15
extern const condition_spec conditions[CONDITION_COUNT];
/* Diabetes is more common with a non-western background and a low SES. */
#define DIABETES_NON_WESTERN 2.0
extern const double diabetes_ses[SES_QUINTILES];
/* Episodes of chronic conditions may begin before the study; recurrent ones are drawn from
 * this many years before the first study year, so the 3-year prevalence window is filled. */
#define RECURRENT_YEARS_BEFORE 3

/* ---------------------------------------------------------------- GP contacts, the planted model
 * GP contacts of a patient in a year ~ Poisson(base[sex][age band] * CONDITION_RR^groups
 *   * contact_rr_ses * (Wmo user that year ? contact_rr_wmo[age band] * contact_rr_wmo_sex[sex] : 1)
 *   * person frailty * year frailty * days registered / 365), frailties Gamma with mean 1
 * (shapes below), so that about 78% of patients see their GP in a year. Vaccinations, POH-S
 * and POH-GGZ contacts come on top. */
extern const double contact_base[SEX_COUNT][BAND_COUNT];
extern const double contact_rr_wmo[BAND_COUNT];
/* Men who use Wmo see their GP 146% more than other men, women 105% more (the Amsterdam report,
 * standardised for age and SES): the factors per sex on the ratio, tuned to give those. */
extern const double contact_rr_wmo_sex[SEX_COUNT];
extern const double contact_target_wmo_ratio_by_sex[SEX_COUNT];
extern const double contact_rr_ses[SES_QUINTILES];
#define CONTACT_RR_PER_CONDITION 1.25
/* GP contacts about a condition. The IZA monitor reports, per group, the share of its patients
 * with a GP contact for it in the year (coded for the group). Planted: a patient with a case of
 * a coded group open in the year or in the CONDITION_LOOKBACK_YEARS before it (as the prevalence
 * looks back) has the year's GP contacts about it with probability gp_contact_about[g] (linear
 * from TREND_FROM to TREND_TO, held outside): then one of the year's GP contacts while its latest
 * episode is open carries its code, if none does already; else none does (contacts drawn with
 * the group's code get a common complaint's). A code is only ever given inside an open episode.
 * A patient without such a contact in the year has none about it, so the share is
 * gp_contact_about times the share with such a contact; the probabilities were tuned so that
 * the shares come out at the monitor's figures (gp_contact_target; -1: the monitor gives only
 * the change, and the level is chosen). Frail elderly and intellectual
 * disability count every GP contact (not coded: -1), so the contact model alone gives theirs. */
#define CONDITION_LOOKBACK_YEARS 2
extern const double gp_contact_about_2019[GROUP_COUNT], gp_contact_about_2023[GROUP_COUNT];
extern const double gp_contact_target_2019[GROUP_COUNT], gp_contact_target_2023[GROUP_COUNT];

/* ---------------------------------------------------------------- referrals (gp_referrals.csv)
 * About a quarter of the practices deliver their referrals to medical specialists (the Nivel IZA
 * monitor, 2025, Bijlage C). Per registration and study year at such a practice: for each coded
 * group (as for contacts) with an episode open in the year, a referral about it with chance
 * referral_about[g] (linear from TREND_FROM to TREND_TO), dated while the episode is open, to the
 * group's specialism; for a mental episode, a referral to mental health care (specialism ggz,
 * which the monitor leaves out) with chance REFERRAL_GGZ; besides, referrals for other reasons
 * ~ Poisson(referral_rate[age band] * REFERRAL_RR_PER_CONDITION^groups open (times
 * REFERRAL_RR_INTELLECTUAL_DISABILITY with that condition) * days / 365) with a
 * common complaint's code, to one of the other specialisms. Referrals in months the practice did
 * not deliver are missing, as its contacts are. The monitor gives the share with any referral for
 * frail elderly (38.7% in 2019, 37.9% in 2023) and intellectual disability (24.2%, 25.8%), which the
 * rates by age were tuned to (referral_target; -1: only a ranking is given, neck and back complaints
 * referred most, diabetes falling 0.9 points, and the chances are chosen). */
#define PRACTICE_DELIVERS_REFERRALS 0.25
#define REFERRAL_GGZ 0.15
#define REFERRAL_RR_PER_CONDITION 1.25
#define REFERRAL_RR_INTELLECTUAL_DISABILITY 1.4 /* on top: referred for everything more often */
extern const double referral_about_2019[GROUP_COUNT], referral_about_2023[GROUP_COUNT];
extern const double referral_target_2019[GROUP_COUNT], referral_target_2023[GROUP_COUNT];
extern const double referral_rate[BAND_COUNT];
extern const char *const group_specialism[GROUP_COUNT];
#define OTHER_SPECIALISM_COUNT 8
extern const char *const other_specialisms[OTHER_SPECIALISM_COUNT];
#define CONTACT_FRAILTY_PERSON 1.6 /* gamma shape */
#define CONTACT_FRAILTY_YEAR 2.5
#define CONTACT_TARGET_ANY 0.78
#define CONTACT_EPISODE_CODE 0.5  /* chance that a GP contact carries one of the open episodes' codes */
#define CONTACT_NO_CODE 0.05      /* phone, e-mail or other contacts without a code */
#define CONTACT_SECOND_PRACTICE 0.8 /* GP contacts a year at the practice of a double registration */
#define VACCINATION_FROM_AGE 60
#define VACCINATION_UPTAKE 0.55
#define POH_S_PER_YEAR 2.2
#define POH_GGZ_PER_YEAR 2.5
#define POH_GGZ_WITHOUT_EPISODE 0.03

enum { CONTACT_CONSULT, CONTACT_VISIT, CONTACT_PHONE, CONTACT_EMAIL, CONTACT_VACCINATION,
       CONTACT_GROUP, CONTACT_OTHER, CONTACT_TYPE_COUNT };
extern const char *const contact_type_names[CONTACT_TYPE_COUNT];
enum { PROVIDER_GP, PROVIDER_POH_S, PROVIDER_POH_GGZ, PROVIDER_COUNT };
extern const char *const provider_names[PROVIDER_COUNT];
extern const int contact_type_weight[PROVIDER_COUNT + 1][CONTACT_TYPE_COUNT];
#define GENERAL_CODE_COUNT 24
extern const code_weight general_codes[GENERAL_CODE_COUNT];
#define GGZ_COMPLAINT_CODE_COUNT 3
extern const code_weight ggz_complaint_codes[GGZ_COMPLAINT_CODE_COUNT];
#define VACCINATION_CODE "R44"

/* ---------------------------------------------------------------- insurance claims
 * (insured.csv, insurer_deliveries.csv, claims.csv; ILLUSTRATIVE codes, not the official
 * Zorginstituut/Vektis definitions)
 * Every resident is insured under the Zvw in each study year they are registered in the city for
 * a day: an insurer drawn by market share, kept from year to year and changed on 1 January with
 * chance INSURER_SWITCH. An insurer's claims of a year are delivered incompletely with chance
 * INSURER_INCOMPLETE_YEAR (at least one insurer-year of the run is); of such a year, each claim is
 * missing with chance INCOMPLETE_LOSS.
 * Conditions: the same condition model as the GP data (above) for every resident. A GP patient's
 * conditions are the episodes their practice records, and besides, for a group the practice has
 * no episode of, the resident's own draw with chance CLAIMS_CASE_NOT_IN_GP (a case the GP never
 * coded); other residents' conditions are drawn for the claims alone. A group is active in a
 * year when one of its episodes is open in the part of the year the person is insured; frail
 * elderly also from the year in which the person is 80 on 31 December.
 * Per active group g, discipline d and year Y: with chance claim_chance[g][d] (2019 and 2023,
 * linear between them, held outside) an episode of care about it begins in Y, of
 * claims_min..claims_max claims (sessions, subtrajects or periods) in the rest of the insured part
 * of Y, each carrying a condition code of g in the discipline's code system (asthma or COPD by
 * the episode's ICPC code; frail elderly and intellectual disability, which claims have no
 * codes for, a background code). A stroke patient's physio and exercise sessions are declared
 * 1001 (CVA, DCSPH 8X52), other cardiovascular patients' carry 5X60; every cardiovascular skin
 * session is 1001. Since each draw stands alone, the share of a group's prevalent persons with a
 * claim for it in a discipline is claim_chance (before thinning), and a case has no condition
 * claim at all in a year with chance prod_d (1 - claim_chance[g][d]) over the coded disciplines.
 * Background care: everyone has Poisson(background[d][age band] * days insured / 365) episodes of
 * care a year in each discipline, coded from the discipline's other codes (2019 and 2023 lists,
 * mixed linearly: codes that weigh nothing in 2019, such as COVID-19, appear from 2020). In
 * disciplines without codes (skin, occupational, mental health, district nursing, primary-care
 * stay, HAP and SEH, where every claim counts) the share of a group's persons with a claim is
 * therefore 1 - (1 - claim_chance) (1 - background share).
 * A Wlz resident's district nursing during the stay is Wlz care: law wlz, in periods of up to 90
 * days that cover the stay, and every district nursing claim of theirs then is wlz. */
#define INSURER_COUNT 9
extern const char *const insurer_ids[INSURER_COUNT];
extern const double insurer_share[INSURER_COUNT];
#define INSURER_SWITCH 0.06
#define INSURER_INCOMPLETE_YEAR 0.11 /* about one insurer in nine */
#define INCOMPLETE_LOSS 0.40
#define CLAIMS_CASE_NOT_IN_GP 0.15

enum { DISCIPLINE_PHYSIO, DISCIPLINE_EXERCISE, DISCIPLINE_SKIN, DISCIPLINE_DIETETICS,
       DISCIPLINE_OCCUPATIONAL, DISCIPLINE_HOSPITAL, DISCIPLINE_MENTAL_BASIC,
       DISCIPLINE_MENTAL_SPECIALIST, DISCIPLINE_DISTRICT_NURSING, DISCIPLINE_PRIMARY_STAY,
       DISCIPLINE_HAP, DISCIPLINE_SEH, DISCIPLINE_COUNT };
enum { CODE_SYSTEM_NONE, CODE_SYSTEM_DCSPH, CODE_SYSTEM_DIET, CODE_SYSTEM_DBC, CODE_SYSTEM_ICPC,
       CODE_SYSTEM_ICD10 };
enum { CLAIM_SESSION, CLAIM_SUBTRAJECT, CLAIM_PERIOD };
#define MAX_OTHER_CODES 20
typedef struct discipline_info {
    const char *name;
    int code_system;
    int kind;                 /* a session (start = end), a hospital subtraject or a period */
    int claims_min, claims_max; /* claims per episode of care */
    int span_days;            /* sessions of an episode of care fall within this many days */
    int length_min, length_max; /* end - start of a subtraject or period, in days */
    double background[BAND_COUNT]; /* episodes of care per person-year, by age band */
    code_weight other_2019[MAX_OTHER_CODES], other_2023[MAX_OTHER_CODES];
} discipline_info;
extern const discipline_info disciplines[DISCIPLINE_COUNT];
#define HOSPITAL_ADMISSION 0.10 /* of hospital claims; day admissions as many */
#define MAX_CONDITION_CODES 4
extern const double claim_chance_2019[GROUP_COUNT][DISCIPLINE_COUNT];
extern const double claim_chance_2023[GROUP_COUNT][DISCIPLINE_COUNT];
/* Condition codes per group (asthma_copd: asthma; copd in its own row) and code system. */
enum { CLAIM_CODES_DBC, CLAIM_CODES_DCSPH, CLAIM_CODES_DIET, CLAIM_CODE_SYSTEMS };
extern const char *const condition_claim_codes[GROUP_COUNT][CLAIM_CODE_SYSTEMS][MAX_CONDITION_CODES];
extern const char *const copd_claim_codes[CLAIM_CODE_SYSTEMS][MAX_CONDITION_CODES];
#define STROKE_DCSPH "8152"

#endif
