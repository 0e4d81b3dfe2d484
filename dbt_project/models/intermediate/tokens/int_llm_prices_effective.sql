{#- The price book with an id per row, an open end closed at 9999-12-31, and the number of
    other rows of the same provider, model, tier and context window whose period overlaps it
    (must be 0: a day has exactly one price). context_window_key is the window a usage line
    must carry to take the row: 'base' for an empty context_window (the model's base window). -#}
with

prices as (

    select * from {{ ref('llm_prices') }}

),

keyed as (

    select
        {{ dbt.concat([
            "provider", "'/'", "model", "'/'", "service_tier", "'/'", "coalesce(context_window, 'base')", "'/'",
            "cast(effective_from as " ~ dbt.type_string() ~ ")"]) }} as price_id,
        prices.*,
        coalesce(lower(context_window), 'base') as context_window_key,
        coalesce(effective_to, cast('9999-12-31' as date)) as effective_until
    from prices

),

overlap_counts as (

    select
        this_row.price_id,
        count(other_row.price_id) as overlapping_rows
    from keyed as this_row
    left join keyed as other_row
        on this_row.provider = other_row.provider
            and this_row.model = other_row.model
            and this_row.service_tier = other_row.service_tier
            and this_row.context_window_key = other_row.context_window_key
            and this_row.price_id <> other_row.price_id
            and this_row.effective_from < other_row.effective_until
            and other_row.effective_from < this_row.effective_until
    group by this_row.price_id

),

final as (

    select
        keyed.*,
        overlap_counts.overlapping_rows
    from keyed
    inner join overlap_counts
        on keyed.price_id = overlap_counts.price_id

)

select * from final
