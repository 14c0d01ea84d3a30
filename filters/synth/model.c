/* model.c: the tables of the planted world (see model.h for the models they belong to):
 * districts, age structure, hazards, Wmo and contact rates, conditions and their ICPC codes. */
#include <stddef.h>

#include "model.h"

const char *const sex_names[SEX_COUNT] = {"M", "F"};

const char *const household_names[HOUSEHOLD_COUNT] = {
    "single", "couple", "couple_children", "single_parent", "other", "institution"};

const char *const migration_names[MIGRATION_COUNT] = {
    "dutch", "western", "moroccan", "turkish", "surinamese", "antillean", "other_non_western"};

const district_info districts[DISTRICT_COUNT] = {
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
const int outside_postcodes[] = {1111, 1112, 1113, 1115, 1121, 1181, 1182, 1183, 1184, 1185, 1186,
                                 1187, 1501, 1502, 1503, 1504, 1505, 1506, 1507, 1531, 2011, 2012};
/* Letters of Dutch postcodes (F, I, O, Q, U and Y are not used; SA, SD and SS neither). */
const char postcode_letters[] = "ABCDEGHJKLMNPRSTVWXZ";

/* Age pyramid of a big city on the first day: percent per 5-year band 0-4 .. 100-104. */
const double age_pyramid[] = {5.5, 4.6, 4.2, 4.6, 8.3, 11.2, 10.0, 8.0, 7.1, 6.9, 6.5,
                              5.6, 4.6, 4.1, 3.2, 2.2, 1.4, 0.9, 0.45, 0.12, 0.02};
/* Age of people moving in: percent per band 0-17, 18-24, 25-34, 35-44, 45-64, 65-84. */
const double mover_age[] = {12, 28, 35, 12, 9, 4};
const int mover_age_from[] = {0, 18, 25, 35, 45, 65}, mover_age_to[] = {17, 24, 34, 44, 64, 84};

/* Yearly probability of dying and of moving out, by age (lower bound of the band). */
const int hazard_age[] = {0, 1, 15, 18, 25, 35, 45, 55, 65, 75, 85, 90};
const double death_per_year[] = {0.0035, 0.0001, 0.0003, 0.0003, 0.0004, 0.0007,
                                 0.002,  0.005,  0.013,  0.04,   0.11,   0.22};
const double move_out_per_year[] = {0.04, 0.04, 0.04,  0.08,  0.10, 0.06,
                                    0.03, 0.03, 0.015, 0.012, 0.01, 0.01};

/* Household type by age: percent for <18, 18-24, 25-44, 45-64, 65-79, 80+. */
const int household_age_from[HOUSEHOLD_AGE_BANDS] = {0, 18, 25, 45, 65, 80};
const double household_by_age[HOUSEHOLD_AGE_BANDS][HOUSEHOLD_COUNT] = {
    {0, 0, 68, 27, 5, 0},
    {30, 10, 32, 12, 15.5, 0.5},
    {42, 24, 24, 4, 5.8, 0.2},
    {34, 25, 28, 7, 5.5, 0.5},
    {42, 46, 4, 2, 4, 2},
    {52, 22, 1, 1, 4, 20},
};

/* Wmo: base probabilities per sex and age band, and the rate ratios. */
const int band_from[BAND_COUNT] = {0, 18, 30, 45, 55, 65, 75, 85};
const char *const band_names[BAND_COUNT] = {"0-17",  "18-29", "30-44", "45-54",
                                            "55-64", "65-74", "75-84", "85+"};
const double wmo_base[SEX_COUNT][BAND_COUNT] = {
    {0.0026, 0.012, 0.0182, 0.0302, 0.0478, 0.0811, 0.1716, 0.3016},
    {0.0034, 0.0156, 0.0237, 0.0392, 0.0622, 0.1055, 0.2231, 0.3921},
};
const double wmo_rr_ses[SES_QUINTILES] = {1.8, 1.5, 1.25, 1.1, 1.0};
const double wmo_rr_household[HOUSEHOLD_COUNT] = {1.6, 1.0, 0.8, 1.3, 1.1, 0.4};
const double wmo_rr_migration[MIGRATION_COUNT] = {1.0, 0.8, 1.2, 1.3, 1.5, 1.3, 1.1};

/* Wmo provisions: codes, share as a personal budget, weights as main and as extra provision. */
const provision_info provisions[WMO_TYPE_COUNT] = {
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

/* GP registration: the factor on the coverage from each age on. */
const int gp_age_from[] = {0, 18, 25, 35, 45, 65, 80};
const double gp_age_factor[] = {1.1902, 0.7245, 0.828, 1.1385, 1.2937, 1.242, 0.9832};

const char *const group_names[GROUP_COUNT] = {
    "mental", "cancer", "cardiovascular", "frail_elderly", "neck_back", "osteoarthritis",
    "diabetes", "asthma_copd", "intellectual_disability"};
/* 2023 prevalence in a GP population (Nivel IZA monitor, 2025); frail elderly includes age 80+. */
const double group_target[GROUP_COUNT] = {0.082, 0.107, 0.088, 0.048, 0.125,
                                          0.100, 0.064, 0.126, 0.0};
/* 2019 (the same monitor): mental 6.3%, cancer 7.9%, cardiovascular 7.2%, frail elderly 3.7%,
 * neck and back 11.4%, osteoarthritis 7.8%, diabetes 5.0%, asthma/COPD 10.5%. */
const double group_target_2019[GROUP_COUNT] = {0.063, 0.079, 0.072, 0.037, 0.114,
                                               0.078, 0.050, 0.105, 0.0};
const double recorded_2019[GROUP_COUNT] = {0.79, 0.81, 0.93, 0.78, 0.94, 0.84, 0.82, 0.86, 1.0};
/* The share of a group's patients with a GP contact for it (the same monitor, 2023 and its change
 * from 2019): asthma/COPD nearly 25% (-1.9), neck and back 47% (-1.5), osteoarthritis nearly 19%
 * (-1.3), cardiovascular over 35% (-1.8), diabetes over 53% (-4.1), frail elderly over 94% (-0.6),
 * intellectual disability 83.5% (-0.4); for cancer (-1.5) and mental problems (-1.7) only the
 * change. */
const double gp_contact_target_2019[GROUP_COUNT] = {-1, -1, 0.371, 0.949, 0.485, 0.202, 0.574, 0.268, 0.839};
const double gp_contact_target_2023[GROUP_COUNT] = {-1, -1, 0.353, 0.943, 0.470, 0.189, 0.533, 0.249, 0.835};
/* Tuned: the monitor's share over the share of the group's patients with a GP contact while
 * its case is open (about 0.52 for mental problems to 0.80 for cancer). For cancer and mental
 * problems the level is chosen (40% and 35% in 2019) and the change is the monitor's. Neck and
 * back complaints cannot reach theirs: their episodes last 2 weeks to 13 months and the
 * prevalence looks back two years, so only about 23% of the patients have a GP contact while an
 * episode is open; every such patient has one about it (1). */
/* Referrals (model.h): chances per group (chosen, -1: all referrals count for the group), the
 * monitor's shares for the groups it gives, and the rates for other reasons by age band. */
const double referral_about_2019[GROUP_COUNT] = {0, 0.09, 0.08, -1, 0.12, 0.10, 0.035, 0.04, -1};
const double referral_about_2023[GROUP_COUNT] = {0, 0.085, 0.075, -1, 0.12, 0.10, 0.026, 0.04, -1};
const double referral_target_2019[GROUP_COUNT] = {-1, -1, -1, 0.387, -1, -1, -1, -1, 0.242};
const double referral_target_2023[GROUP_COUNT] = {-1, -1, -1, 0.379, -1, -1, -1, -1, 0.258};
const double referral_rate[BAND_COUNT] = {0.10, 0.10, 0.14, 0.18, 0.24, 0.28, 0.30, 0.27};
const char *const group_specialism[GROUP_COUNT] = {
    "ggz", "surgery", "cardiology", "geriatrics", "orthopaedics", "orthopaedics",
    "internal_medicine", "pulmonology", "paediatrics"};
const char *const other_specialisms[OTHER_SPECIALISM_COUNT] = {
    "dermatology", "surgery", "internal_medicine", "ent", "ophthalmology", "gynaecology", "urology",
    "neurology"};
const double gp_contact_about_2019[GROUP_COUNT] = {0.674, 0.499, 0.480, -1, 1, 0.258, 0.782, 0.351, -1};
const double gp_contact_about_2023[GROUP_COUNT] = {0.642, 0.481, 0.457, -1, 1, 0.241, 0.726, 0.326, -1};

/* Conditions: onset or incidence curve, female multiplier, episode length, POH, ICPC codes. */
const condition_spec conditions[] = {
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
const double diabetes_ses[SES_QUINTILES] = {1.4, 1.2, 1.0, 1.0, 1.0};

/* GP contacts: yearly base rates and rate ratios. */
const double contact_base[SEX_COUNT][BAND_COUNT] = {
    {2.4, 1.7, 2.0, 2.4, 3.0, 3.6, 4.4, 5.2},
    {2.4, 3.2, 3.4, 3.4, 3.6, 4.0, 4.6, 5.2},
};
const double contact_rr_wmo[BAND_COUNT] = {2.2, 2.2, 2.2, 2.0, 2.0, 1.7, 1.5, 1.4};
const double contact_rr_wmo_sex[SEX_COUNT] = {1.30, 1.07};
const double contact_target_wmo_ratio_by_sex[SEX_COUNT] = {2.46, 2.05};
const double contact_rr_ses[SES_QUINTILES] = {1.15, 1.10, 1.05, 1.0, 1.0};

const char *const contact_type_names[CONTACT_TYPE_COUNT] = {
    "consult", "visit", "phone", "email", "vaccination", "group", "other"};
const char *const provider_names[PROVIDER_COUNT] = {"gp", "poh_s", "poh_ggz"};
/* Contact types per provider, percent (no vaccinations: those are drawn apart); GP visits at
 * home for patients aged 75 and over in the last row. */
const int contact_type_weight[PROVIDER_COUNT + 1][CONTACT_TYPE_COUNT] = {
    {58, 4, 27, 6, 0, 0, 3},
    {72, 3, 20, 3, 0, 2, 0},
    {66, 4, 14, 6, 0, 10, 0},
    {48, 16, 27, 4, 0, 0, 3},
};
/* Codes of GP contacts that are not about an episode: common complaints outside the IZA
 * conditions (the Nivel IZA monitor (2025), Table H.1). */
const code_weight general_codes[] = {
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
const code_weight ggz_complaint_codes[] = {
    {"P01", 40, ANY, 0, 120}, {"P03", 35, ANY, 0, 120}, {"P02", 25, ANY, 0, 120}};

/* Insurance claims (model.h; ILLUSTRATIVE codes, not the official Zorginstituut/Vektis lists). */
const char *const insurer_ids[INSURER_COUNT] = {"Z01", "Z02", "Z03", "Z04", "Z05", "Z06", "Z07", "Z08", "Z09"};
const double insurer_share[INSURER_COUNT] = {0.27, 0.22, 0.18, 0.12, 0.08, 0.05, 0.04, 0.03, 0.01};

/* Per discipline: code system, kind of claim, claims per episode of care and their spread,
 * background episodes of care per person-year by age band (0-17 .. 85+), and the other codes
 * of 2019 and of 2023 (weight, sex, age at the claim). Physiotherapy's spine codes (3XXX) are
 * neck and back complaints' own, so the background never draws them. */
const discipline_info disciplines[DISCIPLINE_COUNT] = {
    {"physio", CODE_SYSTEM_DCSPH, CLAIM_SESSION, 5, 15, 120, 0, 0,
     {0.05, 0.08, 0.10, 0.12, 0.13, 0.14, 0.14, 0.12},
     {{"2120", 20, ANY, 0, 120}, {"7121", 14, ANY, 0, 120}, {"6120", 12, ANY, 0, 120},
      {"7221", 8, ANY, 0, 120}, {"4121", 8, ANY, 0, 120}, {"1120", 6, ANY, 0, 120},
      {"8110", 3, ANY, 0, 17}, {"8140", 3, ANY, 60, 120}, {"8160", 2, ANY, 40, 120}},
     {{"2120", 18, ANY, 0, 120}, {"7121", 16, ANY, 0, 120}, {"6120", 11, ANY, 0, 120},
      {"7221", 8, ANY, 0, 120}, {"4121", 7, ANY, 0, 120}, {"1120", 6, ANY, 0, 120},
      {"8110", 3, ANY, 0, 17}, {"8140", 3, ANY, 60, 120}, {"8160", 2, ANY, 40, 120},
      {"8190", 7, ANY, 18, 120}}},
    {"exercise", CODE_SYSTEM_DCSPH, CLAIM_SESSION, 5, 12, 120, 0, 0,
     {0.03, 0.01, 0.01, 0.01, 0.01, 0.015, 0.02, 0.02},
     {{"8110", 30, ANY, 0, 17}, {"2120", 10, ANY, 0, 120}, {"1120", 8, ANY, 0, 120},
      {"6120", 6, ANY, 0, 120}, {"7121", 6, ANY, 0, 120}},
     {{"8110", 26, ANY, 0, 17}, {"2120", 10, ANY, 0, 120}, {"1120", 10, ANY, 0, 120},
      {"6120", 6, ANY, 0, 120}, {"7121", 6, ANY, 0, 120}, {"8190", 4, ANY, 18, 120}}},
    {"skin", CODE_SYSTEM_NONE, CLAIM_SESSION, 3, 8, 90, 0, 0,
     {0.001, 0.004, 0.005, 0.005, 0.005, 0.005, 0.004, 0.003}, {{0}}, {{0}}},
    {"dietetics", CODE_SYSTEM_DIET, CLAIM_SESSION, 2, 5, 180, 0, 0,
     {0.01, 0.02, 0.025, 0.03, 0.03, 0.03, 0.03, 0.03},
     {{"01.02", 35, ANY, 0, 120}, {"01.01", 25, ANY, 0, 120}, {"07.01", 15, ANY, 0, 120},
      {"03.01", 12, ANY, 0, 120}, {"02.01", 10, ANY, 0, 120}},
     {{"01.02", 40, ANY, 0, 120}, {"01.01", 22, ANY, 0, 120}, {"07.01", 14, ANY, 0, 120},
      {"03.01", 10, ANY, 0, 120}, {"02.01", 14, ANY, 0, 120}}},
    {"occupational", CODE_SYSTEM_NONE, CLAIM_SESSION, 2, 6, 90, 0, 0,
     {0.005, 0.002, 0.003, 0.004, 0.006, 0.01, 0.02, 0.03}, {{0}}, {{0}}},
    {"hospital", CODE_SYSTEM_DBC, CLAIM_SUBTRAJECT, 1, 2, 180, 0, 119,
     {0.20, 0.22, 0.28, 0.35, 0.45, 0.60, 0.70, 0.70},
     {{"0301.100", 12, ANY, 0, 120}, {"0302.100", 10, ANY, 0, 120}, {"0306.100", 12, ANY, 0, 120},
      {"0310.100", 8, ANY, 0, 120}, {"0313.101", 10, ANY, 0, 120}, {"0318.100", 6, ANY, 0, 120},
      {"0307.100", 8, SEX_F, 0, 120}, {"0316.100", 6, ANY, 0, 17}},
     {{"0301.100", 12, ANY, 0, 120}, {"0302.100", 11, ANY, 0, 120}, {"0306.100", 12, ANY, 0, 120},
      {"0310.100", 8, ANY, 0, 120}, {"0313.101", 10, ANY, 0, 120}, {"0318.100", 6, ANY, 0, 120},
      {"0307.100", 8, SEX_F, 0, 120}, {"0316.100", 6, ANY, 0, 17}}},
    {"mental_basic", CODE_SYSTEM_NONE, CLAIM_PERIOD, 1, 2, 0, 29, 119,
     {0.01, 0.03, 0.025, 0.02, 0.015, 0.01, 0.005, 0.005}, {{0}}, {{0}}},
    {"mental_specialist", CODE_SYSTEM_NONE, CLAIM_PERIOD, 1, 3, 0, 29, 119,
     {0.02, 0.025, 0.02, 0.015, 0.01, 0.005, 0.005, 0.005}, {{0}}, {{0}}},
    {"district_nursing", CODE_SYSTEM_NONE, CLAIM_PERIOD, 1, 4, 0, 13, 89,
     {0.001, 0.001, 0.002, 0.004, 0.01, 0.03, 0.08, 0.20}, {{0}}, {{0}}},
    {"primary_stay", CODE_SYSTEM_NONE, CLAIM_PERIOD, 1, 1, 0, 4, 89,
     {0, 0, 0, 0.0005, 0.001, 0.003, 0.008, 0.02}, {{0}}, {{0}}},
    {"hap", CODE_SYSTEM_ICPC, CLAIM_SESSION, 1, 1, 0, 0, 0,
     {0.15, 0.10, 0.08, 0.08, 0.09, 0.12, 0.18, 0.28},
     {{"R74", 20, ANY, 0, 120}, {"S18", 10, ANY, 0, 120}, {"L81", 8, ANY, 0, 120},
      {"A04", 8, ANY, 0, 120}, {"D01", 8, ANY, 0, 120}, {"U71", 8, SEX_F, 0, 120},
      {"N17", 6, ANY, 0, 120}, {"R78", 6, ANY, 0, 120}, {"S01", 6, ANY, 0, 120},
      {"H71", 6, ANY, 0, 12}, {"K77", 3, ANY, 50, 120}, {"A90", 2, ANY, 0, 120}},
     {{"R74", 26, ANY, 0, 120}, {"S18", 10, ANY, 0, 120}, {"L81", 8, ANY, 0, 120},
      {"A04", 8, ANY, 0, 120}, {"D01", 7, ANY, 0, 120}, {"U71", 8, SEX_F, 0, 120},
      {"N17", 6, ANY, 0, 120}, {"R78", 5, ANY, 0, 120}, {"S01", 6, ANY, 0, 120},
      {"H71", 5, ANY, 0, 12}, {"K77", 3, ANY, 50, 120}, {"A90", 2, ANY, 0, 120}}},
    {"seh", CODE_SYSTEM_ICD10, CLAIM_SESSION, 1, 1, 0, 0, 0,
     {0.07, 0.07, 0.05, 0.05, 0.06, 0.08, 0.12, 0.18},
     {{"R07.4", 12, ANY, 18, 120}, {"S52.5", 10, ANY, 0, 120}, {"S93.4", 10, ANY, 0, 120},
      {"R10.4", 10, ANY, 0, 120}, {"S01.8", 8, ANY, 0, 120}, {"S00.0", 6, ANY, 0, 120},
      {"S62.6", 6, ANY, 0, 120}, {"R55", 6, ANY, 0, 120}, {"S82.0", 5, ANY, 0, 120},
      {"J18.9", 5, ANY, 0, 120}, {"I21.4", 4, ANY, 40, 120}, {"N39.0", 4, ANY, 0, 120},
      {"I63.9", 3, ANY, 50, 120}, {"J44.1", 3, ANY, 50, 120}, {"T78.4", 3, ANY, 0, 120},
      {"F41.0", 3, ANY, 12, 120}, {"E11.6", 2, ANY, 40, 120}},
     {{"R07.4", 13, ANY, 18, 120}, {"S52.5", 10, ANY, 0, 120}, {"S93.4", 9, ANY, 0, 120},
      {"R10.4", 10, ANY, 0, 120}, {"S01.8", 8, ANY, 0, 120}, {"S00.0", 6, ANY, 0, 120},
      {"S62.6", 6, ANY, 0, 120}, {"R55", 6, ANY, 0, 120}, {"S82.0", 5, ANY, 0, 120},
      {"J18.9", 5, ANY, 0, 120}, {"I21.4", 4, ANY, 40, 120}, {"N39.0", 4, ANY, 0, 120},
      {"I63.9", 3, ANY, 50, 120}, {"J44.1", 3, ANY, 50, 120}, {"T78.4", 3, ANY, 0, 120},
      {"F41.0", 4, ANY, 12, 120}, {"E11.6", 2, ANY, 40, 120}, {"U07.1", 9, ANY, 0, 120}}},
};

/* The chance that a case of a group (row) has an episode of care about it in a discipline
 * (column: physio, exercise, skin, dietetics, occupational, hospital, mental_basic,
 * mental_specialist, district_nursing, primary_stay, hap, seh) in a year; chosen after the
 * magnitudes of the IZA monitor's patient flows (illustrative). */
const double claim_chance_2019[GROUP_COUNT][DISCIPLINE_COUNT] = {
    {0, 0, 0, 0, 0, 0.08, 0.15, 0.10, 0, 0, 0.08, 0.06},                    /* mental */
    {0.12, 0.02, 0.02, 0, 0.02, 0.55, 0, 0, 0.08, 0.01, 0.10, 0.07},        /* cancer */
    {0.10, 0.03, 0.01, 0.06, 0.03, 0.45, 0, 0, 0.06, 0.01, 0.12, 0.10},     /* cardiovascular */
    {0.25, 0.05, 0.01, 0.06, 0.08, 0.50, 0.01, 0.02, 0.30, 0.04, 0.25, 0.12}, /* frail elderly */
    {0.40, 0.06, 0, 0, 0.01, 0.12, 0, 0, 0.01, 0, 0.03, 0.02},              /* neck and back */
    {0.30, 0.05, 0, 0, 0.03, 0.20, 0, 0, 0.03, 0.005, 0.04, 0.03},          /* osteoarthritis */
    {0, 0, 0, 0.18, 0, 0.35, 0, 0, 0.05, 0.005, 0.05, 0.04},                /* diabetes */
    {0.08, 0.02, 0, 0.03, 0.01, 0.15, 0, 0, 0.02, 0, 0.06, 0.04},           /* asthma/COPD */
    {0.15, 0.10, 0.01, 0.08, 0.05, 0.20, 0, 0, 0.05, 0.01, 0.08, 0.06},     /* intellectual disability */
};
const double claim_chance_2023[GROUP_COUNT][DISCIPLINE_COUNT] = {
    {0, 0, 0, 0, 0, 0.09, 0.17, 0.09, 0, 0, 0.07, 0.06},
    {0.14, 0.02, 0.02, 0, 0.02, 0.52, 0, 0, 0.09, 0.01, 0.09, 0.07},
    {0.11, 0.04, 0.01, 0.05, 0.03, 0.43, 0, 0, 0.07, 0.01, 0.11, 0.10},
    {0.24, 0.05, 0.01, 0.06, 0.09, 0.48, 0.01, 0.02, 0.33, 0.045, 0.22, 0.13},
    {0.38, 0.07, 0, 0, 0.01, 0.11, 0, 0, 0.01, 0, 0.03, 0.02},
    {0.29, 0.06, 0, 0, 0.03, 0.21, 0, 0, 0.03, 0.005, 0.04, 0.03},
    {0, 0, 0, 0.16, 0, 0.33, 0, 0, 0.05, 0.005, 0.05, 0.04},
    {0.07, 0.02, 0, 0.03, 0.01, 0.14, 0, 0, 0.02, 0, 0.05, 0.04},
    {0.15, 0.10, 0.01, 0.09, 0.05, 0.21, 0, 0, 0.05, 0.01, 0.08, 0.06},
};
/* Condition codes per group: DBC, DCSPH, DIET (the rules' codes; a rule that is a specialism or
 * has X in it is planted as full codes within it). Frail elderly and intellectual disability have
 * none: their care is coded with the discipline's other codes. */
const char *const condition_claim_codes[GROUP_COUNT][CLAIM_CODE_SYSTEMS][MAX_CONDITION_CODES] = {
    {{"0329.101", "0329.201", "0329.301"}, {NULL}, {NULL}},
    {{"0313.401", "0322.511", "0303.301", "0361.101"}, {"8180", "5180"}, {NULL}},
    {{"0320.202", "0320.203", "0320.205", "0330.111"}, {"5160"}, {"05.01"}},
    {{NULL}, {NULL}, {NULL}},
    {{"0305.111", "0330.141"}, {"3120", "3220"}, {NULL}},
    {{"0305.201", "0305.202", "0324.301"}, {"7131", "6131", "2131", "4131"}, {NULL}},
    {{"0313.221", "0313.222"}, {NULL}, {"04.01", "04.02"}},
    {{"0322.211"}, {"5171"}, {"06.02"}},
    {{NULL}, {NULL}, {NULL}},
};
const char *const copd_claim_codes[CLAIM_CODE_SYSTEMS][MAX_CONDITION_CODES] = {
    {"0322.231"}, {"5172"}, {"06.01"}};
