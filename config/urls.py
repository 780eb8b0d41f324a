from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from coproduce.api.urls import api
from coproduce.core.views import healthz
from coproduce.web.views.favicon import favicon

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("coproduce.web.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "coproduce.web.errors.bad_request"
handler404 = "coproduce.web.errors.not_found"
handler403 = "coproduce.web.errors.forbidden"
handler500 = "coproduce.web.errors.server_error"
handler429 = "coproduce.web.errors.too_many_requests"  # allauth's rate limits look for it here
