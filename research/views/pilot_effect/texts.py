"""Wording of the ``pilot_effect`` report and of its conclusion, in Swedish and English.

Keys are stable identifiers; values are ``str.format`` templates. Swedish is the default.
"""

from __future__ import annotations

from research.core.fmt import check_lang

__all__ = ["TEXTS", "t"]

TEXTS: dict[str, dict[str, str]] = {
    # ---------------------------------------------------------------- estimator names
    "est_synth": {"sv": "syntetisk kontroll", "en": "synthetic control"},
    "est_did": {"sv": "difference-in-differences", "en": "difference-in-differences"},
    "est_its": {"sv": "avbruten tidsserie", "en": "interrupted time series"},
    "est_cits": {
        "sv": "kontrollerad avbruten tidsserie",
        "en": "controlled interrupted time series",
    },
    "est_event": {"sv": "händelsestudie", "en": "event study"},
    # ---------------------------------------------------------------- conclusion
    "verdict_decrease": {
        "sv": (
            "Flera metoder ({names}) visar en statistiskt säkerställd minskning av de anmälda "
            "brotten jämfört med jämförelsekommunerna, omkring {change}. Det stämmer med en "
            "effekt av piloten, men visar inte att våldet minskade."
        ),
        "en": (
            "Several methods ({names}) show a statistically significant fall in reported "
            "crime relative to the comparison kommuner, about {change}. This is consistent "
            "with an effect of the pilot, but does not show that violence fell."
        ),
    },
    "verdict_increase": {
        "sv": (
            "Flera metoder ({names}) visar en statistiskt säkerställd ökning av de anmälda "
            "brotten jämfört med jämförelsekommunerna, omkring {change}. En ökning kan betyda "
            "att fler anmäler när det uppsökande arbetet fungerar, inte att våldet ökade."
        ),
        "en": (
            "Several methods ({names}) show a statistically significant rise in reported crime "
            "relative to the comparison kommuner, about {change}. A rise can mean that more "
            "cases are reported when the outreach works, not that violence increased."
        ),
    },
    "verdict_suggestive_decrease": {
        "sv": (
            "Bara {n_sig} av {n} metoder ({names}) visar en statistiskt säkerställd minskning "
            "(omkring {change}); de andra gör det inte. Det räcker inte för att påstå att "
            "piloten hade en effekt."
        ),
        "en": (
            "Only {n_sig} of {n} methods ({names}) shows a statistically significant fall "
            "(about {change}); the others do not. That is not enough to claim that the pilot "
            "had an effect."
        ),
    },
    "verdict_suggestive_increase": {
        "sv": (
            "Bara {n_sig} av {n} metoder ({names}) visar en statistiskt säkerställd ökning "
            "(omkring {change}); de andra gör det inte. Det räcker inte för att påstå att "
            "piloten hade en effekt."
        ),
        "en": (
            "Only {n_sig} of {n} methods ({names}) shows a statistically significant rise "
            "(about {change}); the others do not. That is not enough to claim that the pilot "
            "had an effect."
        ),
    },
    "verdict_conflicting": {
        "sv": (
            "Metoderna pekar åt olika håll: några visar en säkerställd minskning och andra en "
            "säkerställd ökning ({names}). Datan ger inget samstämmigt svar om pilotens effekt."
        ),
        "en": (
            "The methods point in different directions: some show a significant fall and "
            "others a significant rise ({names}). The data give no consistent answer about the "
            "pilot's effect."
        ),
    },
    "verdict_cannot_tell": {
        "sv": (
            "Datan kan inte avgöra om piloten fungerade. Ingen av de {n} metoderna visar en "
            "statistiskt säkerställd förändring (på nivån {alpha}), och underlaget är för litet "
            "för att en rimlig effekt skulle synas: en minskning med {plausible} i "
            "pilotområdet hade upptäckts med sannolikheten {power}."
        ),
        "en": (
            "The data cannot tell whether the pilot worked. None of the {n} methods shows a "
            "statistically significant change (at the {alpha} level), and the data are too "
            "thin for a plausible effect to show: a {plausible} drop in the pilot area would "
            "have been detected with probability {power}."
        ),
    },
    "verdict_no_effect_detected": {
        "sv": (
            "Ingen av de {n} metoderna visar en statistiskt säkerställd förändring (på nivån "
            "{alpha}). En minskning med {plausible} i pilotområdet hade upptäckts med "
            "sannolikheten {power}, så en så stor effekt på de anmälda brotten är osannolik; "
            "mindre effekter kan inte uteslutas."
        ),
        "en": (
            "None of the {n} methods shows a statistically significant change (at the {alpha} "
            "level). A {plausible} drop in the pilot area would have been detected with "
            "probability {power}, so an effect that large on reported crime is unlikely; "
            "smaller effects cannot be ruled out."
        ),
    },
    "power_mde": {
        "sv": "Den minsta minskning i pilotområdet som kunde upptäckas med 80 % styrka är {mde}.",
        "en": "The smallest drop in the pilot area detectable with 80% power is {mde}.",
    },
    "power_none": {
        "sv": (
            "Inte ens om alla fall i pilotområdet försvann skulle förändringen kunna upptäckas "
            "med 80 % styrka."
        ),
        "en": (
            "Not even the disappearance of every case in the pilot area could be detected "
            "with 80% power."
        ),
    },
    "concl_exaggeration": {
        "sv": (
            "Underlaget har låg styrka: ett statistiskt säkerställt resultat från ett sådant "
            "underlag överskattar ofta effektens storlek och kan till och med ha fel tecken "
            "(Gelman & Carlin 2014)."
        ),
        "en": (
            "The design has low power: a significant result from such data tends to overstate "
            "the size of the effect and may even have the wrong sign (Gelman & Carlin 2014)."
        ),
    },
    "concl_reporting": {
        "sv": (
            "Anmälda brott mäter polisens registrering lika mycket som våldet. Ett fungerande "
            "uppsökande arbete kan öka antalet anmälningar, så riktningen är tvetydig: en "
            "ökning kan vara ett gott tecken och en minskning behöver inte betyda mindre våld."
        ),
        "en": (
            "Reported crime measures police registration as much as violence. Outreach that "
            "works can raise the number of reports, so the direction is ambiguous: a rise can "
            "be a good sign and a fall need not mean less violence."
        ),
    },
    "concl_dilution": {
        "sv": (
            "Piloten gällde en stadsdel med omkring {share} av kommunens invånare; kommunens "
            "siffror späder ut en effekt i stadsdelen: {plausible} där är ungefär {diluted} "
            "för hela kommunen."
        ),
        "en": (
            "The pilot covered a district with about {share} of the kommun's inhabitants; the "
            "kommun figures dilute an effect in the district: {plausible} there is roughly "
            "{diluted} for the whole kommun."
        ),
    },
    "concl_breaks": {
        "sv": "Serien har brott inom analysfönstret: {labels}.",
        "en": "The series has breaks inside the analysis window: {labels}.",
    },
    "concl_break_near": {
        "sv": (
            "Brottet {year} ligger precis före pilotstarten, så en förändring kring starten "
            "kan komma från registreringen snarare än från piloten."
        ),
        "en": (
            "The {year} break lies right before the pilot start, so a change around the start "
            "may come from registration rather than from the pilot."
        ),
    },
    "concl_pretrend": {
        "sv": (
            "Testet av trender före starten förkastar parallella trender (p = {p}); "
            "jämförelsen med de andra kommunerna är därför osäker."
        ),
        "en": (
            "The pre-trend test rejects parallel trends (p = {p}); the comparison with the "
            "other kommuner is therefore doubtful."
        ),
    },
    "concl_short": {
        "sv": (
            "Efterperioden är kort: bara {n} år i datan, medan piloten pågick till hösten 2023. "
            "Effekter som kommer först senare syns inte."
        ),
        "en": (
            "The post period is short: only {n} years in the data, while the pilot ran until "
            "autumn 2023. Effects that come later do not show."
        ),
    },
    # ---------------------------------------------------------------- report
    "source_line": {
        "sv": (
            "Källa: Kolada (RKA), brottsstatistik från Brå, befolkning från SCB; egna beräkningar."
        ),
        "en": (
            "Source: Kolada (RKA), crime statistics from Brå, population from SCB; own "
            "calculations."
        ),
    },
    "pilot_start": {"sv": "Pilotstart {start}", "en": "Pilot start {start}"},
    "title": {
        "sv": "Fungerade piloten? {indicator} i {pilot}",
        "en": "Did the pilot work? {indicator} in {pilot}",
    },
    "intro": {
        "sv": (
            "Rapporten skattar hur {indicator} i {pilot} utvecklades efter att piloten "
            "{programme} ({full}) startade i {start}, jämfört med vad som hade hänt utan "
            "piloten. Tre metoder används: syntetisk kontroll och difference-in-differences "
            "mot andra kommuner ({fit_start}–{last}) och en avbruten tidsserie för {pilot} "
            "({its_start}–{last}). Därefter följer vilken effekt datan alls hade kunnat "
            "upptäcka, och en slutsats som dras ur resultaten."
        ),
        "en": (
            "This report estimates how {indicator} in {pilot} developed after the "
            "{programme} pilot ({full}) started in {start}, compared with what would have "
            "happened without it. Three methods are used: a synthetic control and a "
            "difference-in-differences against other kommuner ({fit_start}-{last}) and an "
            "interrupted time series for {pilot} ({its_start}-{last}). Then follows which "
            "effect the data could have detected at all, and a conclusion drawn from the "
            "results."
        ),
    },
    "treatment_year": {
        "sv": (
            "Datan är årlig. Piloten startade i {start}, så {year} är delvis påverkat. Alla "
            "metoder räknar {year} som första år efter starten (inte {full}, det första hela "
            "pilotåret): ett år med nio pilotmånader får inte ingå i perioden före, men "
            "effekten syns därmed utspädd det första året."
        ),
        "en": (
            "The data are annual. The pilot started in {start}, so {year} is partly treated. "
            "All methods count {year} as the first year after the start (not {full}, the "
            "first full pilot year): a year with nine pilot months must not be part of the "
            "period before, but the effect is diluted in that first year."
        ),
    },
    "fit_window": {
        "sv": (
            "Perioden före börjar {fit_start}, efter brottet i serien 2015 då kommunsiffrorna "
            "lades om; nivåer före 2015 är inte jämförbara. Jämförelsen före starten avser "
            "alltså {fit_start}–{pre_last}."
        ),
        "en": (
            "The period before starts in {fit_start}, after the 2015 break when the kommun "
            "figures were put on a new basis; levels before 2015 are not comparable. The "
            "comparison before the start thus covers {fit_start}-{pre_last}."
        ),
    },
    "caveats_heading": {"sv": "Läs detta först", "en": "Read this first"},
    "cav_dilution": {
        "sv": (
            "Piloten drevs i stadsdelsområdet {district}, men datan har bara siffror för hela "
            "kommuner, så {pilot} får stå för pilotområdet. {district} hade ungefär {dpop} "
            "invånare ({dyear}), omkring {share} av {pilot}s {kpop} ({kyear}). En minskning "
            "med 20 % i {district} motsvarar bara ungefär {diluted} i hela {pilot}."
        ),
        "en": (
            "The pilot ran in the {district} district, but the data only cover whole "
            "kommuner, so {pilot} stands in for the pilot area. {district} had about {dpop} "
            "inhabitants ({dyear}), about {share} of {pilot}'s {kpop} ({kyear}). A 20% drop in "
            "{district} is only about {diluted} for {pilot} as a whole."
        ),
    },
    "cav_breaks": {
        "sv": "Serien har brott inom fönstret: {labels}.",
        "en": "The series has breaks inside the window: {labels}.",
    },
    "cav_break_near": {
        "sv": (
            "Brottet {year} ligger precis före pilotstarten och kan inte skiljas från en "
            "pilotstart på kommunnivå; alla metoder varnar för det nedan."
        ),
        "en": (
            "The {year} break lies right before the pilot start and cannot be told apart from "
            "a pilot start at kommun level; every method warns about it below."
        ),
    },
    "cav_counts": {
        "sv": (
            "Antal brott publiceras inte i Kolada-datan. Metoderna som använder antal "
            "(difference-in-differences, avbruten tidsserie, styrka) använder uppskattade "
            "antal: takt x folkmängd / 100 000."
        ),
        "en": (
            "The Kolada data do not publish counts. The methods that use counts "
            "(difference-in-differences, interrupted time series, power) use estimated "
            "counts: rate x population / 100,000."
        ),
    },
    "cav_reporting": {
        "sv": (
            "Anmälda brott mäter polisens registrering lika mycket som våldet. Om det "
            "uppsökande arbetet fungerar kan fler brott anmälas: riktningen är tvetydig, en "
            "ökning kan vara ett gott tecken och en minskning behöver inte betyda mindre våld."
        ),
        "en": (
            "Reported crime measures police registration as much as violence. If the outreach "
            "works, more crimes may be reported: the direction is ambiguous, a rise can be a "
            "good sign and a fall need not mean less violence."
        ),
    },
    "cav_short": {
        "sv": (
            "Efterperioden är kort: datan har bara {n} år efter starten ({years}), medan "
            "piloten pågick till {end}."
        ),
        "en": (
            "The post period is short: the data have only {n} years after the start "
            "({years}), while the pilot ran until {end}."
        ),
    },
    "pool_heading": {"sv": "Jämförelsekommuner", "en": "Comparison kommuner"},
    "pool_kommuner": {"sv": "alla andra kommuner", "en": "all other kommuner"},
    "pool_lan": {"sv": "de andra kommunerna i län {lan}", "en": "the other kommuner of län {lan}"},
    "pool_group": {
        "sv": "kommunerna i den officiella gruppen {groups} (källa: Kolada)",
        "en": "the kommuner of the official group {groups} (source: Kolada)",
    },
    "pool_similar": {
        "sv": "de {k} mest lika kommunerna (brottstakter och folkmängd före starten)",
        "en": "the {k} most similar kommuner (crime rates and population before the start)",
    },
    "pool_text": {
        "sv": (
            "Jämförelsegruppen är {kind}: {n_cand} kommuner, varav {n_used} används av alla "
            "metoder. De behöver fullständiga värden {first}–{last}."
        ),
        "en": (
            "The comparison pool is {kind}: {n_cand} kommuner, of which {n_used} are used by "
            "every method. They need complete values in {first}-{last}."
        ),
    },
    "pool_dropped_heading": {"sv": "Kommuner som inte används", "en": "Kommuner left out"},
    "pool_missing": {
        "sv": (
            "{n} saknar värden något år (små kommuner, vars siffror Brå inte redovisar före "
            "2017): {names}."
        ),
        "en": (
            "{n} lack values in some year (small kommuner, whose figures Brå does not publish "
            "before 2017): {names}."
        ),
    },
    "and_more": {"sv": " och {n} till", "en": " and {n} more"},
    "pool_size": {
        "sv": (
            "{n} lämnas utanför eftersom bara de {k} som ligger närmast i folkmängd behålls: "
            "små kommuners takter är mest slump, och ett permutationstest förutsätter att "
            "kommunerna är jämförbara (Abadie 2021; MacKinnon & Webb 2020)."
        ),
        "en": (
            "{n} are left out because only the {k} closest in population are kept: the rates "
            "of small kommuner are mostly noise, and a permutation test assumes comparable "
            "units (Abadie 2021; MacKinnon & Webb 2020)."
        ),
    },
    "synth_heading": {"sv": "1. Syntetisk kontroll", "en": "1. Synthetic control"},
    "synth_method": {
        "sv": (
            "En syntetisk kontroll är ett vägt genomsnitt av jämförelsekommuner som följer "
            "{pilot} så nära som möjligt före starten ({first}–{last}); skillnaden efteråt "
            "(från {year}) skattar effekten på takten. Vikterna väljs bland {n} kommuner "
            "utifrån medelvärden av utfallet, folkmängd (log) och andra brottstakter. "
            "Slutsatsen bygger på placebotest: varje jämförelsekommun behandlas i tur och "
            "ordning som om den hade haft piloten."
        ),
        "en": (
            "A synthetic control is a weighted average of comparison kommuner that tracks "
            "{pilot} as closely as possible before the start ({first}-{last}); the difference "
            "afterwards (from {year}) estimates the effect on the rate. The weights are chosen "
            "among {n} kommuner from averages of the outcome, population (log) and other crime "
            "rates. Inference rests on placebo tests: each comparison kommun in turn is "
            "treated as if it had had the pilot."
        ),
    },
    "col_donor": {"sv": "Kommun", "en": "Kommun"},
    "col_weight": {"sv": "Vikt", "en": "Weight"},
    "weights_caption": {
        "sv": "Kommunerna i den syntetiska kontrollen ({n} av {total} har vikt).",
        "en": "Kommuner in the synthetic control ({n} of {total} carry weight).",
    },
    "col_predictor": {"sv": "Prediktor", "en": "Predictor"},
    "col_synthetic": {"sv": "Syntetisk", "en": "Synthetic"},
    "col_donor_mean": {"sv": "Medel, jämförelsekommuner", "en": "Mean of comparison kommuner"},
    "col_v": {"sv": "Prediktorvikt", "en": "Predictor weight"},
    "balance_caption": {
        "sv": "Balans före starten: pilotkommunen, syntetisk kontroll och gruppens medel.",
        "en": "Balance before the start: the pilot kommun, synthetic control and pool mean.",
    },
    "balance_note": {
        "sv": (
            "Takter per 100 000 invånare. Ligger pilotkommunen utanför gruppens spann kan "
            "ingen viktning träffa den (se varningarna)."
        ),
        "en": (
            "Rates per 100,000 inhabitants. Where the pilot kommun lies outside the pool's "
            "range no weighting can match it (see the warnings)."
        ),
    },
    "pred_log_pop": {"sv": "Folkmängd (log)", "en": "Population (log)"},
    "pred_rate": {"sv": "{label}, medel före starten", "en": "{label}, mean before the start"},
    "pred_outcome": {"sv": "{label}, medel {years}", "en": "{label}, mean {years}"},
    "placebo_label": {
        "sv": "Grå linjer: {n} placebokommuner",
        "en": "Grey lines: {n} placebo kommuner",
    },
    "gap_title": {
        "sv": "{indicator}: {pilot} minus syntetisk kontroll",
        "en": "{indicator}: {pilot} minus synthetic control",
    },
    "gap_ylabel": {"sv": "Skillnad per 100 000 inv.", "en": "Difference per 100,000"},
    "gap_alt": {
        "sv": (
            "Linjediagram {first}–{last}: skillnaden i {indicator} mellan {pilot} och dess "
            "syntetiska kontroll (svart), med motsvarande skillnader för {n} placebokommuner "
            "i ljusgrått."
        ),
        "en": (
            "Line chart {first}-{last}: the difference in {indicator} between {pilot} and its "
            "synthetic control (black), with the same differences for {n} placebo kommuner in "
            "light grey."
        ),
    },
    "col_measure": {"sv": "Mått", "en": "Measure"},
    "col_value": {"sv": "Värde", "en": "Value"},
    "res_pre_rmspe": {"sv": "RMSPE före starten", "en": "RMSPE before the start"},
    "res_post_rmspe": {"sv": "RMSPE efter starten", "en": "RMSPE after the start"},
    "res_ratio": {"sv": "Kvot efter/före", "en": "Ratio after/before"},
    "res_att": {
        "sv": "Genomsnittlig skillnad efter starten (per 100 000)",
        "en": "Mean difference after the start (per 100,000)",
    },
    "res_att_pct": {
        "sv": "Skillnad i procent av den syntetiska nivån",
        "en": "Difference as a percentage of the synthetic level",
    },
    "res_p_rule": {
        "sv": "Placebo-p (placebo med MSPE före > {ratio} x pilotens uteslutna)",
        "en": "Placebo p (placebos with pre MSPE > {ratio} x the pilot's excluded)",
    },
    "res_p_all": {"sv": "Placebo-p, alla placebo", "en": "Placebo p, all placebos"},
    "p_of": {"sv": "{p} (av {n} kommuner)", "en": "{p} (of {n} kommuner)"},
    "res_loo": {
        "sv": "Skillnad när en viktad kommun i taget utesluts",
        "en": "Difference leaving out one weighted kommun at a time",
    },
    "synth_results_caption": {
        "sv": "Syntetisk kontroll: anpassning, skattning och placebotest.",
        "en": "Synthetic control: fit, estimate and placebo test.",
    },
    "synth_p_note": {
        "sv": (
            "p = pilotkommunens rang / antal kommuner i jämförelsen (pilotkommunen inräknad), "
            "rangordnat efter kvoten efter/före. Placebo med sämre anpassning än {ratio} gånger "
            "pilotens MSPE säger inget och utesluts (Abadie m.fl. 2010); {n} återstår, så minsta "
            "möjliga p är {pmin}."
        ),
        "en": (
            "p = the pilot's rank / the number of kommuner compared (the pilot included), "
            "ranked by the after/before ratio. Placebos fitting worse than {ratio} times the "
            "pilot's MSPE say nothing and are excluded (Abadie et al. 2010); {n} remain, so "
            "the smallest possible p is {pmin}."
        ),
    },
    "synth_att_note": {
        "sv": "Negativ skillnad = lägre anmäld takt än den syntetiska kontrollen.",
        "en": "Negative difference = lower reported rate than the synthetic control.",
    },
    "did_heading": {
        "sv": "2. Difference-in-differences och händelsestudie",
        "en": "2. Difference-in-differences and event study",
    },
    "did_method": {
        "sv": (
            "Poissonregression på uppskattade antal med folkmängden som exponering, med "
            "kommun- och periodeffekter: {pilot} jämförs med {n} kommuner, perioden före "
            "({first}–{pre_last}) mot perioden efter ({year}–{last}), summerade per period "
            "(så undviks problemet med korrelation över år; Bertrand m.fl. 2004). Resultatet "
            "är en kvot mellan takter. Händelsestudien skattar samma jämförelse år för år."
        ),
        "en": (
            "Poisson regression on estimated counts with the population as exposure, with "
            "kommun and period effects: {pilot} is compared with {n} kommuner, the period "
            "before ({first}-{pre_last}) against the period after ({year}-{last}), summed per "
            "period (which avoids the serial-correlation problem; Bertrand et al. 2004). The "
            "result is a rate ratio. The event study estimates the same comparison year by "
            "year."
        ),
    },
    "res_rr": {"sv": "Kvot mellan takter (DiD)", "en": "Rate ratio (DiD)"},
    "res_ci": {"sv": "{level} konfidensintervall", "en": "{level} confidence interval"},
    "res_p_perm": {"sv": "p-värde (randomiseringstest)", "en": "p-value (randomization test)"},
    "res_assignments": {"sv": "Antal tilldelningar", "en": "Number of assignments"},
    "res_pretrend_wald": {
        "sv": "Test av trender före starten, p (Wald)",
        "en": "Pre-trend test, p (Wald)",
    },
    "res_pretrend_perm": {
        "sv": "Test av trender före starten, p (permutation)",
        "en": "Pre-trend test, p (permutation)",
    },
    "did_caption": {
        "sv": "Difference-in-differences på uppskattade antal.",
        "en": "Difference-in-differences on estimated counts.",
    },
    "did_rr_note": {
        "sv": (
            "Kvot under 1 = lägre anmäld takt än väntat utifrån jämförelsekommunerna. Intervallet "
            "fås genom att invertera randomiseringstestet; ∞ betyder att det är obegränsat."
        ),
        "en": (
            "A ratio below 1 = a lower reported rate than expected from the comparison "
            "kommuner. The interval inverts the randomization test; ∞ means it is unbounded."
        ),
    },
    "counts_note": {
        "sv": "Antalen är uppskattade (takt x folkmängd / 100 000), inte publicerade.",
        "en": "Counts are estimated (rate x population / 100,000), not published.",
    },
    "method_heading": {
        "sv": "Inferensmetod, som skattningen anger den (på engelska)",
        "en": "Inference method, as the estimator states it",
    },
    "method_line": {
        "sv": "Difference-in-differences: {method}. {reason}",
        "en": "Difference-in-differences: {method}. {reason}",
    },
    "event_method_line": {
        "sv": "Händelsestudie: {method}. {reason}",
        "en": "Event study: {method}. {reason}",
    },
    "event_title": {
        "sv": "{indicator}: {pilot} mot jämförelsekommunerna, år för år",
        "en": "{indicator}: {pilot} against the comparison kommuner, year by year",
    },
    "event_ylabel": {"sv": "Kvot mot referensåret", "en": "Ratio to the reference year"},
    "event_reference": {"sv": "referens", "en": "reference"},
    "event_alt": {
        "sv": (
            "Punktdiagram med intervall {first}–{last}: kvoten mellan takterna i {pilot} och "
            "jämförelsekommunerna för {indicator}, relativt referensåret {ref}."
        ),
        "en": (
            "Dot chart with intervals {first}-{last}: the ratio of the rates of {pilot} and "
            "the comparison kommuner for {indicator}, relative to the reference year {ref}."
        ),
    },
    "event_note": {
        "sv": (
            "Kvadrater: år före starten (bör ligga nära 1 om trenderna var parallella); "
            "cirklar: år efter. Intervallen är modellbaserade; lita på permutationernas p-värden."
        ),
        "en": (
            "Squares: years before the start (near 1 if the trends were parallel); circles: "
            "years after. The intervals are model-based; rely on the permutation p-values."
        ),
    },
    "its_heading": {"sv": "3. Avbruten tidsserie", "en": "3. Interrupted time series"},
    "its_method": {
        "sv": (
            "Segmenterad Poissonregression för {pilot} {first}–{last} (quasi-Poisson, "
            "folkmängden som exponering): trend före, nivåändring och trendändring från "
            "{year}, och en nivåförskjutning vid varje brott i serien ({breaks}). Den "
            "kontrollerade varianten jämför med jämförelsekommunerna sammanslagna."
        ),
        "en": (
            "Segmented Poisson regression for {pilot} {first}-{last} (quasi-Poisson, "
            "population as exposure): a trend before, a level change and a trend change from "
            "{year}, and a level shift at each series break ({breaks}). The controlled "
            "variant compares with the comparison kommuner pooled."
        ),
    },
    "its_row_alone": {"sv": "Pilotkommunen ensam", "en": "Pilot kommun alone"},
    "its_row_controlled": {
        "sv": "Mot jämförelsekommunerna ({n} st, sammanslagna)",
        "en": "Against the comparison kommuner ({n}, pooled)",
    },
    "col_model": {"sv": "Modell", "en": "Model"},
    "col_level": {"sv": "Nivåändring (kvot)", "en": "Level change (ratio)"},
    "col_ci": {"sv": "Intervall", "en": "Interval"},
    "col_p": {"sv": "p", "en": "p"},
    "col_slope": {"sv": "Trendändring (kvot/år)", "en": "Trend change (ratio/year)"},
    "col_dispersion": {"sv": "Överspridning", "en": "Dispersion"},
    "its_caption": {
        "sv": "Avbruten tidsserie: ändring från pilotstarten.",
        "en": "Interrupted time series: change from the pilot start.",
    },
    "its_note": {
        "sv": (
            "Intervall och p-värden är modellbaserade (normalapproximation, quasi-Poisson). "
            "Kontrollerad variant: kvoten mellan pilotkommunens och jämförelsegruppens ändring."
        ),
        "en": (
            "Intervals and p-values are model-based (normal approximation, quasi-Poisson). "
            "Controlled variant: the ratio of the pilot kommun's change to the pool's change."
        ),
    },
    "its_observed": {"sv": "Observerat", "en": "Observed"},
    "its_fitted": {"sv": "Modell", "en": "Model"},
    "its_counterfactual": {"sv": "Utan piloten", "en": "Without the pilot"},
    "its_title": {
        "sv": "{indicator} i {pilot}: observerat, modell och kontrafaktiskt",
        "en": "{indicator} in {pilot}: observed, model and counterfactual",
    },
    "its_alt": {
        "sv": (
            "Diagram {first}–{last}: observerad takt av {indicator} i {pilot} (punkter), "
            "modellens anpassning (heldragen linje) och förloppet utan piloten (streckad)."
        ),
        "en": (
            "Chart {first}-{last}: observed rate of {indicator} in {pilot} (dots), the model "
            "fit (solid line) and the course without the pilot (dashed)."
        ),
    },
    "its_limits": {
        "sv": (
            "Med bara {n} år efter starten bestäms nivå- och trendändringen av lika många "
            "punkter som parametrar: modellen går exakt genom dem, och allt hänger på att "
            "trenden före starten hade fortsatt. Ett brott i serien året före starten gör "
            "nivåändringen ännu osäkrare."
        ),
        "en": (
            "With only {n} years after the start, the level and trend changes are fixed by "
            "as many points as parameters: the model passes exactly through them, and "
            "everything rests on the trend before the start continuing. A series break the "
            "year before the start makes the level change even less certain."
        ),
    },
    "power_heading": {
        "sv": "4. Vilken effekt hade kunnat upptäckas?",
        "en": "4. What effect could have been detected?",
    },
    "power_method": {
        "sv": (
            "Beräkningen följer upplägget ovan: i genomsnitt {base} uppskattade fall per år i "
            "{pilot} före starten, {pre} år före och {post} efter, {n} jämförelsekommuner med "
            "sammanlagt {control} fall per år, randomiseringstest på 5 %-nivån, 80 % styrka "
            "och överspridningen {phi} från tidsseriemodellen."
        ),
        "en": (
            "The calculation follows the design above: on average {base} estimated cases a "
            "year in {pilot} before the start, {pre} years before and {post} after, {n} "
            "comparison kommuner with {control} cases a year in all, a randomization test at "
            "the 5% level, 80% power and the over-dispersion {phi} from the time-series model."
        ),
    },
    "col_design": {"sv": "Upplägg", "en": "Design"},
    "col_mde_kommun": {
        "sv": "Minsta upptäckbara minskning, {pilot}",
        "en": "Smallest detectable drop, {pilot}",
    },
    "col_mde_district": {
        "sv": "Motsvarande i {district}",
        "en": "Equivalent in {district}",
    },
    "power_row_did": {
        "sv": "Difference-in-differences (randomiseringstest)",
        "en": "Difference-in-differences (randomization test)",
    },
    "power_row_its": {"sv": "Avbruten tidsserie", "en": "Interrupted time series"},
    "not_detectable": {"sv": "går inte att upptäcka", "en": "not detectable"},
    "power_caption": {
        "sv": "Minsta minskning som upptäcks med 80 % sannolikhet.",
        "en": "Smallest drop detected with 80% probability.",
    },
    "power_note": {
        "sv": (
            '"Går inte att upptäcka": inte ens om alla fall i stadsdelen försvann skulle '
            "kommunens takt ändras så mycket som krävs."
        ),
        "en": (
            '"Not detectable": not even if every case in the district disappeared would the '
            "kommun's rate change by as much as needed."
        ),
    },
    "power_detect": {
        "sv": (
            "En minskning med 20 % i {district} (ungefär {measured} i hela {pilot}) hade "
            "upptäckts med sannolikheten {power}."
        ),
        "en": (
            "A 20% drop in {district} (about {measured} for {pilot} as a whole) would have "
            "been detected with probability {power}."
        ),
    },
    "power_notes_heading": {"sv": "Antaganden", "en": "Assumptions"},
    "warnings_heading": {
        "sv": "Varningar från skattningarna",
        "en": "Warnings from the estimators",
    },
    "warnings_intro": {
        "sv": (
            "Varje metod kontrollerar själv data och upplägg och varnar för det som kan göra "
            "resultatet missvisande."
        ),
        "en": (
            "Each method checks the data and design itself and warns about what may make its "
            "result misleading."
        ),
    },
    "conclusion_heading": {"sv": "5. Slutsats", "en": "5. Conclusion"},
    "conclusion_caveats": {"sv": "Att väga in", "en": "To weigh in"},
}


def t(key: str, lang: str = "sv", **kw: object) -> str:
    """Return the text ``key`` in ``lang``, formatted with ``kw``.

    Examples
    --------
    >>> t("est_did", "en")
    'difference-in-differences'
    """
    return TEXTS[key][check_lang(lang)].format(**kw)
