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
# Report: how a candidate kommun compares with the pilot area and riket.
# Run with `pilotbench report --candidate NAME`; every number comes from the research package.
pilot: str = ""  # pilot area, code or name (empty: the case's pilot, see data/pilots.toml)
candidate: str = ""  # candidate kommun, code or name (empty: the case's candidate)
indicators: list = None  # indicator ids to show (None: the default violence indicators)
start_year: int = 2008  # first year in charts
end_year: int = 2022  # last year in charts and tables
pilot_start: str = ""  # pilot start, YYYY-MM (empty: the case's)
lang: str = "sv"  # report language: sv or en

# %%
# Parameter controls (kommun, indicator, years) when run in JupyterLab; nothing is shown when
# the notebook runs as a report.
from research.lab.notebook import controls

controls("pilot_vs_candidate", globals())

# %%
from research.views.pilot_vs_candidate.sections import pilot_vs_candidate

report = pilot_vs_candidate(
    pilot=pilot,
    candidate=candidate,
    indicators=indicators,
    start_year=start_year,
    end_year=end_year,
    pilot_start=pilot_start,
    lang=lang,
)
report.title()

# %%
report.summary()

# %%
report.intro()

# %%
report.latest_table()

# %%
report.trends_heading()

# %%
for indicator in report.indicators:
    display(report.trend_chart(indicator))  # noqa: F821 (IPython's display)

# %%
report.trend_table()

# %%
report.funnel()

# %%
report.similar()

# %%
report.power()

# %%
report.breaks_note()

# %%
report.caveats()

# %%
report.glossary()
