-- Every failed check of every goal line: one row per (line, failed check), with the reason code
-- of docs/ARCHITECTURE.md (quantity codes apply to `target`), the column at fault, what was
-- delivered and plain words; the checks are those of unit-report lines (macro line_checks),
-- less the service date.
{{ line_checks(
    ref('int_goal_lines'),
    quantity='target',
    whole_hint='plan whole services',
    zero_hint='write 0 when nothing is planned',
    report_name='goals report',
    dated=false,
) }}
