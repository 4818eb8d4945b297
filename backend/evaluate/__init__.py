"""`itp eval`: the pipeline run over the sample pages, measured.

Metrics (`accuracy`, `removal`, `placement`) are pure functions over the pipeline's typed
values and OCR readings; `page` puts them together for one image, `totals` over a run,
`runner` drives the embedded pipeline, `sheet` writes the HTML contact sheet and `compare`
sets two runs side by side.
"""
