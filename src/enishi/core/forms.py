from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Every form field is rendered by templates/forms/field.html: label with 必須/任意,
    help text and errors tied to the input with aria-describedby."""

    field_template_name = "forms/field.html"
