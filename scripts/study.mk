# study.mk: the Amsterdam study (Nivel/ahti 2021) and the IZA indicators (Nivel 2025) on
# synthetic data, as Make targets: every intermediate file is a target, every step a shell
# pipeline of koppel filters. Run through `make demo`, or: make -f scripts/study.mk -j2.
# Output in $(OUT); the report is $(OUT)/report.html.

OUT      ?= out
PERSONS  ?= 100000
SEED     ?= 2017
DIRTY    ?= 0.001
YEAR     ?= 2017
IZA_YEARS = 2019 2023
PROJECT  ?= koppel-demo
# The koppel command, by name (on PATH) or path. Each step runs its verb's own program beside it,
# K-VERB (koppel-select for K=koppel), as `koppel VERB` would but without starting the dispatcher
# first: the study runs its steps some 1,400 times, and that start-up cost 8% of its CPU time.
K        ?= koppel

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all tables report clean-study

# The study's age groups for tables, and coarser ones as strata (small groups such as Wmo users
# of 85+ would leave strata empty, and a DSR with an empty stratum is not defined).
AGE_GROUPS = 18,45,65,75,85
AGE_STRATA = 18,45,65,75
SOURCES    = persons wmo wlz gp_patients gp_episodes gp_contacts gp_referrals claims insured
GP_CONTACT_TYPES = consult|visit|phone|email|vaccination
# The IZA monitor counts two disciplines: the GP's contacts of these types and the POH-GGZ's
# (the practice's mental health nurse) consult, visit, phone, email and group contacts.
POH_GGZ_CONTACT_TYPES = consult|visit|phone|email|group
CONTACT_TYPES_gp = $(GP_CONTACT_TYPES)
CONTACT_TYPES_poh_ggz = $(POH_GGZ_CONTACT_TYPES)
DISCIPLINES = gp poh_ggz
empty :=
space := $(empty) $(empty)
CONTACT_YEARS = $(subst $(space),|,$(sort $(YEAR) $(IZA_YEARS)))
# The IZA monitor's ten groups: its rule table has asthma and COPD as one group (Astma/COPD:
# R96/R91, R95) whose subgroups it reports apart (asthma R96; COPD R91, R95).
CONDITIONS = mental cancer cardiovascular frail_elderly neck_back osteoarthritis diabetes \
             asthma copd intellectual_disability

R = $(OUT)/raw
P = $(OUT)/pseudo
C = $(OUT)/clean
W = $(OUT)/work
T = $(OUT)/tables
J = $(OUT)/stats
X = $(OUT)/rejects
# The rules and label tables shipped with koppel (KOPPEL_SHARE: where an installed bundle keeps them).
RULES ?= $(or $(KOPPEL_SHARE),share/koppel)/rules

all: report

# ------------------------------------------------------------------ 1. the data holders' files
$(R)/persons.csv $(R)/wmo.csv $(R)/wlz.csv $(R)/gp_practices.csv $(R)/gp_patients.csv $(R)/gp_episodes.csv \
$(R)/gp_contacts.csv $(R)/gp_referrals.csv $(R)/claims.csv $(R)/insured.csv $(R)/insurer_deliveries.csv \
$(R)/truth.csv &:
	@mkdir -p $(R) $(J)
	rm -f $(J)/synth.json
	$(K)-synth --persons $(PERSONS) --seed $(SEED) --dirty $(DIRTY) --out $(R) \
	    --truth $(R)/truth.csv --stats $(J)/synth.json

# ------------------------------------------------------------------ 2. the trusted third party
# A demonstration key, fixed so that reruns are byte-identical. A real study gets its key
# from the TTP (koppel pseudonymise --new-key) and never writes it in a Makefile.
$(OUT)/ttp/master.key:
	@mkdir -p $(@D)
	( umask 077; printf '%s\n' 6b6f7070656c2d64656d6f2d6f6e6c792d6e6f742d612d7265616c2d6b657921 > $@ )

# Each holder pseudonymises its own file with the project key: pseudonym replaces the BSN,
# house numbers go, postcodes become PC4. Rejected rows stay with the holder (rejects/).
PSEUDONYMISE = $(K)-pseudonymise --key-file $(OUT)/ttp/master.key --project $(PROJECT) --bsn bsn

$(P)/persons.csv: $(R)/persons.csv $(OUT)/ttp/master.key
	@mkdir -p $(@D) $(X) $(J)
	rm -f $(J)/pseudonymise-persons.json
	$(PSEUDONYMISE) --drop house_number --coarsen postcode=pc4 --rejects $(X)/pseudonymise-persons.csv \
	    --stats $(J)/pseudonymise-persons.json $< 2>/dev/null > $@.part && mv $@.part $@

$(P)/wmo.csv $(P)/wlz.csv $(P)/gp_episodes.csv $(P)/gp_referrals.csv $(P)/claims.csv $(P)/insured.csv: $(P)/%.csv: $(R)/%.csv $(OUT)/ttp/master.key
	@mkdir -p $(@D) $(X) $(J)
	rm -f $(J)/pseudonymise-$*.json
	$(PSEUDONYMISE) --rejects $(X)/pseudonymise-$*.csv --stats $(J)/pseudonymise-$*.json \
	    $< 2>/dev/null > $@.part && mv $@.part $@

$(P)/gp_patients.csv: $(R)/gp_patients.csv $(OUT)/ttp/master.key
	@mkdir -p $(@D) $(X) $(J)
	rm -f $(J)/pseudonymise-gp_patients.json
	$(PSEUDONYMISE) --coarsen postcode=pc4 --rejects $(X)/pseudonymise-gp_patients.csv \
	    --stats $(J)/pseudonymise-gp_patients.json $< 2>/dev/null > $@.part && mv $@.part $@

# One practice delivers its contacts with ';': read with -d ';', then join the two parts.
$(P)/gp_contacts.csv: $(R)/gp_contacts.csv $(OUT)/ttp/master.key
	@mkdir -p $(@D) $(X) $(J)
	rm -f $(J)/pseudonymise-gp_contacts*.json
	$(PSEUDONYMISE) --rejects $(X)/pseudonymise-gp_contacts.csv \
	    --stats $(J)/pseudonymise-gp_contacts.json $< 2>/dev/null > $@.main
	for f in $(R)/gp_contacts_practice_*.csv; do [ -e "$$f" ] || continue; \
	    b=$$(basename $$f .csv); \
	    $(PSEUDONYMISE) -d ';' --rejects $(X)/pseudonymise-$$b.csv \
	        --stats $(J)/pseudonymise-$$b.json $$f 2>/dev/null > $@.$$b; done
	$(K)-select $@.main $$(ls $@.gp_contacts_practice_* 2>/dev/null) > $@.part
	rm -f $@.main $@.gp_contacts_practice_*; mv $@.part $@

# All sources must carry the same key fingerprint, or they will not link.
$(W)/fingerprints.txt: $(foreach s,$(SOURCES),$(P)/$(s).csv)
	@mkdir -p $(@D)
	grep -ho '"key_fingerprint":"[0-9a-f]*"' $(foreach s,$(SOURCES),$(J)/pseudonymise-$(s)*.json) | sort | uniq -c > $@
	test $$(wc -l < $@) -eq 1 || { echo "study: sources were pseudonymised with different keys" >&2; exit 1; }

# ------------------------------------------------------------------ 3. cleaning at the analyst
# Dates delivered as DD-MM-YYYY become ISO; what cannot be read is rejected, and counted.
# A period whose end lies before its start is rejected too (select checks it on any overlap test).
VALID_PERIOD = $(K)-select --overlaps $(1),$(2)=0001-01-01..9999-12-31 --rejects $(X)/periods-$(3).csv \
    --stats $(J)/periods-$(3).json 2>/dev/null
# A person delivered twice (twice the same, or with other data) cannot be linked safely: all
# their rows are left out (work/persons-duplicated.csv, counted in the linkage report). The
# rows of the delivery are counted per person, whether or not their dates can be read (a
# second row with a broken date is a second delivery all the same), while the study
# population (section 4) is made from the cleaned persons beside it; the persons delivered
# twice are taken out of the population once the count is complete.
$(W)/population.csv $(W)/persons-duplicated.csv &: $(P)/persons.csv $(W)/fingerprints.txt $(W)/ses-groups.csv
	@mkdir -p $(W)
	rm -f $(J)/clean-persons.json $(J)/periods-persons.json
	( $(K)-aggregate -g bsn --count --min-count 2 $< | $(K)-select --columns bsn \
	    > $(W)/persons-duplicated.csv ) & \
	counting=$$!; \
	$(K)-derive --iso-date birth_date --iso-date registration_start --iso-date registration_end \
	    --iso-date death_date --rejects $(X)/clean-persons.csv --stats $(J)/clean-persons.json $< 2>/dev/null \
	  | $(POPULATION) > $(W)/population-candidates.csv || { wait; exit 1; }; \
	wait $$counting
	# With nobody delivered twice (as a register should be) the candidates are the population
	# as they are: an anti-join with no keys would copy them byte for byte.
	if [ "$$(wc -l < $(W)/persons-duplicated.csv)" -le 1 ]; then \
	    mv $(W)/population-candidates.csv $(W)/population.csv; \
	else \
	    $(K)-join -k bsn --type anti -q $(W)/population-candidates.csv $(W)/persons-duplicated.csv \
	        > $(W)/population.csv; \
	    rm -f $(W)/population-candidates.csv; \
	fi

