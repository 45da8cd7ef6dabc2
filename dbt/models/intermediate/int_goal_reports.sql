-- One row per goals report (a version of what one unit planned for one jornada, as delivered
-- in one file), with its size, its invalid lines and a fingerprint of its content; assembled as
-- unit reports are (macro report_rows).
{{ report_rows(
    ref('int_goal_lines'),
    ref('int_goal_line_checks'),
    quantity='target',
    dated=false,
    numbered=false,
) }}
