{#- Every provider's FOCUS charges in one relation with one column list. To add a source,
    add its int_<source>_charges_mapped model here (README "Adding a source"). -#}
{{ focus_union([
    'int_aws_charges_mapped',
    'int_gcp_charges_mapped',
    'int_azure_charges_mapped',
    'int_focus_export_charges_mapped',
    'int_llm_charges_mapped',
    'int_llm_charges_billed',
]) }}