# Periods (Wmo provisions, Wlz stays, the insurers' claims): start and end dates read.
$(C)/wmo.csv $(C)/wlz.csv $(C)/claims.csv: $(C)/%.csv: $(P)/%.csv $(W)/fingerprints.txt
	@mkdir -p $(@D)
	rm -f $(J)/clean-$*.json $(J)/periods-$*.json
	$(K)-derive --iso-date start_date --iso-date end_date --rejects $(X)/clean-$*.csv \
	    --stats $(J)/clean-$*.json $< 2>/dev/null | $(call VALID_PERIOD,start_date,end_date,$*) > $@

# The practices' own account of their deliveries (no persons in it): read as it is.
$(C)/gp_practices.csv: $(R)/gp_practices.csv
	@mkdir -p $(@D)
	$(K)-select $< > $@

$(C)/gp_patients.csv: $(P)/gp_patients.csv $(W)/fingerprints.txt
	@mkdir -p $(@D)
	rm -f $(J)/clean-gp_patients.json $(J)/periods-gp_patients.json
	$(K)-derive --iso-date birth_date --iso-date registration_start --iso-date registration_end \
	    --rejects $(X)/clean-gp_patients.csv --stats $(J)/clean-gp_patients.json $< 2>/dev/null \
	  | $(call VALID_PERIOD,registration_start,registration_end,gp_patients) > $@

$(C)/gp_episodes.csv: $(P)/gp_episodes.csv $(W)/fingerprints.txt
	@mkdir -p $(@D)
	rm -f $(J)/clean-gp_episodes.json $(J)/periods-gp_episodes.json
	$(K)-derive --iso-date start_date --iso-date end_date --rejects $(X)/clean-gp_episodes.csv \
	    --stats $(J)/clean-gp_episodes.json $< 2>/dev/null | $(call VALID_PERIOD,start_date,end_date,gp_episodes) > $@

# Referrals to medical specialists, from the practices that deliver them (gp_practices.csv
# says which), in the IZA years only.
$(C)/gp_referrals.csv: $(P)/gp_referrals.csv $(W)/fingerprints.txt
	@mkdir -p $(@D)
	rm -f $(J)/clean-gp_referrals.json
	$(K)-derive --iso-date referral_date --rejects $(X)/clean-gp_referrals.csv \
	    --stats $(J)/clean-gp_referrals.json $< 2>/dev/null \
	  | $(K)-select --in-year 'referral_date=$(subst $(space),|,$(IZA_YEARS))' > $@

# Of the contacts (the largest source by far) only those the study counts are kept: GP and
# POH-GGZ contacts of the counted types in the study's years. At national scale that is a
# third of them; a full cleaned copy would be 6 GB on disk for nothing.
$(C)/gp_contacts.csv: $(P)/gp_contacts.csv $(W)/fingerprints.txt
	@mkdir -p $(@D)
	rm -f $(J)/clean-gp_contacts.json $(J)/periods-gp_contacts.json
	$(K)-derive --iso-date contact_date --rejects $(X)/clean-gp_contacts.csv \
	    --stats $(J)/clean-gp_contacts.json $< 2>/dev/null \
	  | $(K)-select --eq 'provider=gp|poh_ggz' --eq 'contact_type=$(GP_CONTACT_TYPES)|group' \
	        --in-year 'contact_date=$(CONTACT_YEARS)' > $@

# ------------------------------------------------------------------ 4. the study population
# SES quintiles grouped in three so that small groups keep every stratum filled.
$(W)/ses-groups.csv:
	@mkdir -p $(@D)
	printf 'ses,ses_group\n1,low\n2,low\n3,middle\n4,high\n5,high\n' > $@

# Residents of 18 and over on 1 January of the study year, with age groups and ESP bands
# (made from the cleaned persons as they stream by, above), less the persons delivered twice.
# REGISTERED says who is a resident: year (default), everyone registered in the city at any
# time in YEAR, as the Amsterdam report counts ("Alle inwoners van Amsterdam ingeschreven bij
# de GBA in 2017"), the dead and those who moved in or out during the year included; january, those
# registered on 1 January only.
# One select checks the registration period (a bad one is rejected, as in VALID_PERIOD: the
# check comes first, so it sees every record), keeps the residents and the adults (18 or over
# on 1 January of YEAR is born on or before 1 January of YEAR - 18), so that derive ages only
# them, and keeps only the columns the tables need: the research set carries no address,
# neighbourhood or registration dates (data minimisation).
ADULTS_BORN_BY := $(shell echo $$(( $(YEAR) - 18 )))-01-01
POPULATION_COLUMNS = bsn,birth_date,sex,district,household_type,migration_background,ses_quintile
REGISTERED ?= year
REGISTERED_IN_year = --overlaps registration_start,registration_end=$(YEAR)-01-01..$(YEAR)-12-31
REGISTERED_IN_january = --covers registration_start,registration_end=$(YEAR)-01-01..$(YEAR)-01-01
ifeq ($(REGISTERED_IN_$(REGISTERED)),)
$(error REGISTERED is year or january, not '$(REGISTERED)')
endif
POPULATION = $(K)-select --overlaps registration_start,registration_end=0001-01-01..9999-12-31 \
	    $(REGISTERED_IN_$(REGISTERED)) \
	    --le birth_date=$(ADULTS_BORN_BY) --columns $(POPULATION_COLUMNS) \
	    --rejects $(X)/periods-persons.csv --stats $(J)/periods-persons.json 2>/dev/null \
	  | $(K)-derive --age age=birth_date:$(YEAR)-01-01 \
	        --band age_group=age:$(AGE_GROUPS) --below-first age_group=empty \
	        --band age_strata=age:$(AGE_STRATA) --below-first age_strata=empty \
	        --rename ses_quintile=ses --rename migration_background=migration \
	        --rename household_type=household --lookup ses_group=ses:$(W)/ses-groups.csv

# GP patients eligible in YEAR (docs/METHODS.md): registered with one practice for the whole year,
# never with two; persons who are not are counted out in the linkage report. (Two practices
# take two records: --min-count 2 leaves the patients of one record out before the sort.)
# The whole year of one born or deceased in it is the part they lived: from a registration
# that began in the year of birth, and until one that ended with death (the monitor corrects
# for them rather than leaving them out). A patient matched twice is one record after the count.
ELIGIBLE_REGISTRATION = \
    <($(K)-select --covers registration_start,registration_end=$(1)-01-01..$(1)-12-31 $(2)) \
    <($(K)-select --in-year birth_date=$(1) --in-year registration_start=$(1) \
        --covers registration_start,registration_end=$(1)-12-31..$(1)-12-31 $(2)) \
    <($(K)-select --eq registration_end_reason=death --in-year registration_end=$(1) \
        --covers registration_start,registration_end=$(1)-01-01..$(1)-01-01 $(2)) \
    <($(K)-select --eq registration_end_reason=death --in-year registration_end=$(1) \
        --in-year birth_date=$(1) --in-year registration_start=$(1) $(2))
$(W)/gp-eligible-%.csv: $(C)/gp_patients.csv
	$(K)-select --overlaps registration_start,registration_end=$*-01-01..$*-12-31 $< \
	  | $(K)-aggregate -g bsn --count-distinct practice_id --min-count 2 \
	  | $(K)-select --gt distinct_practice_id=1 --columns bsn > $(W)/gp-multiple-$*.csv
	$(K)-select $(call ELIGIBLE_REGISTRATION,$*,$<) \
	  | $(K)-join -k bsn --type anti -q - $(W)/gp-multiple-$*.csv \
	  | $(K)-periods --period registration_start,registration_end --window $*-01-01..$*-12-31 --unit year \
	      --days-column days_registered \
	  | $(K)-aggregate -g bsn,birth_date --count --max days_registered > $@.covered
	# a patient delivered with two dates of birth is left out too
	$(K)-aggregate -g bsn --count --min-count 2 $@.covered | $(K)-select --columns bsn > $(W)/gp-conflicting-$*.csv
	$(K)-join -k bsn --type anti -q $@.covered $(W)/gp-conflicting-$*.csv > $@
	rm -f $@.covered

# Wmo users (any provision running in the year) and GP contacts per person in the year.
$(W)/wmo-users-%.csv: $(C)/wmo.csv
	$(K)-select --overlaps start_date,end_date=$*-01-01..$*-12-31 $< \
	  | $(K)-aggregate -g bsn --count | $(K)-derive --rename count=wmo_provisions > $@

$(W)/gp-contacts-%.csv: $(C)/gp_contacts.csv
	$(K)-select --in-year contact_date=$* --eq provider=gp \
	    --eq 'contact_type=$(GP_CONTACT_TYPES)' $< \
	  | $(K)-aggregate -g bsn --count | $(K)-derive --rename count=gp_contacts > $@

# The linked research set: residents 18+ who are eligible GP patients, with Wmo use (0/1)
# and their number of GP contacts. The linkage report says how many linked.
# (The residents who are eligible patients are a target of their own, so that Make can link
# them while it counts the contacts and Wmo users.)
$(W)/linked-gp.csv: $(W)/population.csv $(W)/gp-eligible-$(YEAR).csv
	@mkdir -p $(T)
	$(K)-join -k bsn --type semi --report $(T)/linkage-gp.csv -q $< $(W)/gp-eligible-$(YEAR).csv > $@
