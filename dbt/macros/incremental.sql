{#
  Incremental unit-report models (docs/ARCHITECTURE.md, "Incremental builds"). A build
  processes the batch of files in int_unit_report_batch; the verdicts and facts are recomputed
  for every (unit, jornada) pair a batch report touches, because a new version can change the
  verdict of the versions already there.
#}

{# The files of this build's batch. #}
{% macro unit_report_batch_files() -%}
    select file_hash from {{ ref('int_unit_report_batch') }}
{%- endmacro %}

{# Every (unit_id, jornada_id) pair, as delivered (either may be null), of a batch report. #}
{% macro unit_report_batch_pairs() -%}
    select distinct
        unit_id,
        jornada_id
    from {{ ref('int_unit_reports') }}
    where file_hash in ({{ unit_report_batch_files() }})
{%- endmacro %}
