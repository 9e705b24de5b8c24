"""API tokens are made only with `manage.py create_api_token`, which audits it: DRF's token admin
(which also lists every token's key) is taken out of the administration pages."""

from django.contrib import admin
from rest_framework.authtoken.models import TokenProxy

if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