$(W)/linked.csv: $(W)/linked-gp.csv $(W)/wmo-users-$(YEAR).csv $(W)/gp-contacts-$(YEAR).csv
	$(K)-join -k bsn --type semi -q $< $(W)/wmo-users-$(YEAR).csv | $(K)-derive --const wmo_user=1 > $@.users & \
	users=$$!; \
	$(K)-join -k bsn --type anti -q $< $(W)/wmo-users-$(YEAR).csv | $(K)-derive --const wmo_user=0 > $@.others \
	  || { wait; exit 1; }; \
	wait $$users
	$(K)-select $@.users $@.others \
	  | $(K)-join -k bsn --type left --report $(T)/linkage-contacts.csv -q - $(W)/gp-contacts-$(YEAR).csv \
	  | $(K)-derive --fill gp_contacts=0 > $@
	rm -f $@.users $@.others $<

# Wmo use in the whole population 18+ (for T4 and T5).
$(W)/population-wmo.csv: $(W)/population.csv $(W)/wmo-users-$(YEAR).csv
	@mkdir -p $(T)
	$(K)-join -k bsn --type semi --report $(T)/linkage-wmo.csv -q $< $(W)/wmo-users-$(YEAR).csv \
	  | $(K)-derive --const wmo_user=1 > $@.users
	$(K)-join -k bsn --type anti -q $< $(W)/wmo-users-$(YEAR).csv | $(K)-derive --const wmo_user=0 > $@.others
	$(K)-select $@.users $@.others > $@
	rm -f $@.users $@.others

# ------------------------------------------------------------------ 5. the tables
# T1-T5 describe one population (residents 18+, the linked among them, the Wmo users among
# them), so a reader can combine them: a district's persons are in T1 and in T5, the total of
# every T4 table is that of T5, T2's margins are T1's linked counts. They are protected
# together: every cell of every table is one record of a stacked set (UNION_DIMS, the total
# label where a table does not break down by a dimension) with all three counts (persons,
# linked, Wmo users; a cell is protected in each, published or not), suppressed once with
# --linked. Each table then keeps that pattern (the union's status, given) and blanks what
# its derived values would reopen (--depends); the whole set, restacked from the published
# tables, is audited once more (whole-set.audit.txt).
, := ,
commas = $(subst $(space),$(,),$(strip $(1)))
UNION_DIM_LIST = age_group sex ses migration district household wmo_user
UNION_DIMS = $(call commas,$(UNION_DIM_LIST))
UNION_TABLES = age_group sex ses migration district household age_group$(,)wmo_user sex$(,)wmo_user
UNION_COUNTS = persons,linked,observed,linked_users

# The population 18+ with two flags: linked (in the research population) and linked_user (a
# Wmo user in the research population).
$(W)/population-linked.csv: $(W)/population-wmo.csv $(W)/linked.csv
	$(K)-join -k bsn --type semi -q $< <($(K)-select --eq wmo_user=1 $(W)/linked.csv) \
	  | $(K)-derive --const linked=1 --const linked_user=1 > $@.users
	$(K)-join -k bsn --type semi -q $< <($(K)-select --eq wmo_user=0 $(W)/linked.csv) \
	  | $(K)-derive --const linked=1 --const linked_user=0 > $@.others
	$(K)-join -k bsn --type anti -q $< $(W)/linked.csv | $(K)-derive --const linked=0 --const linked_user=0 > $@.out
	$(K)-select $@.users $@.others $@.out > $@
	rm -f $@.users $@.others $@.out

# $(call as_union,DIMS): from standard input, a table's records with columns DIMS (comma
# list) and more, to the union's columns (the total label in the other dimensions), keeping
# the columns named in $(2).
as_union = $(K)-derive $(foreach d,$(filter-out $(subst $(,), ,$(1)),$(UNION_DIM_LIST)),--const $(d)=Total) \
	  | $(K)-select --columns $(UNION_DIMS),$(2)

# The set's cells, one class of cells at a time (the dimensions a cell breaks down by), each
# with the counts no table of the set shows for it (--unpublished: the primary rules skip them
# there, and suppress checks that none below 10 can be worked out): T1 shows all four counts of
# the characteristics' categories, T4 persons and Wmo users by household type, T2 and T3 only
# the linked persons by Wmo use.
UNION_CLASSES = -:- age_group:- sex:- ses:- migration:- district:- household:linked|linked_users \
                wmo_user:persons|observed|linked_users age_group$(,)wmo_user:persons|observed|linked_users \
                sex$(,)wmo_user:persons|observed|linked_users
$(W)/union-cells.csv: $(W)/population-linked.csv
	for spec in $(foreach c,$(UNION_CLASSES),'$(c)'); do \
	    dims=$${spec%%:*}; unpublished=$${spec#*:}; consts=(); \
	    [ "$$dims" = - ] && dims=; [ "$$unpublished" = - ] && unpublished=; \
	    for d in $(UNION_DIM_LIST); do \
	        case ,$$dims, in *,$$d,*) ;; *) consts+=(--const $$d=Total) ;; esac; done; \
	    $(K)-aggregate $${dims:+-g $$dims} --count --sum linked --sum wmo_user --sum linked_user $< \
	      | $(K)-derive --rename count=persons --rename sum_linked=linked --rename sum_wmo_user=observed \
	          --rename sum_linked_user=linked_users "$${consts[@]}" --const "unpublished=$$unpublished" \
	      | $(K)-select --columns $(UNION_DIMS),$(UNION_COUNTS),unpublished; done \
	  | awk 'NR == 1 { header = $$0; print; next } $$0 != header' | $(REFERENCE_CELLS) > $@
# The reference groups of the comparisons cost a hundred cells when suppressed (--cost-weight):
# a suppressed reference would blank every comparison of its table, so secondary suppression
# takes other cells where it can. (The set's fields are plain codes and numbers.)
REFERENCES = ses=$(T4_REF_ses) household=$(T4_REF_household) migration=$(T4_REF_migration) district=Centrum
REFERENCE_CELLS = awk -F, -v OFS=, -v refs='$(REFERENCES)' ' \
	NR == 1 { for (i = 1; i <= NF; i++) column[$$i] = i; print $$0, "cost_weight"; next } \
	{ broken = 0; for (d in column) if (d ~ /^(age_group|sex|ses|migration|district|household|wmo_user)$$/ \
	      && $$column[d] != "Total") { broken++; by = d } \
	  z = broken == 1 && index(" " refs " ", " " by "=" $$column[by] " ") > 0; \
	  z = z || ($$column["wmo_user"] == "0" && broken <= 2 && $$column["ses"] $$column["migration"] \
	      $$column["district"] $$column["household"] == "TotalTotalTotalTotal"); \
	  print $$0, z ? 100 : 1 }'
$(W)/union-published.csv: $(W)/union-cells.csv
	$(K)-suppress --linked --dims $(UNION_DIMS) --count $(UNION_COUNTS) --unpublished unpublished \
	    --cost-weight cost_weight --stats $(J)/suppress-union.json $< > $@

# $(call union_status,DIMS): the union's pattern for the table by DIMS: its key columns and status.
union_status = $(K)-select $(foreach d,$(filter-out $(subst $(,), ,$(1)),$(UNION_DIM_LIST)),--eq $(d)=Total) \
	  --columns $(1),status $(W)/union-published.csv

# publish DIMS,CELLS,TABLE,BLANK,COUNTS[,DEPENDS]: TABLE from CELLS with the union's pattern:
# the table's own suppress run keeps it (status given), checks it with the table's counts,
# blanks the derived columns, and the audit (--depends included) must pass.
define publish
	$(call union_status,$(1)) | $(K)-join -k $(1) --type left -q $(2) - \
	  | $(K)-suppress --dims $(1) --count $(5) --blank $(4) $(6) --singletons no --fill-zeros \
	    --stats $(J)/suppress-$(notdir $(3:.csv=)).json > $(3)
	$(K)-suppress --audit --dims $(1) --count $(5) $(6) --fill-zeros --original $(2) $(3) > $(3:.csv=.audit.txt)
endef

STD_VALUES = crude_rate,crude_lower,crude_upper,std_rate,std_lower,std_upper
STD_COLUMNS = observed,$(STD_VALUES)
CMP_COLUMNS = ratio,ratio_lower,ratio_upper,difference,difference_lower,difference_upper,significant
# The comparison with the reference group is computed from that group's cell too.
compare_depends = --depends $(CMP_COLUMNS)=$(1)

