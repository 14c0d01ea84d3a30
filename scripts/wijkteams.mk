# wijkteams.mk: the municipal Wmo study (CPB, Wijkteams en Wmo-zorggebruik, 2015-2017) on the
# synthetic country of `koppel synth --country`: clients of "ondersteuning thuis" per 1,000
# inhabitants per municipality and month from the municipal decisions (GMSD), for the
# municipalities the study can use, and the difference-in-differences between municipalities with
# and without a wijkteam. Included by study.mk (its variables: OUT, SEED, DIRTY, K, R, P, C, W, T,
# J, X, PSEUDONYMISE, VALID_PERIOD).

CPB_MUNICIPALITIES ?= 340
CPB_SCALE ?= 0.05
CPB_YEARS = 2015-2017
CPB_FIRST_MONTH = 2015-01
CPB_LAST_MONTH = 2017-12
CPB_WINDOW = 2015-01-01..2017-12-31
CPB_R = $(R)/country
CPB_W = $(W)/wijkteams

# ------------------------------------------------------------------ the country's sources
CPB_RAW = municipalities population gmsd cak municipality_crosswalk
$(foreach f,$(CPB_RAW),$(CPB_R)/$(f).csv) $(CPB_R)/truth.csv &:
	@mkdir -p $(CPB_R) $(J)
	rm -f $(J)/synth-country.json
	$(K)-synth --country --municipalities $(CPB_MUNICIPALITIES) --scale $(CPB_SCALE) --seed $(SEED) \
	    --years $(CPB_YEARS) --dirty $(DIRTY) --out $(CPB_R) --truth $(CPB_R)/truth.csv \
	    --stats $(J)/synth-country.json

# The municipalities' decisions, pseudonymised as every source (the study counts distinct
# clients), dates read, broken periods rejected: only what the count needs is kept.
$(P)/country/gmsd.csv: $(CPB_R)/gmsd.csv $(OUT)/ttp/master.key
	@mkdir -p $(@D) $(X) $(J)
	rm -f $(J)/pseudonymise-gmsd.json
	$(PSEUDONYMISE) --rejects $(X)/pseudonymise-gmsd.csv --stats $(J)/pseudonymise-gmsd.json \
	    $< 2>/dev/null > $@.part && mv $@.part $@
# Both sources carry the key fingerprint of the city's sources, or they were pseudonymised with
# another key.
$(CPB_W)/fingerprints.txt: $(P)/country/gmsd.csv $(P)/country/cak.csv $(W)/fingerprints.txt
	@mkdir -p $(@D)
	grep -ho '"key_fingerprint":"[0-9a-f]*"' $(J)/pseudonymise-gmsd.json $(J)/pseudonymise-cak.json \
	    $(foreach s,$(SOURCES),$(J)/pseudonymise-$(s)*.json) | sort | uniq -c > $@
	test $$(wc -l < $@) -eq 1 || { echo "study: the municipal sources were pseudonymised with another key" >&2; exit 1; }
$(C)/country/gmsd.csv: $(P)/country/gmsd.csv $(CPB_W)/fingerprints.txt
	@mkdir -p $(@D)
	rm -f $(J)/clean-gmsd.json $(J)/periods-gmsd.json
	$(K)-derive --iso-date start_date --iso-date end_date --iso-date birth_date --rejects $(X)/clean-gmsd.csv \
	    --stats $(J)/clean-gmsd.json $< 2>/dev/null | $(call VALID_PERIOD,start_date,end_date,gmsd) > $@

# CAK's care periods (one row per client, product and four-week period), pseudonymised likewise.
$(P)/country/cak.csv: $(CPB_R)/cak.csv $(OUT)/ttp/master.key
	@mkdir -p $(@D) $(X) $(J)
	rm -f $(J)/pseudonymise-cak.json
	$(PSEUDONYMISE) --rejects $(X)/pseudonymise-cak.csv --stats $(J)/pseudonymise-cak.json \
	    $< 2>/dev/null > $@.part && mv $@.part $@
$(C)/country/cak.csv: $(P)/country/cak.csv $(CPB_W)/fingerprints.txt
	@mkdir -p $(@D)
	rm -f $(J)/clean-cak.json
	$(K)-derive --iso-date birth_date --rejects $(X)/clean-cak.csv --stats $(J)/clean-cak.json $< 2>/dev/null > $@

