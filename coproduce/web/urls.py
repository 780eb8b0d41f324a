from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.index, name="index"),
    path("home/", views.home, name="home"),
    # Placeholders filled in by the web layer; names are used by services for links in emails.
    path("references/<str:token>/", views.reference_answer, name="reference_answer"),
    path("c/<slug:slug>/members/<int:number>/", views.member_detail, name="member_detail"),
]