# T1 representativeness, in the two blocks of the Amsterdam report: per category of each
# characteristic, the residents 18+ against the research population (linked: in the GP data),
# and all Wmo users 18+ against the Wmo users of the research population, each with the share
# (%, Wilson interval).
T1_DIMS = age_group sex ses migration district
T1_COLUMNS = characteristic,category,persons,linked,pct_linked,pct_lower,pct_upper,wmo_users,linked_wmo_users,pct_wmo_linked,pct_wmo_lower,pct_wmo_upper
T1_COUNTS = persons,linked,wmo_users,linked_wmo_users
T1_SHARES = pct_linked,pct_lower,pct_upper,pct_wmo_linked,pct_wmo_lower,pct_wmo_upper
$(W)/t1-%.csv: $(W)/population-linked.csv
	$(K)-aggregate -g $* --totals --count --sum linked --sum wmo_user --sum linked_user $< \
	  | $(K)-derive --rename count=persons --rename sum_linked=linked --rename sum_wmo_user=wmo_users \
	      --rename sum_linked_user=linked_wmo_users > $@.cells
	$(K)-standardise --method crude --measure proportion --events linked --population persons -g $* $@.cells \
	  | $(K)-select --columns $*,crude_rate,crude_lower,crude_upper \
	  | $(K)-derive --rename crude_rate=pct_linked --rename crude_lower=pct_lower --rename crude_upper=pct_upper > $@.pop
	$(K)-standardise --method crude --measure proportion --events linked_wmo_users --population wmo_users -g $* $@.cells \
	  | $(K)-select --columns $*,crude_rate,crude_lower,crude_upper \
	  | $(K)-derive --rename crude_rate=pct_wmo_linked --rename crude_lower=pct_wmo_lower \
	      --rename crude_upper=pct_wmo_upper > $@.wmo
	$(K)-join -k $* --type left -q $@.cells $@.pop | $(K)-join -k $* --type left -q - $@.wmo \
	  | $(K)-derive --rename $*=category --const characteristic=$* | $(K)-select --columns $(T1_COLUMNS) > $@
	rm -f $@.cells $@.pop $@.wmo
$(W)/published-t1-%.csv: $(W)/t1-%.csv $(W)/union-published.csv
	$(call union_status,$*) | $(K)-derive --rename $*=category \
	  | $(K)-join -k category --type left -q $< - \
	  | $(K)-select --columns $(T1_COLUMNS),status \
	  | $(K)-suppress --dims category --count $(T1_COUNTS) --blank $(T1_SHARES) \
	    --singletons no --stats $(J)/suppress-t1-$*.json > $@
	$(K)-suppress --audit --dims category --count $(T1_COUNTS) --original $< $@ > $(@:.csv=.audit.txt)
$(T)/t1-representativeness.csv: $(foreach d,$(T1_DIMS),$(W)/published-t1-$(d).csv)
	@mkdir -p $(@D)
	$(K)-select $^ > $@
	cat $(^:.csv=.audit.txt) > $(@:.csv=.audit.txt)

# T2 GP contacts per person, Wmo users vs others, by age group, directly standardised for sex
# and SES (internal standard: the linked population), with the ratio users / others. Contacts
# per person are a mean of per-person counts, not Poisson events (a few persons have many):
# the intervals come from the variance of the counts per stratum (--sumsq, --measure mean).
$(W)/t2-strata.csv: $(W)/linked.csv
	$(K)-aggregate -g age_group,wmo_user,sex,ses_group --count --sum gp_contacts --sumsq gp_contacts $< > $@
$(W)/t2-rates.csv: $(W)/t2-strata.csv
	$(K)-standardise --method direct --standard internal --strata sex,ses_group -g age_group,wmo_user \
	    --measure mean --events sum_gp_contacts --sumsq sumsq_gp_contacts --population count \
	    --compare-to wmo_user=0 $< > $@
# Every cell of the set's grid is a row, a group with nobody linked too (a published zero, after
# the others): the grid is that of the population 18+ (the union's cells of these dimensions),
# taken from it directly so that the cells need not wait for the union's suppression.
table_grid = $(K)-aggregate -g $(1) --totals --count $(W)/population-wmo.csv | $(K)-select --columns $(1)
$(W)/t2-cells.csv: $(W)/linked.csv $(W)/t2-rates.csv $(W)/population-wmo.csv
	$(K)-aggregate -g age_group,wmo_user --totals --count $< \
	  | $(K)-join -k age_group,wmo_user --type full -q - <($(call table_grid,age_group$(,)wmo_user)) \
	  | $(K)-derive --fill count=0 --rename count=persons \
	  | $(K)-join -k age_group,wmo_user --type left -q - $(W)/t2-rates.csv \
	  | $(K)-select --drop population > $@
$(T)/t2-contacts-by-age.csv: $(W)/t2-cells.csv $(W)/union-published.csv
	@mkdir -p $(@D)
	$(call publish,age_group$(,)wmo_user,$<,$@,$(STD_COLUMNS)$(,)$(CMP_COLUMNS),persons,$(call compare_depends,wmo_user:0))

# T3 the same by sex, standardised for age group and SES.
$(W)/t3-rates.csv: $(W)/linked.csv
	$(K)-aggregate -g sex,wmo_user,age_strata,ses_group --count --sum gp_contacts --sumsq gp_contacts $< \
	  | $(K)-standardise --method direct --standard internal --strata age_strata,ses_group -g sex,wmo_user \
	    --measure mean --events sum_gp_contacts --sumsq sumsq_gp_contacts --population count \
	    --compare-to wmo_user=0 > $@
$(W)/t3-cells.csv: $(W)/linked.csv $(W)/t3-rates.csv $(W)/population-wmo.csv
	$(K)-aggregate -g sex,wmo_user --totals --count $< \
	  | $(K)-join -k sex,wmo_user --type full -q - <($(call table_grid,sex$(,)wmo_user)) \
	  | $(K)-derive --fill count=0 --rename count=persons \
	  | $(K)-join -k sex,wmo_user --type left -q - $(W)/t3-rates.csv | $(K)-select --drop population > $@
$(T)/t3-contacts-by-sex.csv: $(W)/t3-cells.csv $(W)/union-published.csv
	@mkdir -p $(@D)
	$(call publish,sex$(,)wmo_user,$<,$@,$(STD_COLUMNS)$(,)$(CMP_COLUMNS),persons,$(call compare_depends,wmo_user:0))

# T4 Wmo use (%) by SES, household type and migration background, standardised for age (the
# coarser strata 18-44, 45-64, 65-74, 75+, so that a small group such as single parents leaves
# no stratum empty) and sex (internal standard: the population 18+), against a reference group;
# T5 by district against Centrum, standardised indirectly for five characteristics.
T4_REF_ses = 5
T4_REF_household = couple
T4_REF_migration = dutch
$(W)/t4-%-rates.csv: $(W)/population-wmo.csv
	$(K)-aggregate -g $*,age_strata,sex --count --sum wmo_user $< \
	  | $(K)-standardise --method direct --standard internal --strata age_strata,sex -g $* \
	    --measure proportion --events sum_wmo_user --population count \
	    --compare-to $*=$(T4_REF_$*) > $@
# The cells count persons and Wmo users (observed) with their margins: both are published, and
# both are protected.
$(W)/t4-%-cells.csv: $(W)/population-wmo.csv $(W)/t4-%-rates.csv
	$(K)-aggregate -g $* --totals --count --sum wmo_user $< \
	  | $(K)-derive --rename count=persons --rename sum_wmo_user=observed \
	  | $(K)-join -k $* --type left -q - <($(K)-select --drop population,observed $(W)/t4-$*-rates.csv) > $@
$(T)/t4-wmo-by-%.csv: $(W)/t4-%-cells.csv $(W)/union-published.csv
	@mkdir -p $(@D)
	$(call publish,$*,$<,$@,$(STD_VALUES)$(,)$(CMP_COLUMNS),persons$(,)observed,$(call compare_depends,$*:$(T4_REF_$*)))

# Westpoort (the port: a few hundred residents in Amsterdam) is too small to compare: it has no
# rates, but its counts are a row of T5 (the districts add up to the population of T4).
$(W)/t5-population.csv: $(W)/population-wmo.csv
	$(K)-select --ne district=Westpoort $< > $@
# Standardised for age, SES, migration background, sex and household type, as the Amsterdam
# report's figure by district is. Their full cross-classification has 5 x 5 x 7 x 2 x 6 strata,
# most of them empty in a district: direct standardisation would have no rate at all, so the
# districts are standardised indirectly (expected Wmo users from the city's rate per stratum;
# the indirectly standardised rate is SMR x the city's rate), and compared with Centrum.
$(W)/t5-rates.csv: $(W)/t5-population.csv
	$(K)-aggregate -g district,age_group,ses_group,migration,sex,household --count --sum wmo_user $< \
	  | $(K)-standardise --method indirect --reference internal \
	    --strata age_group,ses_group,migration,sex,household -g district \
	    --measure proportion --events sum_wmo_user --population count --compare-to district=Centrum > $@
$(W)/t5-cells.csv: $(W)/population-wmo.csv $(W)/t5-rates.csv
	$(K)-aggregate -g district --totals --count --sum wmo_user $< \
	  | $(K)-derive --rename count=persons --rename sum_wmo_user=observed \
	  | $(K)-join -k district --type left -q - <($(K)-select --drop population,observed $(W)/t5-rates.csv) > $@
$(T)/t5-wmo-by-district.csv: $(W)/t5-cells.csv $(W)/union-published.csv
	@mkdir -p $(@D)
	$(call publish,district,$<,$@,$(STD_VALUES)$(,)expected$(,)smr$(,)smr_lower$(,)smr_upper$(,)$(CMP_COLUMNS),persons$(,)observed,$(call compare_depends,district:Centrum))

