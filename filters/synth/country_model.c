/* country_model.c: the planted numbers of --country: the Wmo rates of GMSD and CAK (CPB, wijkteams
 * 2015-2017, Tabel 4.2 and Bijlage B), client durations, and the products of each source. */
#include "country.h"

/* Four large cities (Amsterdam, Rotterdam, The Hague and Utrecht around 2015, rounded). */
const double large_city_population[COUNTRY_LARGE_CITIES] = {830000, 620000, 510000, 335000};

/* Clients per 1,000 inhabitants in January of the first year: 8.0 without and 9.2 with a
 * wijkteam (GMSD), 7.4 and 8.8 (CAK); in December of the last year 10.0 and 12.7 (GMSD: an
 * effect of 1.5 as in the text, 12.7 - 9.2 - 2.0; Tabel B.1), 8.3 and 10.0 (CAK, period 13:
 * an effect of 0.3; Tabel B.2). Per inhabitant, 65+ use
 * it 8 times as often as under-65s: with 20% aged 65+ that gives about 6 clients aged 65+ and 3
 * under 65 per 1,000 inhabitants, the split the CPB shows for CAK. */
const source_model source_models[SOURCE_COUNT] = {
    {"gmsd", 8.0, 2.0, 1.2, 1.5, 0.8, 1.0, 0.4, 8.0, 1.0 - 1.0 / 18, 30.0, 3.0, 1.0 - 1.0 / 24},
    {"cak", 7.4, 0.9, 1.4, 0.3, 0.8, 1.0, 0.2, 8.0, 1.0 - 1.0 / 16, 12.0, 1.0, 1.0 - 1.0 / 20},
};

/* GMSD: the municipality's decision, by product; ondersteuning thuis is the outcome. */
const product gmsd_products[GMSD_PRODUCT_COUNT] = {
    {"BG-IND", "begeleiding", true, 0.42, 0.58, 0, 0},
    {"DB-GRP", "dagbesteding", true, 0.30, 0.28, 0, 0},
    {"PV-THUIS", "persoonlijke verzorging", true, 0.18, 0.05, 0, 0},
    {"KV-LOGEER", "kortdurend verblijf", true, 0.05, 0.03, 0, 0},
    {"OV-MAATWERK", "overige maatwerkvoorzieningen", true, 0.05, 0.06, 0, 0},
    {"HBH-01", "hulp bij het huishouden", false, 0, 0, 0.55, 0},
    {"HM-WONING", "hulpmiddelen en diensten", false, 0, 0, 0.15, 0},
    {"HM-ROLSTOEL", "hulpmiddelen en diensten", false, 0, 0, 0.15, 0},
    {"HM-VERVOER", "hulpmiddelen en diensten", false, 0, 0, 0.15, 0},
};

/* CAK: care billed per four-week period, with hours; begeleiding totaal is the outcome.
 * Kortdurend verblijf counts in GMSD's outcome but not in CAK's (CPB, Tabel 4.1). */
const product cak_products[CAK_PRODUCT_COUNT] = {
    {"CAK-IB", "individuele begeleiding", true, 0.40, 0.52, 0, 7.0},
    {"CAK-DB", "dagbesteding", true, 0.30, 0.26, 0, 20.0},
    {"CAK-PV", "persoonlijke verzorging", true, 0.17, 0.04, 0, 9.0},
    {"CAK-ARR", "arrangementen Wmo", true, 0.07, 0.08, 0, 12.0},
    {"CAK-VVD", "vervoersdiensten", true, 0.06, 0.03, 0, 3.0},
    {"CAK-BWE", "beschermd wonen extramuraal", true, 0, 0.07, 0, 16.0},
    {"CAK-HH", "hulp bij het huishouden", false, 0, 0, 0.9, 10.0},
    {"CAK-KV", "kortdurend verblijf", false, 0, 0, 0.1, 24.0},
};