# ------------------------------------------------------------------ the panel
# The municipalities the study can use (as CPB): a GMSD delivery in every year, no merger
# (herindeling) in the period, no provisions moved between categories; with their wijkteam (0/1).
# For CAK the same with a CAK delivery in every year (no co-payment abolished).
$(CPB_W)/included.csv: $(CPB_R)/municipalities.csv
	@mkdir -p $(@D)
	$(K)-select --eq 'gmsd_delivered=2015 2016 2017' --eq merged_into= --eq merger_date= \
	    --eq category_change= --columns gemeente_code,wijkteam $< > $@
$(CPB_W)/included-cak.csv: $(CPB_R)/municipalities.csv
	@mkdir -p $(@D)
	$(K)-select --eq 'cak_delivered=2015 2016 2017' --eq merged_into= --eq merger_date= \
	    --eq category_change= --columns gemeente_code,wijkteam $< > $@

# Clients of ondersteuning thuis per municipality and month: the product codes to the categories
# of the CBS Wmo statistics, to the outcome; each decision to the months it touches; each client
# counted once per municipality and month, in the age group of their age on the first of the
# month (65plus, under65) and in all. Codes of merged municipalities to the last year's.
$(CPB_W)/age-groups.csv:
	@mkdir -p $(@D)
	printf 'band,age_group\n0-64,under65\n65+,65plus\nTotal,all\n' > $@
$(CPB_W)/clients.csv: $(C)/country/gmsd.csv $(CPB_R)/municipality_crosswalk.csv $(CPB_W)/age-groups.csv
	@mkdir -p $(@D)
	$(K)-derive --lookup category=product_code:$(RULES)/gmsd-products.csv \
	    --lookup ondersteuning_thuis=category:$(RULES)/gmsd-categories.csv \
	    --lookup gemeente=gemeente_code:<($(K)-select --columns gemeente_code,boundary_gemeente_code $(CPB_R)/municipality_crosswalk.csv) \
	    --rejects $(X)/classify-gmsd.csv $< 2>/dev/null \
	  | $(K)-select --eq ondersteuning_thuis=yes \
	  | $(K)-periods --period start_date,end_date --window $(CPB_WINDOW) --start-column month_start \
	  | $(K)-derive --age age=birth_date:month_start --band band=age:0,65 \
	      --rejects $(X)/age-gmsd.csv 2>/dev/null \
	  | $(K)-aggregate -g gemeente,month,band --rollup --count-distinct bsn \
	  | $(K)-select --ne month=Total \
	  | $(K)-derive --lookup age_group=band:$(CPB_W)/age-groups.csv \
	      --rename gemeente=gemeente_code --rename distinct_bsn=clients \
	  | $(K)-select --columns gemeente_code,month,age_group,clients > $@

# Inhabitants per municipality and month (all ages; and per age group), with the first month's
# as the weight (population size).
$(CPB_W)/inhabitants.csv: $(CPB_R)/population.csv
	@mkdir -p $(@D)
	$(K)-aggregate -g gemeente_code,month --sum inhabitants $< | $(K)-derive --rename sum_inhabitants=inhabitants > $@
$(CPB_W)/inhabitants-by-age.csv: $(CPB_R)/population.csv $(CPB_W)/inhabitants.csv
	{ $(K)-select --columns gemeente_code,month,age_group,inhabitants $<; \
	  $(K)-derive --const age_group=all $(CPB_W)/inhabitants.csv \
	    | $(K)-select --columns gemeente_code,month,age_group,inhabitants | tail -n +2; } > $@
$(CPB_W)/weights.csv: $(CPB_W)/inhabitants.csv
	$(K)-select --eq month=$(CPB_FIRST_MONTH) --columns gemeente_code,inhabitants $< \
	  | $(K)-derive --rename inhabitants=population > $@

# The panel: one record per included municipality, month and age group (all, 65plus, under65),
# clients per 1,000 inhabitants of the age group (a month without clients counts 0).
$(CPB_W)/panel-by-age.csv: $(CPB_W)/included.csv $(CPB_W)/inhabitants-by-age.csv $(CPB_W)/clients.csv $(CPB_W)/weights.csv
	$(K)-join -k gemeente_code --type semi -q $(CPB_W)/inhabitants-by-age.csv $< \
	  | $(K)-join -k gemeente_code,month,age_group --type left -q - $(CPB_W)/clients.csv | $(K)-derive --fill clients=0 \
	  | $(K)-standardise --method crude --measure rate --multiplier 1000 --events clients \
	      --population inhabitants -g gemeente_code,month,age_group \
	  | $(K)-select --columns gemeente_code,month,age_group,observed,population,crude_rate \
	  | $(K)-derive --rename observed=clients --rename population=inhabitants --rename crude_rate=per_1000 \
	  | $(K)-join -k gemeente_code --type inner -q - $< \
	  | $(K)-join -k gemeente_code --type inner -q - $(CPB_W)/weights.csv > $@