# The whole set as published, restacked (T1 per characteristic, T2-T5 by their dimensions):
# one status per cell (a cell with two statuses is a duplicate and stops the audit), audited
# together with the unsuppressed counts.
$(W)/whole-set.csv: $(T)/t1-representativeness.csv $(T)/t2-contacts-by-age.csv $(T)/t3-contacts-by-sex.csv \
                    $(T)/t4-wmo-by-ses.csv $(T)/t4-wmo-by-household.csv $(T)/t4-wmo-by-migration.csv \
                    $(T)/t5-wmo-by-district.csv $(W)/union-cells.csv
	rm -f $@.part
	$(foreach d,$(T1_DIMS),$(K)-select --eq characteristic=$(d) --columns category,status $< \
	  | $(K)-derive --rename category=$(d) | $(call as_union,$(d),status) >> $@.part;)
	$(K)-select --columns age_group,wmo_user,status $(T)/t2-contacts-by-age.csv \
	  | $(call as_union,age_group$(,)wmo_user,status) >> $@.part
	$(K)-select --columns sex,wmo_user,status $(T)/t3-contacts-by-sex.csv \
	  | $(call as_union,sex$(,)wmo_user,status) >> $@.part
	$(foreach d,ses household migration,$(K)-select --columns $(d),status $(T)/t4-wmo-by-$(d).csv \
	  | $(call as_union,$(d),status) >> $@.part;)
	$(K)-select --columns district,status $(T)/t5-wmo-by-district.csv | $(call as_union,district,status) >> $@.part
	awk '!seen[$$0]++' $@.part \
	  | $(K)-join -k $(UNION_DIMS) --type left -q - <($(K)-select --drop cost_weight $(W)/union-cells.csv) > $@
	rm -f $@.part
$(T)/whole-set.audit.txt: $(W)/whole-set.csv $(W)/union-cells.csv
	$(K)-suppress --audit --linked --dims $(UNION_DIMS) --count $(UNION_COUNTS) --unpublished unpublished \
	    --original $(W)/union-cells.csv $< > $@

# T6 the IZA indicators per reference year: prevalence of each condition group among eligible
# patients, and per discipline (GP, POH-GGZ) the % of a group's patients with at least one
# contact for it (for frail elderly and intellectual disability: any contact).
# The IZA monitor's population in YEAR: the eligible GP patients less those who lived in a Wlz
# institution at any time in the year and the patients of practices whose delivery of the year
# is flagged insufficient (exclusions.csv counts both; a patient may be in both).
$(W)/iza-%/eligible.csv $(W)/iza-%/exclusions.csv &: $(W)/gp-eligible-%.csv $(C)/wlz.csv $(C)/gp_practices.csv $(C)/gp_patients.csv
	@mkdir -p $(@D)
	$(K)-select --eq setting=institution --overlaps start_date,end_date=$*-01-01..$*-12-31 --columns bsn $(C)/wlz.csv > $(@D)/wlz.csv
	$(K)-select --eq year=$* --eq data_quality=insufficient --columns practice_id $(C)/gp_practices.csv \
	  | $(K)-join -k practice_id --type semi -q \
	      <($(K)-select --overlaps registration_start,registration_end=$*-01-01..$*-12-31 $(C)/gp_patients.csv) - \
	  | $(K)-select --columns bsn > $(@D)/insufficient.csv
	$(K)-join -k bsn --type anti -q $< $(@D)/wlz.csv \
	  | $(K)-join -k bsn --type anti -q - $(@D)/insufficient.csv > $(@D)/eligible.csv
	{ echo year,reason,patients; \
	  printf '%s,wlz_institution,%s\n' $* $$($(K)-join -k bsn --type semi -q $< $(@D)/wlz.csv | tail -n +2 | wc -l); \
	  printf '%s,practice_data_insufficient,%s\n' $* $$($(K)-join -k bsn --type semi -q $< $(@D)/insufficient.csv | tail -n +2 | wc -l); \
	  printf '%s,remaining,%s\n' $* $$(tail -n +2 $(@D)/eligible.csv | wc -l); } > $(@D)/exclusions.csv
	rm -f $(@D)/wlz.csv $(@D)/insufficient.csv

$(W)/iza-%/prevalence.csv: $(W)/iza-%/eligible.csv $(C)/gp_episodes.csv
	@mkdir -p $(@D)
	$(K)-classify-condition --prevalence --subgroups --year $* --population $< \
	    --rejects $(X)/classify-$*.csv --stats $(J)/classify-$*.json $(C)/gp_episodes.csv 2>/dev/null \
	  | $(K)-derive --rename asthma_copd_asthma=asthma --rename asthma_copd_copd=copd > $@

# Per condition, the persons with a record (contact, referral) for it, as bsn,condition: from the
# tagged records ($(1): bsn,condition,subgroup,count), or for frail elderly and intellectual
# disability any record ($(2): bsn,count). Asthma and COPD are the subgroups of one group. (All
# coded groups in one pass: a step per group cost a dozen more programs started per file.)
CODED_CONDITIONS = $(filter-out frail_elderly intellectual_disability asthma copd,$(CONDITIONS))
condition_hits = { $(K)-select --eq 'condition=$(subst $(space),|,$(CODED_CONDITIONS))' $(1) \
	      | $(K)-aggregate -g bsn,condition --count | $(K)-select --columns bsn,condition; \
	    $(K)-select --eq condition=asthma_copd --eq 'subgroup=asthma|copd' --columns bsn,subgroup $(1) \
	      | $(K)-derive --rename subgroup=condition; \
	    for c in frail_elderly intellectual_disability; do \
	        $(K)-derive --const condition=$$c $(2) | $(K)-select --columns bsn,condition; done; } \
	  | awk 'NR == 1 || $$0 != "bsn,condition"'
# The records of $(1) tagged by ICPC code (bsn,condition,subgroup,count) into $(2).tagged and
# counted per person into $(2).any; rejects of the tagging in $(3).
tag_records = $(K)-classify-condition --tag --long --subgroups --matched-only --rejects $(3) $(1) 2>/dev/null \
	  | $(K)-aggregate -g bsn,condition,subgroup --count > $(2).tagged; \
	$(K)-aggregate -g bsn --count $(1) > $(2).any

# Per discipline and condition, the patients with a contact for it: bsn, condition, discipline.
$(W)/iza-%/contacts.csv: $(C)/gp_contacts.csv
	@mkdir -p $(@D)
	for d in $(DISCIPLINES); do \
	    case $$d in gp) types='$(CONTACT_TYPES_gp)' ;; poh_ggz) types='$(CONTACT_TYPES_poh_ggz)' ;; esac; \
	    $(K)-select --in-year contact_date=$* --eq provider=$$d --eq "contact_type=$$types" $< \
	        > $(@D)/$$d-contacts.csv; \
	    $(call tag_records,$(@D)/$$d-contacts.csv,$@,$(X)/tag-$*-$$d.csv); \
	    $(call condition_hits,$@.tagged,$@.any) | $(K)-derive --const discipline=$$d; done \
	  | awk 'NR == 1 || $$0 != "bsn,condition,discipline"' > $@
	rm -f $@.tagged $@.any

# Referrals to medical specialists in YEAR, per condition's patient: yes (at least one referral
# for the condition, by the same code rule as GP contacts), no, or not_delivered (the patient's
# practice does not deliver referrals: gp_practices.csv says which do). Referrals to mental
# health care (ggz) are left out, as the monitor leaves them out. Eligible patients are
# registered with one practice all year.
$(W)/iza-%/referrals.csv: $(W)/iza-%/prevalence.csv $(C)/gp_referrals.csv $(C)/gp_patients.csv $(C)/gp_practices.csv
	$(K)-select --eq year=$* --eq delivers_referrals=yes --columns practice_id $(C)/gp_practices.csv \
	  | $(K)-join -k practice_id --type semi -q \
	      <($(K)-select --overlaps registration_start,registration_end=$*-01-01..$*-12-31 \
	          --columns bsn,practice_id $(C)/gp_patients.csv) - \
	  | $(K)-aggregate -g bsn --count | $(K)-select --columns bsn > $@.delivering
	$(K)-select --in-year referral_date=$* --ne specialism=ggz $(C)/gp_referrals.csv > $@.year
	$(call tag_records,$@.year,$@,$(X)/tag-$*-referrals.csv)
	$(call condition_hits,$@.tagged,$@.any) | $(K)-derive --const referral=yes > $@.yes
	for c in $(CONDITIONS); do $(K)-select --eq $$c=1 --columns bsn $< | $(K)-derive --const condition=$$c; done \
	  | awk 'NR == 1 || $$0 != "bsn,condition"' > $@.patients
	{ $(K)-join -k bsn --type semi -q $@.patients $@.delivering \
	    | $(K)-join -k bsn,condition --type left -q - $@.yes | $(K)-derive --fill referral=no; \
	  $(K)-join -k bsn --type anti -q $@.patients $@.delivering | $(K)-derive --const referral=not_delivered \
	    | tail -n +2; } > $@
	rm -f $@.delivering $@.year $@.tagged $@.any $@.yes $@.patients

# Per condition, each of its patients with (yes) or without (no) a contact for it per discipline,
# and with (yes) or without (no) a referral or at a practice that does not deliver them
# (not_delivered): bsn,condition,gp_contact,poh_ggz_contact,referral.
T6_DIMS = gp_contact,poh_ggz_contact,referral
$(W)/iza-%/members.csv: $(W)/iza-%/referrals.csv $(W)/iza-%/contacts.csv
	$(K)-join -k bsn,condition --type left -q $< \
	    <($(K)-select --eq discipline=gp --columns bsn,condition $(W)/iza-$*/contacts.csv | $(K)-derive --const gp_contact=yes) \
	  | $(K)-join -k bsn,condition --type left -q - \
	    <($(K)-select --eq discipline=poh_ggz --columns bsn,condition $(W)/iza-$*/contacts.csv \
	        | $(K)-derive --const poh_ggz_contact=yes) \
	  | $(K)-derive --fill gp_contact=no --fill poh_ggz_contact=no | $(K)-select --columns bsn,condition,$(T6_DIMS) > $@

