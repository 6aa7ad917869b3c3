"""Report wording in Swedish and English.

Keys are stable identifiers; values are ``str.format`` templates. Swedish is the default
language of every report.
"""

from __future__ import annotations

from research.core.fmt import check_lang

__all__ = ["TEXTS", "t"]

TEXTS: dict[str, dict[str, str]] = {
    "title_pvc": {
        "sv": "{candidate} jämfört med pilotområdet",
        "en": "{candidate} compared with the pilot area",
    },
    "intro_pvc": {
        "sv": (
            "Rapporten jämför {candidate} med pilotområdet ({pilot}) och riket för de "
            "indikatorer om våld som finns i den inbäddade Kolada-datan. Piloten IGOR ({full}) "
            "startade i {start}."
        ),
        "en": (
            "This report compares {candidate} with the pilot area ({pilot}) and Sweden as a "
            "whole on the violence indicators in the embedded Kolada data. The IGOR pilot "
            "({full}) started in {start}."
        ),
    },
    "standin_title": {"sv": "Pilotområdet är utspätt", "en": "The pilot area is diluted"},
    "standin": {
        "sv": (
            "Piloten drevs i stadsdelsområdet {district}, men den inbäddade datan saknar "
            "siffror för stadsdelar. {pilot} får därför stå för pilotområdet. {district} har "
            "ungefär {dpop} invånare ({dyear}), omkring {share} av {pilot}s {kpop} invånare "
            "({kyear}). "
            "En effekt som bara finns i {district} syns därför starkt utspädd på kommunnivå: "
            "en minskning med 20 % i {district} motsvarar ungefär {diluted} i hela {pilot}."
        ),
        "en": (
            "The pilot ran in the {district} district, but the embedded data has no district "
            "figures, so {pilot} stands in for the pilot area. {district} has about {dpop} "
            "inhabitants ({dyear}), about {share} of {pilot}'s {kpop} inhabitants ({kyear}). "
            "An effect confined to {district} is therefore strongly diluted at kommun level: "
            "a 20 % drop in {district} is roughly {diluted} for {pilot} as a whole."
        ),
    },
    "district_pilot": {
        "sv": ("Pilotområdet är stadsdelsområdet {pilot}; siffrorna för det kommer från import."),
        "en": ("The pilot area is the {pilot} district; its figures come from imported files."),
    },
    "latest_heading": {
        "sv": "Senaste året: nivåer och rangordning",
        "en": "Latest year: levels and ranking",
    },
    "col_indicator": {"sv": "Indikator", "en": "Indicator"},
    "col_year": {"sv": "År", "en": "Year"},
    "col_rank": {"sv": "Rang för {area}", "en": "Rank of {area}"},
    "rank_value": {"sv": "{rank} av {n}", "en": "{rank} of {n}"},
    "rank_note": {
        "sv": "Rang 1 = högst antal anmälda brott per 100 000 invånare bland kommunerna.",
        "en": "Rank 1 = highest number of reported crimes per 100,000 inhabitants among kommuner.",
    },
    "rate_note": {
        "sv": "Anmälda brott per 100 000 invånare (enheten anges per indikator).",
        "en": "Reported crimes per 100,000 inhabitants (unit given per indicator).",
    },
    "trends_heading": {"sv": "Utveckling över tid", "en": "Trends over time"},
    "chart_alt": {
        "sv": "Linjediagram: {indicator}, {unit}, {first}-{last}, för {areas}.",
        "en": "Line chart: {indicator}, {unit}, {first}-{last}, for {areas}.",
    },
    "pilot_start": {"sv": "Pilotstart {start}", "en": "Pilot start {start}"},
    "source_line": {"sv": "Källa: {source}.", "en": "Source: {source}."},
    "breaks_heading": {"sv": "Brott i tidsserierna", "en": "Breaks in the series"},
    "breaks_intro": {
        "sv": "Streckade lodräta linjer i diagrammen markerar kända brott i serierna:",
        "en": "Dashed vertical lines in the charts mark known breaks in the series:",
    },
    "caveats_heading": {"sv": "Att tänka på", "en": "Caveats"},
    "caveat_reported": {
        "sv": (
            "Anmälda brott mäter polisens registrering lika mycket som våldet. En pilot med "
            "uppsökande arbete kan öka antalet anmälningar även om våldet minskar."
        ),
        "en": (
            "Reported crime measures police registration as much as violence. An outreach "
            "pilot can raise the number of reports even if violence falls."
        ),
    },
    "caveat_small": {
        "sv": "Små kommuner har få brott per år; enstaka fall ger stora utslag i takten.",
        "en": "Small kommuner have few crimes a year; single cases move the rate a lot.",
    },
    "caveat_estimate": {
        "sv": (
            "Antal brott publiceras inte i Kolada-datan. Där antal visas är de uppskattade "
            "(takt x folkmängd / 100 000) och märkta som skattningar."
        ),
        "en": (
            "Counts are not published in the Kolada data. Where counts are shown they are "
            "estimates (rate x population / 100,000) and labelled as such."
        ),
    },
    "no_data": {"sv": "Uppgift saknas", "en": "No data"},
    "col_ratio": {"sv": "{area} / riket", "en": "{area} / Sweden"},
    "ci_note": {
        "sv": (
            "Under varje värde: 95 % konfidensintervall (exakt Poisson, Garwood) beräknat på "
            "uppskattade antal (takt x folkmängd); kvoten mot riket med exakt villkorat test."
        ),
        "en": (
            "Below each value: 95% confidence interval (exact Poisson, Garwood) computed on "
            "estimated counts (rate x population); the ratio to Sweden with an exact "
            "conditional test."
        ),
    },
    "ci_note_official": {
        "sv": "För importerade Brå-siffror används de officiella antalen.",
        "en": "For imported Brå figures the official counts are used.",
    },
    "trend_heading": {"sv": "Trend: årlig förändring", "en": "Trend: annual change"},
    "trend_intro": {
        "sv": (
            "Genomsnittlig årlig förändring {first}-{last} enligt Poissonregression av "
            "(uppskattade) antal med befolkningen som exponering, med överspridning "
            "(kvasi-Poisson). Kända brott i serierna inom perioden modelleras som nivåskiften."
        ),
        "en": (
            "Average annual change {first}-{last} from a Poisson regression of (estimated) "
            "counts with population as exposure, allowing over-dispersion (quasi-Poisson). "
            "Known breaks in the series inside the period are modelled as level shifts."
        ),
    },
    "col_trend": {"sv": "{area}: % per år", "en": "{area}: % per year"},
    "funnel_heading": {"sv": "Trattdiagram: alla kommuner", "en": "Funnel plot: all kommuner"},
    "funnel_intro": {
        "sv": (
            "Varje punkt är en kommun {year}: takten mot folkmängden. Linjerna visar var "
            "kommuner hamnar av slumpen kring rikets nivå (95 % och 99,8 %), justerat för "
            "överspridning (faktor {phi}). {candidate} ligger {where}."
        ),
        "en": (
            "Each point is a kommun in {year}: its rate against its population. The lines show "
            "where kommuner fall by chance around the national level (95% and 99.8%), adjusted "
            "for over-dispersion (factor {phi}). {candidate} lies {where}."
        ),
    },
    "within": {"sv": "inom gränserna", "en": "within the limits"},
    "high_95": {"sv": "över 95 %-gränsen", "en": "above the 95% limit"},
    "low_95": {"sv": "under 95 %-gränsen", "en": "below the 95% limit"},
    "high_998": {"sv": "över 99,8 %-gränsen", "en": "above the 99.8% limit"},
    "low_998": {"sv": "under 99,8 %-gränsen", "en": "below the 99.8% limit"},
    "funnel_alt": {
        "sv": (
            "Trattdiagram: {indicator} {year} för 290 kommuner mot folkmängd, med "
            "kontrollgränser; {candidate} och {pilot} är markerade."
        ),
        "en": (
            "Funnel plot: {indicator} {year} for 290 kommuner against population, with "
            "control limits; {candidate} and {pilot} are marked."
        ),
    },
    "funnel_x": {"sv": "Folkmängd (logaritmisk skala)", "en": "Population (log scale)"},
    "target": {"sv": "Riket", "en": "Sweden"},
    "official_heading": {
        "sv": "Officiella jämförelsegrupper för {area}",
        "en": "Official comparison groups for {area}",
    },
    "official_intro": {
        "sv": (
            'Kolada publicerar för varje kommun och tema sju "Liknande kommuner", som RKA '
            "räknar fram varje år ur strukturella faktorer, och SKR:s kommungruppsindelning. "
            "Grupperna är inte valda efter brottsstatistik. Kolumnen längst till höger visar "
            "vilka av de tio datadrivna grannarna ovan som också finns i gruppen ({overlap} av "
            "tio finns i minst en av dem)."
        ),
        "en": (
            'For every kommun and theme Kolada publishes seven "similar kommuner" (Liknande '
            "kommuner), recomputed yearly by RKA from structural factors, and SKR's "
            "classification of kommuner into groups. The groups are not chosen on crime "
            "statistics. The last column shows which of the ten data-driven neighbours above "
            "are also in the group ({overlap} of the ten are in at least one of them)."
        ),
    },
    "col_group": {"sv": "Grupp", "en": "Group"},
    "col_members": {"sv": "Kommuner i gruppen", "en": "Kommuner in the group"},
    "col_overlap": {"sv": "Även bland de tio ovan", "en": "Also among the ten above"},
    "official_source": {
        "sv": "Källa: Kolada (RKA), kommungrupper; SKR:s kommungrupp enligt Kolada.",
        "en": "Source: Kolada (RKA), municipality groups; SKR group as published by Kolada.",
    },
    "similar_heading": {
        "sv": "Kommuner som liknar {area}",
        "en": "Kommuner similar to {area}",
    },
    "similar_intro": {
        "sv": (
            "De tio kommuner som ligger närmast {area} {first}-{last} på indikatorerna ovan och "
            "folkmängd (logaritmerad), standardiserade över alla kommuner. Kolumnen längst till "
            "höger anger vilken variabel som bidrar mest till avståndet."
        ),
        "en": (
            "The ten kommuner closest to {area} in {first}-{last} on the indicators above and "
            "population (log), standardized across all kommuner. The last column names the "
            "variable that adds most to the distance."
        ),
    },
    "col_rank_plain": {"sv": "Rang", "en": "Rank"},
    "col_kommun": {"sv": "Kommun", "en": "Kommun"},
    "col_distance": {"sv": "Avstånd", "en": "Distance"},
    "col_main": {"sv": "Största bidrag", "en": "Largest contribution"},
    "power_heading": {
        "sv": "Skulle en effekt synas i statistiken?",
        "en": "Would an effect show in the statistics?",
    },
    "power_intro": {
        "sv": (
            "Beräknat för {indicator}: {area} har i genomsnitt {count} anmälda brott per år "
            "({first}-{last}, uppskattat antal). Jämförelsen är en Poisson-"
            "difference-in-differences mot övriga landet, tre år före och tre år efter start."
        ),
        "en": (
            "Computed for {indicator}: {area} has on average {count} reported crimes a year "
            "({first}-{last}, estimated count). The comparison is a Poisson "
            "difference-in-differences against the rest of the country, three years before and "
            "three after the start."
        ),
    },
    "riket": {"sv": "Riket", "en": "Sweden"},
}


def t(key: str, lang: str = "sv", **kw: object) -> str:
    """Return the text ``key`` in ``lang``, formatted with ``kw``."""
    return TEXTS[key][check_lang(lang)].format(**kw)
