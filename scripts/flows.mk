# flows.mk: the IZA monitor's patient flows (T8) on the insurers' claims: per condition group, its
# patients found in GP data, in the claims or in both, and per discipline of care the % of them
# with at least one claim in the year (for most groups a claim for the condition, by the
# discipline's own code system; for some disciplines and groups every claim), the first IZA
# year against the last. Included by study.mk, whose variables it uses (K, R, P, C, W, T, J, X,
# RULES, IZA_YEARS, CONDITIONS, PSEUDONYMISE, VALID_PERIOD).

# The disciplines in the claims, and the rules table that classifies the codes of each coded one
# (the others carry no diagnosis code). Which disciplines a group counts, and whether a claim
# counts only for the condition (code) or always (all): iza-disciplines.csv (Table H.2).
FLOW_DISCIPLINES = physio exercise skin dietetics occupational hospital mental_basic mental_specialist \
                   district_nursing primary_stay hap seh
CODED_DISCIPLINES = hospital physio exercise dietetics
CLAIMS_RULES_hospital = $(RULES)/iza-claims-hospital.csv
CLAIMS_RULES_physio = $(RULES)/iza-claims-paramedical.csv
CLAIMS_RULES_exercise = $(RULES)/iza-claims-paramedical.csv
CLAIMS_RULES_dietetics = $(RULES)/iza-claims-dietetics.csv
FLOW_TABLE = $(RULES)/iza-disciplines.csv

# ------------------------------------------------------------------ the claims at the analyst
# Claims are cleaned with the other periods in study.mk (dates read, DD-MM-YYYY made ISO, bad
# ones rejected, a period ending before it starts rejected); the insurers' member files as
# delivered; the insurers' account of their deliveries (no persons in it) as it is.
$(C)/insured.csv: $(P)/insured.csv $(W)/fingerprints.txt
	@mkdir -p $(@D)
	$(K)-select $< > $@
$(C)/insurer_deliveries.csv: $(R)/insurer_deliveries.csv
	@mkdir -p $(@D)
	$(K)-select $< > $@

# Dates of birth of the persons register (for the age rule of frail elderly), the persons
# delivered twice left out.
$(W)/birth-dates.csv: $(P)/persons.csv $(W)/persons-duplicated.csv
	$(K)-derive --iso-date birth_date --rejects $(X)/birth-dates.csv $< 2>/dev/null \
	  | $(K)-select --not-empty birth_date --columns bsn,birth_date \
	  | $(K)-join -k bsn --type anti -q - $(W)/persons-duplicated.csv > $@

# ------------------------------------------------------------------ the claims population
# The insured of YEAR (one insurer: a person with two is left out; a known date of birth), less
# those who lived in a Wlz institution at any time in the year and those whose insurer delivered
# incomplete claims in the year or the year before (exclusions.csv counts them all; a person may
# be in both of the last two).
$(W)/flows-%/population.csv $(W)/flows-%/exclusions.csv &: $(C)/insured.csv $(C)/insurer_deliveries.csv \
        $(C)/wlz.csv $(W)/birth-dates.csv
	@mkdir -p $(@D)
	$(K)-select --eq delivery=incomplete --eq "year=$*|$$(( $* - 1 ))" --columns insurer_id $(C)/insurer_deliveries.csv \
	  | $(K)-aggregate -g insurer_id --count | $(K)-select --columns insurer_id > $(@D)/incomplete.csv
	$(K)-select --eq setting=institution --overlaps start_date,end_date=$*-01-01..$*-12-31 --columns bsn $(C)/wlz.csv > $(@D)/wlz.csv
	$(K)-select --eq year=$* --columns bsn,insurer_id $(C)/insured.csv \
	  | $(K)-aggregate -g bsn,insurer_id --count | $(K)-select --columns bsn,insurer_id > $(@D)/insured.csv
	$(K)-aggregate -g bsn --count --min-count 2 $(@D)/insured.csv | $(K)-select --columns bsn > $(@D)/two-insurers.csv
	$(K)-join -k bsn --type anti -q $(@D)/insured.csv $(@D)/two-insurers.csv > $(@D)/insured-one.csv
	$(K)-join -k bsn --type inner -q $(@D)/insured-one.csv $(W)/birth-dates.csv > $(@D)/insured-once.csv
	$(K)-join -k insurer_id --type anti -q $(@D)/insured-once.csv $(@D)/incomplete.csv \
	  | $(K)-join -k bsn --type anti -q - $(@D)/wlz.csv | $(K)-select --columns bsn,birth_date > $(@D)/population.csv
	{ echo year,reason,persons; \
	  printf '%s,insured,%s\n' $* $$($(K)-aggregate -g bsn --count $(@D)/insured.csv | tail -n +2 | wc -l); \
	  printf '%s,two_insurers,%s\n' $* $$(tail -n +2 $(@D)/two-insurers.csv | wc -l); \
	  printf '%s,unknown_birth_date,%s\n' $* $$(( $$(tail -n +2 $(@D)/insured-one.csv | wc -l) - $$(tail -n +2 $(@D)/insured-once.csv | wc -l) )); \
	  printf '%s,wlz_institution,%s\n' $* $$($(K)-join -k bsn --type semi -q $(@D)/insured-once.csv $(@D)/wlz.csv | tail -n +2 | wc -l); \
	  printf '%s,insurer_incomplete,%s\n' $* $$($(K)-join -k insurer_id --type semi -q $(@D)/insured-once.csv $(@D)/incomplete.csv | tail -n +2 | wc -l); \
	  printf '%s,remaining,%s\n' $* $$(tail -n +2 $(@D)/population.csv | wc -l); } > $(@D)/exclusions.csv
	rm -f $(@D)/incomplete.csv $(@D)/wlz.csv $(@D)/insured.csv $(@D)/two-insurers.csv $(@D)/insured-one.csv \
	    $(@D)/insured-once.csv