# Per condition, its patients by contact per discipline and by referral: three tables of one
# population (the condition's patients) stacked for suppress --linked, with the dimensions
# gp_contact, poh_ggz_contact and referral (the others Total). Every condition has all its rows,
# zeros included: a reader sees a zero as a row.
$(W)/iza-%/cells.csv: $(W)/iza-%/members.csv
	for dim in $(subst $(,), ,$(T6_DIMS)); do \
	    case $$dim in referral) values='yes no not_delivered' ;; *) values='yes no' ;; esac; \
	    others=; for o in $(subst $(,), ,$(T6_DIMS)); do [ $$o = $$dim ] || others="$$others --const $$o=Total"; done; \
	    { echo condition,$$dim; for c in $(CONDITIONS); do for v in $$values Total; do echo $$c,$$v; done; done; } \
	        > $@.grid; \
	    $(K)-aggregate -g condition,$$dim --rollup --count $< \
	      | $(K)-join -k condition,$$dim --type left -q $@.grid - | $(K)-derive --fill count=0 \
	      | if [ $$dim = gp_contact ]; then cat; else $(K)-select --ne $$dim=Total; fi \
	      | $(K)-derive $$others --const year=$* --rename count=persons \
	      | $(K)-select --columns year,condition,$(T6_DIMS),persons; done \
	  | awk 'NR == 1 || $$0 != "year,condition,$(T6_DIMS),persons"' > $@
	rm -f $@.grid

# The patients of a condition in both years (the first and the last), per discipline: how many
# (in_both), and of them with a contact (a referral) in both years, in the last only and in the
# first only; for referrals only the patients of delivering practices in both years. The change
# of a share takes them into account: the same patients in both years make the two shares move
# together (standardise --overlap). Keyed as the yes cell of the last year. The interval's width
# depends on these counts, which are not published: where one of the four (event in both years,
# in the last only, in the first only, in neither) is 1 to 9, the counts are left out (zeros),
# and that change keeps the independent interval, wider but safe.
T6_LAST = $(lastword $(IZA_YEARS))
T6_OVERLAP = in_both,event_both,event_last_only,event_first_only
$(W)/t6-overlap.csv: $(foreach y,$(IZA_YEARS),$(W)/iza-$(y)/members.csv)
	$(K)-join -k bsn,condition --type inner -q \
	    <($(K)-derive --rename $(call commas,$(foreach d,$(subst $(,), ,$(T6_DIMS)),$(d)=first_$(d))) \
	        $(W)/iza-$(firstword $(IZA_YEARS))/members.csv) \
	    $(W)/iza-$(T6_LAST)/members.csv > $@.both
	for dim in $(subst $(,), ,$(T6_DIMS)); do \
	    $(K)-aggregate -g condition,first_$$dim,$$dim --count $@.both \
	      | awk -F, -v OFS=, -v dim=$$dim -v year=$(T6_LAST) 'NR == 1 { next } \
	          { c[$$1] = 1; a = $$2; b = $$3; n = $$4 } \
	          a == "not_delivered" || b == "not_delivered" { next } \
	          { in_both[$$1] += n; if (a == "yes" && b == "yes") both[$$1] += n; \
	            if (a == "no" && b == "yes") last[$$1] += n; if (a == "yes" && b == "no") first[$$1] += n } \
	          function small(n) { return n > 0 && n < 10 } \
	          END { for (k in c) { n = in_both[k] + 0; e = both[k] + 0; l = last[k] + 0; f = first[k] + 0; \
	                if (small(e) || small(l) || small(f) || small(n - e - l - f)) n = e = l = f = 0; \
	                print k, year, (dim == "gp_contact" ? "yes" : "Total"), \
	                (dim == "poh_ggz_contact" ? "yes" : "Total"), (dim == "referral" ? "yes" : "Total"), n, e, l, f } }'; done \
	  | LC_ALL=C sort | { echo condition,year,$(T6_DIMS),$(T6_OVERLAP); cat; } > $@
	rm -f $@.both


