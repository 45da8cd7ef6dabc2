{#
  Incremental unit-report and goal models (docs/ARCHITECTURE.md, "Incremental builds"). Each of
  the two chains (`chain`: 'unit_report' or 'goal') processes the batch of its files in
  int_<chain>_batch; the verdicts and facts are recomputed for every (unit, jornada) pair a
  batch report touches, because a new version can change the verdict of the versions already
  there.
#}

{#- The relations below default to ref(); dbt's tests pass them in instead (see
    get_where_subquery), so that a model and the tests of what it builds read one SQL text. -#}

{# The models of a chain (its batch, the files it marked built, its reports) and its file kind. #}
{% macro _chain(chain) -%}
    {%- set chains = {
        'unit_report': {
            'batch': 'int_unit_report_batch',
            'built': 'int_unit_report_files_built',
            'reports': 'int_unit_reports',
            'kind': 'unit_report',
        },
        'goal': {
            'batch': 'int_goal_batch',
            'built': 'int_goal_files_built',
            'reports': 'int_goal_reports',
            'kind': 'goal',
        },
    } -%}
    {%- if chain not in chains -%}
        {%- do exceptions.raise_compiler_error("unknown incremental chain: " ~ chain) -%}
    {%- endif -%}
    {%- do return(chains[chain]) -%}
{%- endmacro %}

{# int_<chain>_files_built, the files an earlier build marked done, as a relation; none on a
   full build, before the first build, or when dbt only parses. #}
{% macro files_already_built(chain) -%}
    {%- if not execute or flags.FULL_REFRESH -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set built = _model_relation(_chain(chain).built) -%}
    {%- do return(adapter.get_relation(database=built.database, schema=built.schema, identifier=built.identifier)) -%}
{%- endmacro %}

{# The files of a chain a build carries through: every file of its kind read, less those in
   `built` (files_already_built()). #}
{% macro files_to_build(chain, built, files=none) -%}
    select
        file_hash,
        first_seen_at
    from {{ files if files is not none else ref('stg_files') }}
    where
        kind = '{{ _chain(chain).kind }}'
        and file_verdict = 'read'
        {%- if built is not none %}
        and file_hash not in (select built.file_hash from {{ built }} as built)
        {%- endif %}
{%- endmacro %}

{# The files of this build's batch of a chain. #}
{% macro batch_files(chain, batch=none) -%}
    select file_hash from {{ batch if batch is not none else ref(_chain(chain).batch) }}
{%- endmacro %}

{# Every (unit_id, jornada_id) pair, as delivered (either may be null), of a batch report. #}
{% macro batch_pairs(chain, reports=none, batch=none) -%}
    select distinct
        unit_id,
        jornada_id
    from {{ reports if reports is not none else ref(_chain(chain).reports) }}
    where file_hash in ({{ batch_files(chain, batch) }})
{%- endmacro %}

{# True for the rows (with unit_id and jornada_id) of a pair the batch touches. #}
{#- One line, so that it reads (and lints) the same at any indentation of the calling model. -#}
{% macro in_batch_pairs(chain) -%}
    {%- set condition -%}
        (unit_id, jornada_id) in (select pairs.unit_id, pairs.jornada_id from ({{ batch_pairs(chain) }}) as pairs)
    {%- endset -%}
    {{ condition | replace('\n', ' ') }}
{%- endmacro %}

{# Pre-hook of the models rebuilt per pair: on an incremental build, delete the batch's pairs. #}
{% macro delete_batch_pairs(chain) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_batch_pairs(chain) }}
    {%- endif -%}
{%- endmacro %}

{# A chain's report verdicts (macro report_verdicts): on an incremental build, of every version
   of the (unit, jornada) pairs the batch touches, since a new version can change the verdict of
   the versions already there; otherwise of every version. #}
{% macro chain_report_verdicts(chain) -%}
    {%- set reports = ref(_chain(chain).reports) -%}
    {%- if is_incremental() -%}
        {%- set reports = "(select reports.* from " ~ reports ~ " as reports"
            ~ " where exists (select 1 from (" ~ batch_pairs(chain) ~ ") as pairs"
            ~ " where pairs.unit_id is not distinct from reports.unit_id"
            ~ " and pairs.jornada_id is not distinct from reports.jornada_id))" -%}
    {%- endif -%}
    {{ report_verdicts(reports) }}
{%- endmacro %}

{#- dbt calls this for every generic data test to choose the rows it tests. A model whose
    YAML sets `meta: tested_rows` grows with every delivery, and its tests look at what this
    build changed in its chain (`meta: incremental_chain`, 'unit_report' unless set):
      batch_files   - the lines of the build's batch of files (int_<chain>_batch);
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
    {%- set meta = _model_meta(relation) -%}
    {%- set tested_rows = meta.get('tested_rows') -%}
    {%- set chain = meta.get('incremental_chain', 'unit_report') -%}
    {%- if tested_rows -%}
        {%- set batch = _model_relation(_chain(chain).batch) -%}
        {%- set whole_table_when_no_batch = 'not exists (select 1 from ' ~ batch ~ ')' -%}
    {%- endif -%}
    {%- if tested_rows == 'batch_files' -%}
        {%- do conditions.append(
            '(file_hash in (select file_hash from ' ~ batch ~ ') or ' ~ whole_table_when_no_batch ~ ')'
        ) -%}
    {%- elif tested_rows == 'unbuilt_files' -%}
        {%- set built = files_already_built(chain) -%}
        {%- if built is not none -%}
            {%- set unbuilt = files_to_build(chain, built, files=_model_relation('stg_files')) -%}
            {%- do conditions.append(
                '(file_hash in (select unbuilt.file_hash from (' ~ unbuilt ~ ') as unbuilt)'
                ~ ' or not exists (' ~ unbuilt ~ '))'
            ) -%}
        {%- endif -%}
    {%- elif tested_rows == 'batch_pairs' -%}
        {%- set pairs = batch_pairs(chain, _model_relation(_chain(chain).reports), batch) -%}
        {%- do conditions.append(
            '((unit_id, jornada_id) in (' ~ pairs ~ ') or ' ~ whole_table_when_no_batch ~ ')'
        ) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The `meta` of the model behind `relation` ({} when it is not one of this project's). -#}
{% macro _model_meta(relation) -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.alias == relation.identifier and node.schema == relation.schema -%}
        {%- do return(node.meta) -%}
    {%- endfor -%}
    {%- do return({}) -%}
{%- endmacro %}

{#- A model of this project by name, without ref(): a test's dependencies are fixed when dbt
    parses it, and these relations are only read, never built, by the test. -#}
{% macro _model_relation(name) -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ name] -%}
    {%- do return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) -%}
{%- endmacro %}