# The claims of each discipline apart, once for both years, with the columns the steps below
# and T7 read: the cleaned claims are the largest file of the study.
$(W)/claims/%.csv: $(C)/claims.csv
	@mkdir -p $(@D)
	$(K)-select --eq discipline=$* --columns bsn,start_date,end_date,diagnosis_code $< > $@

# The coded claims of a discipline, classified once for every year by the discipline's rules: per
# person and condition group of the study (asthma and COPD: the subgroups of asthma_copd), the
# years its claims start and end in (end empty: still open), one row per combination, and the
# group's lookback (lookback_years of the rules: one per group), from which the steps of a year
# take who has the condition (a claim overlapping 1 January of YEAR-L .. 31 December of YEAR, as
# classify-condition --prevalence counts an episode) and who had a claim for it (one starting in
# YEAR). A code that is not of the discipline's system is rejected (rejects/classify-claims-D.csv).
CLAIMS_CONDITIONS = $(filter-out frail_elderly intellectual_disability,$(CONDITIONS))
define claims_conditions
$$(W)/claims/$(1)-conditions.csv: $$(W)/claims/$(1).csv $$(CLAIMS_RULES_$(1))
	$$(K)-classify-condition --tag --long --subgroups --matched-only --rules $$(CLAIMS_RULES_$(1)) --code diagnosis_code \
	    --rejects $$(X)/classify-claims-$(1).csv $$< 2>/dev/null \
	  | $$(K)-derive --year start_year=start_date --year end_year=end_date \
	  | $$(K)-aggregate -g bsn,condition,subgroup,start_year,end_year --count \
	  | awk -F, -v OFS=, -v wanted='$$(CLAIMS_CONDITIONS)' -v rules='$$(CLAIMS_RULES_$(1))' \
	      'BEGIN { n = split(wanted, w, " "); for (i = 1; i <= n; i++) want[w[i]] = 1; \
	               print "bsn,condition,start_year,end_year,lookback" } \
	       function study(condition, subgroup) { return condition == "asthma_copd" ? subgroup : condition } \
	       FNR == 1 { next } \
	       NR == FNR { c = study($$$$1, $$$$2); if (c in lookback && lookback[c] != $$$$3) { \
	                     printf "flows.mk: %s gives %s two lookbacks (%s and %s); a claims group needs one\n", \
	                         rules, c, lookback[c], $$$$3 > "/dev/stderr"; exit 2 } \
	                   lookback[c] = $$$$3; next } \
	       { c = study($$$$2, $$$$3); if (c in want) print $$$$1, c, $$$$4, $$$$5, lookback[c] }' \
	      <($$(K)-select --columns condition,subgroup,lookback_years $$(CLAIMS_RULES_$(1))) - > $$@