# Prevalence of each group among the eligible patients, per 100 patient-years: the born and the
# dead count for the days of the year they were registered (a patient-year is the year's days),
# with a Poisson interval (exact below 10 patients).
year_days = $(shell y=$(1); echo $$(( (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 366 : 365 )))
$(W)/iza-%/prevalence-rates.csv: $(W)/iza-%/prevalence.csv $(W)/iza-%/eligible.csv
	$(K)-join -k bsn --type inner -q $< <($(K)-select --columns bsn,max_days_registered $(W)/iza-$*/eligible.csv) \
	    > $@.days
	for c in $(CONDITIONS); do \
	    $(K)-aggregate --count --sum $$c --sum max_days_registered $@.days \
	    | $(K)-derive --const condition=$$c --rename sum_$$c=patients --rename sum_max_days_registered=days \
	    | $(K)-select --columns condition,patients,count,days; done \
	  | awk 'NR == 1 || $$0 != "condition,patients,count,days"' \
	  | $(K)-derive --const year=$* > $@.counts
	$(K)-standardise --method crude --measure rate --multiplier $(call year_days,$*)00 --events patients \
	    --population days -g year,condition $@.counts \
	  | $(K)-join -k year,condition --type inner -q - <($(K)-select --columns year,condition,count $@.counts) > $@
	rm -f $@.days $@.counts

# Per discipline, % of a condition's patients with a contact, and its change from the first year
# (its interval allowing for the patients in both years).
$(W)/t6-contact-rates.csv: $(foreach y,$(IZA_YEARS),$(W)/iza-$(y)/cells.csv) $(W)/t6-overlap.csv
	$(K)-select $(foreach y,$(IZA_YEARS),$(W)/iza-$(y)/cells.csv) > $@.cells
	$(K)-select --eq gp_contact=Total --eq poh_ggz_contact=Total --eq referral=Total \
	    --columns condition,year,persons $@.cells \
	  | $(K)-derive --rename persons=patients > $@.total
	for d in $(DISCIPLINES); do \
	    other=$$( [ $$d = gp ] && echo poh_ggz || echo gp ); \
	    $(K)-select --eq $${d}_contact=yes --columns condition,year,persons $@.cells \
	      | $(K)-derive --rename persons=with_contact \
	      | $(K)-join -k condition,year --type right -q - $@.total | $(K)-derive --fill with_contact=0 \
	      | $(K)-join -k condition,year --type left -q - \
	          <($(K)-select --eq $${d}_contact=yes --columns condition,year,$(T6_OVERLAP) $(W)/t6-overlap.csv) \
	      | $(K)-standardise --method crude --measure proportion --events with_contact --population patients \
	        -g condition,year --compare-to year=$(firstword $(IZA_YEARS)) --overlap $(T6_OVERLAP) \
	      | $(K)-select --columns condition,year,crude_rate,crude_lower,crude_upper,difference,difference_lower,difference_upper,significant \
	      | $(K)-derive --const $${d}_contact=yes --const $${other}_contact=Total --const referral=Total \
	          --rename crude_rate=contact_pct \
	          --rename crude_lower=contact_lower --rename crude_upper=contact_upper --rename difference=change_pp \
	          --rename difference_lower=change_lower --rename difference_upper=change_upper \
	      | $(K)-select --columns condition,year,$(T6_DIMS),contact_pct,contact_lower,contact_upper,change_pp,change_lower,change_upper,significant; done \
	  | awk 'NR == 1 { header = $$0; print; next } $$0 != header' > $@
	rm -f $@.cells $@.total

# Referrals: % of a condition's patients at practices that deliver them with at least one
# (referral yes of yes and no), and its change from the first year.
$(W)/t6-referral-rates.csv: $(foreach y,$(IZA_YEARS),$(W)/iza-$(y)/cells.csv) $(W)/t6-overlap.csv
	$(K)-select --eq 'referral=yes|no' --columns condition,year,referral,persons \
	    $(foreach y,$(IZA_YEARS),$(W)/iza-$(y)/cells.csv) > $@.cells
	$(K)-aggregate -g condition,year --sum persons $@.cells | $(K)-derive --rename sum_persons=delivering \
	  | $(K)-join -k condition,year --type left -q - \
	      <($(K)-select --eq referral=yes --columns condition,year,persons $@.cells \
	          | $(K)-derive --rename persons=with_referral) \
	  | $(K)-join -k condition,year --type left -q - \
	      <($(K)-select --eq referral=yes --columns condition,year,$(T6_OVERLAP) $(W)/t6-overlap.csv) \
	  | $(K)-standardise --method crude --measure proportion --events with_referral --population delivering \
	      -g condition,year --compare-to year=$(firstword $(IZA_YEARS)) --overlap $(T6_OVERLAP) \
	  | $(K)-derive --const gp_contact=Total --const poh_ggz_contact=Total --const referral=yes \
	      --rename crude_rate=referral_pct,crude_lower=referral_lower,crude_upper=referral_upper \
	      --rename difference=referral_change_pp,difference_lower=referral_change_lower \
	      --rename difference_upper=referral_change_upper,significant=referral_significant \
	  | $(K)-select --columns condition,year,$(T6_DIMS),referral_pct,referral_lower,referral_upper,$(REFERRAL_CHANGE) > $@
	rm -f $@.cells

$(W)/t6-prevalence-rates.csv: $(foreach y,$(IZA_YEARS),$(W)/iza-$(y)/prevalence-rates.csv)
	$(K)-select --columns condition,year,count,crude_rate,crude_lower,crude_upper $^ \
	  | $(K)-derive --const gp_contact=Total --const poh_ggz_contact=Total --const referral=Total \
	      --rename count=eligible_patients \
	      --rename crude_rate=prevalence_pct --rename crude_lower=prevalence_lower \
	      --rename crude_upper=prevalence_upper > $@

T6_KEY = condition,year,$(T6_DIMS)
T6_RATES = $(W)/t6-prevalence-rates.csv $(W)/t6-contact-rates.csv $(W)/t6-referral-rates.csv
$(W)/t6-cells.csv: $(foreach y,$(IZA_YEARS),$(W)/iza-$(y)/cells.csv) $(T6_RATES)
	$(K)-select $(foreach y,$(IZA_YEARS),$(W)/iza-$(y)/cells.csv) \
	  $(foreach f,$(T6_RATES),| $(K)-join -k $(T6_KEY) --type left -q - $(f)) \
	  | awk -F, -v OFS=, 'NR == 1 { print $$0, "cost_weight"; next } \
	      { print $$0, ($$3 == "Total" && $$4 == "Total" && $$5 == "Total") ? 100 : 1 }' > $@
# The % with a contact is computed with the condition's total; its change with the same cell
# of the first year and that year's total: a suppressed one of those blanks them. The % with
# a referral is computed with the patients of delivering practices (yes and no): a suppressed
# no blanks it. The three tables share the condition's total: protected together (--linked).
# A group's total (its prevalence: year,condition,Total,Total,Total) costs 100 cells to hide, so
# that a table's small cells are protected inside that table where they can be.
T6_FIRST = year:$(firstword $(IZA_YEARS))
T6_CHANGE = change_pp,change_lower,change_upper,significant
REFERRAL_CHANGE = referral_change_pp,referral_change_lower,referral_change_upper,referral_significant
T6_DEPENDS = --depends contact_pct,contact_lower,contact_upper=gp_contact:Total \
             --depends contact_pct,contact_lower,contact_upper=poh_ggz_contact:Total \
             --depends $(T6_CHANGE)=gp_contact:Total --depends $(T6_CHANGE)=poh_ggz_contact:Total \
             --depends $(T6_CHANGE)=$(T6_FIRST) --depends $(T6_CHANGE)=$(T6_FIRST),gp_contact:Total \
             --depends $(T6_CHANGE)=$(T6_FIRST),poh_ggz_contact:Total \
             --depends referral_pct,referral_lower,referral_upper=referral:no \
             --depends $(REFERRAL_CHANGE)=referral:no --depends $(REFERRAL_CHANGE)=$(T6_FIRST) \
             --depends $(REFERRAL_CHANGE)=$(T6_FIRST),referral:no
T6_SUPPRESS = --linked --dims $(T6_DIMS) --by year,condition --count persons --fill-zeros $(T6_DEPENDS)
T6_CONTACT_RATES = contact_pct,contact_lower,contact_upper,$(T6_CHANGE)
T6_REFERRAL_RATES = referral_pct,referral_lower,referral_upper,$(REFERRAL_CHANGE)
$(W)/t6-published.csv: $(W)/t6-cells.csv
	$(K)-suppress $(T6_SUPPRESS) --cost-weight cost_weight \
	    --blank prevalence_pct,prevalence_lower,prevalence_upper,$(T6_CONTACT_RATES),$(T6_REFERRAL_RATES) \
	    --stats $(J)/suppress-t6.json $< > $@
	$(K)-suppress --audit $(T6_SUPPRESS) --original $< $@ > $(W)/t6-iza-indicators.audit.txt
# Published one row per discipline and contact (yes, no, for referrals not_delivered; Total:
# the condition's patients, once per discipline), by year, discipline and condition. The
# referral rows carry the % with a referral in the contact columns. (Fields are codes and numbers.)
T6_COLUMNS = year,condition,discipline,contact,persons,eligible_patients,prevalence_pct,prevalence_lower,prevalence_upper,contact_pct,contact_lower,contact_upper,change_pp,change_lower,change_upper,significant,status
$(T)/t6-iza-indicators.csv: $(W)/t6-published.csv
	@mkdir -p $(@D)
	for d in gp poh_ggz referral; do \
	    case $$d in \
	    gp) dim=gp_contact; others='--eq poh_ggz_contact=Total --eq referral=Total' ;; \
	    poh_ggz) dim=poh_ggz_contact; others='--eq gp_contact=Total --eq referral=Total' ;; \
	    referral) dim=referral; others='--eq gp_contact=Total --eq poh_ggz_contact=Total' ;; esac; \
	    $(K)-select $$others $< \
	      | if [ $$d = referral ]; then $(K)-select --drop $(T6_CONTACT_RATES) \
	            | $(K)-derive --rename referral_pct=contact_pct,referral_lower=contact_lower \
	                --rename referral_upper=contact_upper,referral_change_pp=change_pp \
	                --rename referral_change_lower=change_lower,referral_change_upper=change_upper \
	                --rename referral_significant=significant; \
	        else $(K)-select --drop $(T6_REFERRAL_RATES); fi \
	      | $(K)-derive --rename $$dim=contact --const discipline=$$d | $(K)-select --columns $(T6_COLUMNS); done \
	  | awk -F, 'NR == 1 { print; next } $$0 != "$(T6_COLUMNS)" { \
	      print $$1 "," $$3 "," $$2 "," ($$4 == "yes" ? 1 : $$4 == "no" ? 2 : $$4 == "not_delivered" ? 3 : 4) "\t" $$0 }' \
	  | { IFS= read -r header; printf '%s\n' "$$header"; LC_ALL=C sort -s -t "$$(printf '\t')" -k1,1 | cut -f2; } > $@
	cp $(W)/t6-iza-indicators.audit.txt $(@:.csv=.audit.txt)

# T7 the top 15 health problems per discipline and year, by share of contacts (IZA monitor):
# per discipline, the contacts of the year by code: for the GP, the contacts of T6's eligible
# patients by ICPC main code (T90.02 counts as T90); for the disciplines in the claims, the claims
# starting in the year of T8's claims population: GP out-of-hours by ICPC main code,
# physiotherapy and exercise therapy by DCSPH main body location and pathology (the sub-location
# as X: 3120 counts as 3X20), dietetics by its diagnosis code, the emergency department by ICD-10
# block (I21.4 counts as I20-I25). Not skin or occupational therapy: their claims carry no code.
# A contact without a code (or, for the emergency department, with a code whose block the table
# does not list) counts in the total, never in the ranking.
# The table lists every code in the top 15 of either year, with its contacts in both years (a
# rank only where it is in that year's top 15), the other codes together, and the total.
# A code is ranked only when 10 persons or more make its contacts (the persons are not published)
# and two of them make at most 85% of them (dominance); a listed code that fails this in the other
# year is unsafe there, and the rows are protected with suppress, the total less the listed codes
# being 'other'.
TOP_N = 15
TOP_DISCIPLINES = gp hap physio exercise dietetics seh
TOP_CLAIMS = $(filter-out gp,$(TOP_DISCIPLINES))
TOP_LABELS_gp = $(RULES)/icpc-labels.csv
TOP_LABELS_hap = $(RULES)/icpc-labels.csv
TOP_LABELS_physio = $(RULES)/dcsph-labels.csv
TOP_LABELS_exercise = $(RULES)/dcsph-labels.csv
TOP_LABELS_dietetics = $(RULES)/dietetics-labels.csv
TOP_LABELS_seh = $(RULES)/icd10-block-labels.csv
TOP_CODE_hap = --mask code=diagnosis_code:???
TOP_CODE_physio = --mask code=diagnosis_code:?X??
TOP_CODE_exercise = --mask code=diagnosis_code:?X??
TOP_CODE_dietetics = --mask code=diagnosis_code:?????
TOP_CODE_seh = --mask main=diagnosis_code:??? --lookup code=main:$(RULES)/icd10-blocks.csv --default code=
# A code that is not one of the discipline's code system (the rules table of that system says
# which are) is a bad record: rejected (rejects/top-DISCIPLINE-YEAR.csv), counted, and left out
# of the total too. The emergency department's ICD-10 codes are checked by the block table only.
TOP_VALID_gp = $(K)-classify-condition --tag --code icpc
TOP_VALID_hap = $(K)-classify-condition --tag --code diagnosis_code
TOP_VALID_physio = $(K)-classify-condition --tag --code diagnosis_code --rules $(CLAIMS_RULES_physio)
TOP_VALID_exercise = $(K)-classify-condition --tag --code diagnosis_code --rules $(CLAIMS_RULES_exercise)
TOP_VALID_dietetics = $(K)-classify-condition --tag --code diagnosis_code --rules $(CLAIMS_RULES_dietetics)
TOP_VALID_seh = $(K)-select
$(W)/iza-%/problems-gp.csv: $(C)/gp_contacts.csv $(W)/iza-%/eligible.csv
	$(K)-select --in-year contact_date=$* --eq provider=gp --eq 'contact_type=$(CONTACT_TYPES_gp)' $< \
	  | $(K)-join -k bsn --type semi -q - $(W)/iza-$*/eligible.csv \
	  | $(TOP_VALID_gp) --rejects $(X)/top-gp-$*.csv 2>/dev/null \
	  | $(K)-derive --mask code=icpc:??? | $(K)-select --columns bsn,code > $@
