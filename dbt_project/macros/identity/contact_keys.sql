{#- Exact contact keys for deterministic look-ups (an invitation's addressee), the
    same rules as identity/normalise.py's email() and phone(): an e-mail is the
    lower-cased address without 'mailto:'; a phone is its digits without country
    code or trunk 0 and without an extension, null under 7 digits. Kept in step by
    the unit tests of fct_survey_invitations. -#}

{% macro cx_email_key(column) -%}
    nullif(
        regexp_extract(
            regexp_replace(lower(trim({{ column }})), '^mailto:', ''),
            '[a-z0-9._%+\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)+'
        ),
        ''
    )
{%- endmacro %}

{% macro cx_phone_key(column) -%}
    {%- set digits -%}
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(lower({{ column }}), '(转|ext\.?|x|#|分机).*$', ''),
                    '\D', '', 'g'
                ),
                '^(00)?86(\d{9,12})$', '\2'
            ),
            '^0([1-9]\d{8,10})$', '\1'
        )
    {%- endset -%}
    case when length({{ digits }}) >= 7 then {{ digits }} end
{%- endmacro %}
