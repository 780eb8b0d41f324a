"""Installed in place of django.contrib.admin (INSTALLED_APPS): the same admin, on our site
class."""

from django.contrib.admin.apps import AdminConfig


class SiteAdminConfig(AdminConfig):
    default_site = "coproduce.web.admin_site.SiteAdmin"