define claims_problems
$$(W)/iza-%/problems-$(1).csv: $$(W)/claims/$(1).csv $$(W)/flows-%/population.csv
	@mkdir -p $$(@D)
	$$(K)-select --in-year start_date=$$* $$< \
	  | $$(K)-join -k bsn --type semi -q - $$(W)/flows-$$*/population.csv \
	  | $$(TOP_VALID_$(1)) --rejects $$(X)/top-$(1)-$$*.csv 2>/dev/null \
	  | $$(K)-derive $$(TOP_CODE_$(1)) --rejects $$(X)/top-code-$(1)-$$*.csv 2>/dev/null \
	  | $$(K)-select --columns bsn,code > $$@
endef
$(foreach d,$(TOP_CLAIMS),$(eval $(call claims_problems,$(d))))

# Per discipline: the ranks (year,code,rank) of each year's top codes by contacts (ties by code),
# among the codes that pass the rules: a code whose contacts come from fewer than 10 persons, or
# two persons make more than 85% of them, is not ranked (it counts in 'other'). Ranking it and
# suppressing its row would not hide it: its rank places it between its neighbours' counts.
define top_problems
$$(W)/t7-$(1)-codes.csv: $$(foreach y,$$(IZA_YEARS),$$(W)/iza-$$(y)/problems-$(1).csv)
	for y in $$(IZA_YEARS); do \
	    $$(K)-select --not-empty code $$(W)/iza-$$$$y/problems-$(1).csv | $$(K)-aggregate -g code,bsn --count \
	      | $$(K)-aggregate -g code --count --sum count --top 2:count | $$(K)-derive --const year=$$$$y; done \
	  | awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) c[$$$$i] = i; print "year,code,persons,contacts,safe"; next } \
	      $$$$1 == "code" { next } \
	      { top = $$$$c["top1_count"] + $$$$c["top2_count"]; \
	        print $$$$c["year"], $$$$c["code"], $$$$c["count"], $$$$c["sum_count"], \
	              ($$$$c["count"] >= 10 && top <= 0.85 * $$$$c["sum_count"] ? 1 : 0) }' > $$@
$$(W)/t7-$(1)-ranks.csv: $$(W)/t7-$(1)-codes.csv
	for y in $$(IZA_YEARS); do \
	    $$(K)-select --eq year=$$$$y --eq safe=1 --columns code,contacts $$< | tail -n +2 \
	      | LC_ALL=C sort -t, -k2,2nr -k1,1 | head -n $$(TOP_N) \
	      | awk -F, -v y=$$$$y '{ print y "," $$$$1 "," NR }'; done \
	  | { echo year,code,rank; cat; } > $$@
# Per year the listed codes (ranked in either year, and not failing the rules in this one: else
# the code counts in other that year and has no row; no contacts at all is a zero), other and Total: contacts, persons and the two
# largest numbers of contacts of one person; the share of all contacts. Where other fails the
# rules, it is unsafe and the total is hidden with it (the listed rows stay: a ranked row hidden
# would still be placed by its rank).
$$(W)/t7-$(1)-cells.csv: $$(W)/t7-$(1)-ranks.csv $$(W)/t7-$(1)-codes.csv $$(foreach y,$$(IZA_YEARS),$$(W)/iza-$$(y)/problems-$(1).csv)
	for y in $$(IZA_YEARS); do \
	    f=$$(W)/iza-$$$$y/problems-$(1).csv; \
	    { echo code,group; $$(K)-select --columns code $$< | $$(K)-aggregate -g code --count \
	        | $$(K)-join -k code --type anti -q - <($$(K)-select --eq year=$$$$y --eq safe=0 $$(W)/t7-$(1)-codes.csv) \
	        | $$(K)-select --columns code | tail -n +2 | awk '{ print $$$$0 "," $$$$0 }'; } > $$@.listed; \
	    { $$(K)-derive --fill code=- --lookup group=code:$$@.listed --default group=other $$$$f \
	        | $$(K)-aggregate -g group,bsn --count | $$(K)-aggregate -g group --count --sum count --top 2:count; \
	      $$(K)-aggregate -g bsn --count $$$$f | $$(K)-aggregate --count --sum count --top 2:count \
	        | $$(K)-derive --const group=Total | $$(K)-select --columns group,count,sum_count,top1_count,top2_count \
	        | tail -n +2; } \
	    | $$(K)-join -k group --type right -q - <($$(K)-select --columns group $$@.listed; printf 'other\nTotal\n') \
	    | $$(K)-derive --fill count=0 --fill sum_count=0 --const year=$$$$y; done \
	  | awk -F, -v OFS=, 'NR == 1 { print; next } $$$$0 != header' header="$$$$(echo group,count,sum_count,top1_count,top2_count,year)" \
	  | $$(K)-derive --rename group=code,count=persons,sum_count=contacts \
	  | $$(K)-join -k year,code --type left -q - $$< \
	  | awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) c[$$$$i] = i; print $$$$0, "share_pct", "status"; next } \
	      function unsafe(i) { return (p[i] > 0 && p[i] < 10) || (v[i] > 0 && t[i] > 0.85 * v[i]) } \
	      { n++; row[n] = $$$$0; y[n] = $$$$c["year"]; v[n] = $$$$c["contacts"]; p[n] = $$$$c["persons"]; \
	        t[n] = $$$$c["top1_count"] + $$$$c["top2_count"]; code[n] = $$$$c["code"]; \
	        if (code[n] == "Total") total[y[n]] = v[n]; if (code[n] == "other" && unsafe(n)) hide[y[n]] = 1 } \
	      END { for (i = 1; i <= n; i++) print row[i], (total[y[i]] > 0 ? sprintf("%.10g", 100 * v[i] / total[y[i]]) : ""), \
	            (unsafe(i) ? "u" : code[i] == "Total" && hide[y[i]] ? "x" : "") }' > $$@
	rm -f $$@.listed
endef
$(foreach d,$(TOP_DISCIPLINES),$(eval $(call top_problems,$(d))))

T7_TABLE = --dims code --by year --count contacts --fill-zeros
T7_SUPPRESS = $(T7_TABLE) --threshold 0 --value contacts --top top1_contacts,top2_contacts --dominance 2,85 \
              --depends share_pct=code:Total
T7_COLUMNS = year,discipline,code,rank,contacts,share_pct,label,status
$(T)/t7-top-problems.csv: $(foreach d,$(TOP_DISCIPLINES),$(W)/t7-$(d)-cells.csv)
	@mkdir -p $(@D)
	$(foreach d,$(TOP_DISCIPLINES),\
	  $(K)-derive --rename top1_count=top1_contacts,top2_count=top2_contacts $(W)/t7-$(d)-cells.csv > $(W)/t7-$(d)-original.csv; \
	  $(K)-suppress $(T7_SUPPRESS) --blank share_pct --stats $(J)/suppress-t7-$(d).json $(W)/t7-$(d)-original.csv \
	      > $(W)/t7-$(d)-published.csv; \
	  $(K)-suppress --audit $(T7_TABLE) --original $(W)/t7-$(d)-original.csv $(W)/t7-$(d)-published.csv \
	      > $(W)/t7-$(d).audit.txt;)
	{ $(foreach d,$(TOP_DISCIPLINES),\
	  $(K)-derive --lookup label=code:$(TOP_LABELS_$(d)) --default label= --const discipline=$(d) $(W)/t7-$(d)-published.csv \
	    | $(K)-select --columns $(T7_COLUMNS);) } \
	  | awk -F, 'NR == 1 { print; next } $$0 != "$(T7_COLUMNS)" { \
	      key = $$3 == "Total" ? 99999 : $$3 == "other" ? 99998 : $$4 == "" ? 90000 : $$4; \
	      printf "%s,%s,%05d,%s\t%s\n", $$2, $$1, key, $$3, $$0 }' \
	  | { IFS= read -r header; printf '%s\n' "$$header"; LC_ALL=C sort -t "$$(printf '\t')" -k1,1 | cut -f2; } > $@
	cat $(foreach d,$(TOP_DISCIPLINES),$(W)/t7-$(d).audit.txt) > $(@:.csv=.audit.txt)

TABLES = $(T)/t1-representativeness.csv $(T)/t2-contacts-by-age.csv $(T)/t3-contacts-by-sex.csv \
         $(T)/t4-wmo-by-ses.csv $(T)/t4-wmo-by-household.csv $(T)/t4-wmo-by-migration.csv \
         $(T)/t5-wmo-by-district.csv $(T)/t6-iza-indicators.csv $(T)/t7-top-problems.csv $(T)/t8-patient-flows.csv \
         $(T)/whole-set.audit.txt

include scripts/flows.mk
include scripts/wijkteams.mk

tables: $(TABLES) $(CPB_TABLES)

report: $(OUT)/report.html
$(OUT)/report.html: $(TABLES) $(CPB_TABLES) scripts/report
	K=$(K) scripts/report $(OUT) > $@.part && mv $@.part $@

clean-study:
	rm -rf $(OUT)
