"""Wording of the ``candidate_screening`` report in Swedish and English.

Keys are stable identifiers; values are ``str.format`` templates. Swedish is the default
language. Every visible string of the report comes from here (or from the shared
:mod:`research.views.pilot_vs_candidate.texts`), so both languages stay complete; a test checks
that every key has
both.
"""

from __future__ import annotations

from research.core.fmt import check_lang

__all__ = ["TEXTS", "t"]

TEXTS: dict[str, dict[str, str]] = {
    # -- title and section 1 ------------------------------------------------------------
    "title": {
        "sv": "Vilka kommuner passar för en utvidgning av piloten?",
        "en": "Which kommuner suit an expansion of the pilot?",
    },
    "subtitle": {
        "sv": "Screening av {n} kommuner på {indicator}, {first}–{last}",
        "en": "Screening {n} kommuner on {indicator}, {first}–{last}",
    },
    "subtitle_lan": {
        "sv": "Screening av {n} kommuner på {indicator}, {first}–{last}; tabellen visar {lan}",
        "en": "Screening {n} kommuner on {indicator}, {first}–{last}; the table shows {lan}",
    },
    "how_heading": {
        "sv": "Så läser du rangordningen",
        "en": "How to read the ranking",
    },
    "intro_igor": {
        "sv": (
            "Piloten {name} ({full}) startade i {start} i stadsdelsområdet {district}. "
            "Rapporten rangordnar Sveriges kommuner som kandidater för en utvidgning. Den "
            "inbäddade datan saknar siffror för stadsdelar, så {pilot} står för pilotområdet "
            "när likheten mäts."
        ),
        "en": (
            "The {name} pilot ({full}) started in {start} in the {district} district. This "
            "report ranks Sweden's kommuner as candidates for an expansion. The embedded data "
            "has no district figures, so {pilot} stands in for the pilot area when similarity "
            "is measured."
        ),
    },
    "intro_other": {
        "sv": (
            "Rapporten rangordnar Sveriges kommuner som kandidater för en utvidgning av en "
            "pilot i {pilot}."
        ),
        "en": (
            "This report ranks Sweden's kommuner as candidates for expanding a pilot run in "
            "{pilot}."
        ),
    },
    "intro_components": {
        "sv": (
            "Tre komponenter visas sida vid sida, var och en med sitt råa värde och en poäng "
            "mellan 0 och 1 (1 = bäst för en utvidgning). Totalpoängen är ett viktat "
            "medelvärde av de tre poängen; vikterna står i tabellen och kan ändras med "
            "rapportens parametrar."
        ),
        "en": (
            "Three components are shown side by side, each with its raw value and a score "
            "between 0 and 1 (1 = best for an expansion). The total score is a weighted mean "
            "of the three scores; the weights are in the table and can be changed with the "
            "report's parameters."
        ),
    },
    "comp_caption": {
        "sv": "Komponenterna och deras vikter",
        "en": "The components and their weights",
    },
    "col_component": {"sv": "Komponent", "en": "Component"},
    "col_measures": {"sv": "Vad den mäter", "en": "What it measures"},
    "col_raw": {"sv": "Rått värde", "en": "Raw value"},
    "col_score_rule": {"sv": "Poäng 0–1", "en": "Score 0–1"},
    "col_weight": {"sv": "Vikt", "en": "Weight"},
    "need": {"sv": "Behov", "en": "Need"},
    "similarity": {"sv": "Likhet", "en": "Similarity"},
    "detectability": {"sv": "Påvisbarhet", "en": "Detectability"},
    "need_measures": {
        "sv": "Kommunens takt av {indicator}, sammanslagen {first}–{last}, relativt riket",
        "en": "The kommun's rate of {indicator}, pooled {first}–{last}, relative to Sweden",
    },
    "need_raw": {
        "sv": "Kvot mot riket med exakt {level} konfidensintervall, på skattade antal",
        "en": "Rate ratio to Sweden with exact {level} confidence interval, on estimated counts",
    },
    "need_rule": {
        "sv": "Percentilrang av kvoten: 1 = högst kvot, 0 = lägst",
        "en": "Percentile rank of the ratio: 1 = highest ratio, 0 = lowest",
    },
    "sim_measures": {
        "sv": "Hur lik kommunen är pilotområdet {pilot} på {variables}",
        "en": "How similar the kommun is to the pilot area {pilot} on {variables}",
    },
    "sim_raw": {
        "sv": "Avstånd på standardiserade värden (0 = identisk)",
        "en": "Distance on standardized values (0 = identical)",
    },
    "sim_rule": {
        "sv": "1 − percentilrang av avståndet: 1 = mest lik",
        "en": "1 − percentile rank of the distance: 1 = most similar",
    },
    "det_measures": {
        "sv": (
            "Hur stor minskning en {years}-årig pilot i hela kommunen måste ge för att "
            "synas i statistiken"
        ),
        "en": (
            "How large a drop a {years}-year pilot covering the whole kommun must bring to "
            "show in the statistics"
        ),
    },
    "det_raw": {
        "sv": (
            "Minsta påvisbara minskning ({power} styrka, tvåsidigt test på {alpha} nivå), "
            "på skattade antal"
        ),
        "en": (
            "Minimum detectable decrease ({power} power, two-sided test at the {alpha} "
            "level), on estimated counts"
        ),
    },
    "det_rule": {
        "sv": "1 − minsta påvisbara minskning; 0 = ingen minskning går att påvisa",
        "en": "1 − minimum detectable decrease; 0 = no decrease can be detected",
    },
    "total_row": {"sv": "Totalpoäng", "en": "Total score"},
    "total_measures": {
        "sv": "Viktat medelvärde av de tre poängen",
        "en": "Weighted mean of the three scores",
    },
    "total_rule": {
        "sv": "Σ vikt × poäng; saknad komponent ger 0",
        "en": "Σ weight × score; a missing component scores 0",
    },
    "weights_note": {
        "sv": (
            "Vikterna normeras så att de summerar till 100 %. Angivna vikter: behov {need}, "
            "likhet {similarity}, påvisbarhet {detectability}."
        ),
        "en": (
            "The weights are normalized to sum to 100 %. Weights given: need {need}, "
            "similarity {similarity}, detectability {detectability}."
        ),
    },
    "weights_default": {
        "sv": "Vikterna är standardvikterna (lika vikt för de tre komponenterna).",
        "en": "The weights are the default weights (equal weight for the three components).",
    },
    "caveats_heading": {
        "sv": "Ett hjälpmedel för urval, inte ett beslut",
        "en": "A screening aid, not a decision",
    },
    "caveat_aid": {
        "sv": (
            "Rangordningen är ett genomskinligt hjälpmedel för att välja vilka kommuner man "
            "ska titta närmare på. Vikterna är ett val, inte en sanning; avsnittet om "
            "känslighet visar hur listan ändras med andra vikter. Lokala förutsättningar "
            "(socialtjänst, polisområde, intresse) finns inte i siffrorna."
        ),
        "en": (
            "The ranking is a transparent aid for choosing which kommuner to look at more "
            "closely. The weights are a choice, not a truth; the sensitivity section shows "
            "how the list changes with other weights. Local conditions (social services, "
            "police area, interest) are not in the figures."
        ),
    },
    "caveat_direction": {
        "sv": (
            "Anmälda brott mäter polisens registrering lika mycket som våldet. En pilot med "
            "uppsökande arbete kan öka antalet anmälningar även om våldet minskar, så "
            "riktningen på en förändring är tvetydig. Behov och påvisbarhet gäller anmälda "
            "brott; påvisbarheten räknas här för en minskning."
        ),
        "en": (
            "Reported crime measures police registration as much as violence. An outreach "
            "pilot can raise the number of reports even if violence falls, so the direction "
            "of a change is ambiguous. Need and detectability refer to reported crimes; "
            "detectability is computed here for a decrease."
        ),
    },
    "caveat_small": {
        "sv": (
            "Små kommuner har få anmälda brott per år. Deras kvoter är osäkra (se "
            "intervallen), och celler som vilar på färre än {min_count} skattade brott visas "
            "som ”..”."
        ),
        "en": (
            "Small kommuner have few reported crimes a year. Their ratios are uncertain (see "
            "the intervals), and cells resting on fewer than {min_count} estimated crimes are "
            "shown as “..”."
        ),
    },
    "caveat_estimate": {
        "sv": (
            "Antal brott publiceras inte i Kolada-datan. Antalen här är skattade (takt × "
            "folkmängd / 100 000), och kvoter, intervall och minsta påvisbara minskning "
            "bygger på dem."
        ),
        "en": (
            "Crime counts are not published in the Kolada data. The counts here are "
            "estimated (rate × population / 100,000), and ratios, intervals and minimum "
            "detectable decreases rest on them."
        ),
    },
    # -- section 2: main table ------------------------------------------------------------
    "table_heading": {
        "sv": "De {top} högst rankade kommunerna",
        "en": "The {top} highest-ranked kommuner",
    },
    "table_heading_lan": {
        "sv": "De {top} högst rankade kommunerna i {lan}",
        "en": "The {top} highest-ranked kommuner in {lan}",
    },
    "huddinge_line": {
        "sv": (
            "{name}, kommunen vars intresse startade projektet, hamnar på plats {rank} av "
            "{n} med totalpoängen {score}: kvot mot riket {rr} ({interval}), likhetspoäng "
            "{sim} och minsta påvisbara minskning {mde}."
        ),
        "en": (
            "{name}, the kommun whose interest started this project, ranks {rank} of {n} "
            "with a total score of {score}: rate ratio to Sweden {rr} ({interval}), "
            "similarity score {sim} and minimum detectable decrease {mde}."
        ),
    },
    "huddinge_outside": {
        "sv": "{name} ligger utanför urvalet och visas i en extra rad sist i tabellen.",
        "en": "{name} is outside the selection and is shown in an extra row at the end.",
    },
    "pilot_line": {
        "sv": (
            "{pilot} är pilotkommunen själv (plats {rank}); dess likhetspoäng är 1 per "
            "definition. Den står kvar i listan eftersom en utvidgning också kan gälla andra "
            "stadsdelar i {pilot_name}."
        ),
        "en": (
            "{pilot} is the pilot kommun itself (rank {rank}); its similarity score is 1 by "
            "definition. It stays in the list because an expansion could also cover other "
            "districts of {pilot_name}."
        ),
    },
    "table_caption": {
        "sv": "Rangordning efter totalpoäng, {indicator}, {first}–{last} sammanslaget",
        "en": "Ranking by total score, {indicator}, {first}–{last} pooled",
    },
    "col_rank": {"sv": "Rang", "en": "Rank"},
    "col_kommun": {"sv": "Kommun", "en": "Kommun"},
    "col_count": {"sv": "Antal, skattat", "en": "Count, estimated"},
    "col_ratio": {"sv": "Kvot mot riket, skattad", "en": "Rate ratio, estimated"},
    "col_interval": {"sv": "{level} KI", "en": "{level} CI"},
    "col_score": {"sv": "Poäng", "en": "Score"},
    "col_distance": {"sv": "Avstånd", "en": "Distance"},
    "col_mde": {"sv": "Minsta påvisbara minskning", "en": "Minimum detectable decrease"},
    "col_total": {"sv": "Total", "en": "Total"},
    "pilot_tag": {"sv": "{name}, pilot", "en": "{name}, pilot"},
    "not_detectable": {"sv": "ej påvisbar", "en": "not detectable"},
    "gap_row": {"sv": "…", "en": "…"},
    "table_note_rank": {
        "sv": "Rang = plats bland alla {n} kommuner. Fetstil: {name}.",
        "en": "Rank = place among all {n} kommuner. Bold: {name}.",
    },
    "table_note_est": {
        "sv": (
            "Antal, kvoter och minsta påvisbara minskning bygger på skattade antal (takt × "
            "folkmängd / 100 000). ”..” = vilar på färre än {min_count} skattade brott eller "
            "uppgift saknas. ”Ej påvisbar” = ingen minskning, inte ens 100 %, når {power} "
            "styrka. KI = konfidensintervall."
        ),
        "en": (
            "Counts, ratios and minimum detectable decreases rest on estimated counts (rate "
            "× population / 100,000). “..” = rests on fewer than {min_count} estimated "
            "crimes or no data. “Not detectable” = no decrease, not even 100 %, reaches "
            "{power} power. CI = confidence interval."
        ),
    },
    "source": {
        "sv": (
            "Källa: Kolada (RKA), brottsstatistik från Brå, befolkning från SCB; egna beräkningar."
        ),
        "en": (
            "Source: Kolada (RKA), crime statistics from Brå, population from SCB; own "
            "calculations."
        ),
    },
    # -- section 3: chart -----------------------------------------------------------------
    "chart_heading": {
        "sv": "Behov och påvisbarhet för alla kommuner",
        "en": "Need and detectability for all kommuner",
    },
    "chart_intro": {
        "sv": (
            "Varje punkt är en kommun. Längre till höger = högre takt än riket (logaritmisk "
            "skala, 1 = samma som riket); högre upp = en mindre minskning räcker för att "
            "synas. Kommuner där ingen minskning går att påvisa ligger i den nedre remsan. "
            "Horisontella streck är {level} konfidensintervall för de namngivna kommunerna."
        ),
        "en": (
            "Each point is a kommun. Further right = higher rate than Sweden (log scale, 1 = "
            "same as Sweden); higher up = a smaller decrease is enough to show. Kommuner where "
            "no decrease can be detected are in the lower strip. Horizontal bars are "
            "{level} confidence intervals for the named kommuner."
        ),
    },
    "ax_ratio": {
        "sv": "Behov: kvot mot riket (skattade antal, logaritmisk skala)",
        "en": "Need: rate ratio to Sweden (estimated counts, log scale)",
    },
    "ax_mde": {
        "sv": "Minsta påvisbara minskning (%)\nuppåt = lättare att påvisa",
        "en": "Minimum detectable decrease (%)\nup = easier to detect",
    },
    "ax_undetectable": {
        "sv": "Ej påvisbar\n(n = {n})",
        "en": "Not detectable\n(n = {n})",
    },
    "legend_top": {"sv": "De {k} högst rankade", "en": "Top {k}"},
    "legend_top_lan": {"sv": "De {k} högst rankade i {lan}", "en": "Top {k} in {lan}"},
    "legend_focus": {"sv": "{name} (plats {rank})", "en": "{name} (rank {rank})"},
    "legend_pilot": {"sv": "Pilotkommunen", "en": "Pilot kommun"},
    "legend_other": {"sv": "Övriga kommuner", "en": "Other kommuner"},
    "riket_line": {"sv": "Riket = 1", "en": "Sweden = 1"},
    "chart_title": {
        "sv": "{indicator}, {first}–{last}",
        "en": "{indicator}, {first}–{last}",
    },
    "chart_alt": {
        "sv": (
            "Punktdiagram över {n} kommuner: behov som kvot mot riket på logaritmisk x-axel "
            "mot minsta påvisbara minskning på y-axeln, {indicator}, {first}–{last}. "
            "{n_undet} kommuner där ingen minskning går att påvisa ligger i en egen remsa "
            "nederst{n_missing}. Namngivna med text och egna symboler: de {k} högst rankade "
            "({names}) och {focus} (plats {rank}: kvot {rr}, minsta påvisbara minskning "
            "{mde}). Högst kvot: {max_name} ({max_rr}). Minst påvisbara minskning: "
            "{min_name} ({min_mde})."
        ),
        "en": (
            "Scatter plot of {n} kommuner: need as rate ratio to Sweden on a log x axis "
            "against minimum detectable decrease on the y axis, {indicator}, {first}–{last}. "
            "{n_undet} kommuner where no decrease can be detected sit in a separate strip at "
            "the bottom{n_missing}. Named with text and their own symbols: the top {k} "
            "({names}) and {focus} (rank {rank}: ratio {rr}, minimum detectable decrease "
            "{mde}). Highest ratio: {max_name} ({max_rr}). Smallest minimum detectable "
            "decrease: {min_name} ({min_mde})."
        ),
    },
    "alt_missing": {
        "sv": "; {n} kommuner utan skattade brott saknas på den logaritmiska axeln",
        "en": "; {n} kommuner with no estimated crimes are missing from the log axis",
    },
    # -- section 4: sensitivity -----------------------------------------------------------
    "sens_heading": {
        "sv": "Känslighet: ändras listan med andra vikter?",
        "en": "Sensitivity: does the list change with other weights?",
    },
    "sens_intro": {
        "sv": (
            "Tabellen visar rangen (bland alla {n} kommuner) under andra viktuppsättningar, "
            "för de kommuner som är bland de {k} främsta i någon av dem samt {focus}. "
            "{stable} av de {k} främsta med valda vikter är kvar bland de {k} främsta under "
            "alla viktuppsättningar."
        ),
        "en": (
            "The table shows the rank (among all {n} kommuner) under other weight sets, for "
            "the kommuner in the top {k} of any of them and for {focus}. {stable} of the top "
            "{k} under the chosen weights stay in the top {k} under every weight set."
        ),
    },
    "sens_need_only": {
        "sv": (
            "Med bara behov som vikt har de {k} främsta i median {pop_need} invånare, mot "
            "{pop_chosen} med {label}. Små kommuners kvoter vilar på få brott och är osäkra; "
            "i {n_undet} av dem går ingen minskning att påvisa."
        ),
        "en": (
            "With need as the only weight, the top {k} have a median of {pop_need} "
            "inhabitants, against {pop_chosen} with {label}. The ratios of small kommuner rest "
            "on few crimes and are uncertain; in {n_undet} of them no decrease can be "
            "detected."
        ),
    },
    "sens_caption": {
        "sv": "Rang under olika vikter (behov / likhet / påvisbarhet)",
        "en": "Rank under different weights (need / similarity / detectability)",
    },
    "sens_note": {
        "sv": "Rang 1–{k} = bland de {k} främsta. Vikterna anges i procent.",
        "en": "Ranks 1–{k} = in the top {k}. Weights in percent.",
    },
    "ws_chosen": {"sv": "Valda vikter", "en": "Chosen weights"},
    "ws_equal": {"sv": "Lika vikter", "en": "Equal weights"},
    "ws_need_only": {"sv": "Bara behov", "en": "Need only"},
    "ws_detect_heavy": {"sv": "Tyngd på påvisbarhet", "en": "Detectability-heavy"},
    "ws_similarity_heavy": {"sv": "Tyngd på likhet", "en": "Similarity-heavy"},
    "ws_header": {"sv": "{label} ({weights})", "en": "{label} ({weights})"},
    # -- section 5: notes -----------------------------------------------------------------
    "notes_heading": {"sv": "Om data och metod", "en": "About data and method"},
    "note_data": {
        "sv": (
            "Data: {indicator} ({id}, {unit}) från Kolada för åren {first}–{last}, "
            "sammanslagna: summan av de skattade antalen delat med summan av folkmängden. "
            "Likheten använder medelvärdet över samma år."
        ),
        "en": (
            "Data: {indicator} ({id}, {unit}) from Kolada for {first}–{last}, pooled: the "
            "sum of the estimated counts over the sum of the populations. Similarity uses the "
            "mean over the same years."
        ),
    },
    "note_no_break": {
        "sv": "Inget registrerat brott i serien ligger inom {first}–{last}.",
        "en": "No registered break in the series lies inside {first}–{last}.",
    },
    "note_break_inside": {
        "sv": (
            "Brott i serien inom {first}–{last}: {text} Nivåerna före och efter är inte "
            "direkt jämförbara."
        ),
        "en": (
            "Break in the series inside {first}–{last}: {text} Levels before and after are "
            "not directly comparable."
        ),
    },
    "note_break_start": {
        "sv": "Perioden börjar samma år som ett brott i serien: {text}",
        "en": "The window starts in the year of a break in the series: {text}",
    },
    "note_estimates": {
        "sv": (
            "Skattade antal: Kolada publicerar takter, inte antal. Antalet skattas som takt × "
            "folkmängd / 100 000 och avrundas; avrundningen gör små antal extra osäkra."
        ),
        "en": (
            "Estimated counts: Kolada publishes rates, not counts. The count is estimated as "
            "rate × population / 100,000 and rounded; the rounding makes small counts extra "
            "uncertain."
        ),
    },
    "note_need": {
        "sv": (
            "Behov: kvoten mellan kommunens och rikets sammanslagna takter med exakt villkorligt "
            "intervall (binomialfördelningen för kommunens andel av brotten; Breslow & Day "
            "1987). Kommunen ingår i riket, så intervallet är något för brett för de största "
            "kommunerna."
        ),
        "en": (
            "Need: the ratio of the kommun's and Sweden's pooled rates with the exact "
            "conditional interval (binomial distribution of the kommun's share of the crimes; "
            "Breslow & Day 1987). The kommun is part of Sweden, so the interval is somewhat too "
            "wide for the largest kommuner."
        ),
    },
    "note_similarity": {
        "sv": (
            "Likhet: euklidiskt avstånd på z-standardiserade värden av {variables}; folkmängd "
            "på logaritmisk skala (jfr Rubin 1980)."
        ),
        "en": (
            "Similarity: Euclidean distance on z-standardized values of {variables}; "
            "population on the log scale (cf. Rubin 1980)."
        ),
    },
    "note_detect": {
        "sv": (
            "Påvisbarhet: minsta påvisbara effekt (Bloom 1995) för {years} år före och "
            "{years} år efter en start, jämfört med resten av landet, med kommunens "
            "genomsnittliga skattade antal per år som utgångsläge; Wald-test, ingen "
            "överspridning. Verklig överspridning gör effekten som krävs större. En pilot i "
            "bara en del av kommunen späds ut på kommunnivå (i Stockholm är Södermalm omkring "
            "13 % av befolkningen)."
        ),
        "en": (
            "Detectability: minimum detectable effect (Bloom 1995) for {years} years before "
            "and {years} years after a start, compared with the rest of the country, with the "
            "kommun's mean estimated count per year as baseline; Wald test, no "
            "over-dispersion. Real over-dispersion makes the required effect larger. A pilot "
            "in only part of a kommun is diluted at kommun level (in Stockholm, Södermalm is "
            "about 13 % of the population)."
        ),
    },
    "note_missing": {
        "sv": (
            "{n} kommuner saknar värden för något år och får poäng 0 för behov och "
            "påvisbarhet: {names}."
        ),
        "en": (
            "{n} kommuner lack values in some year and score 0 on need and detectability: {names}."
        ),
    },
    "note_refs": {
        "sv": (
            "Referenser: Bloom HS (1995), Minimum detectable effects, Evaluation Review "
            "19(5):547–556. Breslow NE, Day NE (1987), Statistical Methods in Cancer Research "
            "II, IARC. Rubin DB (1980), Bias reduction using Mahalanobis-metric matching, "
            "Biometrics 36(2):293–298."
        ),
        "en": (
            "References: Bloom HS (1995), Minimum detectable effects, Evaluation Review "
            "19(5):547–556. Breslow NE, Day NE (1987), Statistical Methods in Cancer Research "
            "II, IARC. Rubin DB (1980), Bias reduction using Mahalanobis-metric matching, "
            "Biometrics 36(2):293–298."
        ),
    },
    "and": {"sv": "och", "en": "and"},
}


def t(key: str, lang: str = "sv", **kw: object) -> str:
    """Return the text ``key`` in ``lang``, formatted with ``kw``.

    Examples
    --------
    >>> t("need", "en")
    'Need'
    """
    return TEXTS[key][check_lang(lang)].format(**kw)