endef
$(foreach d,$(CODED_DISCIPLINES),$(eval $(call claims_conditions,$(d))))
CLAIMS_CONDITION_FILES = $(foreach d,$(CODED_DISCIPLINES),$(W)/claims/$(d)-conditions.csv)

# ------------------------------------------------------------------ who has the condition
# Per person of the claims population and condition: found in GP data (an eligible GP patient
# with the condition, T6), in the claims (a claim with a code of the condition in the lookback
# window, classified with the discipline's rules; frail elderly: 80 or over on 31 December) or
# in both: bsn,condition,found_in (gp, claims, both). Intellectual disability has no claims codes.
$(W)/flows-%/found.csv: $(W)/flows-%/population.csv $(CLAIMS_CONDITION_FILES) $(W)/iza-%/prevalence.csv
	{ echo bsn,condition,source; \
	  awk -F, -v OFS=, -v year=$* 'FNR > 1 && $$3 <= year && ($$4 == "" || $$4 >= year - $$5) { print $$1, $$2, 2 }' \
	      $(CLAIMS_CONDITION_FILES); \
	  $(K)-derive --age age=birth_date:$*-12-31 $< | $(K)-select --ge age=80 --columns bsn | tail -n +2 | sed 's/$$/,frail_elderly,2/'; \
	  awk -F, -v OFS=, -v want='$(CONDITIONS)' \
	      'NR == 1 { n = split(want, w, " "); for (k = 1; k <= n; k++) name[w[k]] = 1; \
	                 for (i = 2; i <= NF; i++) if ($$i in name) column[i] = $$i; next } \
	       { for (i in column) if ($$i == "1") print $$1, column[i], 1 }' $(W)/iza-$*/prevalence.csv; } \
	  | $(K)-join -k bsn --type semi -q - $< \
	  | $(K)-aggregate -g bsn,condition,source --count | $(K)-select --columns bsn,condition,source \
	  | $(K)-aggregate -g bsn,condition --sum source \
	  | $(K)-derive --lookup found_in=sum_source:<(printf 'sum_source,found_in\n1,gp\n2,claims\n3,both\n') \
	  | $(K)-select --columns bsn,condition,found_in > $@

# Per person and discipline, the claims of YEAR (by their start) that count: bsn,condition,
# discipline for a claim of the condition (by code, or the declaration codes of
# iza-claims-declarations.csv), and bsn,discipline for any claim.
# (The claims of YEAR: made first, as they need no classification, and deleted after the step.)
$(W)/flows-%/claims-year.csv: $(C)/claims.csv
	@mkdir -p $(@D)
	$(K)-select --in-year start_date=$* --columns bsn,discipline,declaration_code $< > $@
$(W)/flows-%/claimed.csv $(W)/flows-%/claimed-any.csv &: $(W)/flows-%/claims-year.csv $(CLAIMS_CONDITION_FILES) \
        $(RULES)/iza-claims-declarations.csv
	$(K)-aggregate -g bsn,discipline --count $< | $(K)-select --columns bsn,discipline > $(@D)/claimed-any.csv
	{ echo bsn,condition,discipline; \
	  for d in $(CODED_DISCIPLINES); do \
	    awk -F, -v OFS=, -v year=$* -v d=$$d 'FNR > 1 && $$3 == year { print $$1, $$2, d }' $(W)/claims/$$d-conditions.csv; done; \
	  $(K)-join -k discipline,declaration_code --type inner -q $< $(RULES)/iza-claims-declarations.csv \
	    | $(K)-select --columns bsn,condition,discipline | tail -n +2; } \
	  | $(K)-aggregate -g bsn,condition,discipline --count | $(K)-select --columns bsn,condition,discipline > $(@D)/claimed.csv
	rm -f $<

# The disciplines each study condition counts, from Table H.2 (iza-disciplines.csv): its
# asthma_copd rows are asthma's and COPD's. condition,discipline,counts (code or all), sorted.
$(W)/flows-disciplines.csv: $(FLOW_TABLE)
	@mkdir -p $(@D)
	$(K)-select --columns condition,discipline,counts $< \
	  | awk -F, -v OFS=, -v want='$(CONDITIONS)' 'NR == 1 { n = split(want, w, " "); for (i = 1; i <= n; i++) study[w[i]] = 1; next } \
	      $$1 == "asthma_copd" { if ("asthma" in study) print "asthma", $$2, $$3; if ("copd" in study) print "copd", $$2, $$3; next } \
	      $$1 in study && $$1 != "asthma" && $$1 != "copd" { print }' \
	  | LC_ALL=C sort -u | { echo condition,discipline,counts; cat; } > $@

