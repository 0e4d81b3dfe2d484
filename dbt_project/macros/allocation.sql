{#- Exact allocation helpers. Money is split in integer minor units (cents, yen) so that
    nothing is rounded twice and the parts always sum to the whole. -#}

{% macro wide_integer_type() %}{{ return(adapter.dispatch('wide_integer_type', 'finops')()) }}{% endmacro %}
{% macro default__wide_integer_type() %}{{ return('decimal(38, 0)') }}{% endmacro %}
{% macro duckdb__wide_integer_type() %}{{ return('hugeint') }}{% endmacro %}

{#- floor(a / b) for non-negative integers a and b > 0, exactly (no float on the way). -#}
{% macro integer_divide(a, b) %}{{ return(adapter.dispatch('integer_divide', 'finops')(a, b)) }}{% endmacro %}
{% macro default__integer_divide(a, b) %}floor(({{ a }}) / ({{ b }})){% endmacro %}
{% macro duckdb__integer_divide(a, b) %}(({{ a }}) // ({{ b }})){% endmacro %}
{#- Spark divides decimal(38, 0) by decimal(38, 0) into decimal(38, 18), rounded: the floor of
    that can be one off when the quotient is within 1e-18 of an integer, so it is corrected
    with the exact remainder (a - q * b must lie in [0, b)). -#}
{% macro spark__integer_divide(a, b) -%}
    {%- set q = "cast(floor((" ~ a ~ ") / (" ~ b ~ ")) as decimal(38, 0))" -%}
    ({{ q }} - case
        when ({{ a }}) - {{ q }} * ({{ b }}) < 0 then 1
        when ({{ a }}) - {{ q }} * ({{ b }}) >= ({{ b }}) then -1
        else 0
    end)
{%- endmacro %}

{#- numerator / denominator rounded half away from zero to `scale` decimals, exactly and the
    same on every engine: DuckDB divides decimals in double precision and Spark rounds the
    quotient to a scale of its own, so neither divides the decimals themselves. Both operands
    are taken to operand_scale decimals (10: money; every decimal has at most 10 but the
    compounded TEI factors), as integers in those units, and divided with integer_divide.
    Null when the denominator is 0 or null. Range: |numerator| x 10^(scale + operand_scale)
    below 8.5e37 (DuckDB's hugeint) and the quotient below 1e20 / 10^scale (Spark). -#}
{% macro divide(numerator, denominator, scale=10, operand_scale=10) -%}
    {%- set wide = wide_integer_type() -%}
    {%- set operand_unit = "cast(" ~ (10 ** operand_scale) ~ " as " ~ wide ~ ")" -%}
    {%- set operand_type = "decimal(38, " ~ operand_scale ~ ")" -%}
    {%- set n = "cast(cast(" ~ numerator ~ " as " ~ operand_type ~ ") * " ~ operand_unit ~ " as " ~ wide ~ ")" -%}
    {%- set d = "cast(cast(" ~ denominator ~ " as " ~ operand_type ~ ") * " ~ operand_unit ~ " as " ~ wide ~ ")" -%}
    {%- set unit = "1" if scale == 0 else "0." ~ ("0" * (scale - 1)) ~ "1" -%}
    case
        when {{ d }} <> 0 then cast(
            cast(
                case when ({{ n }} < 0) <> ({{ d }} < 0) then -1 else 1 end
                * {{ integer_divide("abs(" ~ n ~ ") * cast(" ~ (10 ** scale) ~ " as " ~ wide ~ ") * 2 + abs(" ~ d ~ ")", "2 * abs(" ~ d ~ ")") }}
                as decimal(38, 0)
            ) * cast({{ unit }} as decimal(38, {{ scale }}))
            as decimal(38, {{ scale }})
        )
    end
{%- endmacro %}

{#- Stop the build with a readable message when a value that must exist is missing. -#}
{% macro require_not_null(expr, message_expr) %}{{ return(adapter.dispatch('require_not_null', 'finops')(expr, message_expr)) }}{% endmacro %}
{% macro default__require_not_null(expr, message_expr) %}case when {{ expr }} is null then raise_error({{ message_expr }}) else {{ expr }} end{% endmacro %}
{% macro duckdb__require_not_null(expr, message_expr) %}case when {{ expr }} is null then error({{ message_expr }}) else {{ expr }} end{% endmacro %}

{#- Round a set of exact amounts to minor units so that they sum to the rounded total
    (largest remainder). Input relation columns: group_key, item_key, amount_scaled (the
    exact amount times 10^minor_unit, a decimal). Output: group_key, item_key, units (integer
    minor units). Ties go to the smaller item_key, so the result is deterministic. -#}
{% macro round_preserving_total(relation) %}
    with

    items as (

        select
            group_key,
            item_key,
            amount_scaled,
            floor(amount_scaled) as floor_units,
            amount_scaled - floor(amount_scaled) as remainder
        from {{ relation }}

    ),

    targets as (

        select
            group_key,
            round(sum(amount_scaled), 0) - sum(floor_units) as units_to_add
        from items
        group by group_key

    ),

    ranked as (

        select
            items.*,
            targets.units_to_add,
            row_number() over (partition by items.group_key order by items.remainder desc, items.item_key) as remainder_rank
        from items
        inner join targets
            on items.group_key = targets.group_key

    )

    select
        group_key,
        item_key,
        cast(floor_units + case when remainder_rank <= units_to_add then 1 else 0 end as {{ wide_integer_type() }}) as units
    from ranked
{% endmacro %}

{#- Split each pool (integer minor units, any sign) across tenants in proportion to
    non-negative integer weights, largest remainder. Inputs: pools(pool_key, amount_units),
    drivers(pool_key, tenant, weight). A pool whose weights are all zero goes whole to the
    `unallocated` tenant (callers apply a rule's fallback driver first). Output: pool_key,
    tenant, weight, weight_total, allocated_units, then the `carry` columns of the drivers
    row of the part's pool and tenant (null on a pool's undriven `unallocated` part). -#}
{% macro split_pool_by_driver(pools, drivers, carry=[]) %}
    with

    pools_in as (

        select
            pool_key,
            cast(amount_units as {{ wide_integer_type() }}) as amount_units
        from {{ pools }}

    ),

    drivers_in as (

        select
            pool_key,
            tenant,
            cast(weight as {{ wide_integer_type() }}) as weight
        from {{ drivers }}
        where weight > 0

    ),

    driver_totals as (

        select
            pool_key,
            sum(weight) as weight_total
        from drivers_in
        group by pool_key

    ),

    weighted as (

        select
            pools_in.pool_key,
            drivers_in.tenant,
            drivers_in.weight,
            driver_totals.weight_total,
            case when pools_in.amount_units < 0 then -1 else 1 end as pool_sign,
            abs(pools_in.amount_units) as abs_units
        from pools_in
        inner join drivers_in
            on pools_in.pool_key = drivers_in.pool_key
        inner join driver_totals
            on pools_in.pool_key = driver_totals.pool_key

    ),

    floored as (

        select
            weighted.*,
            {{ integer_divide('abs_units * weight', 'weight_total') }} as base_units,
            abs_units * weight - {{ integer_divide('abs_units * weight', 'weight_total') }} * weight_total as remainder
        from weighted

    ),

    ranked as (

        select
            floored.*,
            abs_units - sum(base_units) over (partition by pool_key) as units_left,
            row_number() over (partition by pool_key order by remainder desc, tenant) as remainder_rank
        from floored

    ),

    allocated as (

        select
            pool_key,
            tenant,
            weight,
            weight_total,
            cast(pool_sign * (base_units + case when remainder_rank <= units_left then 1 else 0 end) as {{ wide_integer_type() }})
                as allocated_units
        from ranked

    ),

    without_driver as (

        select
            pools_in.pool_key,
            'unallocated' as tenant,
            cast(0 as {{ wide_integer_type() }}) as weight,
            cast(0 as {{ wide_integer_type() }}) as weight_total,
            pools_in.amount_units as allocated_units
        from pools_in
        left join driver_totals
            on pools_in.pool_key = driver_totals.pool_key
        where driver_totals.pool_key is null

    )

    {%- if carry %}
    ,

    parts as (

        select * from allocated
        union all
        select * from without_driver

    )

    select
        parts.*
        {%- for column in carry %},
        drivers_carried.{{ column }}
        {%- endfor %}
    from parts
    left join {{ drivers }} as drivers_carried
        on parts.pool_key = drivers_carried.pool_key
        and parts.tenant = drivers_carried.tenant
    {%- else %}

    select * from allocated
    union all
    select * from without_driver
    {%- endif %}
{% endmacro %}

{#- Integer units back to money: units x 10^-scale, exactly (scale: a number, or a column
    such as a currency's minor_unit). -#}
{% macro units_to_money(units, scale=10) -%}
    {%- if scale is number -%}
        {%- set unit = "cast(" ~ ("1" if scale == 0 else "0." ~ ("0" * (scale - 1)) ~ "1") ~ " as decimal(38, " ~ scale ~ "))" -%}
    {%- else -%}
        {%- set unit = "cast(power(10, -" ~ scale ~ ") as " ~ money_type() ~ ")" -%}
    {%- endif -%}
    cast(cast({{ units }} as decimal(38, 0)) * {{ unit }} as {{ money_type() }})
{%- endmacro %}

{#- weight / weight_total for reading, truncated to 10 decimals by integer arithmetic (no
    float); 1 when weight_total is 0 (a pool without drivers goes whole to one part). The
    allocation itself is exact integer arithmetic on the weights. -#}
{% macro weight_share(weight, weight_total) -%}
    case
        when {{ weight_total }} > 0
            then cast(cast({{ integer_divide(weight ~ ' * 10000000000', weight_total) }} as decimal(38, 0)) * cast(0.0000000001 as decimal(38, 10)) as decimal(38, 10))
        else 1
    end
{%- endmacro %}

{#- The rate converting a currency to the reporting currency, from the USD per unit of each
    (int_fx_rates_ranged): both are cross rates via EUR at 12 decimals; the quotient is kept
    to 12 decimals too (exact: integer division of the scaled operands). -#}
{% macro fx_rate_to_reporting(from_usd_per_unit, to_usd_per_unit) -%}
    {{ divide(from_usd_per_unit, to_usd_per_unit, 12, 12) }}
{%- endmacro %}

{#- The int_fx_rates_ranged row `rates` valid on `on_date`: from its reference date up to the
    next one; USD (valid_from null) on every day; the latest rate (valid_to null) open-ended. -#}
{% macro fx_rate_valid_on(rates, on_date) -%}
    ({{ rates }}.valid_from is null or {{ rates }}.valid_from <= {{ on_date }})
        and ({{ rates }}.valid_to is null or {{ on_date }} < {{ rates }}.valid_to)
{%- endmacro %}
