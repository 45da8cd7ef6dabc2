{#
  Incremental unit-report models (docs/ARCHITECTURE.md, "Incremental builds"). A build
  processes the batch of files in int_unit_report_batch; the verdicts and facts are recomputed
  for every (unit, jornada) pair a batch report touches, because a new version can change the
  verdict of the versions already there.
#}

{#- The relations below default to ref(); dbt's tests pass them in instead (see
    get_where_subquery), so that a model and the tests of what it builds read one SQL text. -#}

{# int_unit_report_files_built, the files an earlier build marked done, as a relation; none on a
   full build, before the first build, or when dbt only parses. #}
{% macro unit_report_files_already_built() -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set built = _model_relation('int_unit_report_files_built') -%}
    {%- do return(adapter.get_relation(database=built.database, schema=built.schema, identifier=built.identifier)) -%}
{%- endmacro %}

{# The unit-report files a build carries through: every file read, less those in `built`
   (unit_report_files_already_built()). #}
{% macro unit_report_files_to_build(built, files=none) -%}
    select
        file_hash,
        first_seen_at
    from {{ files if files is not none else ref('stg_files') }}
    where
        kind = 'unit_report'
        and file_verdict = 'read'
        {%- if built is not none %}
        and file_hash not in (select built.file_hash from {{ built }} as built)
        {%- endif %}
{%- endmacro %}

{# The files of this build's batch. #}
{% macro unit_report_batch_files(batch=none) -%}
    select file_hash from {{ batch if batch is not none else ref('int_unit_report_batch') }}
{%- endmacro %}

{# Every (unit_id, jornada_id) pair, as delivered (either may be null), of a batch report. #}
{% macro unit_report_batch_pairs(reports=none, batch=none) -%}
    select distinct
        unit_id,
        jornada_id
    from {{ reports if reports is not none else ref('int_unit_reports') }}
    where file_hash in ({{ unit_report_batch_files(batch) }})
{%- endmacro %}

{# True for the rows (with unit_id and jornada_id) of a pair the batch touches. #}
{#- One line, so that it reads (and lints) the same at any indentation of the calling model. -#}
{% macro in_unit_report_batch_pairs() -%}
    {%- set condition -%}
        (unit_id, jornada_id) in (select pairs.unit_id, pairs.jornada_id from ({{ unit_report_batch_pairs() }}) as pairs)
    {%- endset -%}
    {{ condition | replace('\n', ' ') }}
{%- endmacro %}

{# Pre-hook of the models rebuilt per pair: on an incremental build, delete the batch's pairs. #}
{% macro delete_unit_report_batch_pairs() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_unit_report_batch_pairs() }}
    {%- endif -%}
{%- endmacro %}

{#- dbt calls this for every generic data test to choose the rows it tests. A model whose
    YAML sets `meta: tested_rows` grows with every delivery, and its tests look at what this
    build changed:
      batch_files   - the lines of the build's batch of files (int_unit_report_batch);
      unbuilt_files - the same files, for models tested before that batch table is built:
                      those read but not yet marked built by an earlier build;
      batch_pairs   - the rows of the (unit, jornada) pairs the batch touches (the model's key
                      includes unit and day or jornada, so a duplicate can only be within one).
    With an empty batch (`dbt test` after a build) they test the whole table, and a full build's
    batch is every file. The rest is dbt's default: the test's `where` config. -#}
{% macro get_where_subquery(relation) -%}
    {%- if not execute -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set tested_rows = _tested_rows(relation) -%}
    {%- set batch = _model_relation('int_unit_report_batch') -%}
    {%- set whole_table_when_no_batch = 'not exists (select 1 from ' ~ batch ~ ')' -%}
    {%- if tested_rows == 'batch_files' -%}
        {%- do conditions.append(
            '(file_hash in (select file_hash from ' ~ batch ~ ') or ' ~ whole_table_when_no_batch ~ ')'
        ) -%}
    {%- elif tested_rows == 'unbuilt_files' -%}
        {%- set built = unit_report_files_already_built() -%}
        {%- if built is not none -%}
            {%- set unbuilt = unit_report_files_to_build(built, files=_model_relation('stg_files')) -%}
            {%- do conditions.append(
                '(file_hash in (select unbuilt.file_hash from (' ~ unbuilt ~ ') as unbuilt)'
                ~ ' or not exists (' ~ unbuilt ~ '))'
            ) -%}
        {%- endif -%}
    {%- elif tested_rows == 'batch_pairs' -%}
        {%- set pairs = unit_report_batch_pairs(_model_relation('int_unit_reports'), batch) -%}
        {%- do conditions.append(
            '((unit_id, jornada_id) in (' ~ pairs ~ ') or ' ~ whole_table_when_no_batch ~ ')'
        ) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The `meta: tested_rows` of the model behind `relation`, if any. -#}
{% macro _tested_rows(relation) -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.alias == relation.identifier and node.schema == relation.schema -%}
        {%- do return(node.meta.get('tested_rows')) -%}
    {%- endfor -%}
    {%- do return(none) -%}
{%- endmacro %}

{#- A model of this project by name, without ref(): a test's dependencies are fixed when dbt
    parses it, and these relations are only read, never built, by the test. -#}
{% macro _model_relation(name) -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ name] -%}
    {%- do return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) -%}
{%- endmacro %}
