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
# Report: the decision brief ("Beslutsunderlag"), at most two A4 pages: should the candidate
# kommun show interest in joining the pilot if it expands? Every number comes from the package.
pilot: str = ""  # pilot area, code or name (empty: the case's pilot, see data/pilots.toml)
candidate: str = ""  # candidate kommun, code or name (empty: the case's candidate)
indicator: str = "N07402"  # outcome of the effect and detectability sections
indicators: list = None  # indicator ids of the need table (None: the default violence indicators)
start_year: int = 2008  # first year of the effect analysis and trends
end_year: int = 2022  # last year of every analysis window
pilot_start: str = ""  # pilot start, YYYY-MM (empty: the case's)
lang: str = "sv"  # report language: sv or en

# %%
# Parameter controls (kommun, indicator, years) when run in JupyterLab; nothing is shown when
# the notebook runs as a report.
from research.lab.notebook import controls

controls("decision_brief", globals())

# %%
from research.views.decision_brief.sections import decision_brief

brief = decision_brief(
    pilot=pilot,
    candidate=candidate,
    indicator=indicator,
    indicators=indicators,
    start_year=start_year,
    end_year=end_year,
    pilot_start=pilot_start,
    lang=lang,
)
brief.title()

# %%
brief.summary()

# %%
brief.question()

# %%
brief.need()

# %%
brief.effect_section()

# %%
brief.similarity()

# %%
brief.power()

# %%
brief.sources()