# Per condition's patient and each discipline the group counts where the patient had a claim
# that counts there (a claim for the condition, or any claim where the group counts all care):
# bsn,condition,discipline. A patient of the group without such a claim has no row: the
# group's patients are found.csv.
$(W)/flows-%/contacts.csv: $(W)/flows-%/found.csv $(W)/flows-%/claimed.csv $(W)/flows-%/claimed-any.csv \
        $(W)/flows-disciplines.csv
	{ $(K)-join -k bsn,condition --type semi -q $(@D)/claimed.csv $< \
	    | $(K)-join -k condition,discipline --type semi -q - <($(K)-select --eq counts=code $(W)/flows-disciplines.csv); \
	  $(K)-join -k bsn --type inner -q $(@D)/claimed-any.csv <($(K)-select --columns bsn,condition $<) \
	    | $(K)-join -k condition,discipline --type semi -q - <($(K)-select --eq counts=all $(W)/flows-disciplines.csv) \
	    | $(K)-select --columns bsn,condition,discipline | tail -n +2; } > $@

# ------------------------------------------------------------------ the table
# Per condition, year and discipline: the patients with (yes) and without (no) a claim, and the
# group's patients (Total); and the patients by where they were found (found_in: gp, claims,
# both). One population per condition and year: its tables are protected together.
$(W)/t8-long.csv: $(W)/flows-disciplines.csv \
        $(foreach y,$(IZA_YEARS),$(W)/flows-$(y)/found.csv $(W)/flows-$(y)/contacts.csv)
	{ echo year,condition,discipline,contact,persons; \
	  for y in $(IZA_YEARS); do \
	    f=$(W)/flows-$$y; \
	    awk -F, -v OFS=, -v year=$$y 'FNR == 1 { file++; next } \
	        file == 1 { patients[$$2]++; found[$$2, $$3]++; next } \
	        file == 2 { yes[$$2, $$3]++; next } \
	        file == 3 && $$1 in patients { print year, $$1, $$2, "yes", yes[$$1, $$2] + 0; \
	            print year, $$1, $$2, "no", patients[$$1] - yes[$$1, $$2]; print year, $$1, $$2, "Total", patients[$$1]; \
	            if (!($$1 in seen)) { seen[$$1] = 1; order[++n] = $$1 } } \
	        END { for (i = 1; i <= n; i++) { c = order[i]; \
	                print year, c, "found_in", "gp", found[c, "gp"] + 0; print year, c, "found_in", "claims", found[c, "claims"] + 0; \
	                print year, c, "found_in", "both", found[c, "both"] + 0; print year, c, "found_in", "Total", patients[c] } }' \
	        $$f/found.csv $$f/contacts.csv $<; done; } > $@

# The patients of a condition in both years, per discipline: how many, and of them with a claim
# in both years, in the last only and in the first only, for the change's interval
# (standardise --overlap); left out (zeros: the independent interval) where one of the four
# cells of those patients is 1 to 9, as for T6.
T8_FIRST = $(W)/flows-$(firstword $(IZA_YEARS))
T8_LAST = $(W)/flows-$(lastword $(IZA_YEARS))
$(W)/t8-overlap.csv: $(W)/flows-disciplines.csv $(foreach y,$(IZA_YEARS),$(W)/flows-$(y)/found.csv $(W)/flows-$(y)/contacts.csv)
	{ $(K)-join -k bsn,condition --type inner -q <($(K)-select --columns bsn,condition $(T8_FIRST)/found.csv) \
	      <($(K)-select --columns bsn,condition $(T8_LAST)/found.csv) | sed 's/$$/,both_years/'; \
	  $(K)-join -k bsn,condition,discipline --type semi -q $(T8_FIRST)/contacts.csv $(T8_LAST)/contacts.csv \
	    | tail -n +2 | sed 's/$$/,yes_both/'; \
	  $(K)-join -k bsn,condition --type semi -q $(T8_LAST)/contacts.csv $(T8_FIRST)/found.csv \
	    | tail -n +2 | sed 's/$$/,yes_last/'; \
	  $(K)-join -k bsn,condition --type semi -q $(T8_FIRST)/contacts.csv $(T8_LAST)/found.csv \
	    | tail -n +2 | sed 's/$$/,yes_first/'; } \
	  | awk -F, -v OFS=, -v year=$(lastword $(IZA_YEARS)) 'NR == 1 { next } \
	      NF == 3 { n[$$2]++; next } \
	      { k = $$2 OFS $$3; m[k, $$4]++ } \
	      function small(x) { return x > 0 && x < 10 } \
	      END { while ((getline line < "$<") > 0) { split(line, f, ","); if (!(f[1] in n)) continue; k = f[1] OFS f[2]; \
	              a = n[f[1]]; b = m[k, "yes_both"] + 0; x = m[k, "yes_last"] - b; y = m[k, "yes_first"] - b; \
	              if (small(b) || small(x) || small(y) || small(a - b - x - y)) a = b = x = y = 0; \
	              print k, year, "yes", a, b, x, y } }' \
	  | LC_ALL=C sort | { echo condition,discipline,year,contact,$(T6_OVERLAP); cat; } > $@

