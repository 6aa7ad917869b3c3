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
# Report: which kommuner suit an expansion of the pilot? A transparent screening on need,
# similarity to the pilot area and detectability; every number comes from
# research.analyses.screening.
pilot: str = ""  # pilot kommun, code or name (empty: the case's pilot, see data/pilots.toml)
indicator: str = "N07402"  # outcome indicator id, a rate (default grov kvinnofridskränkning)
years: str = "2020-2022"  # years pooled, "first-last"
top: int = 30  # rows in the main table (the focus kommun is always shown)
lan: str = ""  # restrict the table to one län, code or name, e.g. "01"; empty: all kommuner
areas: str = ""  # restrict the table to an official group, e.g. skr:Pendlingskommun nära storstad
focus: str = ""  # kommun the report follows, code or name (empty: the case's candidate)
w_need: float = None  # relative weight of need, 0 or more (None: the default, 1/3)
w_similarity: float = None  # relative weight of similarity to the pilot (None: default 1/3)
w_detectability: float = None  # relative weight of detectability (None: default 1/3)
lang: str = "sv"  # report language: sv or en

# %%
# Parameter controls (kommun, indicator, years) when run in JupyterLab; nothing is shown when
# the notebook runs as a report.
from research.lab.notebook import controls

controls("candidate_screening", globals())

# %%
from research.views.candidate_screening.sections import candidate_screening

report = candidate_screening(
    pilot=pilot,
    indicator=indicator,
    years=years,
    top=top,
    lan=lan,
    areas=areas,
    focus=focus,
    w_need=w_need,
    w_similarity=w_similarity,
    w_detectability=w_detectability,
    lang=lang,
)
report.title()

# %%
report.summary()

# %%
report.intro()

# %%
report.main_table()

# %%
report.overview_chart()

# %%
report.sensitivity_table()

# %%
report.notes()

# %%
report.glossary()
