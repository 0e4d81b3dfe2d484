with

line_values as (

    select * from {{ ref('fct_tei_line_values_discounted') }}

),

final as (

    select
        analysis_id,
        line_id,
        period,
        line_name,
        source_model,
        currency,
        risk_adjustment,
        unadjusted,
        risk_adjusted,
        discount_factor,
        present_value
    from line_values
    where kind = 'benefit'

)

select * from final