# Per condition and discipline, the % of the group's patients with a claim, and its change from
# the first year.
$(W)/t8-rates.csv: $(W)/t8-long.csv $(W)/t8-overlap.csv
	$(K)-select --ne discipline=found_in --eq contact=Total --columns year,condition,discipline,persons $< \
	  | $(K)-derive --rename persons=patients > $@.total
	$(K)-select --ne discipline=found_in --eq contact=yes --columns year,condition,discipline,contact,persons $< \
	  | $(K)-derive --rename persons=with_claim | $(K)-join -k year,condition,discipline --type inner -q - $@.total \
	  | $(K)-join -k condition,discipline,year,contact --type left -q - $(W)/t8-overlap.csv \
	  | $(K)-standardise --method crude --measure proportion --events with_claim --population patients \
	      -g condition,discipline,year,contact --compare-to year=$(firstword $(IZA_YEARS)) --overlap $(T6_OVERLAP) \
	  | $(K)-derive --rename crude_rate=contact_pct,crude_lower=contact_lower,crude_upper=contact_upper \
	      --rename difference=change_pp,difference_lower=change_lower,difference_upper=change_upper \
	  | $(K)-select --columns year,condition,discipline,contact,contact_pct,contact_lower,contact_upper,$(T6_CHANGE) > $@
	rm -f $@.total

# Per condition and year, its patients per 100 persons of the claims population (found in either
# source), with a Wilson interval: on the group's Total rows.
$(W)/t8-prevalence.csv: $(W)/t8-long.csv $(foreach y,$(IZA_YEARS),$(W)/flows-$(y)/population.csv)
	for y in $(IZA_YEARS); do \
	    $(K)-aggregate --count $(W)/flows-$$y/population.csv | $(K)-derive --const year=$$y --rename count=population; done \
	  | awk 'NR == 1 || $$0 != "population,year"' > $@.population
	$(K)-select --eq discipline=found_in --eq contact=Total --columns year,condition,contact,persons $< \
	  | $(K)-join -k year --type inner -q - $@.population \
	  | $(K)-standardise --method crude --measure proportion --events persons --population population -g year,condition,contact \
	  | $(K)-derive --rename crude_rate=prevalence_pct,crude_lower=prevalence_lower,crude_upper=prevalence_upper \
	  | $(K)-select --columns year,condition,contact,population,prevalence_pct,prevalence_lower,prevalence_upper > $@
	rm -f $@.population

