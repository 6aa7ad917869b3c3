# Regenerates tests/reference/basque_synth_r.json (see basque_synth_r.md).
# Needs R with the packages Synth and jsonlite (not available on this project's machines: the
# JSON was transcribed from the printed output of exactly these calls).
#   Rscript tests/reference/basque_synth_r.R > tests/reference/basque_synth_r.json
# The specification is R Synth's documented Basque example (Abadie, Diamond & Hainmueller 2011,
# JSS 42(13), section 3), i.e. Abadie & Gardeazabal (2003).
library(Synth)
library(jsonlite)
data(basque)
dataprep.out <- dataprep(
  foo = basque,
  predictors = c("school.illit", "school.prim", "school.med", "school.high",
                 "school.post.high", "invest"),
  predictors.op = "mean",
  time.predictors.prior = 1964:1969,
  special.predictors = list(
    list("gdpcap", 1960:1969, "mean"),
    list("sec.agriculture", seq(1961, 1969, 2), "mean"),
    list("sec.energy", seq(1961, 1969, 2), "mean"),
    list("sec.industry", seq(1961, 1969, 2), "mean"),
    list("sec.construction", seq(1961, 1969, 2), "mean"),
    list("sec.services.venta", seq(1961, 1969, 2), "mean"),
    list("sec.services.nonventa", seq(1961, 1969, 2), "mean"),
    list("popdens", 1969, "mean")),
  dependent = "gdpcap",
  unit.variable = "regionno",
  unit.names.variable = "regionname",
  time.variable = "year",
  treatment.identifier = 17,
  controls.identifier = c(2:16, 18),
  time.optimize.ssr = 1960:1969,
  time.plot = 1955:1997)
runs <- list(nelder_mead = synth(data.prep.obj = dataprep.out),
             bfgs = synth(data.prep.obj = dataprep.out, method = "BFGS"))
positive <- function(w) { w <- w[, 1]; as.list(w[w > 1e-3]) }
tab <- synth.tab(dataprep.res = dataprep.out, synth.res = runs$nelder_mead)$tab.pred
out <- list(
  predictor_order_r = lapply(runs, function(r) sub("^special\\.(.*)\\.[0-9].*$", "\\1",
                                                    rownames(r$solution.v))),
  solution_v = lapply(runs, function(r) unname(r$solution.v[, 1])),
  weights = lapply(runs, function(r) positive(r$solution.w)),
  loss_v = lapply(runs, function(r) unname(r$loss.v[1, 1])),
  loss_w = list(nelder_mead = unname(runs$nelder_mead$loss.w[1, 1])),
  published_paper_weights = list("10" = 0.8508, "14" = 0.1492),
  tab_pred = list(order = rownames(tab), treated = unname(tab[, 1]),
                  synthetic = unname(tab[, 2]), sample_mean = unname(tab[, 3])))
cat(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE))
