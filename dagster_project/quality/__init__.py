"""Quality gates: Great Expectations suites from `expectations/`, run over bounded batches of
the build database, with every outcome appended to `audit.quality_results`.

`suites` reads the JSON suites, `scope` decides which data is new in this run, `rules` turns
DHIS2-style validation rules into SQL, `engine` validates with Great Expectations, `results`
stores outcomes, and `data_docs` renders them as offline HTML.
"""