# What is not published, because with T6 it would give a small count by subtraction: where the
# patients were found (found_in, kept in work/t8-long.csv). T6's total less T8's gp and both is
# the number of the group's GP patients outside the claims population (Wlz, an incomplete
# insurer, no date of birth), 8 or 9 for some demo groups. For the same reason intellectual
# disability is left out of T8: it has no claims codes, so its T8 patients are T6's less those
# outside the claims population, and T6's total less T8's would be that count.
T8_UNPUBLISHED = --ne discipline=found_in --ne condition=intellectual_disability
# Suppressed per condition: its disciplines are the dimensions of linked tables of
# one population (the group's patients, each table's Total), the years apart (--by year); a
# share needs its Total, a change the first year's cell and its Total too. A group's total costs
# 100 cells to hide, as in T6. The cells are widened for suppress (one column per table, Total
# where a table does not break down) and narrowed again for publication: one row per discipline
# and contact, the group's Total once per discipline.
T8_COLUMNS = year,condition,discipline,contact,persons,population,prevalence_pct,prevalence_lower,prevalence_upper,contact_pct,contact_lower,contact_upper,$(T6_CHANGE),status
T8_RATES = prevalence_pct,prevalence_lower,prevalence_upper,contact_pct,contact_lower,contact_upper,$(T6_CHANGE)
$(T)/t8-patient-flows.csv: $(W)/t8-long.csv $(W)/t8-rates.csv $(W)/t8-prevalence.csv
	@mkdir -p $(@D)
	$(K)-select $(T8_UNPUBLISHED) $< | $(K)-join -k year,condition,contact --type left -q - $(W)/t8-prevalence.csv \
	  | $(K)-join -k year,condition,discipline,contact --type left -q - $(W)/t8-rates.csv > $(W)/t8-cells.csv
	rm -f $(W)/t8-published.part $(W)/t8.audit.part
	for c in $(CONDITIONS); do \
	    dims=$$($(K)-select --eq condition=$$c --columns discipline $(W)/t8-cells.csv | tail -n +2 | awk '!seen[$$0]++' | paste -sd, -); \
	    [ -n "$$dims" ] || continue; \
	    $(K)-select --eq condition=$$c $(W)/t8-cells.csv \
	      | awk -F, -v OFS=, -v dims=$$dims ' \
	          NR == 1 { nd = split(dims, d, ","); printf "year,condition"; for (j = 1; j <= nd; j++) printf ",%s", d[j]; \
	                    for (i = 5; i <= NF; i++) printf ",%s", $$i; print ",cost_weight"; next } \
	          $$4 == "Total" && total[$$1]++ { next } \
	          { printf "%s,%s", $$1, $$2; for (j = 1; j <= nd; j++) printf ",%s", (d[j] == $$3 ? $$4 : "Total"); \
	            for (i = 5; i <= NF; i++) printf ",%s", $$i; print "," ($$4 == "Total" ? 100 : 1) }' > $(W)/t8-$$c-cells.csv; \
	    options="--linked --dims $$dims --by year --count persons --fill-zeros"; \
	    for d in $$(echo $$dims | tr , ' '); do [ $$d = found_in ] && continue; \
	        options="$$options --depends contact_pct,contact_lower,contact_upper=$$d:Total --depends $(T6_CHANGE)=$$d:Total \
	            --depends $(T6_CHANGE)=$(T6_FIRST) --depends $(T6_CHANGE)=$(T6_FIRST),$$d:Total"; done; \
	    $(K)-suppress $$options --cost-weight cost_weight --blank $(T8_RATES) --stats $(J)/suppress-t8-$$c.json \
	        $(W)/t8-$$c-cells.csv > $(W)/t8-$$c-published.csv; \
	    $(K)-suppress --audit $$options --original $(W)/t8-$$c-cells.csv $(W)/t8-$$c-published.csv >> $(W)/t8.audit.part; \
	    awk -F, -v OFS=, -v dims=$$dims ' \
	        NR == 1 { nd = split(dims, d, ","); for (i = 1; i <= NF; i++) col[$$i] = i; next } \
	        { shown = 0; for (j = 1; j <= nd; j++) if ($$col[d[j]] != "Total") { emit(d[j], $$col[d[j]]); shown = 1 } \
	          if (!shown) for (j = 1; j <= nd; j++) emit(d[j], "Total") } \
	        function emit(discipline, contact,    k, n, f) { \
	          n = split("$(T8_COLUMNS)", f, ","); \
	          for (k = 1; k <= n; k++) printf "%s%s", (k > 1 ? OFS : ""), \
	              (f[k] == "discipline" ? discipline : f[k] == "contact" ? contact : $$col[f[k]]); print "" }' \
	        $(W)/t8-$$c-published.csv >> $(W)/t8-published.part; done
	awk -F, -v OFS=, '{ order = $$4 == "yes" || $$4 == "gp" ? 1 : $$4 == "no" || $$4 == "claims" ? 2 : $$4 == "both" ? 3 : 4; \
	      print $$1 "," $$2 "," ($$3 == "found_in" ? "" : $$3) "," order "\t" $$0 }' $(W)/t8-published.part \
	  | LC_ALL=C sort -t "$$(printf '\t')" -k1,1 | cut -f2 | { echo '$(T8_COLUMNS)'; cat; } > $@
	mv $(W)/t8.audit.part $(@:.csv=.audit.txt)
	rm -f $(W)/t8-published.part