$(CPB_W)/panel.csv: $(CPB_W)/panel-by-age.csv
	$(K)-select --eq age_group=all --drop age_group $< > $@

# CAK: clients of begeleiding totaal per municipality and care period (13 a year, four weeks from
# 1 January, the 13th to 31 December), per 1,000 inhabitants of the month of the period's first
# day; the periods labelled YYYY-PP so that they sort in time.
$(CPB_W)/cak-periods.csv:
	@mkdir -p $(@D)
	{ echo year,period,label,month; for y in $(shell seq $(word 1,$(subst -, ,$(CPB_YEARS))) $(word 2,$(subst -, ,$(CPB_YEARS)))); do \
	    for k in $$(seq 1 13); do printf '%s,%s,%s-%02d,%s\n' $$y $$k $$y $$k \
	        $$(date -u -d "$$y-01-01 +$$((28 * (k - 1))) days" +%Y-%m); done; done; } > $@
$(CPB_W)/cak-clients.csv: $(C)/country/cak.csv $(CPB_R)/municipality_crosswalk.csv
	@mkdir -p $(@D)
	$(K)-derive --lookup category=product_code:$(RULES)/cak-products.csv \
	    --lookup begeleiding_totaal=category:$(RULES)/cak-categories.csv \
	    --lookup gemeente=gemeente_code:<($(K)-select --columns gemeente_code,boundary_gemeente_code $(CPB_R)/municipality_crosswalk.csv) \
	    --rejects $(X)/classify-cak.csv $< 2>/dev/null \
	  | $(K)-select --eq begeleiding_totaal=yes \
	  | $(K)-aggregate -g gemeente,year,period --count-distinct bsn \
	  | $(K)-derive --rename gemeente=gemeente_code --rename distinct_bsn=clients > $@
$(CPB_W)/cak-panel.csv: $(CPB_W)/included-cak.csv $(CPB_W)/inhabitants.csv $(CPB_W)/cak-clients.csv \
                        $(CPB_W)/cak-periods.csv $(CPB_W)/weights.csv
	$(K)-join -k gemeente_code --type semi -q $(CPB_W)/inhabitants.csv $< \
	  | $(K)-join -k month --type inner -q - $(CPB_W)/cak-periods.csv \
	  | $(K)-join -k gemeente_code,year,period --type left -q - $(CPB_W)/cak-clients.csv \
	  | $(K)-derive --fill clients=0 \
	  | $(K)-standardise --method crude --measure rate --multiplier 1000 --events clients \
	      --population inhabitants -g gemeente_code,label \
	  | $(K)-select --columns gemeente_code,label,observed,population,crude_rate \
	  | $(K)-derive --rename label=period --rename observed=clients --rename population=inhabitants \
	      --rename crude_rate=per_1000 \
	  | $(K)-join -k gemeente_code --type inner -q - $< \
	  | $(K)-join -k gemeente_code --type inner -q - $(CPB_W)/weights.csv > $@

# ------------------------------------------------------------------ the estimates
# Difference-in-differences (model 1: January 2015 against December 2017; model 2: linear over
# the 36 months), unweighted and weighted by population, standard errors clustered on the
# municipality; and the monthly difference between the groups (event study).
DID = $(K)-did --unit gemeente_code --treated wijkteam --outcome per_1000 --weight population
$(T)/w1-wijkteam-did.csv: $(CPB_W)/panel.csv $(CPB_W)/panel-by-age.csv $(CPB_W)/cak-panel.csv
	@mkdir -p $(@D)
	{ $(DID) --time month --stats $(J)/did.json $< | $(K)-derive --const source=gmsd --const age_group=all; \
	  for a in 65plus under65; do \
	    $(K)-select --eq age_group=$$a $(CPB_W)/panel-by-age.csv | $(DID) --time month \
	      | $(K)-derive --const source=gmsd --const age_group=$$a | tail -n +2; done; \
	  $(DID) --time period --stats $(J)/did-cak.json $(CPB_W)/cak-panel.csv \
	    | $(K)-derive --const source=cak --const age_group=all | tail -n +2; } \
	  | $(K)-select --columns source,age_group,model,weighting,term,estimate,se,t,df,p,ci_low,ci_high,n,clusters > $@
$(T)/w2-wijkteam-months.csv: $(CPB_W)/panel.csv
	@mkdir -p $(@D)
	$(DID) --time month --event-study $< > $@

CPB_TABLES = $(T)/w1-wijkteam-did.csv $(T)/w2-wijkteam-months.csv
