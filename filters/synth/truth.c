/* truth.c: --truth, the parameters that generated the data (planted rate ratios, targets) as
 * CSV with columns model,parameter,level,value, for checking what an analysis recovers. */
#include <stdio.h>

#include "number.h"
#include "synth.h"

/* One row model,parameter,level,value (also for --country's truth). */
void truth_row(record_writer *w, const char *model, const char *parameter, const char *level, double value)
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

/* Rate ratios per SES quintile, levels 1 to 5. */
static void truth_by_ses_quintile(record_writer *w, const char *model, const char *parameter,
                                  const double table[SES_QUINTILES])
{
    char level[32];
    for (int q = 0; q < SES_QUINTILES; q++) {
        snprintf(level, sizeof level, "%d", q + 1);
        truth_row(w, model, parameter, level, table[q]);
    }
}

static void truth_run(const synth *s, record_writer *w)
{
    truth_row(w, "run", "persons", "", (double)s->options.persons);
    truth_row(w, "run", "seed", "", (double)s->options.seed);
    truth_row(w, "run", "first_year", "", s->options.first_year);
    truth_row(w, "run", "last_year", "", s->options.last_year);
    truth_row(w, "run", "dirty_rate", "", s->options.dirty);
    truth_row(w, "population", "births_per_year", "", BIRTHS_PER_YEAR);
    truth_row(w, "population", "movers_in_per_year", "", MOVERS_IN_PER_YEAR);
}

static void truth_wmo(record_writer *w)
{
    truth_by_sex_and_band(w, "wmo", "base_probability", wmo_base);
    truth_by_ses_quintile(w, "wmo", "rate_ratio_ses_quintile", wmo_rr_ses);
    for (int h = 0; h < HOUSEHOLD_COUNT; h++)
        truth_row(w, "wmo", "rate_ratio_household_type", household_names[h], wmo_rr_household[h]);
    for (int m = 0; m < MIGRATION_COUNT; m++)
        truth_row(w, "wmo", "rate_ratio_migration_background", migration_names[m], wmo_rr_migration[m]);
    for (int d = 0; d < DISTRICT_COUNT; d++)
        truth_row(w, "wmo", "rate_ratio_district", districts[d].name, districts[d].wmo_rate_ratio);
    truth_row(w, "wmo", "cap", "", WMO_CAP);
    truth_row(w, "wmo", "persistence", "", WMO_PERSISTENCE);
    truth_row(w, "wmo", "target_share_residents_18_plus", "", WMO_TARGET_SHARE_ADULTS);
}

static void truth_gp(const synth *s, record_writer *w)
{
    char level[32];
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
    for (int g = 0; g < GROUP_COUNT; g++)
        if (group_target_2019[g] > 0)
            truth_row(w, "condition", "target_prevalence_2019", group_names[g], group_target_2019[g]);
    for (int g = 0; g < GROUP_COUNT; g++)
        if (group_target_2019[g] > 0)
            truth_row(w, "condition", "recorded_share_2019", group_names[g], recorded_2019[g]);
    for (int g = 0; g < GROUP_COUNT; g++)
        if (gp_contact_about_2019[g] >= 0) {
            truth_row(w, "condition", "gp_contact_about_2019", group_names[g], gp_contact_about_2019[g]);
            truth_row(w, "condition", "gp_contact_about_2023", group_names[g], gp_contact_about_2023[g]);
        }
    truth_row(w, "referrals", "practice_share_delivering", "", PRACTICE_DELIVERS_REFERRALS);
    for (int g = 0; g < GROUP_COUNT; g++)
        if (referral_about_2019[g] >= 0 && g != GROUP_MENTAL) {
            truth_row(w, "referrals", "referral_about_2019", group_names[g], referral_about_2019[g]);
            truth_row(w, "referrals", "referral_about_2023", group_names[g], referral_about_2023[g]);
        }
    truth_row(w, "referrals", "referral_ggz_per_mental_episode_year", "", REFERRAL_GGZ);
    for (int band = 0; band < BAND_COUNT; band++)
        truth_row(w, "referrals", "rate_other_reasons", band_names[band], referral_rate[band]);
    truth_row(w, "referrals", "rate_ratio_per_condition_group", "", REFERRAL_RR_PER_CONDITION);
    truth_row(w, "referrals", "rate_ratio_intellectual_disability", "", REFERRAL_RR_INTELLECTUAL_DISABILITY);
    for (int g = 0; g < GROUP_COUNT; g++)
        if (referral_target_2019[g] >= 0) {
            truth_row(w, "referrals", "target_referral_share_2019", group_names[g], referral_target_2019[g]);
            truth_row(w, "referrals", "target_referral_share_2023", group_names[g], referral_target_2023[g]);
        }
    for (int g = 0; g < GROUP_COUNT; g++)
        if (gp_contact_target_2019[g] >= 0) {
            truth_row(w, "condition", "target_gp_contact_share_2019", group_names[g], gp_contact_target_2019[g]);
            truth_row(w, "condition", "target_gp_contact_share_2023", group_names[g], gp_contact_target_2023[g]);
        }
}

