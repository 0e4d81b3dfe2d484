{#- USD per unit of every currency the ECB quotes, with the days each rate is valid for.
    The ECB publishes units per 1 EUR on TARGET working days; the rate of a currency C is the
    cross rate via EUR, USD_per_EUR / C_per_EUR of the same reference date, rounded half away
    from zero to 12 decimals (DECIMAL(38,12): 8 significant digits even for IDR or the 1999
    lira rates). EUR is USD_per_EUR itself; USD is 1 on every day (valid_from and valid_to
    null). A rate is valid from its reference date up to the next one (weekends and holidays
    use the last rate published before them); the latest rate is open-ended (valid_to null),
    so no rate ever depends on today's date. -#}
with

ecb_rates as (

    select * from {{ ref('stg_ecb__fx_rates') }}

),

usd_per_eur as (

    select
        rate_date,
        units_per_eur as usd_per_eur
    from ecb_rates
    where currency = 'USD'

),

crossed as (

    -- a day without a USD quote gives no cross rate: the previous one stays valid
    select
        ecb_rates.currency,
        ecb_rates.rate_date,
        ecb_rates.units_per_eur,
        usd_per_eur.usd_per_eur,
        {{ divide('usd_per_eur.usd_per_eur', 'ecb_rates.units_per_eur', 12, 6) }} as usd_per_unit,
        ecb_rates.rate_source
    from ecb_rates
    inner join usd_per_eur
        on ecb_rates.rate_date = usd_per_eur.rate_date
    where ecb_rates.currency <> 'USD'

),

euro as (

    select
        'EUR' as currency,
        ecb_rates.rate_date,
        cast(1 as decimal(18, 6)) as units_per_eur,
        ecb_rates.units_per_eur as usd_per_eur,
        cast(ecb_rates.units_per_eur as decimal(38, 12)) as usd_per_unit,
        ecb_rates.rate_source
    from ecb_rates
    where ecb_rates.currency = 'USD'

),

dated as (

    select * from crossed
    union all
    select * from euro

),

ranged as (

    select
        currency,
        rate_date,
        rate_date as valid_from,
        lead(rate_date) over (partition by currency order by rate_date) as valid_to,
        units_per_eur,
        usd_per_eur,
        usd_per_unit,
        rate_source
    from dated

),

us_dollar as (

    select
        'USD' as currency,
        cast(null as date) as rate_date,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to,
        cast(null as decimal(18, 6)) as units_per_eur,
        cast(null as decimal(18, 6)) as usd_per_eur,
        cast(1 as decimal(38, 12)) as usd_per_unit,
        'identity' as rate_source

),

final as (

    select * from ranged
    union all
    select * from us_dollar

)

select * from final
