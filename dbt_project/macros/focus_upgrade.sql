{#- Upgrading provider-native FOCUS exports (1.0, 1.1) to 1.2 values. -#}

{#- The allowed values of FOCUS 1.2 enum columns, and older spellings that mean the same. -#}
{% macro focus_enum_values() -%}
    {{ return({
        'ChargeCategory': ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'],
        'ChargeClass': ['Correction'],
        'ChargeFrequency': ['One-Time', 'Recurring', 'Usage-Based'],
        'PricingCategory': ['Standard', 'Dynamic', 'Committed', 'Other'],
        'CommitmentDiscountCategory': ['Spend', 'Usage'],
        'CommitmentDiscountStatus': ['Used', 'Unused'],
        'CapacityReservationStatus': ['Used', 'Unused'],
        'ServiceCategory': ['AI and Machine Learning', 'Analytics', 'Business Applications', 'Compute', 'Databases',
                            'Developer Tools', 'Multicloud', 'Identity', 'Integration', 'Internet of Things',
                            'Management and Governance', 'Media', 'Migration', 'Mobile', 'Networking', 'Security',
                            'Storage', 'Web', 'Other'],
    }) }}
{%- endmacro %}

{% macro focus_enum_legacy_spellings() -%}
    {#- FOCUS 1.0-preview PricingCategory values, renamed in 1.0 -#}
    {{ return({
        'PricingCategory': {'ondemand': 'Standard', 'commitmentbased': 'Committed'},
    }) }}
{%- endmacro %}

{#- The 1.2 spelling of an enum value, matched ignoring case, spaces, hyphens and underscores
    ('Usage-based', 'usage based', 'UsageBased' -> 'Usage-Based'); an unknown value is kept as
    delivered, so the schema-drift check and the validator still see it. -#}
{% macro focus_enum(expr, column) -%}
    {%- set key = "lower(replace(replace(replace(trim(" ~ expr ~ "), '-', ''), ' ', ''), '_', ''))" -%}
    case {{ key }}
        {%- for value in focus_enum_values()[column] %}
        when '{{ value | lower | replace("-", "") | replace(" ", "") }}' then '{{ value }}'
        {%- endfor %}
        {%- for spelling, value in focus_enum_legacy_spellings().get(column, {}).items() %}
        when '{{ spelling }}' then '{{ value }}'
        {%- endfor %}
        else {{ expr }}
    end
{%- endmacro %}