static void truth_contacts(record_writer *w)
{
    truth_by_sex_and_band(w, "gp_contacts", "base_rate", contact_base);
    for (int band = 0; band < BAND_COUNT; band++)
        truth_row(w, "gp_contacts", "rate_ratio_wmo", band_names[band], contact_rr_wmo[band]);
    for (int sex = 0; sex < SEX_COUNT; sex++)
        truth_row(w, "gp_contacts", "rate_ratio_wmo_sex_factor", sex_names[sex], contact_rr_wmo_sex[sex]);
    truth_by_ses_quintile(w, "gp_contacts", "rate_ratio_ses_quintile", contact_rr_ses);
    truth_row(w, "gp_contacts", "rate_ratio_per_condition_group", "", CONTACT_RR_PER_CONDITION);
    truth_row(w, "gp_contacts", "frailty_shape_person", "", CONTACT_FRAILTY_PERSON);
    truth_row(w, "gp_contacts", "frailty_shape_year", "", CONTACT_FRAILTY_YEAR);
    truth_row(w, "gp_contacts", "target_share_with_gp_contact", "", CONTACT_TARGET_ANY);
    for (int sex = 0; sex < SEX_COUNT; sex++)
        truth_row(w, "gp_contacts", "target_wmo_ratio_standardised", sex_names[sex],
                  contact_target_wmo_ratio_by_sex[sex]);
}

/* The chance that a case of GROUP has no claim about it in a year's coded disciplines (those
 * whose claims carry condition codes: a case without one is not seen in claims that year). */
static double not_in_claims(int group, int year)
{
    double none = 1;
    for (int d = 0; d < DISCIPLINE_COUNT; d++)
        if (disciplines[d].code_system == CODE_SYSTEM_DBC || disciplines[d].code_system == CODE_SYSTEM_DCSPH ||
            disciplines[d].code_system == CODE_SYSTEM_DIET)
            none *= 1 - trend_value(claim_chance_2019[group][d], claim_chance_2023[group][d], year);
    return none;
}

/* Model claims: insurers, incomplete deliveries, and per condition group, discipline and study
 * year the chance of care about a case (level condition:discipline:year). */
static void truth_claims(const synth *s, record_writer *w)
{
    char level[64];
    for (int k = 0; k < INSURER_COUNT; k++)
        truth_row(w, "claims", "insurer_share", insurer_ids[k], insurer_share[k]);
    truth_row(w, "claims", "insurer_switch_per_year", "", INSURER_SWITCH);
    truth_row(w, "claims", "insurer_incomplete_year", "", INSURER_INCOMPLETE_YEAR);
    truth_row(w, "claims", "incomplete_loss", "", INCOMPLETE_LOSS);
    for (int k = 0; k < INSURER_COUNT; k++)
        for (int i = 0; i < s->year_count; i++) {
            snprintf(level, sizeof level, "%s:%d", insurer_ids[k], s->options.first_year + i);
            truth_row(w, "claims", "delivery_incomplete", level, s->insurer_incomplete[k][i]);
        }
    truth_row(w, "claims", "case_not_in_gp", "", CLAIMS_CASE_NOT_IN_GP);
    for (int g = 0; g < GROUP_COUNT; g++)
        for (int i = 0; i < s->year_count; i++) {
            int year = s->options.first_year + i;
            for (int d = 0; d < DISCIPLINE_COUNT; d++) {
                double value = trend_value(claim_chance_2019[g][d], claim_chance_2023[g][d], year);
                if (value <= 0)
                    continue;
                snprintf(level, sizeof level, "%s:%s:%d", group_names[g], disciplines[d].name, year);
                truth_row(w, "claims", "claim_chance", level, value);
            }
            snprintf(level, sizeof level, "%s:%d", group_names[g], year);
            truth_row(w, "claims", "not_in_claims", level, not_in_claims(g, year));
        }
    for (int d = 0; d < DISCIPLINE_COUNT; d++)
        for (int band = 0; band < BAND_COUNT; band++) {
            snprintf(level, sizeof level, "%s:%s", disciplines[d].name, band_names[band]);
            truth_row(w, "claims", "background_episodes_of_care", level, disciplines[d].background[band]);
        }
}

/* Writes and closes W. */
void write_truth(const synth *s, record_writer *w)
{
    const char *header[] = {"model", "parameter", "level", "value"};
    record_writer_record(w, (char *const *)header, NULL, 4);
    truth_run(s, w);
    truth_wmo(w);
    truth_gp(s, w);
    truth_contacts(w);
    truth_claims(s, w);
    record_writer_close(w);
}
