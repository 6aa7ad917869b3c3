# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (pilotbench)
#     language: python
#     name: pilotbench
# ---

# %% tags=["parameters"]
# Report: did the pilot work? Synthetic control, synthetic DiD, difference-in-differences,
# interrupted time series and power for the pilot kommun; every number comes from
# research.analyses.effect.
pilot: str = ""  # pilot kommun, code or name (empty: the case's pilot, see data/pilots.toml)
indicator: str = "N07402"  # outcome indicator id (default grov kvinnofridskränkning)
pilot_start: str = ""  # pilot start, YYYY-MM; its year is the first treated (empty: the case's)
start_year: int = 2008  # first year of the interrupted time series and charts
end_year: int = 2022  # last year of every analysis window
donors: str = "kommuner"  # pool: kommuner, lan:01, similar:20, kolada:liknande-ifo, skr:Storstäder
lang: str = "sv"  # report language: sv or en
expansion: str = ""  # expansion scenario KOMMUN:YEAR,..., e.g. 0126:2024,0127:2025 (empty: none)

# %%
# Parameter controls (kommun, indicator, years) when run in JupyterLab; nothing is shown when
# the notebook runs as a report.
from research.lab.notebook import controls

controls("pilot_effect", globals())

# %%
from research.views.pilot_effect.sections import pilot_effect

report = pilot_effect(
    pilot=pilot,
    indicator=indicator,
    pilot_start=pilot_start,
    start_year=start_year,
    end_year=end_year,
    donors=donors,
    lang=lang,
    expansion=expansion,
)
report.title()

# %%
report.summary()

# %%
report.intro()

# %%
report.pool_section()

# %%
report.synth_section()

# %%
report.sdid_section()

# %%
report.did_section()

# %%
report.its_section()

# %%
report.power_section()

# %%
report.expansion_section()

# %%
report.conclusion()

# %%
report.warnings_section()

# %%
report.glossary()
