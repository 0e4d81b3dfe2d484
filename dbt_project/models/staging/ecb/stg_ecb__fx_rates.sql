with

source as (

    select * from {{ source('ecb', 'fx_ecb_rates') }}

),

renamed as (

    select
        cast(rate_date as date) as rate_date,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(units_per_eur as decimal(18, 6)) as units_per_eur,
        cast(source as {{ dbt.type_string() }}) as rate_source
    from source

)

select * from renamed
