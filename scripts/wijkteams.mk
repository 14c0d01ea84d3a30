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
RULES ?= $(or $(KOPPEL_SHARE),share/koppel)/rules
CPB_R = $(R)/country
CPB_W = $(W)/wijkteams

# ------------------------------------------------------------------ the country's sources
CPB_RAW = municipalities population gmsd cak municipality_crosswalk
$(foreach f,$(CPB_RAW),$(CPB_R)/$(f).csv) $(CPB_R)/truth.csv &:
	@mkdir -p $(CPB_R) $(J)
	rm -f $(J)/synth-country.json
	$(K) synth --country --municipalities $(CPB_MUNICIPALITIES) --scale $(CPB_SCALE) --seed $(SEED) \
	    --years $(CPB_YEARS) --dirty $(DIRTY) --out $(CPB_R) --truth $(CPB_R)/truth.csv \
	    --stats $(J)/synth-country.json

# The municipalities' decisions, pseudonymised as every source (the study counts distinct
# clients), dates read, broken periods rejected: only what the count needs is kept.
$(P)/country/gmsd.csv: $(CPB_R)/gmsd.csv $(OUT)/ttp/master.key
	@mkdir -p $(@D) $(X) $(J)
	rm -f $(J)/pseudonymise-gmsd.json
	$(PSEUDONYMISE) --rejects $(X)/pseudonymise-gmsd.csv --stats $(J)/pseudonymise-gmsd.json \
	    $< 2>/dev/null > $@.part && mv $@.part $@
$(C)/country/gmsd.csv: $(P)/country/gmsd.csv
	@mkdir -p $(@D)
	rm -f $(J)/clean-gmsd.json $(J)/periods-gmsd.json
	$(K) derive --iso-date start_date --iso-date end_date --iso-date birth_date --rejects $(X)/clean-gmsd.csv \
	    --stats $(J)/clean-gmsd.json $< 2>/dev/null | $(call VALID_PERIOD,start_date,end_date,gmsd) > $@

# ------------------------------------------------------------------ the panel
# The municipalities the study can use (as CPB): a GMSD delivery in every year, no merger
# (herindeling) in the period, no provisions moved between categories; with their wijkteam (0/1).
$(CPB_W)/included.csv: $(CPB_R)/municipalities.csv
	@mkdir -p $(@D)
	$(K) select --eq 'gmsd_delivered=2015 2016 2017' --eq merged_into= --eq merger_date= \
	    --eq category_change= --columns gemeente_code,wijkteam $< > $@

# Clients of ondersteuning thuis per municipality and month: the product codes to the categories
# of the CBS Wmo statistics, to the outcome; each decision to the months it touches; each client
# counted once per municipality and month. Codes of merged municipalities to the last year's.
$(CPB_W)/clients.csv: $(C)/country/gmsd.csv $(CPB_R)/municipality_crosswalk.csv
	@mkdir -p $(@D)
	$(K) derive --lookup category=product_code:$(RULES)/gmsd-products.csv \
	    --lookup ondersteuning_thuis=category:$(RULES)/gmsd-categories.csv \
	    --lookup gemeente=gemeente_code:<($(K) select --columns gemeente_code,boundary_gemeente_code $(CPB_R)/municipality_crosswalk.csv) \
	    --rejects $(X)/classify-gmsd.csv $< 2>/dev/null \
	  | $(K) select --eq ondersteuning_thuis=yes \
	  | $(K) periods --period start_date,end_date --window $(CPB_WINDOW) \
	  | $(K) aggregate -g gemeente,month --count-distinct bsn \
	  | $(K) derive --rename gemeente=gemeente_code --rename distinct_bsn=clients > $@

# Inhabitants per municipality and month, with the first month's as the weight (population size).
$(CPB_W)/inhabitants.csv: $(CPB_R)/population.csv
	@mkdir -p $(@D)
	$(K) aggregate -g gemeente_code,month --sum inhabitants $< | $(K) derive --rename sum_inhabitants=inhabitants > $@
$(CPB_W)/weights.csv: $(CPB_W)/inhabitants.csv
	$(K) select --eq month=$(CPB_FIRST_MONTH) --columns gemeente_code,inhabitants $< \
	  | $(K) derive --rename inhabitants=population > $@

# The panel: one record per included municipality and month, clients per 1,000 inhabitants
# (a month without clients counts 0).
$(CPB_W)/panel.csv: $(CPB_W)/included.csv $(CPB_W)/inhabitants.csv $(CPB_W)/clients.csv $(CPB_W)/weights.csv
	$(K) join -k gemeente_code --type semi -q $(CPB_W)/inhabitants.csv $< \
	  | $(K) join -k gemeente_code,month --type left -q - $(CPB_W)/clients.csv | $(K) derive --fill clients=0 \
	  | $(K) standardise --method crude --measure rate --multiplier 1000 --events clients \
	      --population inhabitants -g gemeente_code,month \
	  | $(K) select --columns gemeente_code,month,observed,population,crude_rate \
	  | $(K) derive --rename observed=clients --rename population=inhabitants --rename crude_rate=per_1000 \
	  | $(K) join -k gemeente_code --type inner -q - $< \
	  | $(K) join -k gemeente_code --type inner -q - $(CPB_W)/weights.csv > $@

# ------------------------------------------------------------------ the estimates
# Difference-in-differences (model 1: January 2015 against December 2017; model 2: linear over
# the 36 months), unweighted and weighted by population, standard errors clustered on the
# municipality; and the monthly difference between the groups (event study).
DID = $(K) did --unit gemeente_code --time month --treated wijkteam --outcome per_1000 --weight population
$(T)/w1-wijkteam-did.csv: $(CPB_W)/panel.csv
	@mkdir -p $(@D)
	$(DID) --stats $(J)/did.json $< > $@
$(T)/w2-wijkteam-months.csv: $(CPB_W)/panel.csv
	@mkdir -p $(@D)
	$(DID) --event-study $< > $@

CPB_TABLES = $(T)/w1-wijkteam-did.csv $(T)/w2-wijkteam-months.csv
